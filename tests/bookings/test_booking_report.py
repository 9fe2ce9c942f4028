"""The daily report's totals gain booked, checked_in and booking_no_show (the contract)."""

from __future__ import annotations

from mpp.domain.actor import Actor

from ..support.api import Api
from .conftest import book, booking_service


def test_the_daily_report_counts_bookings_check_ins_and_no_shows(any_app, clock):
    api = Api(any_app.test_client())
    sid = booking_service(any_app, {"per_slot": 5}, hours="00:00-24:00")
    came = book(api, sid, start="2026-11-23T09:30", phone="081200000001").body["booking"]
    book(api, sid, start="2026-11-23T10:00", phone="081200000002")
    gone = book(api, sid, start="2026-11-23T10:00", phone="081200000003").body["booking"]
    book(api, sid, start="2026-11-24T10:00", phone="081200000004")  # another day
    api.post(f"/bookings/{gone['token']}/cancel")
    assert api.post("/bookings/check-in", {"code": came["code"]},
                    token=api.device_token()).status == 201
    any_app.extensions["mpp"].queue.close_day(Actor(role="system", name="test"))
    r = api.get("/reports/daily?date=2026-11-23", token=api.login("admin"))
    assert r.status == 200, r.body
    totals = r.body["totals"]
    assert (totals["booked"], totals["checked_in"], totals["booking_no_show"]) == (2, 1, 1)
    assert totals["issued"] == 1
