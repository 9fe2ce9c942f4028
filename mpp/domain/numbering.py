"""Ticket numbers and business days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from .errors import ValidationFailed


def business_date(moment: datetime, timezone: str) -> date:
    """The local calendar day of ``moment`` (an aware datetime) in the site's time zone."""
    if moment.tzinfo is None:
        raise ValueError("business_date needs an aware datetime")
    return moment.astimezone(ZoneInfo(timezone)).date()


def format_number(prefix: str, sequence: int) -> str:
    """``A`` and 7 give ``A007``; sequences past 999 keep all their digits (``A1000``)."""
    if sequence < 1:
        raise ValueError("sequences start at 1")
    return f"{prefix}{sequence:03d}"


def validate_prefix(prefix: str) -> str:
    """A prefix is one to three upper-case letters, so numbers stay short and speakable."""
    p = prefix.strip().upper()
    if not (1 <= len(p) <= 3 and p.isascii() and p.isalpha()):
        raise ValidationFailed(f"Prefix {prefix!r} must be 1-3 letters A-Z.", "invalid_prefix")
    return p
