"""The kiosk's language is the printed ticket's (issue 12): a citizen who switched the kiosk
to English gets an English paper ticket, the next citizen (the kiosk back in Indonesian) an
Indonesian one. Headless Chromium, a live server, a real print agent and a network printer."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.kiosk.test_kiosk import LANDSCAPE, kiosk_page, open_kiosk, printer  # noqa: F401
from tests.support.fake_printer import FakeNetworkPrinter, wait_for
from tests.support.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.per_day]


def take_ticket(page: Any) -> str:
    page.click("[data-agency='DUKCAPIL']")
    page.click("[data-service='KTP']")
    page.click("#take-regular")
    page.wait_for_selector("[data-screen='ticket'].active")
    page.wait_for_selector(".k-print.printed", timeout=20000)
    number = page.locator("#t-number").inner_text()
    page.click("#done")
    page.wait_for_selector("[data-screen='agencies'].active")
    return number


def test_the_paper_ticket_is_in_the_language_on_the_kiosks_screen(
        live_server: LiveServer, kiosk_page, printer: FakeNetworkPrinter) -> None:  # noqa: F811
    page = kiosk_page(LANDSCAPE)
    open_kiosk(page, live_server)
    page.click("#lang-toggle")
    expect(page.locator("h1:visible")).to_have_text("Choose an agency")
    english = take_ticket(page)
    expect(page.locator("h1:visible")).to_have_text("Pilih instansi")
    indonesian = take_ticket(page)
    wait_for(lambda: printer.numbers() == [english, indonesian], what="both tickets")
    first, second = (" | ".join(r.texts()) for r in printer.receipts())
    for text in ("QUEUE NUMBER", "People ahead of you: ", "Scan to follow your queue"):
        assert text in first and text not in second, (text, first)
    for text in ("NOMOR ANTRIAN", "Menunggu di depan Anda: ", "Pindai untuk memantau"):
        assert text in second and text not in first, (text, second)
