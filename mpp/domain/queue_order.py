"""Which waiting ticket a counter takes next.

Within a service, tickets go oldest first by issue time. Priority tickets (elderly,
disabled, pregnant, with a small child) go ahead, but a service's ``regular_per_priority``
ratio keeps regular citizens moving: after a priority call, at least that many regular
tickets are called before the next priority ticket, while regular tickets wait. A ratio of
0 means priority tickets always go first.

Across the services a counter serves, the heads chosen by each service's rule are compared.
A priority head jumps ahead of the other services' heads only when it is due at this counter
too: the counter itself has called at least its service's ratio of regular tickets since its
own last priority call. Otherwise the oldest head goes first. So a counter serving several
services never lets a stream of priority tickets of one service starve the regular tickets
of another, and a priority ticket is never called later than plain oldest-first would.

Only tickets whose holder is in the hall are called: a remote ticket (taken from a phone,
mpp.domain.remote_join) is passed over until it is checked in, and is then called in its
place by issue time. It is not a candidate until then (call-next reads the heads of the
tickets with no pending check-in); the orders below still count it where it stands, as the
place it will take once checked in.
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


#: the rule state of a counter (or service) that has made no priority call yet today
NO_PRIORITY_YET = 1000


def choose_next(queues: Iterable[ServiceQueue],
                counter_regular_since_priority: int = NO_PRIORITY_YET) -> Candidate | None:
    """The ticket a counter serving these services calls next.

    ``counter_regular_since_priority``: the regular tickets this counter called since its
    own last priority call today (see :func:`counter_rule_state`).
    """
    heads: list[Candidate] = []
    jumping: list[Candidate] = []
    for q in queues:
        head = service_head(q)
        if head is None:
            continue
        heads.append(head)
        due_in_service = (q.regular_since_priority >= q.regular_per_priority
                          or q.oldest_regular is None)
        if (head.priority and due_in_service
                and counter_regular_since_priority >= q.regular_per_priority):
            jumping.append(head)
    if not heads:
        return None
    return min(jumping or heads, key=lambda c: (c.issued_at, c.ticket_id))


def counter_rule_state(recent_calls_priority: Iterable[bool]) -> int:
    """A counter's regular calls since its last priority call, from whether each of its
    latest calls today (newest first) was a priority ticket; a window without any priority
    call counts as :data:`NO_PRIORITY_YET` (the window must be at least as long as the
    largest ratio it is compared with)."""
    for i, priority in enumerate(recent_calls_priority):
        if priority:
            return i
    return NO_PRIORITY_YET


def next_regular_since_priority(current: int, called: Candidate,
                                cap: int = NO_PRIORITY_YET) -> int:
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
    if not priority or not regular:
        # one kind only: the rule never has to choose, the order is issue order
        return regular or priority
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


@dataclass(frozen=True)
class ServiceWaiting:
    """One service's waiting tickets at a counter, with its ratio and rule state."""

    service_id: int
    waiting: tuple[Candidate, ...]
    regular_per_priority: int
    regular_since_priority: int


def counter_call_order(services: Iterable[ServiceWaiting],
                       counter_regular_since_priority: int = NO_PRIORITY_YET
                       ) -> list[Candidate]:
    """The order in which one counter would call the waiting tickets of its services, if
    nobody new comes and no other counter calls: :func:`choose_next` applied again and
    again, with each service's and the counter's rule state moving on after each call."""
    def key(c: Candidate) -> tuple[datetime, int]:
        return (c.issued_at, c.ticket_id)

    lanes = []
    for sw in services:
        regular = sorted((c for c in sw.waiting if not c.priority), key=key)
        priority = sorted((c for c in sw.waiting if c.priority), key=key)
        lanes.append([sw, regular, priority, sw.regular_since_priority])
    counter_state = counter_regular_since_priority
    order: list[Candidate] = []
    while True:
        queues = [ServiceQueue(sw.service_id, regular[0] if regular else None,
                               priority[0] if priority else None, sw.regular_per_priority,
                               state) for sw, regular, priority, state in lanes]
        chosen = choose_next(queues, counter_state)
        if chosen is None:
            return order
        order.append(chosen)
        counter_state = next_regular_since_priority(counter_state, chosen)
        for lane in lanes:
            if lane[0].service_id == chosen.service_id:
                (lane[2] if chosen.priority else lane[1]).pop(0)
                lane[3] = next_regular_since_priority(lane[3], chosen)
                break
