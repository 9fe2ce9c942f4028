"""Closing each business day inside the app, at the site's local midnight.

A ticket still waiting when its day ends can never be called (counters call only today's
tickets), so the day is closed: such tickets become ``expired``, each with an event, and
their holders' status pages say so. ``mpp close-day`` does it by hand or from cron; this
scheduler does it by itself in every server process: once when the process serves its first
request (catching up a day that ended while no server ran), then a few seconds after each
local midnight. Closing is idempotent, so several processes doing it at once is harmless.
``MPP_CLOSE_DAY_AT_MIDNIGHT=0`` turns it off (cron then does it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

from .domain.actor import Actor
from .process_loop import ProcessLoop, start_with_first_request
from .services.presenter import site_of

log = logging.getLogger("mpp.day_close")

#: who the ticket event log names for an automatic close
DAY_CLOSER = Actor(role="system", name="day-close")
#: wait this long after midnight, so a clock a little behind still sees the new day
MARGIN_SECONDS = 5.0


def seconds_until_next_close(now: datetime, timezone: str) -> float:
    """Seconds from ``now`` until just after the next local midnight in ``timezone``."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=zone)
    return max(0.0, (midnight - local).total_seconds()) + MARGIN_SECONDS


class DayCloser(ProcessLoop):
    """Expires the waiting tickets of every day before today, now and after each midnight."""

    log = log
    failed = "closing the day failed; trying again in a minute"

    def __init__(self, app: Flask, sleep: Callable[[float], Any],
                 spawn: Callable[..., Any]):
        super().__init__(sleep, spawn)
        self.app = app

    def _today(self) -> tuple[date, str]:
        hall = self.app.extensions["mpp"]
        with hall.db.read() as s:
            timezone = site_of(s).timezone
        return hall.clock.now().astimezone(ZoneInfo(timezone)).date(), timezone

    def close_overdue(self) -> int:
        """Expire every ticket still waiting from a day before today; how many."""
        today, _ = self._today()
        queue = self.app.extensions["mpp"].queue
        expired = queue.close_day(DAY_CLOSER, today - timedelta(days=1))
        if expired:
            log.info("closed the days before %s: %d waiting tickets expired", today, expired)
        return expired

    def _round(self) -> float:
        with self.app.app_context():
            self.close_overdue()
            _, timezone = self._today()
        return seconds_until_next_close(self.app.extensions["mpp"].clock.now(), timezone)

    def _retry_seconds(self) -> float:
        return 60.0  # the day must still close


def init_day_close(app: Flask) -> None:
    """Start the day closer with the first request this process serves (never while the app
    is only built, e.g. by a command or a test that does not ask for it)."""
    if not app.config.get("CLOSE_DAY_AT_MIDNIGHT", True):
        return
    start_with_first_request(app, "mpp_day_close",
                             lambda sleep, spawn: DayCloser(app, sleep, spawn))
