"""When the print agent connects, only tickets still waiting and taken in the last few
minutes come out of the printer (issue 12: 7 stale tickets on connect in the demo). The
tickets are for a service of the test's own, taken at kiosk-1 (paired with printer-1)."""

from __future__ import annotations

from mpp.services.printing import PrintingService


def _printing(app) -> PrintingService:  # type: ignore[no-untyped-def]
    return app.extensions["mpp_printing"]


def _printer_id(app) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from mpp.models import Device

    with app.extensions["mpp"].db.read() as s:
        return s.scalars(select(Device.id).where(Device.name == "printer-1")).one()


def test_a_called_ticket_is_not_printed_when_the_agent_connects(api, app, make, clock):
    desk = make.desk()
    called, waiting = api.issue(desk.code), api.issue(desk.code)
    cid = api.open_counter(desk.staff, desk.counter)
    assert api.post(f"/counters/{cid}/call-next", token=api.login(desk.staff)).body[
        "ticket"]["id"] == called["id"]
    jobs = _printing(app).open_jobs(_printer_id(app))
    assert [j["ticket"]["number"] for j in jobs] == [waiting["number"]]


def test_a_ticket_older_than_a_few_minutes_is_not_printed(api, app, make, clock):
    code = make.service()
    api.issue(code)
    clock.advance(minutes=6)
    fresh = api.issue(code)
    jobs = _printing(app).open_jobs(_printer_id(app))
    assert [j["ticket"]["number"] for j in jobs] == [fresh["number"]]
