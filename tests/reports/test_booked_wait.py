"""A booked ticket's wait starts at its check-in, not at its slot's start (its queue time):
called before the slot starts, it never shows a negative wait, in the report, the live
figures, the exports or the ticket the console and the status page read."""

from __future__ import annotations

import csv
import io

from ..bookings.conftest import book, booking_service
from ..support.api import Api
from ..support.factories import Factories

TODAY = "2026-11-23"  # the clock starts at 09:00 (Asia/Makassar)


def test_a_booked_ticket_called_before_its_slot_waited_from_its_check_in(any_app, clock):
    api = Api(any_app.test_client())
    make = Factories(any_app)
    sid = booking_service(any_app, {"per_slot": 5}, hours="00:00-24:00")
    code = api.get("/services").ok()
    counter = make.counter([next(s["code"] for s in code["services"] if s["id"] == sid)])
    staff = make.staff()
    booking = book(api, sid, start=f"{TODAY}T10:00").body["booking"]
    clock.advance(minutes=40)                                   # 09:40: checks in
    r = api.post("/bookings/check-in", {"code": booking["code"]}, token=api.device_token())
    assert r.status == 201, r.body
    ticket = r.body["ticket"]
    assert ticket["booked"] and ticket["issued_at"].startswith(f"{TODAY}T10:00")
    assert ticket["arrived_at"].startswith(f"{TODAY}T09:40")

    clock.advance(minutes=4)                                    # 09:44, still waiting
    admin = api.login("admin")
    live = api.get("/reports/live?agency=UJI", token=admin).ok()
    assert live["longest_wait_seconds"] == 240

    token = api.login(staff)
    assert api.post(f"/counters/{counter}/open", token=token).status == 200
    clock.advance(minutes=1)                                    # 09:45: called, 15 min early
    called = api.post(f"/counters/{counter}/call-next", token=token).ok()["ticket"]
    assert called["id"] == ticket["id"]
    clock.advance(minutes=5)                                    # 09:50: done
    api.post(f"/tickets/{ticket['id']}/finish", token=token).ok()

    report = api.get(f"/reports/daily?date={TODAY}&agency=UJI", token=admin).ok()
    totals = report["totals"]
    assert totals["avg_wait_seconds"] == 300.0                  # 09:40 to 09:45
    assert totals["p90_wait_seconds"] == 300.0
    assert totals["avg_visit_seconds"] == 600.0                 # 09:40 to 09:50
    row = next(r for r in report["by_service"] if r["id"] == sid)
    assert row["avg_wait_seconds"] == 300.0
    nine = report["by_hour"][9]                                 # the hour it arrived in
    assert (nine["issued"], nine["avg_wait_seconds"], nine["p90_wait_seconds"]) == (1, 300.0,
                                                                                    300.0)
    assert report["by_day"][0]["avg_wait_seconds"] == 300.0
    regular = next(p for p in report["by_priority"] if p["category"] == "regular")
    assert regular["avg_wait_seconds"] == 300.0

    people = api.get(f"/reports/daily?date={TODAY}&agency=UJI&format=csv-id", token=admin)
    rows = list(csv.reader(io.StringIO(people.content.decode("utf-8-sig")), delimiter=";"))
    wait = rows[0].index("Rata-rata tunggu (menit)")
    assert rows[1][wait] == "5"                                 # the total row, in minutes
    # the ticket the console and the status page read carries the check-in
    assert api.ticket(ticket["token"])["arrived_at"].startswith(f"{TODAY}T09:40")


def test_the_longest_wait_now_counts_a_remote_ticket_from_its_check_in(any_app, clock):
    api = Api(any_app.test_client())
    make = Factories(any_app)
    sid = make.service_id(make.service(hours="00:00-24:00", remote_join=True))
    joined = api.post("/tickets/remote", {"service_id": sid, "phone": "0812 0000 0009"})
    assert joined.status == 201, joined.body
    admin = api.login("admin")
    clock.advance(minutes=10)                          # at home: not waiting in the hall
    live = api.get("/reports/live?agency=UJI", token=admin).ok()
    assert (live["waiting"], live["longest_wait_seconds"]) == (1, None)
    assert api.post("/bookings/check-in", {"code": joined.body["remote"]["code"]},
                    token=api.device_token()).status == 201
    clock.advance(minutes=5)
    live = api.get("/reports/live?agency=UJI", token=admin).ok()
    assert live["longest_wait_seconds"] == 300


def test_the_printed_booked_ticket_says_its_slot_and_when_it_was_taken(any_app, clock):
    """The printout's time line is the check-in; the slot is on the 'Jadwal' line."""
    from printer.layout import TicketPrint, paper, ticket_bytes
    from tests.support.escpos_decode import decode

    api = Api(any_app.test_client())
    sid = booking_service(any_app, {"per_slot": 5}, hours="00:00-24:00")
    booking = book(api, sid, start=f"{TODAY}T10:00").body["booking"]
    clock.advance(minutes=40)                                   # 09:40
    ticket = api.post("/bookings/check-in", {"code": booking["code"]},
                      token=api.device_token()).ok()["ticket"]
    receipt = decode(ticket_bytes(TicketPrint.from_job({"ticket": ticket, "site": {}}),
                                  paper("58")))
    assert receipt.line_with("Jadwal").text == "Jadwal / Booked for 10:00"
    assert receipt.line_with("23-11-2026").text.endswith("23-11-2026 09:40 WITA")
