"""Telling the hall's screens when a service opens or closes by its hours.

The hall's ``queue`` event says, per service and agency, whether tickets are issued now and,
if not, why (closed, the Friday break, before opening, the cut-off). Issues, calls and
counters send it when they change something; nothing changes in the database when a
service's hours turn (it opens at 08:00, stops issuing at the cut-off, breaks for Friday
prayers), so the boards would show the turn only with the next issue or their five-minutely
snapshot. This watch, in every server process, looks just after each minute of the hall's
clock (hours are given to the minute) at which services issue, and has the queue feed send
the hall's counts when one of them turned. One cheap read a minute; several processes each
sending the same counts is harmless (a board shows the latest).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask

from .process_loop import ProcessLoop, start_with_first_request

log = logging.getLogger("mpp.hours_watch")

#: look this long after the minute turns, so a clock a little behind sees the new minute
MARGIN_SECONDS = 1.0
#: the state of a service the last look did not see (added since, or gone now)
_UNSEEN = "unseen"


def seconds_until_next_minute(now: datetime) -> float:
    """Seconds from ``now`` until just after the next whole minute."""
    into = now.second + now.microsecond / 1_000_000
    return 60.0 - into + MARGIN_SECONDS


class HoursWatch(ProcessLoop):
    """Sends the hall's counts when a service starts or stops issuing by its hours."""

    log = log
    failed = "looking at the services' hours failed; trying again"

    def __init__(self, app: Flask, sleep: Callable[[float], Any], spawn: Callable[..., Any]):
        super().__init__(sleep, spawn)
        self.app = app
        #: each service's reason for not issuing at the last look (None: issuing)
        self.states: dict[int, str | None] | None = None

    def look(self) -> set[int]:
        """Compare each service's issuing state with the last look's; the services that
        turned (or were added or removed since), whose counts the feed then sends (none at
        the first look)."""
        queue = self.app.extensions["mpp"].queue
        states = queue.issuing_states()
        before = self.states
        self.states = states
        if before is None:
            return set()
        turned = {sid for sid in states.keys() | before.keys()
                  if states.get(sid, _UNSEEN) != before.get(sid, _UNSEEN)}
        if turned:
            log.info("services %s turned by their hours; sending the hall's counts",
                     sorted(turned))
            queue.send_counts(turned)
        return turned

    def _round(self) -> float:
        with self.app.app_context():
            self.look()
        return self._retry_seconds()

    def _retry_seconds(self) -> float:
        return seconds_until_next_minute(self.app.extensions["mpp"].clock.now())


def init_hours_watch(app: Flask) -> None:
    """Start the watch with the first request this process serves (never while the app is
    only built, e.g. by a command or a test that does not ask for it)."""
    if not app.config.get("HOURS_WATCH", True):
        return
    start_with_first_request(app, "mpp_hours_watch",
                             lambda sleep, spawn: HoursWatch(app, sleep, spawn))
