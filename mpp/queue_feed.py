"""The queue feed: what waits, sent to boards and status pages in coalesced rounds.

A busy hall changes many times a second, and every waiting citizen may hold a status page
open. Sending each page its own ticket after every change would cost one database read and
one message per waiting citizen per change. Instead a change only marks its services dirty
(``touch``); a background task then, at most every ``interval`` seconds, reads what waits
(the hall counts, then each dirty service on its own, letting the event loop run between
two reads: on SQLite a read holds the whole process) and sends

- on ``/hall``: ``queue``, the waiting counts of every service and agency (boards, kiosks),
  first, and only when they changed;
- on ``/ticket``, to the pages of each dirty service: ``queue`` with that service's waiting
  tickets' ids in the exact order the rule will call them and what the estimate needs
  (:func:`service_feed`). Each status page finds its own ticket's place in ``order``, so one
  message, encoded once, serves every page following the service.

A service's message is not sent when no page could show anything new: the tickets it sent
last keep their places (the new order only grew at its end: a regular ticket was issued)
and the estimate's facts are the same. A new ticket's page reads its own place when it
connects.

The pages of a service are split over :data:`SHARDS` rooms (:func:`service_room`), and the
feed lets the event loop run between two rooms' messages: writing to thousands of sockets
is then done in slices, and a call's event to the boards (sent at once by the request that
made it) waits for one slice at most, not for every page of the hall.

Changes made on other processes, or at the same moment as this one, may reach clients in
any order; so ``settle`` seconds after the last round the dirty services are read once more
(and sent if they changed), and the last thing every client gets was read after the last
change. The ``ticket`` event of a ticket that itself changed (called, finished...) is still
sent at once by the service that changed it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .events import HALL, QUEUE, TICKET, Event

log = logging.getLogger("mpp.queue_feed")


#: rooms the status pages of one service are split over (see the module's docstring)
SHARDS = 8


def service_room(service_id: int, shard: int) -> str:
    """One of the :data:`SHARDS` rooms of the /ticket sockets of one service's tickets."""
    return f"service:{service_id}:{shard % SHARDS}"


def unchanged_for_pages(last: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """Whether every page that ``last`` reached would show the same after ``new``: each of
    its tickets keeps its index (``new``'s order only grew at its end) and all but
    ``order`` and ``waiting`` is equal."""
    if last is None:
        return False
    before, after = last.get("order"), new.get("order")
    if not isinstance(before, list) or not isinstance(after, list):
        return False
    return (after[:len(before)] == before
            and {k: v for k, v in last.items() if k not in ("order", "waiting")}
            == {k: v for k, v in new.items() if k not in ("order", "waiting")})


@dataclass(frozen=True)
class FeedRound:
    """What one read found: the hall counts (None when not asked for) and each asked-for
    service's feed."""

    hall: dict[str, Any] | None
    services: dict[int, dict[str, Any]]


#: reads the hall counts (when the flag is set) and the feeds of the given services, in one
#: transaction
Reader = Callable[[set[int], bool], FeedRound]
#: starts ``fn`` in the background (a greenlet under gevent, else a thread)
Spawner = Callable[[Callable[[], None]], Any]


def _thread(fn: Callable[[], None]) -> Any:
    t = threading.Thread(target=fn, daemon=True, name="mpp-queue-feed")
    t.start()
    return t


class QueueFeed:
    """Coalesces queue changes into one read and one message per service (room) per round."""

    def __init__(self, publish: Callable[[list[Event]], None], read: Reader,
                 interval: float = 0.1,
                 settle: float = 0.5, spawn: Spawner = _thread,
                 sleep: Callable[[float], None] = time.sleep, pause: float = 0.001):
        self.publish = publish
        self.read = read
        self.interval = interval
        self.settle = settle
        self.spawn = spawn
        self.sleep = sleep
        #: the event loop's turn between two rooms' messages
        self.pause = pause
        #: what was last sent, by service id (None: the hall counts), to skip repeats
        self._last: dict[int | None, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._dirty: set[int] = set()
        self._hall_dirty = False
        self._unsettled: set[int] = set()
        self._settle_at = 0.0
        self._running = False
        self._closed = False
        #: set while no round is due or running (tests wait on it)
        self.idle = threading.Event()
        self.idle.set()
        #: cleared while the background loop reads and sends a round
        self._not_sending = threading.Event()
        self._not_sending.set()

    def touch(self, service_ids: Iterable[int], pages: bool = True) -> None:
        """The waiting tickets of these services changed (committed): send them soon.

        ``pages`` False: tickets were only added at the end of the services' call orders.
        That moves no page (each keeps its place; a new ticket's page reads its own when it
        connects), so only the hall's counts are read and sent, not the services' orders:
        about half of a busy hall's changes are such issues."""
        with self._lock:
            if self._closed:
                return
            if pages:
                self._dirty.update(service_ids)
            self._hall_dirty = True
            self.idle.clear()
            if not self._running:
                self._running = True
                self.spawn(self._run)

    def close(self, timeout: float = 5.0) -> None:
        """Read and send nothing more (its database is going): a round being read or sent
        ends first; a loop waiting for its next round ends without reading."""
        with self._lock:
            self._closed = True
        self._not_sending.wait(timeout)

    def flush(self) -> None:
        """Read and send what is dirty now, in the caller's thread (for commands and tests)."""
        with self._lock:
            dirty, hall = self._take(settle=False)
        if dirty or hall:
            self._send(dirty)

    def _take(self, settle: bool = True) -> tuple[set[int], bool]:
        dirty, hall = self._dirty, self._hall_dirty
        self._dirty, self._hall_dirty = set(), False
        if settle and (dirty or hall):
            self._unsettled |= dirty
            self._settle_at = time.monotonic() + self.settle
        return dirty, hall

    def _run(self) -> None:
        while True:
            self.sleep(self.interval)  # let the changes of this moment gather
            with self._lock:
                if self._closed:
                    self._running = False
                    self.idle.set()
                    return
                dirty, hall = self._take()
                if not (dirty or hall):
                    if not self._unsettled:
                        self._running = False
                        self.idle.set()
                        return
                    if time.monotonic() < self._settle_at:
                        continue
                    dirty, self._unsettled = self._unsettled, set()
                self._not_sending.clear()  # under the lock: close() waits for this round
            try:
                self._send(dirty)
            finally:
                self._not_sending.set()

    def _send(self, services: set[int]) -> None:
        """Read and send the hall counts, then each service's feed: each read on its own,
        with the event loop's turn between (on SQLite a read holds the whole process)."""
        try:
            hall = self.read(set(), True).hall
        except Exception:  # noqa: BLE001 - the next change or the settling round sends again
            log.exception("could not read the queue feed")
            return
        if hall is not None and hall != self._last.get(None):
            self._last[None] = hall
            self.publish([Event(QUEUE, HALL, hall)])
        for sid in sorted(services):
            self.sleep(self.pause)
            try:
                feed = self.read({sid}, False).services.get(sid)
            except Exception:  # noqa: BLE001 - as above
                log.exception("could not read the queue feed")
                return
            if feed is None or unchanged_for_pages(self._last.get(sid), feed):
                if feed is not None:
                    self._last[sid] = feed
                continue
            self._last[sid] = feed
            for shard in range(SHARDS):
                if shard:
                    self.sleep(self.pause)  # the loop's turn: other sockets, other requests
                self.publish([Event(QUEUE, TICKET, feed, service_room(sid, shard))])
