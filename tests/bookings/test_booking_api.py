"""The contract's bookings over HTTP on SQLite and PostgreSQL: slots, book, read, cancel,
move and their refusals."""

from __future__ import annotations

from sqlalchemy import select

from mpp.models import Booking

from ..support.api import Api
from ..support.factories import Factories
from .conftest import TOMORROW, book, booking_service


def test_slots_list_a_days_slots_with_their_places_left(any_app):
    api = Api(any_app.test_client())
    sid = booking_service(any_app)
    r = api.get(f"/services/{sid}/slots?date={TOMORROW}")
    assert r.status == 200
    slots = r.body["slots"]
    assert [s["start"][11:16] for s in slots][:3] == ["08:00", "08:30", "09:00"]
    assert slots[0] == {"start": f"{TOMORROW}T08:00:00+08:00",
                        "end": f"{TOMORROW}T08:30:00+08:00", "capacity": 2, "available": 2}
    assert book(api, sid).status == 201
    after = {s["start"][11:16]: s["available"]
             for s in api.get(f"/services/{sid}/slots?date={TOMORROW}").body["slots"]}
    assert after["09:00"] == 1 and after["09:30"] == 2


def test_todays_slots_that_have_ended_have_no_places(any_app):
    api = Api(any_app.test_client())
    sid = booking_service(any_app)
    slots = api.get(f"/services/{sid}/slots").body["slots"]  # Monday 09:00
    assert [(s["start"][11:16], s["available"]) for s in slots[:3]] == [
        ("08:00", 0), ("08:30", 0), ("09:00", 2)]


def test_no_slots_when_closed_outside_the_window_or_without_bookings(any_app):
    api = Api(any_app.test_client())
    sid = booking_service(any_app)
    assert api.get(f"/services/{sid}/slots?date=2026-11-29").body["slots"] == []  # Sunday
    assert api.get(f"/services/{sid}/slots?date=2026-12-09").body["slots"] == []  # 16 days
    assert api.get(f"/services/{sid}/slots?date=2026-11-22").body["slots"] == []  # past
    make = Factories(any_app)
    walk_in_only = make.service_id(make.service())  # no booking table
    assert api.get(f"/services/{walk_in_only}/slots").body["slots"] == []
    assert api.get("/services/999999/slots").error == "service_not_found"
    r = api.get(f"/services/{sid}/slots?date=2026-13-01")
    assert (r.status, r.error) == (422, "validation_failed")


def test_a_booking_answers_its_code_token_and_a_masked_phone_and_keeps_the_phone_as_written(
        any_app):
    api = Api(any_app.test_client())
    sid = booking_service(any_app)
    r = book(api, sid, phone="+62 812-3456-7890")
    assert r.status == 201, r.body
    b = r.body["booking"]
    assert b["status"] == "booked" and b["ticket"] is None
    assert len(b["code"]) == 6 and not set(b["code"]) & set("0O1I")
    assert (b["start"], b["end"]) == (f"{TOMORROW}T09:00:00+08:00", f"{TOMORROW}T09:30:00+08:00")
    assert b["phone_masked"] == "6281******890" and "3456" not in str(b)
    assert b["status_url"] == f"http://mpp.test/b/{b['token']}"
    assert b["check_in_opens_at"] == f"{TOMORROW}T08:00:00+08:00"
    assert api.get(f"/bookings/{b['token']}").body["booking"] == b
    with any_app.extensions["mpp"].db.read() as s:
        row = s.scalars(select(Booking)).one()
        assert (row.phone, row.phone_key) == ("+62 812-3456-7890", "081234567890")


def test_a_full_slot_answers_slot_full(any_app):
    api = Api(any_app.test_client())
    sid = booking_service(any_app)
    assert book(api, sid, phone="081111111111").status == 201
    assert book(api, sid, phone="081222222222").status == 201
    r = book(api, sid, phone="081333333333")
    assert (r.status, r.error) == (409, "slot_full")


def test_cancelling_frees_the_place_and_a_cancelled_booking_cannot_be_cancelled_again(any_app):
    api = Api(any_app.test_client())
    sid = booking_service(any_app, {"per_slot": 1})
    token = book(api, sid).body["booking"]["token"]
    assert book(api, sid, phone="081222222222").error == "slot_full"
    r = api.post(f"/bookings/{token}/cancel")
    assert r.status == 200 and r.body["booking"]["status"] == "cancelled"
    assert book(api, sid, phone="081222222222").status == 201
    assert api.post(f"/bookings/{token}/cancel").error == "booking_cancelled"
    assert api.post(f"/bookings/{token}/move", {"start": f"{TOMORROW}T10:00"}).error == \
        "booking_cancelled"
    assert api.post("/bookings/no-such-token/cancel").error == "booking_not_found"
    assert api.get("/bookings/no-such-token").status == 404


