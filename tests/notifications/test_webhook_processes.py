"""Two real server processes (``mpp run``) on one PostgreSQL database, both running the
notification worker: every booking's ``booking.created`` reaches the receiver exactly once,
with one try each (the claim in mpp.services.notifications is what keeps the processes
apart; test_webhook shows the same with two engines in one process).

A process posts its notifications one after another, so the receiver holds each post until a
second one is in flight (or a quarter second passes): two posts in flight at once show that both
processes were delivering at the same time."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from mpp.clock import FixedClock
from mpp.models import Notification

from ..conftest import make_app
from ..support import databases
from ..support.api import Api
from ..support.factories import Factories
from ..support.live import LiveServer
from .conftest import Receiver, configure

BOOKINGS = 30


@pytest.fixture
def pg_database(_pg_template: str) -> Iterator[str]:
    with databases.pg_copy(_pg_template) as url:
        yield url


@pytest.fixture
def pairing(receiver: Receiver) -> dict[str, int]:
    """Make the receiver's posts wait for company; ``most`` is the most in flight at once."""
    seen = {"now": 0, "most": 0}
    company = threading.Condition()

    def hold() -> None:
        with company:
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
            company.notify_all()
            company.wait_for(lambda: seen["now"] >= 2, timeout=0.25)
            seen["now"] -= 1

    receiver.before_answer = hold
    return seen


def test_two_processes_tell_each_booking_once(pg_database: str, receiver: Receiver,
                                              pairing: dict[str, int], tmp_path: Path) -> None:
    # the site file's part (the webhook, a service taking bookings every day), written
    # through an app on the same database
    setup = make_app(pg_database, FixedClock(datetime(2026, 11, 23, 1, tzinfo=UTC)))
    configure(setup, receiver.url)
    make = Factories(setup)
    service_id = make.service_id(make.service(
        hours="00:00-24:00", booking={"slot_minutes": 60, "per_slot": 100, "days_ahead": 14,
                                      "grace_minutes": 15}))
    db = setup.extensions["mpp"].db

    env = {"MPP_BOOKING_RATE_LIMIT": "1000 per hour"}
    a = LiveServer(pg_database, tmp_path / "a", extra_env=env).start()
    try:
        b = LiveServer(pg_database, tmp_path / "b", extra_env=env,
                       clock_offset=a.clock_offset).start()
        try:
            apis = [Api(a.url), Api(b.url)]
            tomorrow = (a.now() + timedelta(days=1)).date().isoformat()
            slots = apis[0].get(f"/services/{service_id}/slots?date={tomorrow}").ok()["slots"]
            start = slots[len(slots) // 2]["start"]
            for i in range(BOOKINGS):  # alternately through each process
                body = {"service_id": service_id, "start": start, "name": f"Warga {i}",
                        "phone": f"0812 0000 {i:04d}"}
                made = apis[i % 2].post("/bookings", body)
                assert made.status == 201, made.text

            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with db.read() as s:
                    rows = s.execute(select(Notification.status, Notification.tries).where(
                        Notification.event == "booking.created")).all()
                if len(rows) == BOOKINGS and {r.status for r in rows} == {"sent"}:
                    break
                time.sleep(0.1)
            assert len(rows) == BOOKINGS and {r.status for r in rows} == {"sent"}, rows
            assert {r.tries for r in rows} == {1}
        finally:
            b.stop()
    finally:
        a.stop()
        db.dispose()
    created = [json.loads(p.body) for p in receiver.received]
    created = [p for p in created if p["event"] == "booking.created"]
    assert len(created) == BOOKINGS
    assert len({p["id"] for p in created}) == BOOKINGS
    assert len({p["phone"] for p in created}) == BOOKINGS
    assert pairing["most"] >= 2  # both processes were posting at the same time
