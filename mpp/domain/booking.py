"""Bookings: a service's booking rules, its slots on a day, booking codes and phone numbers.

A service takes bookings when its site-file entry has a ``booking`` table
(``{slot_minutes = 30, per_slot = 4, days_ahead = 14, grace_minutes = 15}``). Its slots on a
day are cut from the hours a kiosk may issue tickets that day: each opening range (holidays
closed, the Friday-prayer break taken out) up to the issuing cut-off before the range
closes, in steps of ``slot_minutes`` from the range's start; a step that would end after the
cut-off is not a slot. An always-open service (``"00:00-24:00"``) has slots all day, every
day, as it takes tickets on holidays too.

A slot can be booked from today until ``days_ahead`` days ahead, until it ends. Check-in opens
:data:`CHECK_IN_OPENS` before the slot's start; up to ``grace_minutes`` after the start the
booking is on time (its ticket queues as if issued at the slot's start), later it is late
(an ordinary walk-in ticket).

Booked places count against the daily quota together with the tickets issued: the places
taken on a day are the tickets issued that day plus the bookings of that day still waiting
to check in (a check-in turns one into the other).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from .errors import Conflict, ValidationFailed
from .hours import ALWAYS, DAYS, Range, WeeklyHours, day_ranges
from .settings_table import whole_numbers

#: how long before its slot's start a booking may check in
CHECK_IN_OPENS = timedelta(minutes=60)
#: booking codes: no 0/O nor 1/I, so a citizen reads and types them without doubt
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
#: the most active bookings one phone number may hold on one day (site setting
#: ``bookings_per_phone``)
DEFAULT_PER_PHONE = 2


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


#: bookings that hold a place in their slot
HOLDING = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN)


@dataclass(frozen=True)
class BookingRules:
    """A service's ``booking`` table."""

    slot_minutes: int = 30
    per_slot: int = 4
    days_ahead: int = 14
    grace_minutes: int = 15

    def as_dict(self) -> dict[str, int]:
        return {"slot_minutes": self.slot_minutes, "per_slot": self.per_slot,
                "days_ahead": self.days_ahead, "grace_minutes": self.grace_minutes}


#: each rule's allowed range
LIMITS = {"slot_minutes": (5, 480), "per_slot": (1, 1000), "days_ahead": (0, 90),
          "grace_minutes": (0, 240)}


def parse_rules(table: Mapping[str, Any] | None) -> BookingRules | None:
    """A ``booking`` table as :class:`BookingRules` (None: no bookings); 422 when wrong."""
    if table is None:
        return None
    values = whole_numbers(
        table, LIMITS, name="'booking'", key_name=lambda key: f"'booking.{key}'",
        example="{slot_minutes = 30, per_slot = 4, days_ahead = 14, grace_minutes = 15}",
        code="invalid_booking")
    return BookingRules(**values)


@dataclass(frozen=True)
class Slot:
    """One bookable stretch of a day, in the site's local time."""

    start: datetime
    end: datetime


def day_slots(week: WeeklyHours, day: date, tz: ZoneInfo, rules: BookingRules, *,
              holidays: Collection[date] = (), friday_break: Range | None = None,
              cutoff_minutes: int = 0) -> list[Slot]:
    """The slots of ``day`` (see the module docstring); [] when the service is closed."""
    always = week[DAYS[day.weekday()]] == [ALWAYS]
    if day in holidays and not always:
        return []
    slots = []
    for start, end in day_ranges(week, day, friday_break):
        last = end if end >= 24 * 60 else end - cutoff_minutes
        minute = start
        while minute + rules.slot_minutes <= last:
            slots.append(Slot(_at(day, minute, tz), _at(day, minute + rules.slot_minutes, tz)))
            minute += rules.slot_minutes
    return slots


def _at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minute)


def bookable_days(today: date, rules: BookingRules) -> list[date]:
    """The days a citizen may book, today first."""
    return [today + timedelta(days=n) for n in range(rules.days_ahead + 1)]


def find_slot(slots: list[Slot], start: datetime) -> Slot:
    """The slot that starts at ``start``; 422 ``invalid_slot`` when none does."""
    for slot in slots:
        if slot.start == start:
            return slot
    choices = ", ".join(s.start.strftime("%H:%M") for s in slots[:6])
    raise ValidationFailed(
        f"{start.isoformat()} is not the start of a slot of this service"
        + (f" (that day's slots start at {choices} …)." if choices else "."), "invalid_slot")


def check_bookable(slot: Slot, now: datetime, today: date, rules: BookingRules) -> None:
    """Refuse a slot that has ended or lies beyond ``days_ahead`` (409)."""
    if slot.end <= now:
        raise Conflict("Slot ini sudah lewat; pilih slot lain. / This slot has passed.",
                       "slot_past")
    if slot.start.date() > today + timedelta(days=rules.days_ahead):
        raise Conflict(f"Booking dibuka paling lama {rules.days_ahead} hari ke depan. / "
                       f"Bookings open at most {rules.days_ahead} days ahead.", "too_far_ahead")


