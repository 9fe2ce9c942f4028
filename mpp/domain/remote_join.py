"""Remote join: a ticket for today taken from a phone, called only once checked in at the hall.

A service allows it with ``remote_join = true`` in its site-file entry; the site sets how
long a remote ticket may wait to be checked in and how many one phone number may take a
day, in its ``[remote_join]`` table::

    [remote_join]
    check_in_minutes = 30   # check in at a kiosk (or a counter) within this time
    per_phone = 2           # remote tickets one phone number may take a day

A remote ticket is an ordinary ticket from the start: it takes the next number of the
service and its place by issue time, and counts against the daily quota. Until it is checked
in (its code typed or its QR scanned at a kiosk, or at a counter) it is *awaiting check-in*:
the queue order passes over it (a counter's call-next never calls it) but it keeps its place,
so once checked in it is called where it stands. Not checked in by its deadline it expires:
the ticket is cancelled, with the reason recorded, and never called.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .errors import Conflict, ValidationFailed
from .settings_table import whole_numbers

#: the cancel event's reason for a remote ticket not checked in in time
EXPIRED_REASON = "remote_not_checked_in"


class RemoteStatus(StrEnum):
    AWAITING = "awaiting_check_in"
    CHECKED_IN = "checked_in"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class RemoteRules:
    """The site's ``[remote_join]`` table."""

    check_in_minutes: int = 30
    per_phone: int = 2

    def as_dict(self) -> dict[str, int]:
        return {"check_in_minutes": self.check_in_minutes, "per_phone": self.per_phone}


#: each setting's allowed range
LIMITS = {"check_in_minutes": (5, 240), "per_phone": (1, 20)}


def parse_rules(table: Mapping[str, Any] | None) -> RemoteRules:
    """The site's ``[remote_join]`` table as :class:`RemoteRules` (defaults when absent);
    422 ``invalid_remote_join`` when wrong."""
    if table is None:
        return RemoteRules()
    values = whole_numbers(
        table, LIMITS, name="[remote_join]", key_name=lambda key: f"[remote_join] '{key}'",
        example="check_in_minutes = 30, per_phone = 2", code="invalid_remote_join")
    return RemoteRules(**values)


def parse_allowed(value: Any) -> bool:
    """A service's ``remote_join`` entry: true or false (422 otherwise)."""
    if not isinstance(value, bool):
        raise ValidationFailed("'remote_join' must be true or false.", "invalid_remote_join")
    return value


def check_in_deadline(joined_at: datetime, rules: RemoteRules) -> datetime:
    """The last moment a remote ticket taken at ``joined_at`` may be checked in."""
    return joined_at + timedelta(minutes=rules.check_in_minutes)


def is_overdue(deadline: datetime, now: datetime) -> bool:
    """Whether a remote ticket with this deadline has expired at ``now``."""
    return now > deadline


def check_allowed(allowed: bool, service_name: str) -> None:
    """Refuse a remote join of a service that does not allow it (409)."""
    if not allowed:
        raise Conflict(f"{service_name} tidak menerima antrean dari rumah; ambil nomor di "
                       "kiosk. / This service does not take remote tickets.",
                       "remote_join_not_offered")


def check_phone_limit(taken_today: int, rules: RemoteRules) -> None:
    """Refuse a remote join when the phone number took ``per_phone`` today already (409)."""
    if taken_today >= rules.per_phone:
        raise Conflict(f"Nomor HP ini sudah mengambil {rules.per_phone} antrean dari rumah "
                       f"hari ini. / This phone number already took {rules.per_phone} remote "
                       "tickets today.", "remote_join_limit")


def check_can_check_in(status: str, ticket_status: str, deadline: datetime,
                       now: datetime) -> None:
    """Refuse checking in a remote ticket that is checked in, expired or no longer waiting
    (409 ``already_checked_in``, ``check_in_expired``, ``ticket_not_waiting``)."""
    if status == RemoteStatus.CHECKED_IN:
        raise Conflict("Antrean ini sudah check-in. / This ticket is checked in.",
                       "already_checked_in")
    if status == RemoteStatus.EXPIRED or (status == RemoteStatus.AWAITING
                                          and is_overdue(deadline, now)):
        raise Conflict(f"Batas check-in pukul {deadline:%H.%M} sudah lewat; antrean ini "
                       f"dibatalkan. / The check-in deadline ({deadline:%H:%M}) has passed; "
                       "the ticket is cancelled.", "check_in_expired")
    if status != RemoteStatus.AWAITING or ticket_status != "waiting":
        raise Conflict("Antrean ini tidak menunggu lagi. / This ticket is no longer waiting.",
                       "ticket_not_waiting")
