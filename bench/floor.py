"""mpp's hot path against two floors: a bare Flask route, and the database work alone.

In one run on one machine, with the same clients and the same server setup (gunicorn with
``mpp.server.gunicorn_options``: one process, gevent worker, ``mpp.server.serve``):

- **floor**: a bare Flask app (this module's :func:`floor_app`) answering the same requests
  with a trivial JSON POST each, no database: ``POST /tickets`` (issue-like) and ``POST
  /counters/{id}/call-next`` + ``POST /tickets/{id}/finish`` (call+finish-like);
- **write floor** (``write sqlite``, ``write postgresql``): the floor app, but each POST
  also runs one transaction holding one small write (the number's upsert of mpp's issue,
  bench/db_floor.py's ``one_write``) on the database, and an issue answers that number: the
  least any design that records what it answers can cost, whatever its statements;
- **db floor** (``db sqlite``, ``db postgresql``): a minimal Flask app (bench/db_floor.py)
  that runs, per request, the durable database work mpp does for it (the same statements,
  reads included, with the same SQL text, in one transaction), with the raw DB-API driver
  (``sqlite3``; psycopg 3 with a small pool) and no SQLAlchemy, authentication, validation,
  presenting or Socket.IO events, on its own fresh copy of the database mpp uses;
- **mpp** (``mpp sqlite``, ``mpp postgresql``): `mpp run --no-demo` on a fresh demo database
  (bench/core_throughput.py's machinery), a kiosk token issuing and staff at their counters
  calling and finishing, on SQLite and on PostgreSQL (``--db``).

Each round measures the floor, then, for each database, its write floor, db floor and mpp:
``--clients`` kiosks (a thread each; for the db floor and mpp each with a printer of its own) issue
``--tickets`` tickets to one service at once, then as many counters call-next + finish until
none waits. A short warm-up (two tickets per client, issued and called) runs first and is not
counted. For the db floor and mpp the run checks numbering is unique and gapless and no ticket
was called twice. Each line gives issues/s, calls/s (call-next + finish pairs), p50/p99
latency, the server process's CPU time per ticket, and the ratios of throughput to the same
round's floor and, for mpp, to the db floor of the same database: mpp ÷ db floor is how much
of the database's own ceiling mpp reaches, db floor ÷ floor the ceiling that the durable
work alone leaves below the bare floor. The rounds show the spread; the summary gives each
round's figures and the median ratios. The machine is shared (its load average is printed):
the CPU ratio (the base's CPU per ticket ÷ the measured one's) is the steadier figure, the
throughput ratio one server would reach with a core of its own. PostgreSQL's own processes'
CPU is counted for neither the db floor nor mpp.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core_throughput import Client, Load, call_load, check_exact, issue_load, running_mpp  # noqa: E402
from db_floor import FloorHall, db_floor_app, driver_target, one_write, prepare  # noqa: E402

from tests.support import databases  # noqa: E402
from tests.support.live import free_port  # noqa: E402

FLOOR_COUNTERS = 8


def floor_app(write: Callable[[int], int] | None = None) -> Any:
    """The bare Flask app: the same paths as mpp's, each a trivial JSON answer. With
    ``write`` (the write floor), each POST also runs ``write(service_id)`` (one transaction
    with one small write, db_floor.one_write) and an issue's number is the one it gives."""
    from flask import Flask, jsonify, request

    app = Flask("floor" if write is None else "write-floor")
    lock = threading.Lock()
    waiting: deque[int] = deque()
    issued = [0]
    service = [1]

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify({"status": "ok"})

    @app.get("/api/v1/services")
    def services() -> Any:
        return jsonify({"services": [{"id": 1, "code": "KK"}]})

    @app.post("/api/v1/tickets")
    def issue() -> Any:
        body = request.get_json()
        if write is not None:
            service[0] = body["service_id"]
            n = write(service[0])
            with lock:
                waiting.append(n)
        else:
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
        if write is not None and n is not None:
            write(service[0])
        return jsonify({"ticket": None if n is None else {
            "id": n, "number": f"A{n:03d}", "status": "called", "counter_id": counter_id}})

    @app.post("/api/v1/tickets/<int:ticket_id>/finish")
    def finish(ticket_id: int) -> Any:
        if write is not None:
            write(service[0])
        return jsonify({"ticket": {"id": ticket_id, "status": "done"}})

    return app


def serve_floor(port: int) -> None:
    """Serve :func:`floor_app` as `mpp run` serves mpp (this process, until SIGTERM)."""
    from mpp.server import serve

    serve(floor_app, "127.0.0.1", port)


def serve_db_floor(port: int, kind: str, target: str) -> None:
    """Serve the db floor (bench/db_floor.py) on ``target`` as `mpp run` serves mpp; the app
    is built in the worker, after gevent has patched it."""
    from mpp.server import serve

    serve(lambda: db_floor_app(kind, target), "127.0.0.1", port)


def serve_write_floor(port: int, kind: str, target: str) -> None:
    """Serve the write floor (:func:`floor_app` with db_floor.one_write on ``target``)."""
    from mpp.server import serve

    serve(lambda: floor_app(one_write(kind, target)), "127.0.0.1", port)


