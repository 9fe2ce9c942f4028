"""Service hours: weekday tables, holidays, the Friday-prayer break and the issuing cut-off."""

from datetime import date, datetime

import pytest

from mpp.domain.errors import ValidationFailed
from mpp.domain.hours import issuing_availability, parse_hours

WEEK = parse_hours({"mon-thu": "08:00-15:00", "fri": "08:00-15:30", "sat": "08:00-12:00",
                    "sun": "closed"})
BREAK = (11 * 60 + 30, 13 * 60)


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm)  # 2026-11-23 is a Monday


def check(moment, **kw):
    return issuing_availability(WEEK, moment, friday_break=BREAK, cutoff_minutes=30, **kw)


def test_open_within_hours():
    assert check(at(23, 10)).open


def test_not_yet_open_says_when_it_opens():
    a = check(at(23, 7, 59))
    assert not a.open and a.reason == "not_yet_open" and "08.00" in a.message


def test_issuing_stops_at_the_cutoff_before_closing():
    assert check(at(23, 14, 29)).open
    a = check(at(23, 14, 30))
    assert not a.open and a.reason == "cutoff"


def test_closed_after_hours_and_on_sunday():
    assert check(at(23, 15, 0)).reason == "closed"
    assert check(at(29, 10)).reason == "closed_today"


def test_friday_prayer_break_closes_issuing_and_says_when_it_reopens():
    a = check(at(27, 12, 0))
    assert not a.open and a.reason == "break" and "13.00" in a.message
    assert check(at(27, 13, 5)).open
    assert check(at(27, 11, 0)).reason == "cutoff"  # 30 minutes before the break


def test_holiday_closes_the_day():
    a = check(at(23, 10), holidays={date(2026, 11, 23)})
    assert not a.open and a.reason == "holiday"


def test_always_open_ignores_holidays_and_breaks():
    always = parse_hours("00:00-24:00")
    a = issuing_availability(always, at(27, 12), holidays={date(2026, 11, 27)},
                             friday_break=BREAK, cutoff_minutes=30)
    assert a.open


@pytest.mark.parametrize("spec", ["8-15", "08:00-07:00", "25:00-26:00", {"funday": "08:00-09:00"},
                                  "08:00"])
def test_bad_hours_are_refused_with_a_clear_error(spec):
    with pytest.raises(ValidationFailed) as err:
        parse_hours(spec)
    assert err.value.code == "invalid_hours"
