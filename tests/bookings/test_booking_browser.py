"""The booking pages in headless Chromium at a phone's size (390x844): a booking made, moved,
checked in, and followed on the status page to the call; axe-core finds no serious or
critical violation. Screenshots go to test-output/screenshots/booking-*.png."""

from __future__ import annotations

import re

from ..support.api import Api
from ..support.browser import run_axe

PHONE = {"width": 390, "height": 844}


def test_a_citizen_books_moves_checks_in_and_follows_the_call_on_a_phone(
        browser, live_server, output_dir):
    base = live_server.url
    context = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()

    def shot(name: str) -> None:
        page.screenshot(path=str(output_dir / "screenshots" / f"booking-{name}.png"),
                        full_page=True)

    try:
        page.goto(f"{base}/booking")
        assert run_axe(page, base) == []
        shot("1-services")
        page.get_by_role("link", name=re.compile("KTP-el")).click()
        page.wait_for_selector("text=Persyaratan yang perlu dibawa")
        assert page.get_by_text("Fotokopi Kartu Keluarga (KK)").is_visible()
        assert run_axe(page, base) == []
        page.locator(".bk-slot:not(.bk-slot-full) input").first.check()
        page.fill("#bk-name", "Siti Nurhaliza")
        page.fill("#bk-phone", "0812 3456 7890")
        shot("2-form")
        page.get_by_role("button", name="Booking sekarang").click()
        page.wait_for_url(re.compile(r"/b/"))
        code = page.locator("#bk-code").inner_text()
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", code)
        assert page.locator("#bk-status").inner_text() == "Terjadwal"
        assert page.locator("img.bk-qr").evaluate("img => img.naturalWidth > 0")
        assert "3456" not in page.content()  # the phone is never shown whole
        assert run_axe(page, base) == []
        shot("3-booked")

        # move it to the next day's first free slot; the code stays
        page.locator(".bk-move .bk-day").nth(1).click()
        page.locator(".bk-move .bk-slot:not(.bk-slot-full) input").first.check()
        page.get_by_role("button", name="Pindahkan ke jam yang dipilih").click()
        page.wait_for_selector(".bk-notice")
        assert page.locator("#bk-code").inner_text() == code
        shot("4-moved")
        page.get_by_role("link", name="English").click()
        page.wait_for_selector("text=Your booking code")
        assert run_axe(page, base) == []
        shot("5-english")

        # back to today's first free slot, so it can check in now
        api = Api(base)
        token = page.url.split("/b/")[1].split("?")[0]
        today = next(s for s in api.get(f"/services/{api.service_id('KTP')}/slots").ok()[
            "slots"] if s["available"])
        api.post(f"/bookings/{token}/move", {"start": today["start"]}).ok()
        ticket = api.post("/bookings/check-in", {"code": code.lower()},
                          token=api.device_token()).ok()["ticket"]
        assert ticket["booked"] is True
        page.goto(f"{base}/b/{token}?lang=id")
        assert page.locator("#bk-status").inner_text() == "Sudah check-in"
        page.get_by_role("link", name=re.compile("Pantau nomor antrian")).click()
        page.wait_for_selector("#st-number")
        assert page.locator("#st-number").inner_text() == ticket["number"]
        shot("6-ticket")

        counter = api.open_counter("dukcapil1", "Loket 1")
        called = api.call_next("dukcapil1", counter)
        while called["number"] != ticket["number"]:  # whoever waited before it
            api.act("dukcapil1", called["id"], "finish")
            called = api.call_next("dukcapil1", counter)
        page.wait_for_selector("#st-called:not([hidden])")
        shot("7-called")
    finally:
        context.close()
