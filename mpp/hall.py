"""The application's services bundled for the web layers: ``current_hall()`` in a request."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from .clock import Clock
from .db import Database
from .events import Publisher
from .services.bookings import BookingService
from .services.queue import QueueService


@dataclass
class Hall:
    db: Database
    clock: Clock
    publisher: Publisher
    queue: QueueService
    _bookings: BookingService | None = field(default=None, repr=False)

    @property
    def bookings(self) -> BookingService:
        """The booking use cases, on the queue's database, clock and public address."""
        if self._bookings is None:
            self._bookings = BookingService(self.db, self.clock, self.queue.base_url,
                                            self.queue)
        return self._bookings


def current_hall() -> Hall:
    return current_app.extensions["mpp"]
