"""Sequences restart every business day in the site's time zone (Asia/Makassar, UTC+8)."""

from datetime import datetime

from sqlalchemy import select

from mpp.domain.actor import SYSTEM
from mpp.models import Ticket

from ..support.databases import WITA


def test_tickets_just_before_and_after_local_midnight_get_their_own_days_sequences(
        any_app, clock):
    from ..support.api import Api

    api = Api(any_app.test_client())
    clock.set(datetime(2026, 11, 23, 23, 59, 58, tzinfo=WITA))
    before = [api.issue("KK"), api.issue("KK")]
    clock.set(datetime(2026, 11, 24, 0, 0, 0, tzinfo=WITA))   # 16:00 UTC
    after = [api.issue("KK"), api.issue("KK")]
    assert [t["number"] for t in before] == ["B001", "B002"]
    assert [t["number"] for t in after] == ["B001", "B002"]
    assert {t["business_date"] for t in before} == {"2026-11-23"}
    assert {t["business_date"] for t in after} == {"2026-11-24"}
    assert after[0]["issued_at"] == "2026-11-24T00:00:00+08:00"


def test_yesterdays_waiting_tickets_are_not_called_today_and_close_day_expires_them(
        any_app, clock):
    from ..support.api import Api

    api = Api(any_app.test_client())
    clock.set(datetime(2026, 11, 23, 14, 0, tzinfo=WITA))
    old = api.issue("KTP")
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=WITA))
    new = api.issue("KTP")
    cid = api.open_counter("dukcapil1", "Loket 1")
    r = api.post(f"/counters/{cid}/call-next", token=api.login("dukcapil1"))
    assert r.body["ticket"]["id"] == new["id"]
    hall = any_app.extensions["mpp"]
    assert hall.queue.close_day(SYSTEM, datetime(2026, 11, 23).date()) == 1
    with hall.db.read() as s:
        assert s.scalars(select(Ticket.status).where(Ticket.id == old["id"])).one() == "expired"
