"""mpp's hot path against the framework's floor: issue and call-next beside a bare Flask route.

In one run on one machine, with the same clients and the same server setup (gunicorn with
``mpp.server.gunicorn_options``: one process, gevent worker):

- **floor**: a bare Flask app (this module's :func:`floor_app`) answering the same requests
  with a trivial JSON POST each: ``POST /tickets`` (issue-like) and ``POST
  /counters/{id}/call-next`` + ``POST /tickets/{id}/finish`` (call+finish-like);
- **mpp**: `mpp run --no-demo` on a fresh demo database (bench/core_throughput.py's
  machinery), a kiosk token issuing and staff at their counters calling and finishing,
  on SQLite and on PostgreSQL (``--db``).

Each round: ``--clients`` kiosks (a thread each, with its own device token and, for mpp, its
own printer) issue ``--tickets`` tickets to one service at once, then as many counters
call-next + finish until none waits. A short warm-up (two tickets per
client, issued and called) runs first and is not counted. For mpp the run checks numbering
is unique and gapless and no ticket was called twice. It prints issues/s, calls/s (call-next
+ finish pairs), p50/p99 latency, the server process's CPU time per ticket and mpp's ratios
to the floor of the same round; the rounds show the spread. The machine is shared (its load
average is printed): the CPU ratio (floor's CPU per ticket ÷ mpp's) is the steadier figure,
the throughput ratio one server would reach with a core of its own.

No second queue system is measured: none is available offline here.

    .venv/bin/python bench/floor.py [--db sqlite] [--db postgresql] [--rounds 2]
                                    [--tickets 1000] [--clients 8]
                                    [--postgres postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core_throughput import Client, Load, call_load, check_exact, issue_load, running_mpp  # noqa: E402

from tests.support import databases  # noqa: E402
from tests.support.live import free_port  # noqa: E402

FLOOR_COUNTERS = 8


def floor_app() -> Any:
    """The bare Flask app: the same paths as mpp's, each a trivial JSON answer."""
    from flask import Flask, jsonify, request

    app = Flask("floor")
    lock = threading.Lock()
    waiting: deque[int] = deque()
    issued = [0]

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify({"status": "ok"})

    @app.get("/api/v1/services")
    def services() -> Any:
        return jsonify({"services": [{"id": 1, "code": "KK"}]})

    @app.post("/api/v1/tickets")
    def issue() -> Any:
        body = request.get_json()
        with lock:
            issued[0] += 1
            n = issued[0]
            waiting.append(n)
        return jsonify({"ticket": {"id": n, "number": f"A{n:03d}", "status": "waiting",
                                   "service_id": body["service_id"]}}), 201

    @app.post("/api/v1/counters/<int:counter_id>/call-next")
    def call_next(counter_id: int) -> Any:
        with lock:
            n = waiting.popleft() if waiting else None
        return jsonify({"ticket": None if n is None else {
            "id": n, "number": f"A{n:03d}", "status": "called", "counter_id": counter_id}})

    @app.post("/api/v1/tickets/<int:ticket_id>/finish")
    def finish(ticket_id: int) -> Any:
        return jsonify({"ticket": {"id": ticket_id, "status": "done"}})

    return app


def serve_floor(port: int) -> None:
    """Serve :func:`floor_app` as `mpp run` serves mpp (this process, until SIGTERM)."""
    from mpp.server import serve

    serve(floor_app, "127.0.0.1", port)


