"""The application's services bundled for the web layers: ``current_hall()`` in a request."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from .clock import Clock
from .db import Database
from .events import Publisher
from .services.bookings import BookingService
from .services.queue import QueueService
from .services.remote_join import RemoteJoinService


@dataclass
class Hall:
    db: Database
    clock: Clock
    publisher: Publisher
    queue: QueueService
    _bookings: BookingService | None = field(default=None, repr=False)
    _remote: RemoteJoinService | None = field(default=None, repr=False)

    @property
    def bookings(self) -> BookingService:
        """The booking use cases, on the queue's database, clock and public address."""
        if self._bookings is None:
            self._bookings = BookingService(self.db, self.clock, self.queue.base_url,
                                            self.queue)
        return self._bookings

    @property
    def remote(self) -> RemoteJoinService:
        """The remote-join use cases (tickets taken from a phone), on the queue's."""
        if self._remote is None:
            self._remote = RemoteJoinService(self.db, self.clock, self.queue)
        return self._remote


    def close(self) -> None:
        """Stop the queue feed's rounds, then close the database's connections (a test's or
        a command's app going away: nothing reads the database after)."""
        if self.queue.feed is not None:
            self.queue.feed.close()
        self.db.dispose()


def current_hall() -> Hall:
    return current_app.extensions["mpp"]
