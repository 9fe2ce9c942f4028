"""Yesterday does not look alive: an earlier day's waiting ticket (close-day not run) is not
counted as waiting and shows as expired, and the app closes each day by itself at the
site's local midnight (catching up when it starts). The services are the test's own
(support/factories.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from mpp.day_close import MARGIN_SECONDS, seconds_until_next_close

from ..conftest import make_app
from ..support.api import Api
from ..support.factories import Factories


def _waiting(api: Api, code: str) -> int:
    sid = api.service_id(code)
    return next(s["waiting"] for s in api.get("/queue").body["services"]
                if s["service_id"] == sid)


def test_an_earlier_days_ticket_is_not_counted_and_shows_as_expired(app, api, make, clock):
    code = make.service()
    old = api.issue(code)
    assert _waiting(api, code) == 1
    clock.advance(days=1)
    assert _waiting(api, code) == 0
    shown = api.get(f"/tickets/by-token/{old['token']}").body["ticket"]
    assert shown["status"] == "expired"
    assert shown["people_ahead"] == 0 and shown["estimated_wait_minutes"] is None
    fresh = api.issue(code)
    assert fresh["people_ahead"] == 0 and _waiting(api, code) == 1


def test_the_next_close_is_just_after_local_midnight():
    # 23:59:00 in Asia/Makassar (UTC+8) is 15:59:00 UTC
    now = datetime(2026, 11, 23, 15, 59, 0, tzinfo=UTC)
    assert seconds_until_next_close(now, "Asia/Makassar") == 60 + MARGIN_SECONDS
    assert seconds_until_next_close(now + timedelta(minutes=2), "Asia/Makassar") == (
        24 * 3600 - 60 + MARGIN_SECONDS)


def _status(app, ticket_id: int) -> str:  # type: ignore[no-untyped-def]
    from mpp.models import Ticket

    with app.extensions["mpp"].db.read() as s:
        return s.get(Ticket, ticket_id).status


def test_on_its_first_request_the_app_closes_the_days_it_missed(db_url, clock):
    from mpp.domain.actor import Actor

    app = make_app(db_url, clock, CLOSE_DAY_AT_MIDNIGHT=True)
    make = Factories(app)
    old = app.extensions["mpp"].queue.issue(Actor(role="kiosk", device_id=1, name="kiosk-1"),
                                            Api(app.test_client()).service_id(make.service()))
    # (reading the services above was the first request: today's ticket stays waiting)
    clock.advance(days=1)
    app.extensions["mpp_day_close"].started = False  # as if the server started now
    app.test_client().get("/healthz")
    deadline = time.monotonic() + 10
    while _status(app, old["id"]) != "expired" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _status(app, old["id"]) == "expired"  # recorded, with its event
    events = app.extensions["mpp_events"].named("ticket")
    assert any(e.data["ticket"]["id"] == old["id"] and e.data["ticket"]["status"] == "expired"
               for e in events)
    app.extensions["mpp"].db.dispose()


class _Stop(BaseException):
    pass


def test_just_after_midnight_the_days_waiting_tickets_expire(app, api, make, clock):
    from mpp.day_close import DayCloser

    ticket = api.issue(make.service())
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            raise _Stop
        clock.advance(seconds=seconds)  # the night passes

    closer = DayCloser(app, sleep=sleep, spawn=lambda fn: None)
    with pytest.raises(_Stop):
        closer._run()
    # START is 09:00 local: the first wait ends just after midnight
    assert slept[0] == 15 * 3600 + MARGIN_SECONDS
    assert _status(app, ticket["id"]) == "expired"


@pytest.mark.parametrize("value", ["0", "false"])
def test_the_midnight_close_can_be_left_to_cron(monkeypatch, value):
    from mpp.config import Config

    monkeypatch.setenv("MPP_CLOSE_DAY_AT_MIDNIGHT", value)
    assert Config().CLOSE_DAY_AT_MIDNIGHT is False
