"""Call-to-board latency of the live hall: from the call-next request to the `called` event
at hundreds of connected /hall clients.

Two set-ups, each over a fresh demo MPP:
  1. single:  one server process (`mpp run`, gunicorn's gevent worker), all clients on it;
  2. redis:   two server processes sharing one database and one Redis (MPP_REDIS_URL), the
              clients split between them, every call made through process A.
For each, it connects N python-socketio clients to /hall (WebSocket transport, device token
auth), makes C calls (call-next, then finish, one at a time), and prints p50/p99/max of
(time the `called` event reached a client - time the call-next request was sent), over all
N x C deliveries, plus the call-next request's own round trip. The clients run in
--client-procs processes of their own (default 4) and timestamp with the system-wide
monotonic clock; the figures include the clients' own time to receive and decode hundreds
of messages at once on the same machine, so they are an upper bound.

    .venv/bin/python bench/hall_latency.py [--clients 500] [--calls 30]
        [--redis redis://127.0.0.1:6379/0] [--postgres postgresql+psycopg://postgres@127.0.0.1/test]
        [--only single|redis]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import requests
import socketio

from printer.socket_client import InOrderClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mpp.services.demo import demo_device_token  # noqa: E402
from tests.support import databases  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

SERVICE = "KTP"
COUNTER = "Loket 1"
STAFF = ("dukcapil1", "petugas-mpp")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Boards:
    """N /hall clients; records when each `called` event (by ticket number) arrived."""

    def __init__(self, counter: Any) -> None:
        self.clients: list[tuple[str, socketio.Client]] = []
        self.arrivals: dict[str, list[tuple[str, float]]] = {}
        self.lock = threading.Lock()
        self.counter = counter  # shared with the calling process: deliveries so far

    def _connect_one(self, url: str, token: str, label: str) -> None:
        client = InOrderClient(reconnection=False)

        def called(data: dict) -> None:
            at = time.monotonic()
            with self.lock:
                self.arrivals.setdefault(data["ticket"]["number"], []).append((label, at))
            with self.counter.get_lock():
                self.counter.value += 1

        client.on("called", called, namespace="/hall")
        client.connect(url, namespaces=["/hall"], auth={"token": token},
                       transports=["websocket"], wait_timeout=30)
        with self.lock:
            self.clients.append((label, client))

    def connect(self, targets: list[tuple[str, str]], token: str) -> float:
        """Connect one client per (url, label); returns the seconds it took."""
        start = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            for f in [pool.submit(self._connect_one, url, token, label)
                      for url, label in targets]:
                f.result()
        return time.monotonic() - start

    def close(self) -> None:
        with ThreadPoolExecutor(32) as pool:
            for _, c in self.clients:
                pool.submit(c.disconnect)


def client_process(targets: list[tuple[str, str]], token: str, counter: Any,
                   conn: Any) -> None:
    """A process of its own for a share of the clients, so that receiving hundreds of
    messages at once does not slow the process that makes the calls."""
    boards = Boards(counter)
    try:
        took = boards.connect(targets, token)
        conn.send(("ready", took))
        conn.recv()  # the calls are over
        conn.send(("arrivals", boards.arrivals))
    finally:
        boards.close()


@contextmanager
def database(postgres: str | None, workdir: Path) -> Iterator[str]:
    if postgres:
        os.environ["MPP_TEST_POSTGRES_URL"] = postgres
        databases.PG_URL = postgres
        with databases.pg_template() as template, databases.pg_copy(template) as url:
            yield url
    else:
        yield databases.sqlite_copy(databases.sqlite_template(workdir), workdir)


def run(label: str, servers: list[LiveServer], args: argparse.Namespace) -> None:
    a = servers[0]
    http = requests.Session()
    kiosk = demo_device_token(databases.TEST_SECRET, "kiosk-1")
    display = demo_device_token(databases.TEST_SECRET, "display-1")
    service_id = next(s["id"] for s in http.get(f"{a.url}/api/v1/services").json()["services"]
                      if s["code"] == SERVICE)
    counter_id = next(c["id"] for c in http.get(f"{a.url}/api/v1/counters").json()["counters"]
                      if c["name"] == COUNTER)
    staff = http.post(f"{a.url}/api/v1/auth/login",
                      json={"username": STAFF[0], "password": STAFF[1]}).json()["token"]
    auth = {"Authorization": f"Bearer {staff}"}
    for _ in range(args.calls):
        r = http.post(f"{a.url}/api/v1/tickets", json={"service_id": service_id},
                      headers={"Authorization": f"Bearer {kiosk}"})
        assert r.status_code == 201, r.text
    assert http.post(f"{a.url}/api/v1/counters/{counter_id}/open", headers=auth).ok

    names = "AB"
    targets = [(servers[i % len(servers)].url, names[i % len(servers)])
               for i in range(args.clients)]
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("l", 0)
    pipes, procs = [], []
    for k in range(args.client_procs):
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=client_process,
                           args=(targets[k::args.client_procs], display, counter, child))
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    sent_at: dict[str, float] = {}
    request_ms: list[float] = []
    try:
        took = max(p.recv()[1] for p in pipes)
        time.sleep(1.0)  # let the snapshots settle
        expected = 0
        for _ in range(args.calls):
            sent = time.monotonic()
            r = http.post(f"{a.url}/api/v1/counters/{counter_id}/call-next", headers=auth)
            request_ms.append((time.monotonic() - sent) * 1000)
            ticket = r.json()["ticket"]
            sent_at[ticket["number"]] = sent
            expected += args.clients
            deadline = time.monotonic() + 20
            while counter.value < expected and time.monotonic() < deadline:
                time.sleep(0.002)
            expected = counter.value
            assert http.post(f"{a.url}/api/v1/tickets/{ticket['id']}/finish", headers=auth).ok
            time.sleep(args.pause)  # let the finish's own events reach every client first
        arrivals: dict[str, list[tuple[str, float]]] = {}
        for p in pipes:
            p.send("done")
            for number, got in p.recv()[1].items():
                arrivals.setdefault(number, []).extend(got)
    finally:
        for proc in procs:
            proc.join(timeout=60)
    latencies: dict[str, list[float]] = {n: [] for n in names[:len(servers)]}
    first: list[float] = []
    missing = 0
    for number, sent in sent_at.items():
        got = arrivals.get(number, [])
        missing += args.clients - len(got)
        for where, at in got:
            latencies[where].append((at - sent) * 1000)
        if got:
            first.append((min(at for _, at in got) - sent) * 1000)

    every = [v for vs in latencies.values() for v in vs]
    print(f"\n== {label}: {len(servers)} server process(es), {args.clients} /hall clients "
          f"in {args.client_procs} client process(es), {args.calls} calls "
          f"({len(every)} deliveries, {missing} missing); clients connected in {took:.1f} s")
    print(f"   call-next request round trip: p50 {pct(request_ms, 50):.1f} ms, "
          f"p99 {pct(request_ms, 99):.1f} ms; first client reached: p50 "
          f"{pct(first, 50):.1f} ms; load average {os.getloadavg()[0]:.1f}")
    rows = [("all clients", every)]
    if len(servers) > 1:
        rows += [("clients on A (the calling process)", latencies["A"]),
                 ("clients on B (through Redis)", latencies["B"])]
    for name, values in rows:
        print(f"   call -> `called` at {name:<36} p50 {pct(values, 50):7.1f} ms   "
              f"p99 {pct(values, 99):7.1f} ms   max {max(values):7.1f} ms   "
              f"mean {statistics.fmean(values):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--redis", default=os.environ.get("MPP_TEST_REDIS_URL",
                                                          "redis://127.0.0.1:6379/0"))
    parser.add_argument("--postgres", default=None,
                        help="a PostgreSQL URL for the database (default: a SQLite file)")
    parser.add_argument("--only", choices=["single", "redis"])
    parser.add_argument("--client-procs", type=int, default=4,
                        help="processes the clients are spread over")
    parser.add_argument("--pause", type=float, default=1.0,
                        help="seconds between one call's finish and the next call")
    args = parser.parse_args()
    print(f"hall latency: {args.clients} clients, {args.calls} calls, "
          f"database {'PostgreSQL' if args.postgres else 'SQLite'}, {os.cpu_count()} CPUs")

    with tempfile.TemporaryDirectory(prefix="mpp-bench-") as tmp:
        work = Path(tmp)
        if args.only in (None, "single"):
            with database(args.postgres, work / "single") as url:
                server = LiveServer(url, work / "single-srv").start()
                try:
                    run("single process", [server], args)
                finally:
                    server.stop()
        if args.only in (None, "redis"):
            env = {"MPP_REDIS_CHANNEL": f"mpp-bench-{uuid.uuid4().hex[:8]}"}
            with database(args.postgres, work / "redis") as url:
                a = LiveServer(url, work / "a", redis_url=args.redis, extra_env=env).start()
                b = None
                try:
                    b = LiveServer(url, work / "b", redis_url=args.redis, extra_env=env).start()
                    run("two processes + Redis", [a, b], args)
                finally:
                    with suppress(Exception):
                        if b is not None:
                            b.stop()
                    a.stop()


if __name__ == "__main__":
    main()
