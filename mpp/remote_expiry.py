"""Cancelling remote tickets not checked in in time, inside every server process.

A remote ticket (mpp.domain.remote_join) must be checked in at the hall by its deadline; one
that is not is cancelled (reason ``remote_not_checked_in``) and its holder's status page says
so. Each server process looks every :data:`EVERY_SECONDS` seconds (one cheap read; a write
only when a ticket is due), starting with the first request it serves. Expiring is
idempotent (it takes only tickets still waiting, locked), so several processes at once are
harmless. A late check-in expires the ticket by itself too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask

from .process_loop import ProcessLoop, start_with_first_request

log = logging.getLogger("mpp.remote_expiry")

#: how often each process looks for overdue remote tickets
EVERY_SECONDS = 15.0


class RemoteExpirer(ProcessLoop):
    """Runs RemoteJoinService.expire_overdue in the background, every few seconds."""

    log = log
    failed = "expiring overdue remote tickets failed; trying again"

    def __init__(self, app: Flask, sleep: Callable[[float], Any], spawn: Callable[..., Any],
                 every: float = EVERY_SECONDS):
        super().__init__(sleep, spawn)
        self.app = app
        self.every = every

    def expire(self) -> int:
        """One look: cancel the remote tickets past their check-in deadline; how many."""
        with self.app.app_context():
            return self.app.extensions["mpp"].remote.expire_overdue()

    def _round(self) -> float:
        self.expire()
        return self.every

    def _retry_seconds(self) -> float:
        return self.every


def init_remote_expiry(app: Flask) -> None:
    """Start the expirer with the first request this process serves (never while the app is
    only built, e.g. by a command or a test that does not ask for it)."""
    every = float(app.config.get("REMOTE_EXPIRY_SECONDS", EVERY_SECONDS))
    if every <= 0:
        return
    start_with_first_request(app, "mpp_remote_expiry",
                             lambda sleep, spawn: RemoteExpirer(app, sleep, spawn, every))
