"""Live events: their names in one place, and the publishers that send them.

Services publish only after their transaction has committed. The Socket.IO publisher
sends through Flask-SocketIO (and so through Redis when a message queue is set); the
in-memory publisher records events for tests and for commands that run without a server.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

HALL = "/hall"
TICKET = "/ticket"
PRINT = "/print"

SNAPSHOT = "snapshot"
CALLED = "called"
QUEUE = "queue"
TICKET_CHANGED = "ticket"
PRINT_JOB = "print"
PRINTED = "printed"
COUNTERS = "counters"
PRINTER_STATE = "printer_state"
#: the site facts boards show (name, running texts) changed: `{"site": {...}}` on /hall
SITE = "site"

log = logging.getLogger("mpp.events")


@dataclass(frozen=True)
class Event:
    """One message to send: ``room`` narrows it to the clients that joined that room."""

    name: str
    namespace: str
    data: Any
    room: str | None = None


class Publisher(Protocol):
    def publish(self, events: list[Event]) -> None:
        """Send each event to its clients, in order."""


@dataclass
class MemoryPublisher:
    """Keeps what was published; for tests and server-less commands."""

    events: list[Event] = field(default_factory=list)

    def publish(self, events: list[Event]) -> None:
        self.events.extend(events)

    def named(self, name: str) -> list[Event]:
        return [e for e in self.events if e.name == name]


class SocketIOPublisher:
    """Publishes through a Flask-SocketIO server (or a write-only one bound to Redis)."""

    def __init__(self, socketio: Any):
        self.socketio = socketio

    def publish(self, events: list[Event]) -> None:
        for e in events:
            self.socketio.emit(e.name, e.data, namespace=e.namespace, to=e.room)


class SettlingPublisher:
    """Publishes through ``inner``, then makes the hall's waiting counts settle on the truth.

    Each change reads the ``queue`` counts inside its own transaction and sends them after its
    commit. Two changes at once (two kiosks, a kiosk and a counter) each miss the other's
    uncommitted ticket, and their events may reach boards in either order, on any process: a
    board would keep showing a count one off until the next change, which in a quiet hall can
    be minutes away. So ``delay`` seconds after a hall ``queue`` event from this process (at
    most one read per ``delay``, however busy the hall), the counts are read afresh
    (``recount``) and sent again — unless every count sent since the last read already equals
    them (a lone change was right: nothing extra is sent). Every event is followed by a read
    made after it, so the last counts a board gets are read after the last change.
    """

    def __init__(self, inner: Publisher, recount: Callable[[], Any], delay: float = 0.25):
        self.inner = inner
        self.recount = recount
        self.delay = delay
        #: set while no recount is due or running
        self.idle = threading.Event()
        self.idle.set()
        self._lock = threading.Lock()
        self._sent: list[Any] = []  # hall counts sent since the last recount
        self._due = 0.0
        self._thread: threading.Thread | None = None

    def publish(self, events: list[Event]) -> None:
        self.inner.publish(events)
        counts = [e.data for e in events if e.name == QUEUE and e.namespace == HALL]
        if not counts:
            return
        with self._lock:
            if not self._sent:
                self._due = time.monotonic() + self.delay
            self._sent.extend(counts)
            self.idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(target=self._settle, daemon=True,
                                                name="mpp-settle-counts")
                self._thread.start()

    def _settle(self) -> None:
        while True:
            with self._lock:
                wait = self._due - time.monotonic()
                if wait <= 0:
                    if not self._sent:
                        self._thread = None
                        self.idle.set()
                        return
                    sent, self._sent = self._sent, []
            if wait > 0:
                time.sleep(wait)  # `delay` after the first count sent since the last read
                continue
            try:
                fresh = self.recount()
                if any(c != fresh for c in sent):
                    self.inner.publish([Event(QUEUE, HALL, fresh)])
            except Exception:  # noqa: BLE001 - the next change sends its counts anyway
                log.exception("could not re-send the waiting counts")


def ticket_room(token: str) -> str:
    return f"ticket:{token}"


def printer_room(device_id: int) -> str:
    return f"printer:{device_id}"


def device_room(device_id: int) -> str:
    """Every /hall connection of one device (so that revoking it can cut them)."""
    return f"device:{device_id}"