@contextlib.contextmanager
def running_floor(*serve: str) -> Iterator[tuple[str, int]]:
    """The floor app (or, with ``serve`` "--serve-db-floor" KIND TARGET, the db floor) in
    its own gunicorn process; its API base URL and process id."""
    port = free_port()
    flag, *rest = serve or ("--serve-floor",)
    proc = subprocess.Popen([sys.executable, __file__, flag, str(port), *rest],
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                Client(f"http://127.0.0.1:{port}").get("/healthz")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the {flag[8:]} server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/api/v1", proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


@contextlib.contextmanager
def running_db_floor(url: str, clients: int, kind: str = "db"
                     ) -> Iterator[tuple[str, int, FloorHall]]:
    """The db floor (``kind`` "db") or the write floor ("write") on the database ``url``
    (given the bench's counters and kiosks) in its own gunicorn process; its API base URL,
    process id, and the loads' kiosks and counters."""
    hall = prepare(url, clients, clients)
    with running_floor(f"--serve-{kind}-floor", *driver_target(url)) as (base, pid):
        yield base, pid, hall


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


def bases_of(label: str) -> list[str]:
    """What a configuration is compared with: the db floor with the floor, mpp with the floor
    and the db floor of its database."""
    kind, _, db = label.partition(" ")
    return {"write": ["floor"], "db": ["floor"],
            "mpp": ["floor", f"db {db}"]}.get(kind, [])


def line(r: Result, results: dict[str, Result]) -> str:
    """One configuration's figures in one round, with its ratios to that round's bases."""

    def ratios(phase: str) -> str:
        mine = getattr(r, phase).rate()
        return "".join(f" {mine / getattr(results[b], phase).rate():4.0%} of {b}"
                       for b in bases_of(r.label)).ljust(36)

    return (f"  {r.label:14} issue {r.issue.rate():5.0f}/s{ratios('issue')}"
            f" p50 {r.issue.p(50):5.1f} p99 {r.issue.p(99):6.1f} ms cpu {r.issue.cpu_ms():4.2f} ms"
            f"\n  {'':14} call+finish {r.call.rate():5.0f}/s{ratios('call')}"
            f" call-next p50 {r.call.p(50):5.1f} p99 {r.call.p(99):6.1f} ms"
            f" cpu {r.call.cpu_ms():4.2f} ms")


def summary(rounds: list[dict[str, Result]]) -> None:
    """Per configuration: each round's figures (the spread) and the median ratios to its
    bases (bases_of) in the same round: of throughput, and of the server's CPU time per
    ticket (the base's ÷ this one's: the throughput ratio were the server's core its own, as
    it is not on a shared machine)."""
    print("\nsummary: each round's figure (a / b ...), then the median ratios to the same "
          "round's bases\n(cpu: the server process's CPU milliseconds per ticket; 'cpu' ratio "
          "= the base's ÷ this one's)")

    def each(values: list[float], fmt: str = "{:.0f}") -> str:
        return " / ".join(fmt.format(v) for v in values)

    for label in rounds[0]:
        for phase, name, what in (("issue", "issues/s", "issue"),
                                  ("call", "calls/s ", "call-next")):
            loads = [getattr(r[label], phase) for r in rounds]
            ratios = []
            for base in bases_of(label):
                pairs = [(m, getattr(r[base], phase)) for m, r in zip(loads, rounds, strict=True)]
                ratios.append(
                    f"{statistics.median(m.rate() / b.rate() for m, b in pairs):4.0%} of {base}"
                    f" (cpu {statistics.median(b.cpu_ms() / m.cpu_ms() for m, b in pairs):4.0%})")
            print(f"  {label if phase == 'issue' else '':14} {name} "
                  f"{each([m.rate() for m in loads]):>13}"
                  + (" = " + ", ".join(ratios) if ratios else ""))
            print(f"  {'':14}   {what} p50 {each([m.p(50) for m in loads], '{:.1f}')} ms"
                  f", p99 {each([m.p(99) for m in loads], '{:.1f}')} ms"
                  f"; cpu {each([m.cpu_ms() for m in loads], '{:.2f}')} ms")


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
    parser.add_argument("--serve-db-floor", nargs=3, metavar=("PORT", "KIND", "TARGET"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--serve-write-floor", nargs=3, metavar=("PORT", "KIND", "TARGET"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return
    if args.serve_db_floor:
        port, kind, target = args.serve_db_floor
        serve_db_floor(int(port), kind, target)
        return
    if args.serve_write_floor:
        port, kind, target = args.serve_write_floor
        serve_write_floor(int(port), kind, target)
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
            print(line(results["floor"], results))
            for db in dbs:
                for kind in ("write", "db", "mpp"):
                    label = f"{kind} {db}"
                    with contextlib.ExitStack() as copy:
                        if db == "sqlite":
                            assert sqlite_tpl is not None
                            folder = work / f"{kind}-sqlite-{n}"
                            folder.mkdir()
                            url = databases.sqlite_copy(sqlite_tpl, folder)
                        else:
                            assert pg_tpl is not None
                            url = copy.enter_context(databases.pg_copy(pg_tpl))
                        if kind in ("write", "db"):
                            with running_db_floor(url, args.clients, kind) as (base, pid,
                                                                                floor):
                                results[label] = measure(
                                    label, [base], floor.kiosks, floor.service_id,
                                    floor.counters, tickets, [pid], exact=kind == "db")
                        else:
                            with running_mpp(url, work / f"{db}-{n}", args.clients,
                                             args.clients) as hall:
                                results[label] = measure(
                                    label, hall.bases, hall.kiosks, hall.service_id,
                                    hall.counters, tickets, hall.pids, exact=True)
                    print(line(results[label], results))
            rounds.append(results)
    summary(rounds)
    print(f"exact: numbering unique and gapless, no ticket called twice, in every db floor "
          f"and mpp round; load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
