"""A busy hall day, end to end and large: every part of the hall at once across processes.

It builds a fresh demo MPP in PostgreSQL, adds an agency of its own (always-open services,
one counter and staff login per counter thread, kiosk and display devices), starts P server
processes (`mpp run`, gunicorn gthread) on that database sharing Redis, and plays the day
of tests/support/busy_hall.py (the same driver as tests/live/test_busy_hall.py):
K kiosk threads issue N tickets (regular and priority, several services) through the API,
C counter threads call-next → maybe recall → start → finish / no-show / transfer, B display
boards on /hall and T phones on /ticket record every event — all spread over the processes.
It prints tickets/s, call → board and call → phone latency (from the moment the counter's
request was sent to the moment the event came off the client's socket), and every invariant
of the day (numbering, holding, endings, log vs API, boards, phones). The clients run in
this one process beside the kiosk and counter threads, on the same machine as the servers,
PostgreSQL and Redis, so the latencies are upper bounds.

    .venv/bin/python bench/hall_day.py [--processes 2] [--kiosks 20] [--counters 12]
        [--boards 20] [--phones 100] [--tickets 2000] [--services 4] [--seed 1]
        [--redis redis://127.0.0.1:6379/0] [--postgres postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import busy_hall, databases  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--kiosks", type=int, default=20)
    parser.add_argument("--counters", type=int, default=12)
    parser.add_argument("--boards", type=int, default=20)
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--services", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--redis", default=os.environ.get("MPP_TEST_REDIS_URL",
                                                          "redis://127.0.0.1:6379/0"))
    parser.add_argument("--postgres", default=os.environ.get(
        "MPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    plan = busy_hall.Plan(processes=args.processes, kiosks=args.kiosks, counters=args.counters,
                          boards=args.boards, phones=args.phones, tickets=args.tickets,
                          services=args.services, seed=args.seed, timeout=60.0,
                          settle_seconds=60.0)
    print(f"hall day: python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at start; {plan.processes} x mpp run (gunicorn gthread, "
          f"1 worker) on PostgreSQL, events through Redis")
    print(f"  {plan.kiosks} kiosks, {plan.counters} counters, {plan.boards} boards, "
          f"{plan.phones} phones, {plan.tickets} tickets in {plan.services} services "
          f"({plan.opening_tickets} issued before the counters open), seed {plan.seed}")
    databases.PG_URL = args.postgres
    with (tempfile.TemporaryDirectory(prefix="mpp-hall-day-") as tmp,
          databases.pg_template() as template, databases.pg_copy(template) as url):
        setup = busy_hall.prepare(url, plan)
        with busy_hall.serve(url, plan, Path(tmp), args.redis) as servers:
            record = busy_hall.HallDay([s.url for s in servers], setup, plan).run()
        checks = busy_hall.check(url, record)
    f = busy_hall.figures(record)
    print(f"  day: {f['ended']} of {f['tickets']} tickets ended ({f['calls']} calls and "
          f"recalls, {f['transfers']} transfers, {f['requests']} requests) in "
          f"{f['day_seconds']:.1f} s from the doors opening = {f['tickets_per_second']:.1f} "
          f"tickets/s, {f['requests_per_second']:.0f} requests/s; issuing took "
          f"{f['issue_seconds']:.1f} s")
    print(f"  request latency: issue p50 {f['issue_ms'][0]:.1f} ms p99 {f['issue_ms'][1]:.1f} "
          f"ms; call-next p50 {f['call_next_ms'][0]:.1f} ms p99 {f['call_next_ms'][1]:.1f} ms")
    print(f"  call -> board  p50 {f['board_ms'][0]:7.1f} ms  p99 {f['board_ms'][1]:7.1f} ms  "
          f"({f['board_deliveries']} deliveries)")
    print(f"  call -> phone  p50 {f['phone_ms'][0]:7.1f} ms  p99 {f['phone_ms'][1]:7.1f} ms  "
          f"({f['phone_deliveries']} deliveries)")
    print(f"  load average at the end {f['load_average']:.1f}; every event delivered before "
          f"the deadline: {'yes' if f['settled'] else 'NO'}")
    for c in checks:
        print(f"  [{'ok' if c.ok else 'FAILED'}] {c.name}: {c.detail}")
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
