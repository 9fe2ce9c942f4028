"""Who may hold a ticket's token: its holder, and no one else.

A ticket's ``token`` (and ``status_url``, which carries it) is the citizen's key to the
status page, the satisfaction survey and complaints about the ticket. The contract lets it
reach only the answer to the ``POST`` that issued it, the ``/ticket`` sockets of that token,
the print job, and the rating tablet bound to the counter that finished it (``survey_offer``,
for that ticket's survey). Everything else — ``/hall`` events and snapshot,
``GET /api/v1/queue``, staff and manager answers — gets both as null, keys kept.
"""

from __future__ import annotations

from typing import Any

from .events import HALL, Event, Publisher

#: the one /hall event that carries a token: to the rating tablet of the finishing counter
SURVEY_OFFER = "survey_offer"
SECRET_KEYS = ("token", "status_url")


def _is_ticket(value: dict[str, Any]) -> bool:
    return "number" in value and all(k in value for k in SECRET_KEYS)


def without_ticket_secrets(data: Any) -> Any:
    """A copy of ``data`` in which every Ticket has ``token`` and ``status_url`` null."""
    if isinstance(data, dict):
        out = {k: without_ticket_secrets(v) for k, v in data.items()}
        if _is_ticket(data):
            out.update(dict.fromkeys(SECRET_KEYS))
        return out
    if isinstance(data, list):
        return [without_ticket_secrets(v) for v in data]
    return data


class TicketSecretGuard:
    """A publisher that sends no ticket token to /hall, except each ``survey_offer`` (which
    goes only to the room of the counter's bound rating tablet)."""

    def __init__(self, inner: Publisher):
        self.inner = inner

    def publish(self, events: list[Event]) -> None:
        self.inner.publish([
            Event(e.name, e.namespace, without_ticket_secrets(e.data), e.room)
            if e.namespace == HALL and e.name != SURVEY_OFFER else e
            for e in events])
