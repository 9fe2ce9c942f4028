"""The kiosk's service standard as a citizen reads it (issue 12): hours in words and in
weekday order, when a closed service opens next, English texts with a visible fallback,
and a portrait screen whose actions sit at hand height."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from mpp.domain.hours import DAYS
from tests.kiosk.test_kiosk import LANDSCAPE, PORTRAIT, open_kiosk, set_service, shot
from tests.support import databases
from tests.support.live import LiveServer
from tests.support.live_clock import live_start

pytestmark = [pytest.mark.browser, pytest.mark.per_day]


@pytest.fixture(scope="module")
def server(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[LiveServer]:
    """One server for the module: each test changes only its own services."""
    folder = tmp_path_factory.mktemp("kiosk-standard")
    live = LiveServer(databases.sqlite_copy(_sqlite_template, folder), folder / "live")
    live.start()
    yield live
    live.stop(wait=False)


@pytest.fixture
def kiosk(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    contexts = []

    def make(viewport: dict[str, int]) -> Any:
        ctx = browser.new_context(viewport=viewport, locale="id-ID", has_touch=True)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def test_hours_read_as_words_in_weekday_order_in_both_languages(server, kiosk, output_dir):
    # written out of order, as a site file may: Friday first, the weekend last
    set_service(server, "PBG", hours={"fri": "08:00-14:00", "mon-thu": "08:00-15:00",
                                      "sat": "closed", "sun": "closed"})
    page = kiosk(LANDSCAPE)
    open_kiosk(page, server)
    page.click("[data-agency='DPMPTSP']")
    page.click("[data-service='PBG']")
    body = page.locator("#std-body")
    # the Friday-prayer break (11:30-13:00) is taken out of Friday
    expect(body).to_contain_text("Senin–Kamis 08.00–15.00 · Jumat 08.00–11.30, 13.00–14.00 · "
                                 "Sabtu–Minggu tutup")
    expect(body).not_to_contain_text("mon-thu")
    page.click("#lang-toggle")
    expect(body).to_contain_text("Monday–Thursday 08:00–15:00 · Friday 08:00–11:30, "
                                 "13:00–14:00 · Saturday–Sunday closed")
    shot(page, output_dir, "standard-hours-english")


def test_a_service_closed_today_says_when_it_opens_next(server, kiosk, output_dir):
    today = live_start().date()
    set_service(server, "AKTA", hours={"daily": "08:00-14:00", DAYS[today.weekday()]: "closed"})
    nxt = today + timedelta(days=1)
    while nxt.isoformat() in ("2026-12-25", "2027-01-01"):   # the demo's holidays
        nxt += timedelta(days=1)
    day_id = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")[nxt.weekday()]
    months = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
              "September", "Oktober", "November", "Desember")
    page = kiosk(LANDSCAPE)
    open_kiosk(page, server)
    page.click("[data-agency='DUKCAPIL']")
    card = page.locator("[data-service='AKTA']")
    expect(card).to_contain_text("Layanan ini tidak buka hari ini.")
    expect(card).to_contain_text(
        f"Buka kembali {day_id}, {nxt.day} {months[nxt.month - 1]}, pukul 08.00.")
    page.click("[data-service='AKTA']")
    page.click("#lang-toggle")
    expect(page.locator("#std-closed")).to_contain_text(
        f"Opens again on {DAYS_EN[nxt.weekday()]} {nxt.day} {MONTHS_EN[nxt.month - 1]} "
        "at 08:00.")
    shot(page, output_dir, "closed-opens-next-english")


DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")


def test_english_mode_shows_a_services_english_texts_and_marks_the_fallback(server, kiosk,
                                                                             output_dir):
    page = kiosk(LANDSCAPE)
    open_kiosk(page, server)
    page.click("#lang-toggle")
    page.click("[data-agency='DUKCAPIL']")
    page.click("[data-service='KTP']")       # written in English in the site file
    body = page.locator("#std-body")
    expect(body).to_contain_text("Photocopy of the family card (KK)")
    expect(body).not_to_contain_text("Fotokopi Kartu Keluarga")
    expect(page.locator(".k-fallback")).to_have_count(0)
    page.click("#back")
    page.click("[data-service='KK']")        # Indonesian only: shown, and said so
    expect(body).to_contain_text("Kartu Keluarga lama")
    fallback = page.locator(".k-std-part.is-fallback")
    expect(fallback.first).to_contain_text("Available in Indonesian only")
    expect(fallback.first.locator("ul")).to_have_attribute("lang", "id")
    shot(page, output_dir, "standard-english-fallback")


def test_portrait_kiosk_uses_the_height_and_puts_the_actions_at_hand_height(server, kiosk,
                                                                            output_dir):
    page = kiosk(PORTRAIT)
    open_kiosk(page, server)
    height = PORTRAIT["height"]
    cards = page.locator("#agency-list .k-btn")
    last = cards.last.bounding_box()
    assert last is not None and last["y"] + last["height"] > 0.8 * height, last
    shot(page, output_dir, "portrait-agencies-full-height")
    page.click("[data-agency='BPJSKES']")
    page.click("[data-service='JKN']")
    take = page.locator("#take-regular")
    expect(take).to_be_visible()
    box = take.bounding_box()
    assert box is not None and box["y"] > 0.7 * height, box   # in the lower part
    assert box["y"] + box["height"] <= height                  # and on screen
    shot(page, output_dir, "portrait-standard-actions")


def test_the_standard_shows_the_product_and_how_complaints_are_handled(server, kiosk,
                                                                      output_dir):
    page = kiosk(LANDSCAPE)
    open_kiosk(page, server)
    page.click("[data-agency='DUKCAPIL']")
    page.click("[data-service='KTP']")
    body = page.locator("#std-body")
    expect(body).to_contain_text("Produk layanan")
    expect(body).to_contain_text("KTP-el (Kartu Tanda Penduduk elektronik)")
    expect(body).to_contain_text("Penanganan pengaduan")
    expect(body).to_contain_text("SP4N-LAPOR!")
    page.click("#lang-toggle")
    expect(body).to_contain_text("What you receive")
    expect(body).to_contain_text("Electronic ID card (KTP-el)")
    expect(body).to_contain_text("Every complaint is answered within 5 working days.")
    shot(page, output_dir, "standard-product-complaints")
