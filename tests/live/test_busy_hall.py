"""A busy hall, end to end and small: two server processes on one PostgreSQL database and
one Redis, kiosks, counters, display boards and phones all at once (tests/support/busy_hall.py;
bench/hall_day.py runs the same day large and prints its timings)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ..support import busy_hall, databases
from ..support.api import Api
from ..support.live import LiveServer

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

PLAN = busy_hall.Plan(processes=2, kiosks=4, counters=4, boards=3, phones=10, tickets=120,
                      services=3, seed=7)


@pytest.mark.xdist_group("heavy")  # loads the machine for long: not beside the others
def test_a_busy_hall_day_keeps_every_invariant_across_two_processes(
        _pg_template: str, redis_url: str, tmp_path: Path):
    with databases.pg_copy(_pg_template) as url:
        setup = busy_hall.prepare(url, PLAN)
        with busy_hall.serve(url, PLAN, tmp_path, redis_url) as servers:
            record = busy_hall.HallDay([s.url for s in servers], setup, PLAN).run()
        checks = busy_hall.check(url, record)
    failed = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
    assert not failed, "\n".join(failed)
    # the day really was busy: every kind of step happened, and the phones saw calls
    kinds = {s.kind for steps in record.ledger.steps.values() for s in steps}
    assert kinds == {"issued", "called", "recalled", "started", "finished", "no_show",
                     "transferred"}
    assert len(record.phones) == PLAN.phones
    called = {s.ticket_id for steps in record.ledger.steps.values() for s in steps
              if s.kind == "called"}
    opening = [p for p in record.phones if p.opening and p.ticket_id in called]
    assert opening and all(
        any(d["ticket"]["status"] == "called" for _, d in p.listener.named("ticket"))
        for p in opening)
    assert record.settled


def test_boards_settle_on_the_true_waiting_counts_when_two_kiosks_issue_at_once(
        two_servers: tuple[LiveServer, LiveServer]):
    """Each change reads the counts inside its own transaction: two issued at the same moment
    (here through different processes, for different services) each miss the other, and a
    board kept showing one ticket fewer than were waiting until the next change."""
    a, b = two_servers
    hall = Api(a.url)
    display = hall.device_token("display-1")
    boards = [busy_hall.Listener(s.url, "/hall", {"token": display}).connect(10)
              for s in (a, b)]
    kiosk = hall.device_token("kiosk-1")
    services = [hall.service_id("KK"), hall.service_id("AKTA")]
    clients = [Api(a.url), Api(b.url)]
    try:
        for round_ in range(10):
            together = threading.Barrier(2)
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda i, together=together: _issue(
                    clients[i], kiosk, services[i], together), range(2)))
            want = {r["service_id"]: r["waiting"]
                    for r in hall.get("/queue").ok()["services"]}
            deadline = time.monotonic() + 5
            for board in boards:
                assert board.wait(lambda board=board, want=want: board.counts() == want,
                                  deadline), (
                    f"round {round_}: the board on {board.url} shows "
                    f"{[(board.counts() or {}).get(s) for s in services]} waiting for KK and AKTA, "
                    f"{[want[s] for s in services]} wait")
    finally:
        for board in boards:
            board.close()


def _issue(api: Api, kiosk: str, service_id: int, together: threading.Barrier) -> None:
    together.wait(timeout=10)
    r = api.post("/tickets", {"service_id": service_id}, token=kiosk)
    assert r.status == 201, r.body
