"""Numbers and business days."""

from datetime import UTC, datetime

import pytest

from mpp.domain.errors import ValidationFailed
from mpp.domain.estimates import estimated_wait_minutes, typical_service_seconds
from mpp.domain.numbering import business_date, format_number, validate_prefix


def test_numbers_are_prefix_and_three_digits():
    assert format_number("A", 7) == "A007"
    assert format_number("B", 17) == "B017"
    assert format_number("A", 1000) == "A1000"


def test_business_day_is_the_local_day_in_the_site_time_zone():
    # 15:59:59 UTC is 23:59:59 in Makassar; a second later it is the next local day.
    assert str(business_date(datetime(2026, 11, 23, 15, 59, 59, tzinfo=UTC),
                             "Asia/Makassar")) == "2026-11-23"
    assert str(business_date(datetime(2026, 11, 23, 16, 0, 0, tzinfo=UTC),
                             "Asia/Makassar")) == "2026-11-24"


def test_prefix_must_be_letters():
    assert validate_prefix(" ab ") == "AB"
    with pytest.raises(ValidationFailed):
        validate_prefix("A1")


def test_estimated_wait_uses_median_recent_service_time_and_open_counters():
    assert typical_service_seconds([60, 600, 120], 30) == 120
    assert typical_service_seconds([], 30) == 900
    assert estimated_wait_minutes(4, 120, 2) == 4
    assert estimated_wait_minutes(0, 120, 2) == 0
    assert estimated_wait_minutes(3, 100, 0) == 5  # no counter open yet: one assumed
