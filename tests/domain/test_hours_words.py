"""Hours as pages word them: the week grouped in weekday order, and when a closed service
next opens (issue 12)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from mpp.domain.hours import next_opening, parse_hours, week_groups

WITA = ZoneInfo("Asia/Makassar")
BREAK = (11 * 60 + 30, 13 * 60)
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=WITA)


def test_the_week_is_grouped_in_weekday_order_whatever_order_it_was_written_in():
    week = parse_hours({"fri": "08:00-14:00", "sat": "closed", "mon-thu": "08:00-15:00",
                        "sun": "closed"})
    assert week_groups(week, BREAK) == [
        {"from": "mon", "to": "thu", "ranges": [["08:00", "15:00"]]},
        {"from": "fri", "to": "fri", "ranges": [["08:00", "11:30"], ["13:00", "14:00"]]},
        {"from": "sat", "to": "sun", "ranges": []}]


def test_always_open_is_one_group():
    assert week_groups(parse_hours("00:00-24:00"), BREAK) == [
        {"from": "mon", "to": "sun", "ranges": [["00:00", "24:00"]]}]


def test_closed_today_opens_next_on_the_next_opening_day_skipping_holidays():
    week = parse_hours({"mon": "closed", "tue-fri": "08:00-14:00", "sat-sun": "closed"})
    assert next_opening(week, MONDAY) == datetime(2026, 11, 24, 8, 0, tzinfo=WITA)
    assert next_opening(week, MONDAY, holidays={date(2026, 11, 24)}) == \
        datetime(2026, 11, 25, 8, 0, tzinfo=WITA)


def test_after_the_friday_break_starts_it_opens_again_when_the_break_ends():
    friday = datetime(2026, 11, 27, 11, 45, tzinfo=WITA)
    week = parse_hours("08:00-15:00")
    assert next_opening(week, friday, friday_break=BREAK) == friday.replace(hour=13, minute=0)


def test_a_full_quota_opens_again_on_the_next_day():
    week = parse_hours("08:00-15:00")
    assert next_opening(week, MONDAY, skip_today=True) == datetime(2026, 11, 24, 8, 0,
                                                                   tzinfo=WITA)


def test_never_open_has_no_next_opening():
    assert next_opening(parse_hours("closed"), MONDAY) is None