def test_moving_keeps_the_code_frees_the_old_slot_and_refuses_a_full_one(any_app):
    api = Api(any_app.test_client())
    sid = booking_service(any_app, {"per_slot": 1})
    mine = book(api, sid).body["booking"]
    book(api, sid, start=f"{TOMORROW}T11:00:00+08:00", phone="081222222222")
    r = api.post(f"/bookings/{mine['token']}/move", {"start": "2026-11-25T10:00"})
    assert r.status == 200, r.body
    moved = r.body["booking"]
    assert (moved["code"], moved["start"]) == (mine["code"], "2026-11-25T10:00:00+08:00")
    assert book(api, sid, phone="081333333333").status == 201  # its old place
    r = api.post(f"/bookings/{mine['token']}/move", {"start": f"{TOMORROW}T11:00:00+08:00"})
    assert (r.status, r.error) == (409, "slot_full")
    assert api.get(f"/bookings/{mine['token']}").body["booking"]["start"] == moved["start"]


def test_what_is_not_a_bookable_slot_is_refused_with_its_code(any_app):
    api = Api(any_app.test_client())
    sid = booking_service(any_app)
    cases = {
        f"{TOMORROW}T09:10:00+08:00": (422, "invalid_slot"),
        "2026-11-23T08:00:00+08:00": (409, "slot_past"),
        "2026-12-08T09:00:00+08:00": (409, "too_far_ahead"),
        "2026-11-29T09:00:00+08:00": (409, "service_closed"),
        "next tuesday at nine": (422, "invalid_slot"),
    }
    for start, expected in cases.items():
        r = book(api, sid, start=start)
        assert (r.status, r.error) == expected, (start, r.body)
        assert r.body["error"]["message"]
    make = Factories(any_app)
    r = book(api, make.service_id(make.service()))  # a walk-in service
    assert (r.status, r.error) == (409, "booking_not_offered")
    assert book(api, 999999).error == "service_not_found"


def test_bad_bodies_get_the_contracts_errors(any_app):
    api = Api(any_app.test_client())
    sid = booking_service(any_app)
    assert book(api, sid, phone="0812abc4567").error == "invalid_phone"
    r = api.post("/bookings", {"service_id": sid, "start": f"{TOMORROW}T09:00"})
    assert (r.status, r.error) == (422, "validation_failed")
    assert {d["field"] for d in r.body["error"]["details"]} == {"name", "phone"}
    r = api.post("/bookings", {"service_id": str(sid), "start": f"{TOMORROW}T09:00",
                               "name": "A", "phone": "08123456789"})
    assert (r.status, r.error) == (422, "validation_failed")
    assert api.post("/bookings", raw="{not json").error == "malformed_json"
    assert book(api, sid, name="   ").status == 422


def test_one_phone_number_holds_two_bookings_a_day_however_it_is_written(any_app):
    api = Api(any_app.test_client())
    sid = booking_service(any_app)
    assert book(api, sid, phone="081234567890").status == 201
    assert book(api, sid, start=f"{TOMORROW}T10:00", phone="+62 812-3456-7890").status == 201
    r = book(api, sid, start=f"{TOMORROW}T11:00", phone="0812 3456 7890")
    assert (r.status, r.error) == (409, "booking_limit")
    assert book(api, sid, start="2026-11-25T11:00", phone="0812 3456 7890").status == 201
    assert book(api, sid, start=f"{TOMORROW}T11:00", phone="0813 0000 0000").status == 201


def test_walk_ins_and_bookings_share_the_daily_quota(any_app):
    api = Api(any_app.test_client())
    sid = booking_service(any_app, {"per_slot": 10}, hours="00:00-24:00", daily_quota=3)
    kiosk = api.device_token()
    for _ in range(2):
        assert api.post("/tickets", {"service_id": sid}, token=kiosk).status == 201
    assert book(api, sid, start="2026-11-23T10:00").status == 201  # the third place
    r = api.post("/tickets", {"service_id": sid}, token=kiosk)
    assert (r.status, r.error) == (409, "quota_reached")
    assert book(api, sid, start="2026-11-23T10:30", phone="081999999999").error == \
        "quota_reached"
    service = next(s for s in api.get("/services").body["services"] if s["id"] == sid)
    assert (service["open"], service["closed_reason"]) == (False, "quota_reached")
    today = {s["start"][11:16]: s["available"]
             for s in api.get(f"/services/{sid}/slots").body["slots"]}
    assert today["10:30"] == 0
    # another day's quota is its own
    assert book(api, sid, start=f"{TOMORROW}T10:00", phone="081999999999").status == 201
