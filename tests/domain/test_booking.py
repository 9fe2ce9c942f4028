"""Bookings in the domain: slots cut from a service's hours, places, codes and phone numbers,
without a server."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mpp.domain import booking
from mpp.domain.booking import BookingRules, Slot
from mpp.domain.errors import Conflict, ValidationFailed
from mpp.domain.hours import parse_hours

WITA = ZoneInfo("Asia/Makassar")
MONDAY, FRIDAY, SUNDAY = date(2026, 11, 23), date(2026, 11, 27), date(2026, 11, 29)
RULES = BookingRules(slot_minutes=30, per_slot=4, days_ahead=14, grace_minutes=15)
OFFICE = parse_hours({"mon-fri": "08:00-14:00", "sat": "closed", "sun": "closed"})


def starts(slots: list[Slot]) -> list[str]:
    return [s.start.strftime("%H:%M") for s in slots]


def test_slots_fill_the_day_in_steps_of_slot_minutes_up_to_the_cutoff():
    slots = booking.day_slots(OFFICE, MONDAY, WITA, RULES, cutoff_minutes=30)
    assert starts(slots) == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00",
                             "11:30", "12:00", "12:30", "13:00"]
    assert slots[-1].end == datetime(2026, 11, 23, 13, 30, tzinfo=WITA)


def test_friday_slots_leave_out_the_prayer_break_and_each_range_keeps_its_cutoff():
    slots = booking.day_slots(OFFICE, FRIDAY, WITA, RULES, friday_break=(690, 780),
                              cutoff_minutes=30)
    assert starts(slots) == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "13:00"]


def test_a_holiday_or_a_closed_day_has_no_slots():
    assert booking.day_slots(OFFICE, MONDAY, WITA, RULES, holidays={MONDAY}) == []
    assert booking.day_slots(OFFICE, SUNDAY, WITA, RULES) == []


def test_an_always_open_service_has_slots_all_day_on_holidays_too():
    slots = booking.day_slots(parse_hours("00:00-24:00"), MONDAY, WITA, RULES,
                              holidays={MONDAY}, cutoff_minutes=30)
    assert len(slots) == 48
    assert slots[-1].end == datetime(2026, 11, 24, 0, 0, tzinfo=WITA)


def test_a_step_that_would_end_after_the_cutoff_is_not_a_slot():
    hours = parse_hours("08:00-09:40")
    slots = booking.day_slots(hours, MONDAY, WITA, BookingRules(slot_minutes=45))
    assert starts(slots) == ["08:00", "08:45"]


def test_rules_are_read_from_the_site_file_table_with_defaults():
    assert booking.parse_rules(None) is None
    assert booking.parse_rules({"per_slot": 2}) == BookingRules(per_slot=2)


@pytest.mark.parametrize("table", [{"per_slot": 0}, {"slot_minutes": "30"},
                                   {"days_ahead": True}, {"slots": 3}, ["per_slot"]])
def test_wrong_rules_are_refused_with_invalid_booking(table):
    with pytest.raises(ValidationFailed) as exc:
        booking.parse_rules(table)
    assert exc.value.code == "invalid_booking"


def test_a_start_that_is_not_a_slot_is_a_422():
    slots = booking.day_slots(OFFICE, MONDAY, WITA, RULES)
    found = booking.find_slot(slots, datetime(2026, 11, 23, 9, 0, tzinfo=WITA))
    assert found.start.hour == 9
    with pytest.raises(ValidationFailed) as exc:
        booking.find_slot(slots, datetime(2026, 11, 23, 9, 10, tzinfo=WITA))
    assert exc.value.code == "invalid_slot"


def test_a_start_without_offset_is_the_sites_local_time():
    assert booking.parse_start("2026-11-23T09:00", WITA) == datetime(2026, 11, 23, 9,
                                                                     tzinfo=WITA)
    assert booking.parse_start("2026-11-23T01:00:00+00:00", WITA).hour == 9
    with pytest.raises(ValidationFailed):
        booking.parse_start("tomorrow", WITA)


def test_a_slot_is_bookable_until_it_ends_and_within_days_ahead():
    slot = Slot(datetime(2026, 11, 23, 9, tzinfo=WITA), datetime(2026, 11, 23, 9, 30,
                                                                  tzinfo=WITA))
    booking.check_bookable(slot, slot.start + timedelta(minutes=29), MONDAY, RULES)
    with pytest.raises(Conflict) as exc:
        booking.check_bookable(slot, slot.end, MONDAY, RULES)
    assert exc.value.code == "slot_past"
    far = Slot(slot.start + timedelta(days=15), slot.end + timedelta(days=15))
    with pytest.raises(Conflict) as exc:
        booking.check_bookable(far, slot.start, MONDAY, RULES)
    assert exc.value.code == "too_far_ahead"


def test_a_full_slot_and_a_taken_quota_refuse_with_their_codes():
    booking.check_places(in_slot=3, rules=RULES, issued=0, booked_day=0, quota=None)
    with pytest.raises(Conflict) as exc:
        booking.check_places(in_slot=4, rules=RULES, issued=0, booked_day=0, quota=None)
    assert exc.value.code == "slot_full"
    # walk-ins issued and bookings waiting share the quota
    with pytest.raises(Conflict) as exc:
        booking.check_places(in_slot=0, rules=RULES, issued=7, booked_day=3, quota=10)
    assert exc.value.code == "quota_reached"


def test_one_phone_number_holds_at_most_its_limit_a_day():
    booking.check_phone_limit(1, 2)
    with pytest.raises(Conflict) as exc:
        booking.check_phone_limit(2, 2)
    assert exc.value.code == "booking_limit"


def test_codes_are_six_characters_without_0_o_1_or_i():
    rng = random.Random(10)
    codes = {booking.new_code(rng.choice) for _ in range(500)}
    assert len(codes) == 500
    assert all(len(c) == 6 and not set(c) & set("0O1I") for c in codes)
    assert booking.normalize_code(" k7m-x3p ") == "K7MX3P"


@pytest.mark.parametrize("written", ["08123456789", "0812-3456-789", "+62 812 3456 789",
                                     "62812 3456789", "(0812) 3456.789"])
def test_one_phone_line_written_several_ways_has_one_key(written):
    assert booking.phone_key(written) == "08123456789"


@pytest.mark.parametrize("written", ["12345", "0812abc4567", "++62812345678", "0812"])
def test_what_is_not_a_phone_number_is_a_422(written):
    with pytest.raises(ValidationFailed) as exc:
        booking.phone_key(written)
    assert exc.value.code == "invalid_phone"


def test_phone_numbers_are_shown_masked():
    assert booking.mask_phone("0812 3456 7890") == "0812*****890"
    assert booking.mask_phone("+62 812-3456-789") == "6281*****789"


def test_a_day_before_today_or_beyond_the_window_is_refused_before_slots_are_cut():
    booking.check_day(MONDAY, MONDAY, RULES)
    with pytest.raises(Conflict) as exc:
        booking.check_day(MONDAY - timedelta(days=1), MONDAY, RULES)
    assert exc.value.code == "slot_past"
    with pytest.raises(Conflict) as exc:
        booking.check_day(date(9999, 12, 31), MONDAY, RULES)
    assert exc.value.code == "too_far_ahead"
    with pytest.raises(ValidationFailed):
        booking.parse_start("9999-12-31T23:59:59-23:59", WITA)


def test_check_in_opens_an_hour_before_and_is_on_time_until_the_grace_ends():
    start = datetime(2026, 11, 24, 9, 0, tzinfo=WITA)
    day, tuesday = start.date(), start.date()
    with pytest.raises(Conflict) as exc:
        booking.check_in_on_time(start, day, start - timedelta(minutes=61), tuesday, RULES)
    assert exc.value.code == "too_early" and "08.00" in exc.value.message
    assert booking.check_in_on_time(start, day, start - timedelta(minutes=60), tuesday, RULES)
    assert booking.check_in_on_time(start, day, start + timedelta(minutes=15), tuesday, RULES)
    assert not booking.check_in_on_time(start, day, start + timedelta(minutes=16), tuesday,
                                        RULES)


def test_a_booking_of_a_day_gone_by_cannot_check_in():
    start = datetime(2026, 11, 24, 9, 0, tzinfo=WITA)
    with pytest.raises(Conflict) as exc:
        booking.check_in_on_time(start, start.date(), start + timedelta(days=1),
                                 start.date() + timedelta(days=1), RULES)
    assert exc.value.code == "booking_no_show"
