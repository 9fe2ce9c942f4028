"""The clock, passed into services so tests can fix or move time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.current = start.astimezone(UTC)

    def now(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment.astimezone(UTC)

    def advance(self, **kwargs: float) -> datetime:
        self.current += timedelta(**kwargs)
        return self.current


class OffsetClock:
    """The system clock moved by a fixed number of seconds: a live server under test."""

    def __init__(self, offset_seconds: float):
        self.offset = timedelta(seconds=offset_seconds)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


#: Test-only: seconds added to the system clock by a server the test suite starts, so a
#: live test reads the hour it chose (never the real one near midnight). Unset in production.
TEST_OFFSET_VARIABLE = "MPP_TEST_CLOCK_OFFSET"


def clock_from_environment(environ: Mapping[str, str] | None = None) -> Clock:
    """The system clock, or with ``MPP_TEST_CLOCK_OFFSET`` set, the system clock moved by
    that many seconds."""
    environ = os.environ if environ is None else environ
    raw = environ.get(TEST_OFFSET_VARIABLE, "").strip()
    if not raw:
        return SystemClock()
    try:
        offset = float(raw)
    except ValueError:
        raise ValueError(f"{TEST_OFFSET_VARIABLE}={raw!r} is not a number of seconds") from None
    return OffsetClock(offset)
