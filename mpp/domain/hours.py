"""Service hours: weekly opening ranges, holidays, the Friday-prayer break, issuing cut-off.

Hours are written as in the site file: ``"08:00-15:00"`` every day, ``"08:00-12:00,13:00-15:00"``
for several ranges, ``"closed"``, or a table by weekday such as
``{"mon-thu": "08:00-15:00", "fri": "08:00-11:00", "sat": "closed"}``. ``"00:00-24:00"`` is
always open.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .errors import ValidationFailed

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Range = tuple[int, int]  # minutes since local midnight, end exclusive
WeeklyHours = dict[str, list[Range]]
#: "00:00-24:00": always open, also on holidays and during the Friday break
ALWAYS: Range = (0, 24 * 60)


def _minutes(text: str) -> int:
    try:
        hh, mm = text.strip().split(":")
        h, m = int(hh), int(mm)
    except ValueError as exc:
        raise ValidationFailed(f"Time {text!r} must look like 08:00.", "invalid_hours") from exc
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValidationFailed(f"Time {text!r} is not a time of day.", "invalid_hours")
    return h * 60 + m


def parse_ranges(text: str) -> list[Range]:
    """``"08:00-12:00,13:00-15:00"`` gives [(480, 720), (780, 900)]; ``"closed"`` gives []."""
    text = text.strip().lower()
    if text in ("", "closed", "tutup"):
        return []
    ranges = []
    for part in text.split(","):
        if "-" not in part:
            raise ValidationFailed(f"Hours {part!r} must look like 08:00-15:00.", "invalid_hours")
        start, end = (_minutes(x) for x in part.split("-", 1))
        if end <= start:
            raise ValidationFailed(f"Hours {part!r} end before they start.", "invalid_hours")
        ranges.append((start, end))
    return sorted(ranges)


def _day_keys(key: str) -> list[str]:
    key = key.strip().lower()
    if key in ("daily", "every_day", "*"):
        return list(DAYS)
    if "-" in key:
        a, b = key.split("-", 1)
        if a in DAYS and b in DAYS and DAYS.index(a) <= DAYS.index(b):
            return list(DAYS[DAYS.index(a) : DAYS.index(b) + 1])
    if key in DAYS:
        return [key]
    raise ValidationFailed(f"Unknown day {key!r}; use mon..sun or ranges like mon-fri.",
                           "invalid_hours")


def parse_hours(spec: str | Mapping[str, str] | None) -> WeeklyHours:
    """Parse an hours specification into ranges per weekday (see the module docstring)."""
    if spec is None:
        spec = "00:00-24:00"
    if isinstance(spec, str):
        ranges = parse_ranges(spec)
        return {d: list(ranges) for d in DAYS}
    if not isinstance(spec, Mapping):
        raise ValidationFailed("Hours must be a string or a table by weekday.", "invalid_hours")
    week: WeeklyHours = {d: [] for d in DAYS}
    for key, value in spec.items():
        if not isinstance(value, str):
            raise ValidationFailed(f"Hours for {key!r} must be a string.", "invalid_hours")
        for d in _day_keys(key):
            week[d] = parse_ranges(value)
    return week


def format_ranges(ranges: list[Range]) -> str:
    """The inverse of parse_ranges."""
    if not ranges:
        return "closed"
    return ",".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in ranges)


def _subtract(ranges: list[Range], cut: Range) -> list[Range]:
    out: list[Range] = []
    for s, e in ranges:
        if e <= cut[0] or s >= cut[1]:
            out.append((s, e))
            continue
        if s < cut[0]:
            out.append((s, cut[0]))
        if e > cut[1]:
            out.append((cut[1], e))
    return out


#: reasons a service will not open again today (a transfer into it is refused)
CLOSED_FOR_THE_DAY = ("holiday", "closed_today", "closed", "inactive")


@dataclass(frozen=True)
class Availability:
    """Whether a kiosk may issue a ticket now, and if not, why (a stable reason code)."""

    open: bool
    reason: str | None = None  # holiday, closed_today, not_yet_open, break, cutoff, closed
    message: str | None = None  # Indonesian, for citizens
    closes_at: time | None = None


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}.{minutes % 60:02d}"


def day_ranges(
    week: WeeklyHours, day: date, friday_break: Range | None = None
) -> list[Range]:
    """Opening ranges of one day, with the Friday-prayer break taken out."""
    ranges = list(week[DAYS[day.weekday()]])
    if ranges == [ALWAYS]:
        return ranges
    if friday_break and day.weekday() == 4:
        ranges = _subtract(ranges, friday_break)
    return ranges


def week_groups(week: WeeklyHours, friday_break: Range | None = None) -> list[dict[str, object]]:
    """The week in weekday order, consecutive days with the same hours grouped:
    ``[{"from": "mon", "to": "thu", "ranges": [["08:00", "14:00"]]}, ...]`` (``ranges`` empty:
    closed), the Friday break taken out, for pages to word in their language."""
    groups: list[dict[str, object]] = []
    for i, day in enumerate(DAYS):
        ranges = list(week[day])
        if i == 4 and friday_break and ranges != [ALWAYS]:
            ranges = _subtract(ranges, friday_break)
        shown = [[f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}"]
                 for s, e in ranges]
        if groups and groups[-1]["ranges"] == shown:
            groups[-1]["to"] = day
        else:
            groups.append({"from": day, "to": day, "ranges": shown})
    return groups


def next_opening(week: WeeklyHours, now_local: datetime, *, holidays: Collection[date] = (),
                 friday_break: Range | None = None, skip_today: bool = False,
                 days_ahead: int = 14) -> datetime | None:
    """When the service next opens after ``now_local`` (site time): the start of the next
    opening range, today or on a later day that is not a holiday; None within ``days_ahead``."""
    today = now_local.date()
    minute = now_local.hour * 60 + now_local.minute
    for offset in range(days_ahead + 1):
        day = today + timedelta(days=offset)
        if offset == 0 and skip_today:
            continue
        always = week[DAYS[day.weekday()]] == [ALWAYS]
        if day in holidays and not always:
            continue
        for start, _ in day_ranges(week, day, friday_break):
            if offset > 0 or start > minute:
                return datetime.combine(day, time(start // 60, start % 60),
                                        tzinfo=now_local.tzinfo)
    return None


def issuing_availability(
    week: WeeklyHours,
    now_local: datetime,
    *,
    holidays: Collection[date] = (),
    friday_break: Range | None = None,
    cutoff_minutes: int = 0,
) -> Availability:
    """May a ticket be issued at ``now_local`` (the site's local time)?"""
    today = now_local.date()
    if week[DAYS[today.weekday()]] == [ALWAYS]:
        return Availability(True)
    if today in holidays:
        return Availability(False, "holiday", "Hari ini libur: layanan tutup.")
    ranges = day_ranges(week, today, friday_break)
    if not ranges:
        return Availability(False, "closed_today", "Layanan ini tidak buka hari ini.")
    minute = now_local.hour * 60 + now_local.minute
    for start, end in ranges:
        if start <= minute < end:
            if end < 24 * 60 and minute >= end - cutoff_minutes:
                return Availability(
                    False, "cutoff",
                    f"Pengambilan nomor ditutup {cutoff_minutes} menit sebelum layanan "
                    f"tutup pukul {_hhmm(end)}.",
                )
            closes = None if end >= 24 * 60 else time(end // 60, end % 60)
            return Availability(True, closes_at=closes)
    if minute < ranges[0][0]:
        return Availability(False, "not_yet_open",
                            f"Layanan belum buka; buka pukul {_hhmm(ranges[0][0])}.")
    later = [s for s, _ in ranges if s > minute]
    if later:
        return Availability(False, "break",
                            f"Layanan sedang istirahat; buka kembali pukul {_hhmm(later[0])}.")
    return Availability(False, "closed", "Layanan sudah tutup untuk hari ini.")
