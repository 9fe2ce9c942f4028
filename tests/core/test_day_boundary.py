"""Sequences restart every business day in the site's time zone (Asia/Makassar, UTC+8), on
services, counters and clerks of the test's own (support/factories.py)."""

from datetime import datetime

from sqlalchemy import select

from mpp.domain.actor import SYSTEM
from mpp.models import Ticket

from ..support.databases import WITA


def test_tickets_just_before_and_after_local_midnight_get_their_own_days_sequences(
        any_app, clock):
    from ..support.api import Api
    from ..support.factories import Factories

    api = Api(any_app.test_client())
    code = Factories(any_app).service(prefix="Q")
    clock.set(datetime(2026, 11, 23, 23, 59, 58, tzinfo=WITA))
    before = [api.issue(code), api.issue(code)]
    clock.set(datetime(2026, 11, 24, 0, 0, 0, tzinfo=WITA))   # 16:00 UTC
    after = [api.issue(code), api.issue(code)]
    assert [t["number"] for t in before] == ["Q001", "Q002"]
    assert [t["number"] for t in after] == ["Q001", "Q002"]
    assert {t["business_date"] for t in before} == {"2026-11-23"}
    assert {t["business_date"] for t in after} == {"2026-11-24"}
    assert after[0]["issued_at"] == "2026-11-24T00:00:00+08:00"


def test_yesterdays_waiting_tickets_are_not_called_today_and_close_day_expires_them(
        any_app, clock):
    from ..support.api import Api
    from ..support.factories import Factories

    api = Api(any_app.test_client())
    desk = Factories(any_app).desk()
    clock.set(datetime(2026, 11, 23, 14, 0, tzinfo=WITA))
    old = api.issue(desk.code)
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=WITA))
    new = api.issue(desk.code)
    cid = api.open_counter(desk.staff, desk.counter)
    r = api.post(f"/counters/{cid}/call-next", token=api.login(desk.staff))
    assert r.body["ticket"]["id"] == new["id"]
    hall = any_app.extensions["mpp"]
    assert hall.queue.close_day(SYSTEM, datetime(2026, 11, 23).date()) == 1
    with hall.db.read() as s:
        assert s.scalars(select(Ticket.status).where(Ticket.id == old["id"])).one() == "expired"
