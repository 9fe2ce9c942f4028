"""The counter console lists today's bookings of its services by slot, with who has checked
in, and marks a booked ticket (Chromium)."""

from __future__ import annotations

from playwright.sync_api import expect

from ..support.api import Api
from ..support.browser import sign_in
from ..support.factories import Factories


def test_the_console_shows_todays_bookings_and_marks_the_booked_ticket(
        browser, live_server, output_dir) -> None:
    api = Api(live_server.url)
    make = Factories.live(live_server)
    try:  # a service taking bookings, its counter and clerk
        desk = make.desk(booking={"slot_minutes": 30, "per_slot": 2, "days_ahead": 14,
                                  "grace_minutes": 15})
    finally:
        make.close()
    sid = desk.service_id
    free = [s for s in api.get(f"/services/{sid}/slots").ok()["slots"] if s["available"]]
    came = api.post("/bookings", {"service_id": sid, "start": free[0]["start"],
                                  "name": "Budi Santoso", "phone": "081211112222"}).ok()
    later = api.post("/bookings", {"service_id": sid, "start": free[1]["start"],
                                   "name": "Wa Ode Sitti", "phone": "081233334444"}).ok()
    ticket = api.post("/bookings/check-in", {"code": came["booking"]["code"]},
                      token=api.device_token()).ok()["ticket"]
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    page = context.new_page()
    try:
        sign_in(page, live_server.url, desk.staff)
        page.keyboard.press("1")  # the clerk's first (and only) counter
        expect(page.locator("#cs-counter-name")).to_have_text(desk.counter)
        rows = page.locator("#cs-booking-list li")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text(came["booking"]["code"])
        expect(rows.nth(0)).to_contain_text(f"sudah check-in · {ticket['number']}")
        expect(rows.nth(1)).to_contain_text(later["booking"]["code"])
        expect(rows.nth(1)).to_contain_text("belum datang")
        expect(page.locator("#cs-waiting .cs-wbook")).to_have_count(1)
        page.screenshot(path=str(output_dir / "screenshots" / "booking-console.png"))
    finally:
        context.close()
