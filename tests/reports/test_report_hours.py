"""The local hour that SQLite and PostgreSQL work out in SQL (for by_hour) equals Python's
zoneinfo, also across daylight-saving changes and in zones with half hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.orm import Session

from mpp.models import UTC_TS
from mpp.services.reports import (
    Period,
    _local_hour_pg,
    _local_hour_sqlite,
    _offset_spans,
    use_site_zone,
)

ZONES = [
    ("Asia/Makassar", date(2026, 11, 1), date(2026, 11, 30)),     # no change
    ("Europe/Berlin", date(2026, 3, 20), date(2026, 11, 5)),      # spring and autumn
    ("America/Sao_Paulo", date(2018, 10, 20), date(2019, 2, 20)),  # a southern summer
    ("Asia/Kolkata", date(2026, 1, 1), date(2026, 1, 3)),         # +05:30
    ("Australia/Lord_Howe", date(2026, 4, 1), date(2026, 4, 10)),  # a 30-minute change
]


def _moments(tz: ZoneInfo, period: Period) -> list[datetime]:
    """Every 17 min 13.25 s over the period and three days after, and around each change."""
    moments = []
    t = period.start_utc
    while t < period.end_utc + timedelta(days=3):
        moments.append(t)
        t += timedelta(minutes=17, seconds=13, milliseconds=250)
    for until, _ in _offset_spans(tz, period.start_utc, period.end_utc):
        if until is not None:
            moments += [until - timedelta(milliseconds=1), until,
                        until + timedelta(milliseconds=1)]
    return moments


@pytest.mark.parametrize(("zone", "start", "end"), ZONES)
def test_sqlite_local_hour_matches_zoneinfo(zone, start, end):  # type: ignore[no-untyped-def]
    tz = ZoneInfo(zone)
    period = Period(start, end, tz)
    moments = _moments(tz, period)
    engine = create_engine("sqlite://")
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTC_TS))
    table.metadata.create_all(engine)
    with engine.begin() as c:
        c.execute(insert(table), [{"id": i, "at": m} for i, m in enumerate(moments)])
        got = dict(c.execute(select(table.c.id, _local_hour_sqlite(table.c.at, period))).all())
    want = {i: m.astimezone(tz).hour for i, m in enumerate(moments)}
    assert got == want
    engine.dispose()


def test_postgres_local_hour_in_the_site_zone_matches_zoneinfo(pg_url):  # type: ignore
    engine = create_engine(pg_url)
    table = Table("hour_probe", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", UTC_TS))
    table.metadata.create_all(engine)
    try:
        for zone, start, end in ZONES:
            tz = ZoneInfo(zone)
            moments = _moments(tz, Period(start, end, tz))
            with Session(engine) as s, s.begin():
                s.execute(table.delete())
                s.execute(insert(table), [{"id": i, "at": m} for i, m in enumerate(moments)])
            with Session(engine) as s, s.begin():
                before = s.execute(text("SHOW TimeZone")).scalar_one()
                use_site_zone(s, zone)
                got = dict(s.execute(select(table.c.id, _local_hour_pg(table.c.at))).all())
                # times read back are the same instants whatever the session's zone
                back = dict(s.execute(select(table.c.id, table.c.at)).all())
            assert got == {i: m.astimezone(tz).hour for i, m in enumerate(moments)}, zone
            assert back == dict(enumerate(moments))
            # the zone is the transaction's only: the pooled connection gets its own back
            with engine.connect() as c:
                assert c.execute(text("SHOW TimeZone")).scalar_one() == before
    finally:
        engine.dispose()


def test_offset_spans_find_each_change_to_the_second():
    tz = ZoneInfo("Europe/Berlin")
    spans = _offset_spans(tz, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert spans == [(datetime(2026, 3, 29, 1, tzinfo=UTC), 3600),
                     (datetime(2026, 10, 25, 1, tzinfo=UTC), 7200),
                     (None, 3600)]
    assert _offset_spans(ZoneInfo("Asia/Makassar"), datetime(2026, 1, 1, tzinfo=UTC),
                         datetime(2027, 1, 1, tzinfo=UTC)) == [(None, 28800)]
