"""Socket.IO clients on /hall of a live server (its HTTP client: support/api.py)."""

from __future__ import annotations

import queue
import time
from typing import Any

from printer.socket_client import InOrderClient


class HallListener:
    """A python-socketio client on /hall that queues every event it receives."""

    def __init__(self, url: str, token: str | None, **auth: Any):
        self.extra_auth = auth  # e.g. counter=ID: a rating tablet following its counter
        self.events: queue.Queue[tuple[str, Any, float]] = queue.Queue()
        self.heard: list[tuple[str, Any]] = []  # every event, also those next() skipped
        self.client = InOrderClient(reconnection=False)
        self.client.on("*", self._record, namespace="/hall")
        self.url = url
        self.token = token

    def _record(self, event: str, data: Any = None) -> None:
        self.heard.append((event, data))
        self.events.put((event, data, time.monotonic()))

    def connect(self) -> HallListener:
        auth = {"token": self.token, **self.extra_auth} if self.token is not None else None
        self.client.connect(self.url, namespaces=["/hall"], auth=auth,
                            transports=["websocket"], wait_timeout=10)
        return self

    def next(self, name: str, timeout: float = 5) -> Any:
        """The next event called ``name`` (skipping others), or AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {name!r} event within {timeout} s")
            try:
                event, data, _ = self.events.get(timeout=left)
            except queue.Empty as exc:
                raise AssertionError(f"no {name!r} event within {timeout} s") from exc
            if event == name:
                return data

    def close(self) -> None:
        self.client.disconnect()
