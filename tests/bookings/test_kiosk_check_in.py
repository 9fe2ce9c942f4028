"""'Saya sudah booking' at the kiosk in Chromium: the code typed on the screen's keys gives
the booked ticket; an unknown code is said so."""

from __future__ import annotations

from typing import Any

from ..kiosk.test_kiosk import KIOSK, PORTRAIT, open_kiosk
from ..support.api import Api
from ..support.browser import run_axe
from ..support.factories import Factories


def test_a_booking_checks_in_at_the_kiosk_by_typing_its_code(browser, live_server,
                                                             output_dir) -> None:
    api = Api(live_server.url)
    make = Factories.live(live_server)
    try:
        sid = make.service_id(make.service(booking={"slot_minutes": 30, "per_slot": 2,
                                                    "days_ahead": 14, "grace_minutes": 15}))
    finally:
        make.close()
    slot = next(s for s in api.get(f"/services/{sid}/slots").ok()["slots"] if s["available"])
    booking = api.post("/bookings", {"service_id": sid, "start": slot["start"],
                                     "name": "Budi", "phone": "0812 1111 2222"}).ok()["booking"]
    context = browser.new_context(viewport=PORTRAIT, locale="id-ID", has_touch=True,
                                  bypass_csp=True)
    page: Any = context.new_page()
    try:
        open_kiosk(page, live_server, token=KIOSK)
        page.click("#have-booking")
        page.wait_for_selector("[data-screen=booking].active")
        for ch in "ZZZZZZ":
            page.click(f"#booking-keys button:text-is('{ch}')")
        page.click("#booking-go")
        page.wait_for_selector("#modal:not([hidden])")
        assert "tidak ditemukan" in page.inner_text("#modal-body")
        page.click("#modal-ok")
        for _ in range(6):
            page.click("#booking-keys button[aria-label=Hapus]")
        for ch in booking["code"]:
            page.click(f"#booking-keys button:text-is('{ch}')")
        assert page.input_value("#booking-code") == booking["code"]
        assert (found := run_axe(page, live_server.url)) == [], found
        page.screenshot(path=str(output_dir / "screenshots" / "booking-kiosk-code.png"))
        page.click("#booking-go")
        page.wait_for_selector("[data-screen=ticket].active")
        number = page.inner_text("#t-number")
        assert page.inner_text("#t-priority") == "Booking online"
        page.wait_for_function("document.getElementById('t-qr').naturalWidth > 0")
        page.screenshot(path=str(output_dir / "screenshots" / "booking-kiosk-ticket.png"))
        held = api.get(f"/bookings/{booking['token']}").ok()["booking"]
        assert held["status"] == "checked_in" and held["ticket"]["number"] == number
        assert held["ticket"]["booked"] is True
    finally:
        context.close()
