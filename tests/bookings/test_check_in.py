"""Check-in at the kiosk and the counter (code typed): the queue order of on-time and late
bookings, the refusals, and no_show at the day's close; on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from mpp.domain.actor import Actor
from mpp.models import Booking, Service

from ..support.api import Api
from ..support.factories import Factories
from .conftest import book, booking_service

ALWAYS = "00:00-24:00"
TODAY = "2026-11-23"  # the clock starts at 09:00


def setup(app, **booking):  # type: ignore[no-untyped-def]
    """An always-open service taking bookings, a counter for it and its staff member."""
    make = Factories(app)
    sid = booking_service(app, {"per_slot": 5, "grace_minutes": 15, **booking}, hours=ALWAYS)
    with app.extensions["mpp"].db.read() as s:
        code = s.scalar(select(Service.code).where(Service.id == sid))
    counter = make.counter([code])
    staff = make.staff()
    return sid, code, counter, staff


def kiosk_issue(api: Api, sid: int) -> dict:  # type: ignore[type-arg]
    r = api.post("/tickets", {"service_id": sid}, token=api.device_token())
    assert r.status == 201, r.body
    return r.body["ticket"]


def check_in(api: Api, code: str, token: str | None = None):  # type: ignore[no-untyped-def]
    return api.post("/bookings/check-in", {"code": code}, token=token or api.device_token())


def call_all(api: Api, counter: int, staff: str) -> list[str]:
    token = api.login(staff)
    assert api.post(f"/counters/{counter}/open", token=token).status == 200
    numbers = []
    while True:
        r = api.post(f"/counters/{counter}/call-next", token=token)
        if r.body["ticket"] is None:
            return numbers
        numbers.append(r.body["ticket"]["number"])
        assert api.post(f"/tickets/{r.body['ticket']['id']}/finish", token=token).status == 200


def test_an_on_time_booking_queues_at_its_slots_start(any_app, clock):
    api = Api(any_app.test_client())
    sid, _, counter, staff = setup(any_app)
    booking = book(api, sid, start=f"{TODAY}T10:00").body["booking"]
    clock.advance(minutes=40)  # 09:40
    before = kiosk_issue(api, sid)["number"]                  # issued before the slot
    clock.advance(minutes=10)  # 09:50, check-in is open
    r = check_in(api, booking["code"].lower())
    assert r.status == 201, r.body
    ticket = r.body["ticket"]
    assert ticket["booked"] is True and ticket["issued_at"] == f"{TODAY}T10:00:00+08:00"
    assert ticket["token"] and ticket["status_url"]
    clock.advance(minutes=5)  # 09:55: still before the slot
    early_walk_in = kiosk_issue(api, sid)["number"]
    clock.advance(minutes=15)  # 10:10: after the slot started
    late_walk_in = kiosk_issue(api, sid)["number"]
    view = api.get(f"/counters/{counter}/queue", token=api.login(staff)).body
    assert [(w["number"], w["booked"]) for w in view["waiting"]] == [
        (before, False), (early_walk_in, False), (ticket["number"], True), (late_walk_in, False)]
    assert call_all(api, counter, staff) == [before, early_walk_in, ticket["number"],
                                             late_walk_in]
    again = api.get(f"/bookings/{booking['token']}").body["booking"]
    assert again["status"] == "checked_in" and again["ticket"]["id"] == ticket["id"]
    assert again["checked_in_at"] == f"{TODAY}T09:50:00+08:00"


def test_a_late_booking_becomes_an_ordinary_walk_in(any_app, clock):
    api = Api(any_app.test_client())
    sid, _, counter, staff = setup(any_app)
    booking = book(api, sid, start=f"{TODAY}T09:30").body["booking"]
    clock.advance(minutes=40)  # 09:40, slot 09:30 + 10
    first = kiosk_issue(api, sid)["number"]
    clock.advance(minutes=6)  # 09:46: grace of 15 is over
    ticket = check_in(api, booking["code"]).body["ticket"]
    assert ticket["booked"] is False and ticket["issued_at"] == f"{TODAY}T09:46:00+08:00"
    clock.advance(minutes=1)
    after = kiosk_issue(api, sid)["number"]
    assert call_all(api, counter, staff) == [first, ticket["number"], after]


def test_check_in_refusals(any_app, clock):
    api = Api(any_app.test_client())
    sid, _, _, staff = setup(any_app)
    later = book(api, sid, start=f"{TODAY}T10:30").body["booking"]
    r = check_in(api, later["code"])                          # 09:00, opens 09:30
    assert (r.status, r.error) == (409, "too_early")
    clock.advance(minutes=30)
    assert check_in(api, later["code"]).status == 201
    r = check_in(api, later["code"])
    assert (r.status, r.error) == (409, "already_checked_in")
    assert api.post(f"/bookings/{later['token']}/cancel").error == "already_checked_in"
    gone = book(api, sid, start=f"{TODAY}T11:00", phone="081300000000").body["booking"]
    api.post(f"/bookings/{gone['token']}/cancel")
    assert check_in(api, gone["code"]).error == "booking_cancelled"
    r = check_in(api, "ZZZZZZ")
    assert (r.status, r.error) == (404, "booking_not_found")
    assert api.post("/bookings/check-in", {"code": gone["code"]}).status == 401
    assert check_in(api, gone["code"], token=api.login("admin")).error == "forbidden_role"
    # staff of the service's agency check in at the counter
    third = book(api, sid, start=f"{TODAY}T10:00", phone="081400000000").body["booking"]
    r = check_in(api, third["code"], token=api.login(staff))
    assert r.status == 201 and r.body["ticket"]["booked"] is True
    other = book(api, sid, start=f"{TODAY}T10:00", phone="081500000000").body["booking"]
    r = check_in(api, other["code"], token=api.login(Factories(any_app).agency().staff()))
    assert (r.status, r.error) == (403, "other_agency")


def test_an_on_time_check_in_before_opening_is_queued_a_late_one_is_refused_when_closed(
        any_app, clock):
    api = Api(any_app.test_client())
    office = {"mon-fri": "08:00-14:00"}
    sid = booking_service(any_app, {"per_slot": 5}, hours=office)
    clock.advance(hours=-1, minutes=-30)  # 07:30, closed until 08:00
    booking = book(api, sid, start=f"{TODAY}T08:00").body["booking"]
    assert api.post("/tickets", {"service_id": sid},
                    token=api.device_token()).error == "service_closed"
    r = check_in(api, booking["code"])
    assert r.status == 201 and r.body["ticket"]["booked"] is True


def test_a_check_in_keeps_the_quota_exact(any_app, clock):
    api = Api(any_app.test_client())
    sid = booking_service(any_app, {"per_slot": 5}, hours=ALWAYS, daily_quota=2)
    booking = book(api, sid, start=f"{TODAY}T09:30").body["booking"]
    kiosk_issue(api, sid)
    assert api.post("/tickets", {"service_id": sid},
                    token=api.device_token()).error == "quota_reached"
    # the booking's kept place is its own: checking in does not pass the quota
    assert check_in(api, booking["code"]).status == 201
    assert api.post("/tickets", {"service_id": sid},
                    token=api.device_token()).error == "quota_reached"


def test_bookings_not_checked_in_are_no_show_after_the_days_close(any_app, clock):
    api = Api(any_app.test_client())
    sid, *_ = setup(any_app)
    missed = book(api, sid, start=f"{TODAY}T10:00").body["booking"]
    tomorrow = book(api, sid, start="2026-11-24T10:00", phone="081300000000").body["booking"]
    hall = any_app.extensions["mpp"]
    hall.queue.close_day(Actor(role="system", name="test"))
    assert api.get(f"/bookings/{missed['token']}").body["booking"]["status"] == "no_show"
    assert api.get(f"/bookings/{tomorrow['token']}").body["booking"]["status"] == "booked"
    assert check_in(api, missed["code"]).error == "booking_no_show"
    with hall.db.read() as s:
        assert s.scalar(select(Booking.status).where(Booking.code == missed["code"])) == \
            "no_show"


def test_staff_see_the_days_bookings_by_slot_with_who_checked_in(any_app, clock):
    api = Api(any_app.test_client())
    sid, _, _, staff = setup(any_app)
    late = book(api, sid, start=f"{TODAY}T11:00", phone="0812 3456 7890").body["booking"]
    first = book(api, sid, start=f"{TODAY}T09:30", phone="081300000000").body["booking"]
    clock.advance(minutes=20)
    ticket = check_in(api, first["code"]).body["ticket"]
    r = api.get(f"/services/{sid}/bookings", token=api.login(staff))
    assert r.status == 200, r.body
    rows = [(b["code"], b["start"][11:16], b["status"], b["ticket_number"], b["phone_masked"])
            for b in r.body["bookings"]]
    assert rows == [(first["code"], "09:30", "checked_in", ticket["number"], "0813*****000"),
                    (late["code"], "11:00", "booked", None, "0812*****890")]
    assert api.get(f"/services/{sid}/bookings",
                   token=api.login(Factories(any_app).agency().staff())
                   ).error == "other_agency"
    assert api.get(f"/services/{sid}/bookings?date=2026-11-24",
                   token=api.login("admin")).body["bookings"] == []
    assert api.get(f"/services/{sid}/bookings").status == 401
