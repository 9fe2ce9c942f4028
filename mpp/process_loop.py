"""Work each server process does by itself in the background (closing the day, expiring
remote tickets, delivering notifications), started by the first request the process serves
— never while the app is only built, e.g. by a command or a test that does not ask for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask


class ProcessLoop:
    """A background loop run once per process: :meth:`start` spawns :meth:`_run`."""

    def __init__(self, sleep: Callable[[float], Any], spawn: Callable[..., Any]):
        self.sleep = sleep
        self.spawn = spawn
        self.started = False

    def start(self) -> None:
        """Run in the background from now on (once per process)."""
        if not self.started:
            self.started = True
            self.spawn(self._run)

    def _run(self) -> None:
        raise NotImplementedError


def start_with_first_request(app: Flask, name: str,
                             make: Callable[[Callable[[float], Any], Callable[..., Any]],
                                            ProcessLoop]) -> None:
    """Make the loop with Socket.IO's sleep and spawn (greenlets under gevent, threads
    otherwise), keep it as ``app.extensions[name]`` and start it with the first request."""
    from .extensions import socketio

    loop = make(socketio.sleep, socketio.start_background_task)
    app.extensions[name] = loop
    app.before_request(loop.start)
