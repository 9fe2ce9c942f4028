"""The clock a server reads: the system's, unless the test suite moved it on purpose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mpp.clock import OffsetClock, SystemClock, clock_from_environment

from ..support.api import Api
from ..support.live import LiveServer
from ..support.live_clock import SITE_ZONE, live_start


def test_without_the_test_setting_the_server_reads_the_system_clock() -> None:
    assert isinstance(clock_from_environment({}), SystemClock)
    assert isinstance(clock_from_environment({"MPP_TEST_CLOCK_OFFSET": " "}), SystemClock)


def test_the_test_setting_moves_the_system_clock_by_its_seconds() -> None:
    clock = clock_from_environment({"MPP_TEST_CLOCK_OFFSET": "-86400.5"})
    assert isinstance(clock, OffsetClock)
    before = datetime.now(UTC)
    moved = clock.now()
    after = datetime.now(UTC)
    assert before - timedelta(seconds=86400.5) <= moved <= after - timedelta(seconds=86400.5)


def test_a_test_setting_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="MPP_TEST_CLOCK_OFFSET='noon' is not a number"):
        clock_from_environment({"MPP_TEST_CLOCK_OFFSET": "noon"})


def test_the_suite_chooses_the_hour_and_the_site_day(monkeypatch: pytest.MonkeyPatch) -> None:
    real = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # 00:30 on the 24th in Makassar
    monkeypatch.setenv("MPP_TEST_LIVE_CLOCK", "23:59")
    assert live_start(real) == datetime(2026, 11, 24, 23, 59, tzinfo=SITE_ZONE)
    monkeypatch.setenv("MPP_TEST_LIVE_CLOCK", "2026-11-23T15:59:00+00:00")
    assert live_start(real) == datetime(2026, 11, 23, 23, 59, tzinfo=SITE_ZONE)
    monkeypatch.delenv("MPP_TEST_LIVE_CLOCK")
    assert live_start(real) == datetime(2026, 11, 24, 10, 0, tzinfo=SITE_ZONE)


@pytest.mark.per_day
def test_a_live_server_reads_the_clock_the_suite_gave_it(live_server: LiveServer) -> None:
    before = live_server.now().replace(microsecond=0)
    served = datetime.fromisoformat(Api(live_server.url).get("/queue").ok()["now"])
    after = live_server.now()
    assert before <= served <= after
    assert served.utcoffset() == timedelta(hours=8)  # told in the site's time zone
