"""The ticket state machine: which status changes are allowed, and by which action."""

from __future__ import annotations

from enum import StrEnum

from .errors import InvalidTransition


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Action(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    TRANSFER = "transfer"
    CANCEL = "cancel"
    EXPIRE = "expire"


S = TicketStatus

#: action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[TicketStatus], TicketStatus]] = {
    Action.CALL: (frozenset({S.WAITING}), S.CALLED),
    Action.RECALL: (frozenset({S.CALLED}), S.CALLED),
    Action.START: (frozenset({S.CALLED}), S.SERVING),
    Action.FINISH: (frozenset({S.CALLED, S.SERVING}), S.DONE),
    Action.NO_SHOW: (frozenset({S.CALLED}), S.NO_SHOW),
    Action.TRANSFER: (frozenset({S.CALLED, S.SERVING}), S.WAITING),
    Action.CANCEL: (frozenset({S.WAITING}), S.CANCELLED),
    Action.EXPIRE: (frozenset({S.WAITING}), S.EXPIRED),
}

#: statuses in which a counter holds the ticket
HELD = frozenset({S.CALLED, S.SERVING})
FINAL = frozenset({S.DONE, S.NO_SHOW, S.CANCELLED, S.EXPIRED})


def next_status(current: TicketStatus | str, action: Action) -> TicketStatus:
    """Return the status ``action`` leads to from ``current``, or raise InvalidTransition."""
    current = TicketStatus(current)
    allowed_from, target = TRANSITIONS[action]
    if current not in allowed_from:
        allowed = ", ".join(sorted(s.value for s in allowed_from))
        raise InvalidTransition(
            f"Cannot {action.value.replace('_', ' ')} a ticket that is {current.value} "
            f"(allowed only from: {allowed})."
        )
    return target
