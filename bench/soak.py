"""Soak: a large MPP's busiest hour × 10, for ten minutes, against the production set-up
(two gevent server processes, one PostgreSQL database, Redis between them).

Before it starts, one waiting ticket per status page is issued (the citizens waiting at the
peak) and the screens connect (status pages, boards, consoles; real Socket.IO clients in
processes of their own, bench/full_hall.py's crowd). Then, for --seconds:
  - kiosks issue --rate tickets a second (regular and, one in eight, priority);
  - counters work at --rate a second: call-next, then start and finish, or (one in ten)
    recall then finish, or (one in ten) no-show;
  - citizens' phones re-read their ticket by token, 2 a second;
  - the dashboard reads the daily report every 15 s, a board integrator `GET /queue` every 5 s.
Printed: errors per action (must be zero), latency p50/p99 per action, the servers' memory
every 30 s (it must not grow), the database's growth per 1,000 tickets, and the calls every
board heard.

    .venv/bin/python bench/soak.py [--seconds 600] [--rate 1.4] [--pages 1500]
        [--boards 30] [--consoles 15]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psycopg
from full_hall import (  # the sibling script's kit: servers, timed HTTP, the crowd
    COUNTERS,
    Crowd,
    Hall,
    LiveServer,
    Screen,
    database,
    databases,
    demo_device_token,
    machine,
    ms,
    usage,
    worker_pids,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--rate", type=float, default=1.4)
    parser.add_argument("--pages", type=int, default=1500)
    parser.add_argument("--boards", type=int, default=30)
    parser.add_argument("--consoles", type=int, default=15)
    parser.add_argument("--crowd-procs", type=int, default=2)
    parser.add_argument("--redis", default=os.environ.get("MPP_TEST_REDIS_URL",
                                                          "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    print(f"machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}")
    env = {"MPP_SOCKETS_PER_ADDRESS": "100000", "MPP_LOGIN_RATE_LIMIT": "10000 per minute",
           "MPP_REDIS_CHANNEL": f"soak-{uuid.uuid4().hex[:8]}"}
    with tempfile.TemporaryDirectory() as tmp, database("postgres", Path(tmp)) as url:
        servers = [LiveServer(url, Path(tmp) / f"live-{i}", redis_url=args.redis,
                              extra_env=env).start() for i in range(2)]
        try:
            soak(url, servers, args)
        finally:
            for s in servers:
                s.stop()


def db_bytes(url: str) -> int:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def soak(url: str, servers: list[LiveServer], args: argparse.Namespace) -> None:
    halls = [Hall(s.url) for s in servers]
    a = halls[0]
    waiting = [a.issue(i)[0] for i in range(args.pages)]
    desks = [(user, a.cids[(name, agency)]) for user, name, agency in COUNTERS]
    for user, cid in desks:
        a.post(f"/counters/{cid}/open", a.staff(user))
    display = demo_device_token(databases.TEST_SECRET, "display-1")
    urls = [s.url for s in servers]
    pages = [Screen("page", urls[i % 2], {"ticket_token": t["token"]}, t["number"])
             for i, t in enumerate(waiting)]
    hall = [Screen("board", urls[i % 2], {"token": display}, f"board-{i}")
            for i in range(args.boards)]
    hall += [Screen("console", urls[i % 2], {"token": a.staff(COUNTERS[i % 5][0])},
                    f"console-{i}") for i in range(args.consoles)]
    pids = [p for s in servers for p in worker_pids(s)]
    manager = a.http.post(f"{a.url}/api/v1/auth/login", timeout=30,
                          json={"username": "manajer", "password": "manajer-mpp"}).json()["token"]
    latency: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    tokens = [t["token"] for t in waiting]
    calls: list[str] = []
    lock = threading.Lock()

    def act(name: str, hall: Hall, method: str, path: str, token: str | None = None,
            body: Any = None) -> Any:
        start = time.monotonic()
        try:
            r = hall.http.request(method, f"{hall.url}/api/v1{path}", json=body, timeout=60,
                                  headers={"Authorization": f"Bearer {token}"} if token else {})
            took = time.monotonic() - start
            if r.status_code >= 300:
                errors[name].append(f"{r.status_code} {r.text[:120]}")
                return None
            latency[name].append(took)
            return r.json() if "json" in r.headers.get("Content-Type", "") else None
        except Exception as exc:  # noqa: BLE001 - counted and printed
            errors[name].append(f"{type(exc).__name__}: {exc}")
            return None

    with ExitStack() as stack:
        crowds = [stack.enter_context(Crowd(hall))]
        crowds += [stack.enter_context(Crowd(pages[i::args.crowd_procs]))
                   for i in range(args.crowd_procs)]
        seen = [v for c in crowds for v in c.report()]
        print(f"screens connected: {sum(v.connected_at is not None for v in seen)}/{len(seen)}"
              f" ({len(pages)} status pages, {args.boards} boards, {args.consoles} consoles)")
        size0, issued0 = db_bytes(url), len(waiting)
        memory: list[tuple[float, float]] = []
        start = time.monotonic()
        stop = start + args.seconds
        rng = random.Random(8)

        def every(period: float, work) -> threading.Thread:  # type: ignore[no-untyped-def]
            def loop() -> None:
                n = 0
                while time.monotonic() < stop:
                    t0 = time.monotonic()
                    work(n)
                    n += 1
                    time.sleep(max(0.0, period - (time.monotonic() - t0)))
            return threading.Thread(target=loop)

        def kiosk(n: int) -> None:
            h = halls[n % 2]
            body = act("issue", h, "POST", "/tickets", h.kiosk,
                       {"service_id": h.sids[["KK", "AKTA", "SKCK", "JKN", "NIB", "PBG",
                                               "PAJAK"][n % 7]], "priority": n % 8 == 0})
            if body:
                with lock:
                    tokens.append(body["ticket"]["token"])

        def counter(n: int) -> None:
            user, cid = desks[n % len(desks)]
            h = halls[n % 2]
            staff = h.staff(user)
            body = act("call-next", h, "POST", f"/counters/{cid}/call-next", staff)
            ticket = body and body["ticket"]
            if not ticket:
                return
            with lock:
                calls.append(ticket["number"])
            tid, roll = ticket["id"], rng.random()
            if roll < 0.1:
                act("no-show", h, "POST", f"/tickets/{tid}/no-show", staff)
                return
            if roll < 0.2:
                act("recall", h, "POST", f"/tickets/{tid}/recall", staff)
            else:
                act("start", h, "POST", f"/tickets/{tid}/start", staff)
            act("finish", h, "POST", f"/tickets/{tid}/finish", staff)

        def phone(n: int) -> None:
            with lock:
                token = rng.choice(tokens)
            act("status read", halls[n % 2], "GET", f"/tickets/by-token/{token}")

        def dashboard(_n: int) -> None:
            act("daily report", a, "GET", f"/reports/daily?date={time.strftime('%Y-%m-%d')}",
                manager)

        def board_api(n: int) -> None:
            act("GET /queue", halls[n % 2], "GET", "/queue")

        def sample(_n: int) -> None:
            memory.append((time.monotonic() - start, usage(pids)[0]))

        threads = [every(1 / args.rate, kiosk), every(1 / args.rate, counter),
                   every(0.5, phone), every(15, dashboard), every(5, board_api),
                   every(30, sample)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(3)
        memory.append((time.monotonic() - start, usage(pids)[0]))
        seen = [v for c in crowds for v in c.report()]
        size1 = db_bytes(url)

    issued = len(latency["issue"])
    print(f"\n{args.seconds:.0f} s at {args.rate}/s: {issued} issued, {len(calls)} called")
    for name in ["issue", "call-next", "start", "recall", "finish", "no-show", "status read",
                 "daily report", "GET /queue"]:
        print(f"  {name:13} {ms(latency[name])}  errors {len(errors[name])}"
              + (f" e.g. {errors[name][0]}" if errors[name] else ""))
    boards = [v for v in seen if v.screen.kind == "board"]
    heard = sum(1 for b in boards for n in set(calls) if n in {c[1] for c in b.calls})
    print(f"  boards heard {heard}/{len(set(calls)) * len(boards)} calls; screens still "
          f"connected at the end: "
          f"{sum(v.connected_at is not None and v.dropped_at is None for v in seen)}/{len(seen)}")
    print("  servers' RSS (MB) over time: "
          + ", ".join(f"{t:.0f}s {m:.0f}" for t, m in memory))
    total = issued0 + issued
    print(f"  database: {size0 / 1e6:.1f} MB -> {size1 / 1e6:.1f} MB; "
          f"{(size1 - size0) / max(issued, 1) * 1000 / 1e6:.2f} MB per 1,000 tickets issued "
          f"during the soak ({total} tickets in all)")


if __name__ == "__main__":
    main()
