"""Issue and call throughput of a running server, on SQLite and on PostgreSQL.

For each database it builds a fresh demo MPP, starts `mpp run` (gunicorn, gevent worker) on
a free loopback port, then:
  1. issue: K kiosks (each with its own token and printer) issue N tickets at once to one
            service;
  2. call:  C counters (each with its own staff login) call-next + finish until the queue
            is empty.
It prints tickets/s and p50/p99 request latency for each phase, and checks the numbers are
exactly 1..N and that no ticket was called twice.

With ``--processes P`` it starts P servers on the same database, sharing Redis for events
(as several gunicorn hosts behind nginx would), and spreads the clients over them.

The load itself (:func:`issue_load`, :func:`call_load`, :class:`Client`) is shared with
bench/floor.py, which runs it against a bare Flask route too.

    .venv/bin/python bench/core_throughput.py [--tickets 1000] [--kiosks 20] [--counters 8]
                                              [--processes 1] [--redis redis://127.0.0.1:6379/0]
                                              [--postgres postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mpp.db import Database  # noqa: E402
from mpp.services import accounts  # noqa: E402
from mpp.services.site_layout import load_layout  # noqa: E402
from tests.support import databases  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

SERVICE = "KK"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Client:
    """One keep-alive HTTP/1.1 connection speaking JSON: light on the CPU the server shares
    with its clients, so the figures are the server's rather than the client library's."""

    def __init__(self, base: str, headers: dict[str, str] | None = None):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """The status and the decoded JSON answer (one reconnect if the server closed)."""
        payload = b"" if body is None else json.dumps(body).encode()
        for attempt in (1, 2):
            try:
                self.conn.request(method, self.prefix + path, payload, self.headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        return response.status, (json.loads(raw) if raw else None)

    def post(self, path: str, body: Any = None, expect: int | tuple[int, ...] = (200, 201)
             ) -> Any:
        status, data = self.request("POST", path, body)
        if status not in (expect if isinstance(expect, tuple) else (expect,)):
            raise RuntimeError(f"POST {path}: {status} {data}")
        return data

    def get(self, path: str) -> Any:
        status, data = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {data}")
        return data

    def close(self) -> None:
        self.conn.close()


def cpu_seconds(pids: list[int]) -> float:
    """The CPU time (user + system) used so far by these processes and their descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo, seen = 0.0, list(pids), set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
    return total


@dataclass
class Load:
    """One phase's wall time, per-request latencies (seconds), what each request gave, and the
    server's CPU seconds meanwhile (when its processes were given)."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)
    server_cpu: float = 0.0

    def cpu_ms(self) -> float:
        """The server's CPU milliseconds per result (per ticket issued, or called+finished)."""
        return self.server_cpu / len(self.results) * 1000

    def rate(self) -> float:
        return len(self.results) / self.seconds

    def p(self, q: float) -> float:
        """The q-th percentile latency in milliseconds."""
        return pct(self.latencies, q) * 1000


def _run_clients(n: int, work: Any, server_pids: list[int]) -> Load:
    """Run ``work(i, barrier)`` in ``n`` threads started together; merge what they return."""
    barrier = threading.Barrier(n + 1)
    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(work, i, barrier) for i in range(n)]
        barrier.wait()
        t0, cpu0 = time.perf_counter(), cpu_seconds(server_pids)
        parts = [f.result() for f in futures]
        seconds = time.perf_counter() - t0
    load = Load(seconds, server_cpu=cpu_seconds(server_pids) - cpu0)
    for times, results in parts:
        load.latencies += times
        load.results += results
    return load


def issue_load(bases: list[str], kiosks: list[dict[str, str]], service_id: int,
               total: int, server_pids: Sequence[int] = ()) -> Load:
    """One client per kiosk (its request headers) issue ``total`` tickets at once (POST
    /tickets); results are the ticket numbers."""
    per = total // len(kiosks)

    def kiosk(k: int, barrier: threading.Barrier) -> tuple[list[float], list[str]]:
        client = Client(bases[k % len(bases)], kiosks[k])
        client.get("/services")  # connect before the start
        times, numbers = [], []
        barrier.wait()
        for _ in range(per):
            t0 = time.perf_counter()
            data = client.post("/tickets", {"service_id": service_id}, expect=201)
            times.append(time.perf_counter() - t0)
            numbers.append(data["ticket"]["number"])
        client.close()
        return times, numbers

    return _run_clients(len(kiosks), kiosk, list(server_pids))


def call_load(bases: list[str], counters: list[tuple[int, dict[str, str]]],
              server_pids: Sequence[int] = ()) -> Load:
    """Each counter ``(id, headers)`` calls next and finishes until nothing waits; latencies
    are call-next's, results the called tickets' ids (the empty last call is not counted)."""

    def counter(i: int, barrier: threading.Barrier) -> tuple[list[float], list[int]]:
        cid, headers = counters[i]
        client = Client(bases[i % len(bases)], headers)
        client.get("/services")
        times, called = [], []
        barrier.wait()
        while True:
            t0 = time.perf_counter()
            ticket = client.post(f"/counters/{cid}/call-next")["ticket"]
            times.append(time.perf_counter() - t0)
            if ticket is None:
                break
            called.append(ticket["id"])
            client.post(f"/tickets/{ticket['id']}/finish")
        client.close()
        return times, called

    return _run_clients(len(counters), counter, list(server_pids))


