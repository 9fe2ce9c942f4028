"""Booking reports per service and per day: made, cancelled, checked in (late ones too),
no-show, pending, and punctuality (the first call against the slot's start), in the JSON
report and in the three exports; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from mpp.domain.actor import Actor
from mpp.domain.booking_report import BookingTally, median_rank

from ..bookings.conftest import book, booking_service
from ..support.api import Api
from ..support.factories import Factories

TODAY, TOMORROW = "2026-11-23", "2026-11-24"  # the clock starts on Monday at 09:00
RULES = {"slot_minutes": 30, "per_slot": 5, "days_ahead": 14, "grace_minutes": 15}


def test_punctuality_figures_are_nearest_rank_and_half_up():
    t = BookingTally()
    for ms in (25 * 60_000, -3 * 60_000, 5 * 60_000, 15 * 60_000):  # one called early
        t.add_call(ms)
    got = t.figures(15)
    # sorted lateness 0, 5, 15, 25 minutes: the median is rank ceil(4 / 2) = 2
    assert (got["called"], got["called_within"], got["punctual_percent"],
            got["median_late_minutes"]) == (4, 3, 75.0, 5.0)
    assert [median_rank(n) for n in (1, 2, 3, 4, 5)] == [1, 1, 2, 2, 3]
    assert BookingTally().figures()["punctual_percent"] is None


def test_booking_rows_per_service_and_day_with_punctuality(any_app, clock):
    api = Api(any_app.test_client())
    make = Factories(any_app)
    sid = booking_service(any_app, RULES, hours="00:00-24:00")
    code = next(s["code"] for s in api.get("/services").ok()["services"] if s["id"] == sid)
    counter, staff = make.counter([code]), make.staff()
    phones = iter(f"08120000{i:04d}" for i in range(100))

    def booking(at: str, day: str = TODAY) -> dict:  # type: ignore[type-arg]
        r = book(api, sid, start=f"{day}T{at}", phone=next(phones))
        assert r.status == 201, r.body
        return r.body["booking"]

    a, b, c, d = booking("09:30"), booking("09:30"), booking("10:00"), booking("10:00")
    e, _f = booking("10:30"), booking("11:00")     # e checks in late, f never comes
    booking("10:00", TOMORROW)                      # another day: still pending
    assert api.post(f"/bookings/{d['token']}/cancel").status == 200
    kiosk = api.device_token()

    def check_in(x: dict) -> dict:  # type: ignore[type-arg]
        r = api.post("/bookings/check-in", {"code": x["code"]}, token=kiosk)
        assert r.status == 201, r.body
        return r.body["ticket"]

    token = api.login(staff)
    assert api.post(f"/counters/{counter}/open", token=token).status == 200

    def serve(expected: dict) -> None:  # type: ignore[type-arg]
        called = api.post(f"/counters/{counter}/call-next", token=token).ok()["ticket"]
        assert called["id"] == expected["id"]
        api.post(f"/tickets/{called['id']}/finish", token=token).ok()

    clock.advance(minutes=20)                       # 09:20
    ta, tb = check_in(a), check_in(b)
    clock.advance(minutes=15)                       # 09:35: 5 minutes after the slot
    serve(ta)
    clock.advance(minutes=20)                       # 09:55: 25 minutes after
    serve(tb)
    clock.advance(minutes=3)                        # 09:58
    tc = check_in(c)
    clock.advance(minutes=1)                        # 09:59: before its 10:00 slot
    serve(tc)
    clock.advance(minutes=51)                       # 10:50: after 10:30 + 15 minutes' grace
    te = check_in(e)
    assert not te["booked"]
    serve(te)
    any_app.extensions["mpp"].queue.close_day(Actor(role="system", name="test"))

    admin = api.login("admin")
    rep = api.get(f"/reports/range?from={TODAY}&to={TOMORROW}&agency=UJI", token=admin).ok()
    bk = rep["bookings"]
    assert bk["within_minutes"] == 15
    today = {"made": 6, "booked": 5, "cancelled": 1, "checked_in": 4, "checked_in_late": 1,
             "no_show": 1, "pending": 0, "called": 3, "called_within": 2,
             "punctual_percent": 66.7, "median_late_minutes": 5.0}  # 0, 5 and 25 minutes
    by_day = {r["date"]: r for r in bk["by_day"]}
    assert {k: by_day[TODAY][k] for k in today} == today
    assert (by_day[TOMORROW]["made"], by_day[TOMORROW]["pending"]) == (1, 1)
    service = next(r for r in bk["by_service"] if r["id"] == sid)
    assert (service["made"], service["pending"], service["called"]) == (7, 1, 3)
    assert bk["totals"] == {k: v for k, v in service.items()
                            if k not in ("id", "code", "name", "agency_id")}
    pairs = [(r["date"], r["id"]) for r in bk["by_service_day"]]
    assert pairs == [(TODAY, sid), (TOMORROW, sid)]
    # the contract's totals agree
    assert (rep["totals"]["booked"], rep["totals"]["checked_in"],
            rep["totals"]["booking_no_show"]) == (6, 4, 1)

    # the exports: the CSV for programs, the one for Excel set to Indonesian, the workbook
    q = f"/reports/daily?date={TODAY}&agency=UJI&format="
    rows = list(csv.DictReader(io.StringIO(
        api.get(q + "csv", token=admin).content.decode("utf-8-sig"))))
    per_service = next(r for r in rows if r["section"] == "booking_service")
    assert (per_service["booking_made"], per_service["booking_punctual_percent"],
            per_service["booking_median_late_minutes"]) == ("6", "66.7", "5.0")
    day_row = next(r for r in rows if r["section"] == "booking_day")
    assert (day_row["date"], day_row["booking_no_show"]) == (TODAY, "1")
    total = next(r for r in rows if r["section"] == "total")
    assert total["booking_called_within"] == "2"

    people = list(csv.reader(io.StringIO(
        api.get(q + "csv-id", token=admin).content.decode("utf-8-sig")), delimiter=";"))
    head = people[0]
    row = next(r for r in people if r[0] == "Booking per layanan")
    assert row[head.index("Ketepatan panggilan booking (15 menit, %)")] == "66,7"
    assert row[head.index("Median keterlambatan panggilan (menit)")] == "5"

    book_xlsx = load_workbook(io.BytesIO(api.get(q + "xlsx-id", token=admin).content))
    sheet = list(book_xlsx["Booking layanan"].values)
    assert sheet[0][3] == "Booking dibuat" and sheet[1][3] == 6


def test_remote_tickets_checked_in_and_expired_per_service_and_day(any_app, clock):
    """Tickets taken from a phone: one checked in, one expired (swept), one waiting."""
    api = Api(any_app.test_client())
    make = Factories(any_app)
    sid = make.service_id(make.service(hours="00:00-24:00", remote_join=True))
    hall = any_app.extensions["mpp"]

    def join(phone: str) -> dict:  # type: ignore[type-arg]
        r = api.post("/tickets/remote", {"service_id": sid, "phone": phone})
        assert r.status == 201, r.body
        return r.body

    came, gone = join("0812 0000 0001"), join("0812 0000 0002")
    assert api.post("/bookings/check-in", {"code": came["remote"]["code"]},
                    token=api.device_token()).status == 201
    clock.advance(minutes=40)                     # past the check-in time
    assert hall.remote.expire_overdue() == 1
    assert api.get(f"/tickets/by-token/{gone['ticket']['token']}").body["ticket"][
        "status"] == "cancelled"
    join("0812 0000 0003")                        # still to check in
    admin = api.login("admin")
    bk = api.get(f"/reports/daily?date={TODAY}&agency=UJI", token=admin).ok()["bookings"]
    row = next(r for r in bk["by_service"] if r["id"] == sid)
    want = {"remote_joined": 3, "remote_checked_in": 1, "remote_expired": 1, "made": 0}
    assert {k: row[k] for k in want} == want
    assert {k: bk["by_day"][0][k] for k in want} == want
    assert [(r["date"], r["id"]) for r in bk["by_service_day"]] == [(TODAY, sid)]
    rows = list(csv.DictReader(io.StringIO(api.get(
        f"/reports/daily?date={TODAY}&agency=UJI&format=csv", token=admin)
        .content.decode("utf-8-sig"))))
    got = next(r for r in rows if r["section"] == "booking_service")
    assert (got["remote_joined"], got["remote_expired"]) == ("3", "1")
