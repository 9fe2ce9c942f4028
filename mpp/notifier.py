"""The notification worker: every server process scans for notifications due and delivers the
outbox in the background (mpp.services.notifications says why that is exactly once per
event with several processes). It starts with the first request a process serves, like the
day closer, so a command or a test that builds the app sends nothing;
``MPP_NOTIFICATIONS=0`` turns it off. The outbox is in the database, so what was not yet
delivered when a process stopped is delivered after it (or another) starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask

from .process_loop import ProcessLoop, start_with_first_request
from .services.notifications import Outbox

log = logging.getLogger("mpp.notifications")

#: seconds between rounds while nothing is due
IDLE_SECONDS = 2.0


class Notifier(ProcessLoop):
    """Runs :meth:`round` in the background, once per process."""

    log = log
    failed = "the notification round failed; trying again shortly"

    def __init__(self, outbox: Outbox, sleep: Callable[[float], Any],
                 spawn: Callable[..., Any]):
        super().__init__(sleep, spawn)
        self.outbox = outbox

    def round(self) -> int:
        """Write what is due, then deliver; how many deliveries were tried."""
        self.outbox.scan()
        return self.outbox.deliver_due()

    def _round(self) -> float:
        return 0.05 if self.round() else IDLE_SECONDS

    def _retry_seconds(self) -> float:
        return IDLE_SECONDS


def init_notifier(app: Flask) -> None:
    """Make the app's outbox; start its worker with the first request (when enabled)."""
    hall = app.extensions["mpp"]
    outbox = Outbox(hall.db, hall.clock, hall.queue.base_url)
    app.extensions["mpp_outbox"] = outbox
    if not app.config.get("NOTIFICATIONS", True):
        return
    start_with_first_request(app, "mpp_notifier",
                             lambda sleep, spawn: Notifier(outbox, sleep, spawn))
