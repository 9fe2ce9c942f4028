"""The hours watch (mpp.hours_watch): boards hear a service open or close by its hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mpp.hours_watch import HoursWatch, seconds_until_next_minute
from tests.support.factories import Factories

WITA = ZoneInfo("Asia/Makassar")


def _issuing(app: Any, service_id: int) -> list[bool]:
    """What each ``queue`` event sent so far said of the service: issuing or not."""
    feed = app.extensions["mpp"].queue.feed
    feed.flush()  # what is still to send, unless the feed's own round took it: wait for that
    assert feed.idle.wait(timeout=10)
    return [row["issuing"] for e in app.extensions["mpp_events"].named("queue")
            for row in e.data["services"] if row["service_id"] == service_id]


def test_seconds_until_just_after_the_next_minute() -> None:
    assert seconds_until_next_minute(datetime(2026, 11, 23, 9, 0, 0, tzinfo=WITA)) == 61.0
    assert seconds_until_next_minute(datetime(2026, 11, 23, 9, 0, 59, 500_000,
                                              tzinfo=WITA)) == 1.5


def test_the_counts_go_out_when_a_service_opens_stops_issuing_and_closes(app, clock) -> None:
    # the clock stands at Monday 09:00 WITA
    make = Factories(app)
    sid = make.service_id(make.service(hours="09:30-10:00", issue_cutoff_minutes=10))
    always = make.service_id(make.service())
    watch = HoursWatch(app, lambda seconds: None, lambda fn: None)
    assert watch.look() == set()  # the first look only notes the states
    clock.set(datetime(2026, 11, 23, 9, 29, 1, tzinfo=WITA))
    assert watch.look() == set() and _issuing(app, sid) == []  # nothing turned: nothing sent
    clock.set(datetime(2026, 11, 23, 9, 30, 1, tzinfo=WITA))
    assert watch.look() == {sid}
    assert _issuing(app, sid) == [True]
    clock.set(datetime(2026, 11, 23, 9, 50, 1, tzinfo=WITA))  # the cut-off, 10 min before
    assert watch.look() == {sid}
    assert _issuing(app, sid)[-1] is False
    clock.set(datetime(2026, 11, 23, 10, 0, 1, tzinfo=WITA))  # cut-off to closed: turned too
    assert watch.look() == {sid}
    assert always not in watch.look()


def test_the_watch_looks_just_after_each_minute_of_the_halls_clock(app, clock) -> None:
    make = Factories(app)
    sid = make.service_id(make.service(hours="09:01-17:00"))
    clock.set(datetime(2026, 11, 23, 9, 0, 30, tzinfo=WITA))
    waits: list[float] = []

    class Stop(BaseException):
        pass

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds=seconds)
        if len(waits) == 3:
            raise Stop

    watch = HoursWatch(app, sleep, lambda fn: fn())
    with pytest.raises(Stop):
        watch.start()  # runs in the foreground here: look, sleep, look, sleep, look, sleep
    assert waits == [31.0, 60.0, 60.0]
    assert _issuing(app, sid) == [True]  # sent once, at 09:01:01


def test_a_look_that_fails_is_logged_and_tried_again_next_minute(app, clock, caplog,
                                                                 monkeypatch) -> None:
    queue = app.extensions["mpp"].queue

    def broken() -> dict[int, str | None]:
        raise RuntimeError("database gone")

    monkeypatch.setattr(queue, "issuing_states", broken)
    waits: list[float] = []

    class Stop(BaseException):
        pass

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        raise Stop

    with pytest.raises(Stop):
        HoursWatch(app, sleep, lambda fn: fn()).start()
    assert waits == [61.0]
    assert "looking at the services' hours failed" in caplog.text
