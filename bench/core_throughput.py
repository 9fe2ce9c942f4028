"""Issue and call throughput of a running server, on SQLite and on PostgreSQL.

For each database it builds a fresh demo MPP, starts `mpp run` (gunicorn, threaded) on a
free loopback port, then:
  1. issue: K kiosk clients issue N tickets at once to one service;
  2. call:  C counters (each with its own staff login) call-next + finish until the queue
            is empty.
It prints tickets/s and p50/p99 request latency for each phase, and checks the numbers are
exactly 1..N and that no ticket was called twice.

With ``--processes P`` it starts P servers on the same database, sharing Redis for events
(as several gunicorn hosts behind nginx would), and spreads the clients over them.

    .venv/bin/python bench/core_throughput.py [--tickets 1000] [--kiosks 20] [--counters 8]
                                              [--processes 1] [--redis redis://127.0.0.1:6379/0]
                                              [--postgres postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mpp.db import Database  # noqa: E402
from mpp.services import accounts  # noqa: E402
from mpp.services.demo import demo_device_token  # noqa: E402
from mpp.services.site_layout import load_layout  # noqa: E402
from tests.support import databases  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

SERVICE = "KK"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def add_counters(url: str, n: int) -> None:
    db = Database(url)
    with db.write() as s:
        load_layout(s, {"site": {"code": "kendari", "name": "Mal Pelayanan Publik Kota Kendari",
                                 "timezone": "Asia/Makassar"},
                        "agencies": [{"code": "DUKCAPIL", "name": "Disdukcapil",
                                      "counters": [{"name": f"Bench {i}", "services": [SERVICE]}
                                                   for i in range(n)]}]}, databases.START)
        for i in range(n):
            accounts.create_user(s, databases.START, f"bench{i}", "petugas-mpp", "staff",
                                 "DUKCAPIL")
    db.dispose()


def run(label: str, url: str, args: argparse.Namespace, workdir: Path) -> None:
    add_counters(url, args.counters)
    redis = args.redis if args.processes > 1 else None
    servers = [LiveServer(url, workdir / f"{label}-{i}", redis_url=redis).start()
               for i in range(args.processes)]
    try:
        bases = [f"{server.url}/api/v1" for server in servers]
        base = bases[0]
        kiosk = {"Authorization": f"Bearer {demo_device_token(databases.TEST_SECRET, 'kiosk-1')}"}
        sid = next(s["id"] for s in requests.get(f"{base}/services").json()["services"]
                   if s["code"] == SERVICE)
        per = args.tickets // args.kiosks
        lat_issue: list[float] = []
        numbers: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(args.kiosks)

        def issuer(k: int) -> None:
            base = bases[k % len(bases)]
            http = requests.Session()
            mine, times = [], []
            barrier.wait()
            for _ in range(per):
                t0 = time.perf_counter()
                r = http.post(f"{base}/tickets", json={"service_id": sid}, headers=kiosk)
                times.append(time.perf_counter() - t0)
                r.raise_for_status()
                mine.append(r.json()["ticket"]["number"])
            with lock:
                lat_issue.extend(times)
                numbers.extend(mine)

        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.kiosks) as pool:
            list(pool.map(issuer, range(args.kiosks)))
        issue_s = time.perf_counter() - t0
        total = per * args.kiosks
        assert sorted(int(n[1:]) for n in numbers) == list(range(1, total + 1)), "numbering"

        counters = {c["name"]: c["id"] for c in requests.get(f"{base}/counters").json()["counters"]}
        lat_call: list[float] = []
        called: list[int] = []
        barrier2 = threading.Barrier(args.counters)

        def counter(i: int) -> None:
            base = bases[i % len(bases)]
            http = requests.Session()
            tok = http.post(f"{base}/auth/login", json={"username": f"bench{i}",
                                                         "password": "petugas-mpp"}).json()["token"]
            h = {"Authorization": f"Bearer {tok}"}
            cid = counters[f"Bench {i}"]
            http.post(f"{base}/counters/{cid}/open", headers=h).raise_for_status()
            mine, times = [], []
            barrier2.wait()
            while True:
                t1 = time.perf_counter()
                r = http.post(f"{base}/counters/{cid}/call-next", headers=h)
                times.append(time.perf_counter() - t1)
                r.raise_for_status()
                ticket = r.json()["ticket"]
                if ticket is None:
                    break
                mine.append(ticket["id"])
                http.post(f"{base}/tickets/{ticket['id']}/finish", headers=h).raise_for_status()
            with lock:
                lat_call.extend(times)
                called.extend(mine)

        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.counters) as pool:
            list(pool.map(counter, range(args.counters)))
        call_s = time.perf_counter() - t0
        assert len(called) == len(set(called)) == total, "calling"

        print(f"{label:10} issue: {total} tickets by {args.kiosks} kiosks in {issue_s:.2f} s = "
              f"{total / issue_s:.0f} tickets/s; latency p50 {pct(lat_issue, 50) * 1000:.1f} ms, "
              f"p99 {pct(lat_issue, 99) * 1000:.1f} ms")
        print(f"{label:10} call:  {total} tickets by {args.counters} counters (call-next + "
              f"finish) in {call_s:.2f} s = {total / call_s:.0f} tickets/s; call-next latency "
              f"p50 {pct(lat_call, 50) * 1000:.1f} ms, p99 {pct(lat_call, 99) * 1000:.1f} ms")
    finally:
        for server in servers:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--kiosks", type=int, default=20)
    parser.add_argument("--counters", type=int, default=8)
    parser.add_argument("--postgres", default=os.environ.get(
        "MPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--processes", type=int, default=1,
                        help="server processes on the same database (Redis shares events)")
    parser.add_argument("--redis", default=os.environ.get("MPP_TEST_REDIS_URL",
                                                          "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; server: {args.processes} "
          "x mpp run (gunicorn gthread, 1 worker each)"
          + (f", events through {args.redis}" if args.processes > 1 else ""))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = databases.sqlite_copy(databases.sqlite_template(work), work)
        run("sqlite", url, args, work)
        if args.postgres:
            databases.PG_URL = args.postgres
            with databases.pg_template() as tpl, databases.pg_copy(tpl) as pg:
                run("postgresql", pg, args, work)


if __name__ == "__main__":
    main()