def add_counters(url: str, n: int, kiosks: int = 0) -> list[str]:
    """``n`` more counters serving the bench's service, each with its staff user benchN, and
    ``kiosks`` kiosks, each paired with a printer of its own; the kiosks' tokens."""
    db = Database(url)
    tokens = []
    with db.write() as s:
        load_layout(s, {"site": {"code": "kendari", "name": "Mal Pelayanan Publik Kota Kendari",
                                 "timezone": "Asia/Makassar"},
                        "agencies": [{"code": "DUKCAPIL", "name": "Disdukcapil",
                                      "counters": [{"name": f"Bench {i}", "services": [SERVICE]}
                                                   for i in range(n)]}]}, databases.START)
        for i in range(n):
            accounts.create_user(s, databases.START, f"bench{i}", "petugas-mpp", "staff",
                                 "DUKCAPIL")
        for i in range(kiosks):
            printer, _ = accounts.create_device(s, databases.START, f"bench-printer-{i}",
                                                "printer")
            _, token = accounts.create_device(s, databases.START, f"bench-kiosk-{i}", "kiosk",
                                              {"printer_device_id": printer.id})
            tokens.append(token)
    db.dispose()
    return tokens


@dataclass
class Hall:
    """A running mpp (one or more servers on one database) ready for the loads."""

    bases: list[str]
    kiosks: list[dict[str, str]]
    service_id: int
    counters: list[tuple[int, dict[str, str]]]
    #: the server processes (their workers are their children)
    pids: list[int]


@contextmanager
def running_mpp(url: str, workdir: Path, counters: int, kiosks: int, processes: int = 1,
                redis: str | None = None) -> Iterator[Hall]:
    """`mpp run --no-demo` on a fresh demo database ``url`` with ``counters`` bench counters
    opened by their staff and ``kiosks`` kiosks with a printer each; stopped afterwards."""
    tokens = add_counters(url, counters, kiosks)
    servers = [LiveServer(url, workdir / f"server-{i}",
                          redis_url=redis if processes > 1 else None).start()
               for i in range(processes)]
    try:
        bases = [f"{server.url}/api/v1" for server in servers]
        anon = Client(bases[0])
        sid = next(s["id"] for s in anon.get("/services")["services"] if s["code"] == SERVICE)
        ids = {c["name"]: c["id"] for c in anon.get("/counters")["counters"]}
        opened = []
        for i in range(counters):
            login = anon.post("/auth/login", {"username": f"bench{i}", "password": "petugas-mpp"})
            h = {"Authorization": f"Bearer {login['token']}"}
            cid = ids[f"Bench {i}"]
            Client(bases[i % len(bases)], h).post(f"/counters/{cid}/open")
            opened.append((cid, h))
        anon.close()
        yield Hall(bases, [{"Authorization": f"Bearer {t}"} for t in tokens], sid, opened,
                   [server.proc.pid for server in servers if server.proc is not None])
    finally:
        for server in servers:
            server.stop()


def check_exact(numbers: list[str], called: list[int], first: int = 1) -> None:
    """Numbers ``first``.. issued once each without a gap; every ticket called exactly once."""
    seqs = sorted(int(n.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) for n in numbers)
    assert seqs == list(range(first, first + len(numbers))), "numbering not unique and gapless"
    assert len(called) == len(set(called)) == len(numbers), "a ticket called twice or never"


def run(label: str, url: str, args: argparse.Namespace, workdir: Path) -> None:
    with running_mpp(url, workdir / label, args.counters, args.kiosks, args.processes,
                     args.redis) as hall:
        total = args.tickets // args.kiosks * args.kiosks
        issued = issue_load(hall.bases, hall.kiosks, hall.service_id, total, hall.pids)
        called = call_load(hall.bases, hall.counters, hall.pids)
        check_exact(issued.results, called.results)
        print(f"{label:10} issue: {total} tickets by {args.kiosks} kiosks in "
              f"{issued.seconds:.2f} s = {issued.rate():.0f} tickets/s; latency p50 "
              f"{issued.p(50):.1f} ms, p99 {issued.p(99):.1f} ms; server CPU "
              f"{issued.cpu_ms():.1f} ms/ticket")
        print(f"{label:10} call:  {total} tickets by {args.counters} counters (call-next + "
              f"finish) in {called.seconds:.2f} s = {called.rate():.0f} tickets/s; call-next "
              f"latency p50 {called.p(50):.1f} ms, p99 {called.p(99):.1f} ms; server CPU "
              f"{called.cpu_ms():.1f} ms/ticket")


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
          "x mpp run (gunicorn gevent, 1 worker each)"
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
