"""Live events: their names in one place, and the publishers that send them.

Services publish only after their transaction has committed. The Socket.IO publisher
sends through Flask-SocketIO (and so through Redis when a message queue is set); the
in-memory publisher records events for tests and for commands that run without a server.
"""

from __future__ import annotations

import logging
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


def ticket_room(token: str) -> str:
    return f"ticket:{token}"


def printer_room(device_id: int) -> str:
    return f"printer:{device_id}"


def device_room(device_id: int) -> str:
    """Every /hall connection of one device (so that revoking it can cut them)."""
    return f"device:{device_id}"
