"""Notifications to citizens through the site's webhook (a WhatsApp or SMS gateway).

The site file's ``[notifications]`` table names the gateway (``webhook_url``), the shared
``secret`` and ``ahead`` (tell a waiting citizen when this many people are before them).
Each notification is one HTTP ``POST`` of JSON ``{"id", "event", "phone", "message",
"ticket" or "booking", "at"}`` signed in ``X-MPP-Signature: sha256=<hex HMAC-SHA256 of the
raw body>``. A failed delivery (no answer within :data:`TIMEOUT_SECONDS`, or not 2xx) is
tried again after :data:`BACKOFF` with the same ``id`` and body, until :data:`GIVE_UP_AFTER`
has passed since the first try.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from .errors import ValidationFailed

EVENTS = ("ticket.near", "ticket.called", "booking.created", "booking.reminder")
TIMEOUT_SECONDS = 10.0
#: seconds to wait after the 1st, 2nd … failed try (the last repeats)
BACKOFF = (15, 30, 60, 120, 300, 600)
#: no try is started later than this after the first one
GIVE_UP_AFTER = timedelta(hours=2)
#: a booking's reminder goes this long before its slot's start
REMINDER_BEFORE = timedelta(hours=2)
SIGNATURE_HEADER = "X-MPP-Signature"


@dataclass(frozen=True)
class NotificationSettings:
    webhook_url: str
    secret: str
    ahead: int = 3


def parse_settings(table: Mapping[str, Any] | None) -> NotificationSettings | None:
    """The ``[notifications]`` table (None: nothing is sent); 422 when it is wrong."""
    if not table:
        return None
    if not isinstance(table, Mapping):
        raise ValidationFailed("[notifications] must be a table.", "invalid_notifications")
    url = table.get("webhook_url")
    parsed = urlparse(url) if isinstance(url, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationFailed("[notifications]: 'webhook_url' must be an http(s) URL.",
                               "invalid_notifications")
    secret = table.get("secret")
    if not isinstance(secret, str) or not secret:
        raise ValidationFailed("[notifications]: 'secret' must be a non-empty text.",
                               "invalid_notifications")
    ahead = table.get("ahead", 3)
    if not isinstance(ahead, int) or isinstance(ahead, bool) or not 1 <= ahead <= 50:
        raise ValidationFailed("[notifications]: 'ahead' must be a whole number from 1 to 50.",
                               "invalid_notifications")
    return NotificationSettings(url, secret, ahead)


def sign(body: bytes, secret: str) -> str:
    """The ``X-MPP-Signature`` value of a raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def next_try(tries: int, first_try: datetime, now: datetime) -> datetime | None:
    """When to try again after ``tries`` failed tries (None: give up)."""
    wait = timedelta(seconds=BACKOFF[min(tries, len(BACKOFF)) - 1])
    when = now + wait
    return when if when - first_try <= GIVE_UP_AFTER else None


def delivered(status: int | None) -> bool:
    """A 2xx answer delivers; anything else (or none) is tried again."""
    return status is not None and 200 <= status < 300


def message(event: str, subject: Mapping[str, Any], ahead: int | None = None,
            texts: Mapping[str, str] | None = None) -> str:
    """The text for the citizen, from ``texts`` (a language's ``notifications`` section of
    the catalogues, mpp/i18n; None: Indonesian's)."""
    if texts is None:
        from ..i18n import DEFAULT, section  # the catalogue files only, no request

        texts = section("notifications", DEFAULT)
    service = subject.get("service", {}).get("name", "")
    if event in ("booking.created", "booking.reminder"):
        key = "booking_created" if event == "booking.created" else "booking_reminder"
        return _fill(texts[key], service=service, code=subject["code"],
                     when=_when(subject["start"], texts))
    if event == "ticket.near":
        return _fill(texts["ticket_near"], number=subject["number"], service=service,
                     ahead=ahead)
    if event == "ticket.called":
        counter = (subject.get("counter") or {}).get("name") or texts["counter"]
        return _fill(texts["ticket_called"], number=subject["number"], counter=counter)
    raise ValueError(f"unknown notification event {event!r}")


def _when(iso: str, texts: Mapping[str, str]) -> str:
    moment = datetime.fromisoformat(iso)
    return _fill(texts["when"], day=f"{moment:%d}", month=f"{moment:%m}",
                 year=f"{moment:%Y}", hour=f"{moment:%H}", minute=f"{moment:%M}")


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, **values: Any) -> str:
    """``template`` with its ``{placeholders}`` filled; an unknown one stays as written and
    a malformed text is sent as written (a translator's slip must not stop a message)."""
    try:
        return template.format_map(_Keep(values))
    except (ValueError, IndexError, AttributeError, TypeError):
        return template