@contextlib.contextmanager
def running_floor() -> Iterator[tuple[str, int]]:
    """The floor app in its own gunicorn process; its API base URL and process id."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve-floor", str(port)],
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                Client(f"http://127.0.0.1:{port}").get("/healthz")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the floor server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/api/v1", proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


@dataclass
class Result:
    label: str
    issue: Load
    call: Load


def measure(label: str, bases: list[str], kiosks: list[dict[str, str]], service_id: int,
            counters: list[tuple[int, dict[str, str]]], tickets: int, pids: list[int],
            exact: bool) -> Result:
    """Warm up, then the issue load and the call load; with ``exact``, check the numbers."""
    warm = issue_load(bases, kiosks, service_id, 2 * len(kiosks))
    warm_called = call_load(bases, counters)
    issued = issue_load(bases, kiosks, service_id, tickets, pids)
    called = call_load(bases, counters, pids)
    if exact:
        check_exact(warm.results + issued.results, warm_called.results + called.results)
    return Result(label, issued, called)


def machine() -> str:
    """nproc, the CPU model and the kernel, as this run saw them."""
    model = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    nproc = len(os.sched_getaffinity(0))
    return (f"{nproc} CPUs (nproc), {model}; Linux {platform.release()}; "
            f"python {platform.python_version()}")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def line(r: Result, floor: Result | None) -> str:
    """One configuration's figures in one round, with its ratio to that round's floor."""

    def ratio(mine: float, base: float | None) -> str:
        return f" ({mine / base:4.0%})" if base else " " * 7

    return (f"  {r.label:10} issue {r.issue.rate():5.0f}/s"
            f"{ratio(r.issue.rate(), floor.issue.rate() if floor else None)}"
            f" p50 {r.issue.p(50):5.1f} p99 {r.issue.p(99):6.1f} ms cpu {r.issue.cpu_ms():4.2f} ms"
            f" | call+finish {r.call.rate():5.0f}/s"
            f"{ratio(r.call.rate(), floor.call.rate() if floor else None)}"
            f" call-next p50 {r.call.p(50):5.1f} p99 {r.call.p(99):6.1f} ms"
            f" cpu {r.call.cpu_ms():4.2f} ms")


def summary(rounds: list[dict[str, Result]]) -> None:
    """Per configuration: each round's figures (the spread) and the median ratios to the
    floor: of throughput, and of the server's CPU time per ticket (floor's ÷ mpp's: the
    throughput ratio were the server's core its own, as it is not on a shared machine)."""
    print("\nsummary: each round's figure (a / b ...), then the median ratio to that round's "
          "floor\n(cpu: the server process's CPU milliseconds per ticket; 'cpu ratio' = "
          "floor's ÷ mpp's)")

    def each(values: list[float], fmt: str = "{:.0f}") -> str:
        return " / ".join(fmt.format(v) for v in values)

    for label in rounds[0]:
        rs = [r[label] for r in rounds]
        pairs = list(zip(rs, [r["floor"] for r in rounds], strict=True))
        for phase, name, what in (("issue", "issues/s", "issue"),
                                  ("call", "calls/s ", "call-next")):
            loads = [(getattr(r, phase), getattr(f, phase)) for r, f in pairs]
            ratios = "" if label == "floor" else (
                f" = {statistics.median(m.rate() / f.rate() for m, f in loads):4.0%} of floor, "
                f"cpu ratio {statistics.median(f.cpu_ms() / m.cpu_ms() for m, f in loads):4.0%}")
            print(f"  {label if phase == 'issue' else '':10} {name} "
                  f"{each([m.rate() for m, _ in loads]):>11}{ratios}")
            print(f"  {'':10}   {what} p50 {each([m.p(50) for m, _ in loads], '{:.1f}')} ms"
                  f", p99 {each([m.p(99) for m, _ in loads], '{:.1f}')} ms"
                  f"; cpu {each([m.cpu_ms() for m, _ in loads], '{:.2f}')} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"],
                        help="the databases mpp runs on (repeat; default both)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8,
                        help="kiosk threads issuing at once, then as many counters calling")
    parser.add_argument("--postgres", default=os.environ.get(
        "MPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--serve-floor", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return
    dbs = args.db or ["sqlite", "postgresql"]
    tickets = args.tickets // args.clients * args.clients
    print(f"machine: {machine()}")
    print(f"load average at start: {load_average()} (clients and server share these CPUs)")
    print(f"server: gunicorn, mpp.server.gunicorn_options (1 process, gevent worker); "
          f"{args.clients} client threads, {tickets} tickets per round, {args.rounds} rounds")
    print("second queue system: none measured (none is available offline on this machine)")
    rounds: list[dict[str, Result]] = []
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        sqlite_tpl = databases.sqlite_template(work) if "sqlite" in dbs else None
        pg_tpl = None
        if "postgresql" in dbs:
            databases.PG_URL = args.postgres
            pg_tpl = stack.enter_context(databases.pg_template())
        for n in range(1, args.rounds + 1):
            print(f"round {n} (load average {load_average()}):")
            results: dict[str, Result] = {}
            with running_floor() as (base, pid):
                results["floor"] = measure(
                    "floor", [base], [{}] * args.clients, 1,
                    [(i + 1, {}) for i in range(args.clients)], tickets, [pid], exact=False)
            print(line(results["floor"], None))
            for db in dbs:
                with contextlib.ExitStack() as copy:
                    if db == "sqlite":
                        assert sqlite_tpl is not None
                        folder = work / f"sqlite-{n}"
                        folder.mkdir()
                        url = databases.sqlite_copy(sqlite_tpl, folder)
                    else:
                        assert pg_tpl is not None
                        url = copy.enter_context(databases.pg_copy(pg_tpl))
                    with running_mpp(url, work / f"{db}-{n}", args.clients,
                                     args.clients) as hall:
                        results[db] = measure(db, hall.bases, hall.kiosks, hall.service_id,
                                              hall.counters, tickets, hall.pids, exact=True)
                print(line(results[db], results["floor"]))
            rounds.append(results)
    summary(rounds)
    print(f"exact: numbering unique and gapless, no ticket called twice, in every mpp round; "
          f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
