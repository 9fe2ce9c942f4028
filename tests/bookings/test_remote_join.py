"""Remote join (issue 10): a ticket for today taken from a phone, called only once checked in
at a kiosk or counter, cancelled when not checked in in time; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import func, select

from mpp.domain.actor import Actor
from mpp.models import RemoteJoin, Service, Ticket, TicketEvent

from ..conftest import make_app
from ..support.api import Api
from ..support.factories import Factories
from .conftest import book

ALWAYS = "00:00-24:00"
TODAY = "2026-11-23"  # the clock starts at 09:00
PHONE = "0812 3456 7890"


def setup(app, **fields):  # type: ignore[no-untyped-def]
    """An always-open service taking remote tickets, a counter for it and its staff member."""
    make = Factories(app)
    code = make.service(hours=ALWAYS, remote_join=True, **fields)
    sid = make.service_id(code)
    return sid, make.counter([code]), make.staff(), make


def join(api: Api, sid: int, phone: str = PHONE, **extra):  # type: ignore[no-untyped-def]
    return api.post("/tickets/remote", {"service_id": sid, "phone": phone, **extra})


def check_in(api: Api, code: str, token: str | None = None):  # type: ignore[no-untyped-def]
    return api.post("/bookings/check-in", {"code": code}, token=token or api.device_token())


def kiosk_issue(api: Api, sid: int) -> dict:  # type: ignore[type-arg]
    r = api.post("/tickets", {"service_id": sid}, token=api.device_token())
    assert r.status == 201, r.body
    return r.body["ticket"]


def test_a_remote_ticket_is_passed_over_until_checked_in_then_called_in_its_place(
        any_app, clock):
    api = Api(any_app.test_client())
    sid, counter, staff, _ = setup(any_app)
    first = kiosk_issue(api, sid)
    r = join(api, sid, name="Siti")
    assert r.status == 201, r.body
    remote, info = r.body["ticket"], r.body["remote"]
    assert remote["remote"] is True and remote["status"] == "waiting"
    assert remote["check_in_by"] == f"{TODAY}T09:30:00+08:00" == info["check_in_by"]
    assert info["status"] == "awaiting_check_in" and len(info["code"]) == 6
    assert remote["token"] and remote["people_ahead"] == 1  # its place, numbered as any
    assert int(remote["number"][-3:]) == int(first["number"][-3:]) + 1
    later = kiosk_issue(api, sid)
    token = api.login(staff)
    assert api.post(f"/counters/{counter}/open", token=token).status == 200

    def call_and_finish() -> str | None:
        ticket = api.post(f"/counters/{counter}/call-next", token=token).body["ticket"]
        if ticket is not None:
            assert api.post(f"/tickets/{ticket['id']}/finish", token=token).status == 200
        return None if ticket is None else ticket["number"]

    assert call_and_finish() == first["number"]
    # the remote ticket is not in the hall yet: the counter passes over it
    assert call_and_finish() == later["number"]
    assert call_and_finish() is None
    view = api.get(f"/counters/{counter}/queue", token=token).body
    assert [(w["number"], w["check_in_by"] is not None) for w in view["waiting"]] == [
        (remote["number"], True)]
    # checked in at a kiosk (the code typed in lower case): called in its place
    third = kiosk_issue(api, sid)
    clock.advance(minutes=10)
    r = check_in(api, info["code"].lower())
    assert r.status == 201, r.body
    assert r.body["ticket"]["id"] == remote["id"] and r.body["ticket"]["check_in_by"] is None
    assert r.body["ticket"]["issued_at"] == remote["issued_at"]
    assert call_and_finish() == remote["number"]
    assert call_and_finish() == third["number"]
    assert check_in(api, info["code"]).error == "already_checked_in"


def test_the_checked_in_ticket_goes_before_those_issued_after_it(any_app, clock):
    api = Api(any_app.test_client())
    sid, counter, staff, _ = setup(any_app)
    remote = join(api, sid).ok()
    after = kiosk_issue(api, sid)
    assert check_in(api, remote["remote"]["code"], token=api.login(staff)).status == 201
    token = api.login(staff)
    api.post(f"/counters/{counter}/open", token=token)
    called = api.post(f"/counters/{counter}/call-next", token=token).body["ticket"]
    assert called["number"] == remote["ticket"]["number"] != after["number"]


def test_not_checked_in_in_time_it_expires_never_called_and_counted(any_app, clock):
    api = Api(any_app.test_client())
    sid, counter, staff, _ = setup(any_app)
    hall = any_app.extensions["mpp"]
    early = join(api, sid).ok()
    clock.advance(minutes=20)
    late = join(api, sid, phone="0813 1111 2222").ok()
    clock.advance(minutes=10)  # 09:30: the first is at its deadline, not past it
    assert hall.remote.expire_overdue() == 0
    clock.advance(seconds=1)
    assert hall.remote.expire_overdue() == 1
    assert hall.remote.expire_overdue() == 0  # idempotent
    gone = api.get(f"/tickets/by-token/{early['ticket']['token']}").body["ticket"]
    assert gone["status"] == "cancelled"
    with hall.db.read() as s:
        event = s.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == early["ticket"]["id"], TicketEvent.kind == "cancelled")).one()
        assert event.detail["reason"] == "remote_not_checked_in"
    # checking in late: refused, clearly
    r = check_in(api, early["remote"]["code"])
    assert r.status == 409 and r.error == "check_in_expired"
    assert "09.30" in r.body["error"]["message"]
    # the other one, past its deadline and not swept yet, expires at its late check-in
    clock.advance(minutes=30)
    r = check_in(api, late["remote"]["code"])
    assert r.status == 409 and r.error == "check_in_expired", r.body
    token = api.login(staff)
    api.post(f"/counters/{counter}/open", token=token)
    assert api.post(f"/counters/{counter}/call-next", token=token).body["ticket"] is None
    report = api.get(f"/reports/daily?date={TODAY}", token=api.login("admin")).body
    assert report["totals"]["remote_joined"] == 2
    assert report["totals"]["remote_expired"] == 2
    assert report["totals"]["remote_checked_in"] == 0


def test_refusals_and_abuse(any_app, clock):
    api = Api(any_app.test_client())
    sid, _, _, make = setup(any_app, daily_quota=3)
    plain = make.service_id(make.service(hours=ALWAYS))
    assert join(api, plain).error == "remote_join_not_offered"
    assert join(api, 999999).error == "service_not_found"
    assert join(api, sid, phone="bukan nomor").error == "invalid_phone"
    assert join(api, sid, phone="12").status == 422
    assert api.post("/tickets/remote", {"service_id": "1", "phone": PHONE}).status == 422
    assert api.post("/tickets/remote", {"service_id": sid}).status == 422
    huge = api.post("/tickets/remote", {"service_id": sid, "phone": PHONE, "name": "x" * 5000})
    assert huge.status == 422
    assert join(api, sid).status == 201
    assert join(api, sid, phone="+62 812-3456-7890").status == 201  # the same number
    r = join(api, sid, phone="0812-3456-7890")
    assert r.status == 409 and r.error == "remote_join_limit"  # two a day per phone
    kiosk_issue(api, sid)
    assert join(api, sid, phone="0813 0000 0001").error == "quota_reached"
    assert check_in(api, "ZZZZZZ").error == "booking_not_found"
    assert api.post("/bookings/check-in", {"code": "ABCDEF"}).status == 401  # anonymous
    with any_app.extensions["mpp"].db.read() as s:
        assert s.scalar(select(Service.remote_join).where(Service.id == sid)) is True
        assert len(s.scalars(select(RemoteJoin)).all()) == 2


def test_a_closed_service_takes_no_remote_ticket(app, clock):
    api = Api(app.test_client())
    sid, _, _, make = setup(app)
    closed = make.service_id(make.service(hours={"mon-sun": "13:00-14:00"}, remote_join=True))
    assert join(api, closed).error == "service_closed"
    assert join(api, sid).status == 201


def test_staff_of_another_agency_cannot_check_it_in(app, clock):
    api = Api(app.test_client())
    sid, *_ = setup(app)
    code = join(api, sid).ok()["remote"]["code"]
    r = check_in(api, code, token=api.login(Factories(app).agency().staff()))
    assert r.status == 403 and r.error == "other_agency"


def test_remote_joins_and_walk_ins_at_once_never_pass_the_quota_nor_the_phone_limit(any_app):
    quota = 10
    sid, *_ = setup(any_app, daily_quota=quota)
    kiosk = Api(any_app.test_client()).device_token()
    start = threading.Barrier(36)

    def walk_in(_: int) -> tuple[int, str | None]:
        client = Api(any_app.test_client())
        start.wait()
        r = client.post("/tickets", {"service_id": sid}, token=kiosk)
        return r.status, r.error

    def remote(i: int) -> tuple[int, str | None]:
        client = Api(any_app.test_client())
        start.wait()
        r = join(client, sid, phone=f"0812000000{i:02d}")
        return r.status, r.error

    def same_phone(_: int) -> tuple[int, str | None]:
        client = Api(any_app.test_client())
        start.wait()
        r = join(client, sid, phone="0899 1234 5678")
        return r.status, r.error

    with ThreadPoolExecutor(36) as pool:
        futures = ([pool.submit(walk_in, i) for i in range(12)]
                   + [pool.submit(remote, i) for i in range(12)]
                   + [pool.submit(same_phone, i) for i in range(12)])
        answers = [f.result() for f in futures]
    assert answers.count((201, None)) == quota
    assert set(answers) - {(201, None)} <= {(409, "quota_reached"), (409, "remote_join_limit")}
    assert answers[24:].count((201, None)) <= 2
    with any_app.extensions["mpp"].db.read() as s:
        numbers = sorted(s.scalars(select(Ticket.sequence).where(Ticket.service_id == sid)))
        per_phone = s.scalar(select(func.count(RemoteJoin.id)).where(
            RemoteJoin.phone_key == "089912345678"))
    assert numbers == list(range(1, quota + 1))  # unique and gapless
    assert per_phone <= 2


def test_one_phone_joining_many_times_at_once_gets_its_daily_limit_exactly(any_app):
    sid, *_ = setup(any_app)
    start = threading.Barrier(12)

    def same_phone(_: int) -> tuple[int, str | None]:
        client = Api(any_app.test_client())
        start.wait()
        r = join(client, sid, phone="0899 1234 5678")
        return r.status, r.error

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(same_phone, range(12)))
    assert answers.count((201, None)) == 2
    assert answers.count((409, "remote_join_limit")) == 10


def test_a_remote_ticket_ended_otherwise_ends_its_remote_join_for_the_reports(app, clock):
    api = Api(app.test_client())
    sid, *_ = setup(app)
    hall = app.extensions["mpp"]
    cancelled = join(api, sid).ok()
    closed = join(api, sid, phone="0813 2222 3333").ok()
    r = api.post(f"/tickets/{cancelled['ticket']['id']}/cancel", token=api.login("admin"))
    assert r.status == 200
    clock.advance(hours=20)  # past midnight: the day is closed, its waiting tickets expire
    hall.queue.close_day(Actor(role="system"), date.fromisoformat(TODAY))
    assert api.ticket(closed["ticket"]["token"])["status"] == "expired"
    assert hall.remote.expire_overdue() == 0  # nothing left waiting to cancel
    with hall.db.read() as s:
        statuses = dict(s.execute(select(RemoteJoin.code, RemoteJoin.status)).tuples().all())
    assert statuses == {cancelled["remote"]["code"]: "cancelled",
                        closed["remote"]["code"]: "expired"}
    later = Api(app.test_client())  # a sign-in of now (the morning's has expired)
    report = later.get(f"/reports/daily?date={TODAY}", token=later.login("admin")).ok()
    assert report["totals"]["remote_expired"] == 1


def test_remote_joins_share_the_bookings_budget_per_address(db_url, clock):
    app = make_app(db_url, clock, BOOKING_RATE_LIMIT="3 per hour")
    try:
        api = Api(app.test_client())
        sid, *_ = setup(app, booking={"slot_minutes": 30, "per_slot": 5, "days_ahead": 14,
                                      "grace_minutes": 15})  # bookings and remote tickets
        assert book(api, sid, phone="0812 0000 0009").status == 201
        answers = [join(api, sid, phone=f"08130000000{i}").status for i in range(3)]
        assert answers == [201, 201, 429]
        r = join(api, sid, phone="0813 0000 0009")
        assert r.error == "too_many_requests"
    finally:
        app.extensions["mpp"].db.dispose()
