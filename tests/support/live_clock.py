"""The hour a server under test reads, whatever the hour of the machine running the tests.

Live tests start real `mpp run` processes, which would read the system clock: per-day
numbering and "today's" calls would then change under a test that runs across the site's
midnight. Every server the suite starts reads the system clock moved by
``MPP_TEST_CLOCK_OFFSET`` seconds (see mpp.clock) so that it starts at ``live_start()``:
today in the site's time zone at ``MPP_TEST_LIVE_CLOCK`` (``HH:MM``, default 10:00), or
the instant given there in ISO form (``2026-11-23T23:59:00+08:00``). CI also runs the
day-sensitive tests with ``MPP_TEST_LIVE_CLOCK=23:59``: one minute before midnight.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from mpp.clock import TEST_OFFSET_VARIABLE

SITE_ZONE = ZoneInfo("Asia/Makassar")  # the demo site's (mpp/data/demo_site.toml)
VARIABLE = "MPP_TEST_LIVE_CLOCK"
DEFAULT = "10:00"


def live_start(real_now: datetime | None = None) -> datetime:
    """The instant a server started now reads first (aware, site time)."""
    real_now = real_now or datetime.now(UTC)
    setting = os.environ.get(VARIABLE, "").strip() or DEFAULT
    if "T" in setting:
        instant = datetime.fromisoformat(setting)
        if instant.tzinfo is None:
            raise ValueError(f"{VARIABLE}={setting!r} needs a UTC offset")
        return instant.astimezone(SITE_ZONE)
    clock_time = time.fromisoformat(setting)
    return datetime.combine(real_now.astimezone(SITE_ZONE).date(), clock_time,
                            tzinfo=SITE_ZONE)


def live_offset() -> float:
    """Seconds to add to the system clock so that it reads ``live_start()`` now."""
    real_now = datetime.now(UTC)
    return (live_start(real_now) - real_now).total_seconds()


def clock_env(offset: float) -> dict[str, str]:
    """The environment that makes an `mpp` process read the system clock moved by
    ``offset`` seconds."""
    return {TEST_OFFSET_VARIABLE: repr(offset)}
