"""Work each server process does by itself in the background (closing the day, expiring
remote tickets, delivering notifications, watching the services' hours), started by the
first request the process serves — never while the app is only built, e.g. by a command or
a test that does not ask for it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask


class ProcessLoop:
    """A background loop run once per process: :meth:`start` spawns rounds of
    :meth:`_round`, each followed by the wait it returns. A round that fails is logged
    (:attr:`log`, :attr:`failed`) and the loop waits :meth:`_retry_seconds`, then goes on."""

    log = logging.getLogger("mpp")
    #: what the log says when a round fails
    failed = "a background round failed; trying again"

    def __init__(self, sleep: Callable[[float], Any], spawn: Callable[..., Any]):
        self.sleep = sleep
        self.spawn = spawn
        self.started = False
        self.stopped = False

    def start(self) -> None:
        """Run in the background from now on (once per process)."""
        if not self.started:
            self.started = True
            self.spawn(self._run)

    def stop(self) -> None:
        """End the background loop after its current round (tests; a process's end)."""
        self.stopped = True

    def _round(self) -> float:
        """One round of the work; the seconds to wait before the next."""
        raise NotImplementedError

    def _retry_seconds(self) -> float:
        """The seconds to wait after a round that failed."""
        raise NotImplementedError

    def _run(self) -> None:
        while not self.stopped:
            try:
                wait = self._round()
            except Exception:  # noqa: BLE001 - the database may be away; try again later
                self.log.exception(self.failed)
                wait = self._retry_seconds()
            self.sleep(wait)


def start_with_first_request(app: Flask, name: str,
                             make: Callable[[Callable[[float], Any], Callable[..., Any]],
                                            ProcessLoop]) -> None:
    """Make the loop with Socket.IO's sleep and spawn (greenlets under gevent, threads
    otherwise), keep it as ``app.extensions[name]`` and start it with the first request."""
    from .extensions import socketio

    loop = make(socketio.sleep, socketio.start_background_task)
    app.extensions[name] = loop
    app.before_request(loop.start)
