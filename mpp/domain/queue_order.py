"""Which waiting ticket a counter takes next.

Within a service, tickets go oldest first by issue time. Priority tickets (elderly,
disabled, pregnant, with a small child) go ahead, but a service's ``regular_per_priority``
ratio keeps regular citizens moving: after a priority call, at least that many regular
tickets are called before the next priority ticket, while regular tickets wait. A ratio of
0 means priority tickets always go first.

Across the services a counter serves, the heads chosen by each service's rule are compared:
a priority head goes before regular heads, and otherwise the oldest head goes first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    """A waiting ticket as the queue order sees it."""

    ticket_id: int
    service_id: int
    issued_at: datetime
    priority: bool


@dataclass(frozen=True)
class ServiceQueue:
    """The oldest waiting regular and priority tickets of one service, and its rule state."""

    service_id: int
    oldest_regular: Candidate | None
    oldest_priority: Candidate | None
    regular_per_priority: int
    regular_since_priority: int


def service_head(queue: ServiceQueue) -> Candidate | None:
    """The ticket this service's rule would call next, or None when nothing waits."""
    regular, priority = queue.oldest_regular, queue.oldest_priority
    if priority is None:
        return regular
    if regular is None:
        return priority
    if queue.regular_since_priority >= queue.regular_per_priority:
        return priority
    # Regular tickets still owed their share since the last priority call, unless the
    # priority ticket was issued first anyway.
    return priority if priority.issued_at < regular.issued_at else regular


def choose_next(queues: Iterable[ServiceQueue]) -> Candidate | None:
    """The ticket a counter serving these services calls next."""
    heads = [h for h in (service_head(q) for q in queues) if h is not None]
    if not heads:
        return None
    return min(heads, key=lambda c: (not c.priority, c.issued_at, c.ticket_id))


def next_regular_since_priority(current: int, called: Candidate, cap: int = 1000) -> int:
    """The service's rule state after ``called`` was called."""
    return 0 if called.priority else min(current + 1, cap)


def call_order(
    waiting: Iterable[Candidate], regular_per_priority: int, regular_since_priority: int
) -> list[Candidate]:
    """The order in which one service's waiting tickets will be called, if nobody new comes.

    A ticket's position in it is the number of people ahead of it (at one counter; several
    counters share the same order).
    """
    def key(c: Candidate) -> tuple[datetime, int]:
        return (c.issued_at, c.ticket_id)

    tickets = list(waiting)
    regular = sorted((c for c in tickets if not c.priority), key=key)
    priority = sorted((c for c in tickets if c.priority), key=key)
    i = j = 0
    state = regular_since_priority
    order: list[Candidate] = []
    while i < len(regular) or j < len(priority):
        head = service_head(ServiceQueue(
            0, regular[i] if i < len(regular) else None,
            priority[j] if j < len(priority) else None, regular_per_priority, state))
        assert head is not None
        order.append(head)
        state = next_regular_since_priority(state, head)
        if head.priority:
            j += 1
        else:
            i += 1
    return order