def parse_start(value: str, tz: ZoneInfo) -> datetime:
    """A slot start as sent: ISO 8601, with an offset or in the site's local time."""
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        return moment.astimezone(tz)
    except (ValueError, OverflowError) as exc:
        raise ValidationFailed(f"start {value!r} is not an ISO 8601 time such as "
                               "2026-11-24T09:00:00+08:00.", "invalid_slot") from exc


def check_day(day: date, today: date, rules: BookingRules) -> None:
    """Refuse a day before today or beyond ``days_ahead`` (409), before its slots are cut."""
    if day < today:
        raise Conflict("Hari itu sudah lewat. / That day has passed.", "slot_past")
    if day > today + timedelta(days=rules.days_ahead):
        raise Conflict(f"Booking dibuka paling lama {rules.days_ahead} hari ke depan. / "
                       f"Bookings open at most {rules.days_ahead} days ahead.", "too_far_ahead")


# -- check-in --------------------------------------------------------------------------------
def check_in_on_time(slot_start: datetime, business_date: date, now: datetime, today: date,
                     rules: BookingRules) -> bool:
    """Whether a check-in at ``now`` is on time (True: queued at the slot's start) or late
    (False: an ordinary walk-in); 409 ``too_early`` before check-in opens, ``booking_no_show``
    after the booking's day."""
    if business_date < today:
        raise Conflict("Hari booking ini sudah lewat. / This booking's day has passed.",
                       "booking_no_show")
    opens = slot_start - CHECK_IN_OPENS
    if now < opens:
        raise Conflict(f"Check-in dibuka pukul {opens:%H.%M} tanggal {opens:%d-%m-%Y}. / "
                       f"Check-in opens at {opens:%H:%M} on {opens:%Y-%m-%d}.", "too_early")
    return now <= slot_start + timedelta(minutes=rules.grace_minutes)


# -- places ----------------------------------------------------------------------------------
def check_places(*, in_slot: int, rules: BookingRules, issued: int, booked_day: int,
                 quota: int | None) -> None:
    """Refuse a new booking when its slot is full or the day's quota is taken (409):
    ``in_slot`` bookings hold places in the slot, ``issued`` tickets were issued that day and
    ``booked_day`` bookings of that day wait to check in."""
    if in_slot >= rules.per_slot:
        raise Conflict("Slot ini sudah penuh; pilih slot lain. / This slot is full.",
                       "slot_full")
    if quota is not None and issued + booked_day >= quota:
        raise Conflict(f"Kuota {quota} layanan hari itu sudah habis. / The day's quota of "
                       f"{quota} is taken.", "quota_reached")


def check_phone_limit(active_that_day: int, limit: int) -> None:
    """Refuse a booking when the phone number already holds ``limit`` that day (409)."""
    if active_that_day >= limit:
        raise Conflict(f"Nomor HP ini sudah punya {limit} booking aktif pada hari itu. / "
                       f"This phone number already holds {limit} bookings that day.",
                       "booking_limit")


# -- codes and phone numbers ----------------------------------------------------------------
def new_code(choice: Any = secrets.choice) -> str:
    """A fresh booking code, 6 characters of :data:`CODE_ALPHABET`."""
    return "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(typed: str) -> str:
    """A code as typed (lower case, spaces or dashes) in its stored form."""
    return re.sub(r"[\s\-]", "", typed).upper()


_PHONE_CHARS = re.compile(r"[\s\-().]")


def phone_key(phone: str) -> str:
    """A phone number reduced to one form per line, for the per-phone limit: digits only,
    ``+62``/``62`` written as ``0`` (``+62 812-3456-789`` and ``08123456789`` are one);
    422 ``invalid_phone`` when it is not a phone number."""
    text = _PHONE_CHARS.sub("", phone.strip())
    if text.startswith("+"):
        text = text[1:]
        if not text.startswith("62"):
            if not text.isdigit() or not 8 <= len(text) <= 15:
                raise _bad_phone(phone)
            return "+" + text
    if not text.isdigit():
        raise _bad_phone(phone)
    if text.startswith("62"):
        text = "0" + text[2:]
    if not text.startswith("0") or not 9 <= len(text) <= 14:
        raise _bad_phone(phone)
    return text


def _bad_phone(phone: str) -> ValidationFailed:
    return ValidationFailed("Nomor HP tidak valid; tulis seperti 0812 3456 7890. / The phone "
                            "number is not valid; write it like 0812 3456 7890.", "invalid_phone")


def mask_phone(phone: str) -> str:
    """A phone number as shown anywhere public: the first four and last three digits
    (``0812*****789``)."""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) <= 7:
        return "*" * len(digits)
    return "".join(digits[:4]) + "*" * (len(digits) - 7) + "".join(digits[-3:])

