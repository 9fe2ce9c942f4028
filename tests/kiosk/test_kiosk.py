"""The kiosk in headless Chromium against a live server: a ticket from the first touch to the
printed paper, closed and full services, the language switch, the idle reset."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mpp.db import Database
from mpp.models import Service
from tests.printing.test_layout import zbar
from tests.support.agent_process import Agent
from tests.support.api import Api, device_token
from tests.support.browser import run_axe
from tests.support.fake_printer import FakeNetworkPrinter, wait_for
from tests.support.live import LiveServer

pytestmark = [pytest.mark.browser,
              pytest.mark.per_day]  # CI runs these again one minute before midnight

KIOSK = device_token("kiosk-1")
LANDSCAPE = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}


@pytest.fixture
def kiosk_page(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A kiosk-sized page factory: ``kiosk_page(viewport)``."""
    contexts = []

    def make(viewport: dict[str, int]) -> Any:
        ctx = browser.new_context(viewport=viewport, locale="id-ID", has_touch=True,
                                  bypass_csp=True)  # for wait_for_function (tests/conftest.py)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def printer(live_server: LiveServer, tmp_path: Path) -> Iterator[FakeNetworkPrinter]:
    """A network printer with a print agent for the demo kiosk's printer, for the test."""
    paper = FakeNetworkPrinter()
    agent = Agent(live_server.url, paper.spec, tmp_path / "journal.txt",
                  tmp_path / "agent.log").start()
    try:
        yield paper
    finally:
        agent.stop()
        paper.close()


def open_kiosk(page: Any, server: LiveServer, idle: int = 600, token: str = KIOSK) -> None:
    page.goto(f"{server.url}/kiosk?token={token}&idle={idle}")
    page.wait_for_selector("#kiosk[data-ready='1']", timeout=15000)


def settled(page: Any) -> None:
    """Wait until the kiosk has no request for services in flight."""
    page.wait_for_function("!document.getElementById('kiosk').dataset.busy")


def shot(page: Any, output_dir: Path, name: str) -> None:
    page.screenshot(path=str(output_dir / "screenshots" / f"kiosk-{name}.png"))


def set_service(server: LiveServer, code: str, **values: Any) -> None:
    """Change a service the way an admin would (the site file or admin page)."""
    db = Database(server.db_url)
    with db.write() as s:
        service = s.scalars(select(Service).where(Service.code == code)).one()
        for key, value in values.items():
            setattr(service, key, value)
    db.dispose()


def issue(server: LiveServer, code: str) -> dict[str, Any]:
    return Api(server.url).issue(code)


def test_a_citizen_takes_a_ticket_and_it_is_printed(
        live_server: LiveServer, kiosk_page, printer: FakeNetworkPrinter, output_dir: Path,
        tmp_path: Path) -> None:
    page = kiosk_page(LANDSCAPE)
    open_kiosk(page, live_server)
    assert "token=" not in page.url  # the token left the address bar for localStorage
    assert page.evaluate("localStorage.getItem('mpp.kiosk.token')") == KIOSK
    expect(page.locator("h1:visible")).to_have_text("Pilih instansi")
    shot(page, output_dir, "landscape-1-agencies")
    page.click("[data-agency='DUKCAPIL']")
    page.wait_for_selector("[data-screen='services'].active")
    # nobody has opened a Disdukcapil counter yet: the card says so before the tap
    expect(page.locator("[data-service='KTP'] .k-card-note")).to_contain_text(
        "Belum ada loket yang melayani")
    shot(page, output_dir, "landscape-2-services")
    page.click("[data-service='KTP']")
    page.wait_for_selector("[data-screen='standard'].active")
    for text in ("Persyaratan", "Fotokopi Kartu Keluarga", "Prosedur",
                 "Waktu penyelesaian", "30 menit", "Biaya", "Gratis", "Dasar hukum"):
        expect(page.locator("#std-body")).to_contain_text(text)
    shot(page, output_dir, "landscape-3-standard")
    page.click("#take-regular")
    page.wait_for_selector("[data-screen='ticket'].active")
    expect(page.locator("#t-number")).to_have_text("A001")
    expect(page.locator("#t-ahead")).to_have_text("0 orang")
    # nobody has opened a Disdukcapil counter yet: no "segera" that would not hold
    expect(page.locator("#t-wait")).to_have_text("menunggu loket dibuka")
    page.wait_for_function("document.getElementById('t-qr').naturalWidth > 0")
    page.wait_for_selector(".k-print.printed", timeout=20000)
    expect(page.locator("#t-print")).to_contain_text("sudah tercetak")
    shot(page, output_dir, "landscape-4-ticket-printed")
    wait_for(lambda: printer.numbers() == ["A001"], what="the paper ticket")
    paper = printer.receipts()[0]
    assert paper.line_with("Perkiraan tunggu").text == "Perkiraan tunggu: menunggu loket dibuka"
    api = Api(live_server.url)
    ticket = api.get("/queue").ok()
    assert paper.qrs[0].payload.startswith(f"{live_server.url}/t/")
    expect(page.locator("#t-qr")).to_have_attribute("alt", paper.qrs[0].payload)
    page.locator("#t-qr").screenshot(path=str(tmp_path / "qr.png"))
    assert zbar((tmp_path / "qr.png").read_bytes(), tmp_path) == [paper.qrs[0].payload]
    assert ticket["services"][0]["waiting"] == 1
    png = api.get("/tickets/1/preview.png", token=api.login("admin"))
    assert png.status == 200
    (output_dir / "screenshots" / "kiosk-ticket-preview-80mm.png").write_bytes(png.content)
    page.click("#done")
    page.wait_for_selector("[data-screen='agencies'].active")


def test_portrait_priority_ticket_is_shown_while_the_printer_is_offline(
        live_server: LiveServer, kiosk_page, output_dir: Path) -> None:
    Api(live_server.url).open_counter("dukcapil2", "Loket 2")  # KTP and KK
    page = kiosk_page(PORTRAIT)
    open_kiosk(page, live_server)
    shot(page, output_dir, "portrait-1-agencies")
    page.click("[data-agency='DUKCAPIL']")
    expect(page.locator("[data-service='AKTA'] .k-card-note")).to_be_visible()
    expect(page.locator("[data-service='KK'] .k-card-note")).to_have_count(0)  # Loket 2
    page.click("[data-service='KK']")
    page.wait_for_selector("[data-screen='standard'].active")
    shot(page, output_dir, "portrait-2-standard")
    page.click("#take-priority")
    page.wait_for_selector("[data-screen='priority'].active")
    shot(page, output_dir, "portrait-3-priority")
    boxes = [b.bounding_box() for b in page.locator("#priority-list button").all()]
    assert all(b is not None and b["height"] >= 64 and b["width"] >= 64 for b in boxes)
    page.click("[data-category='pregnant']")
    page.wait_for_selector("[data-screen='ticket'].active")
    expect(page.locator("#t-number")).to_have_text("B001")
    expect(page.locator("#t-priority")).to_have_text("Prioritas: Ibu hamil")
    expect(page.locator("#t-wait")).to_have_text("segera")  # first, and Loket 2 serves KK
    # no print agent runs: the ticket stands on screen with a clear word about the printer
    page.wait_for_selector(".k-print.failed", timeout=10000)
    page.wait_for_function("document.getElementById('t-qr').naturalWidth > 0")
    expect(page.locator("#t-print")).to_contain_text("Nomor Anda tetap berlaku")
    expect(page.locator("#t-print")).to_contain_text("printer tidak terhubung")
    shot(page, output_dir, "portrait-4-ticket-printer-offline")
    status = Api(live_server.url).get("/queue").ok()
    kk = [s for s in status["services"] if s["waiting"]]
    assert len(kk) == 1 and kk[0]["waiting"] == 1


def test_closed_and_full_services_say_so_in_both_languages(
        live_server: LiveServer, kiosk_page, output_dir: Path) -> None:
    set_service(live_server, "AKTA", hours="closed")
    set_service(live_server, "KK", daily_quota=1)
    issue(live_server, "KK")
    page = kiosk_page(LANDSCAPE)
    open_kiosk(page, live_server)
    page.click("[data-agency='DUKCAPIL']")
    page.wait_for_selector("[data-screen='services'].active")
    akta = page.locator("[data-service='AKTA']")
    expect(akta).to_contain_text("Tutup")
    expect(akta).to_contain_text("Layanan ini tidak buka hari ini.")
    kk = page.locator("[data-service='KK']")
    expect(kk).to_contain_text("Kuota habis")
    expect(kk).to_contain_text("sudah habis hari ini")
    shot(page, output_dir, "landscape-5-closed-and-full")
    page.click("[data-service='AKTA']")
    notice = page.locator("#std-closed")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Layanan sedang tutup")
    expect(page.locator("#take-regular")).to_be_hidden()
    page.click("#lang-toggle")
    expect(notice).to_contain_text("This service is closed")
    expect(notice).to_contain_text("This service is not open today.")
    shot(page, output_dir, "landscape-6-closed-english")
    page.click("#lang-toggle")
    page.click("#back")
    page.click("[data-service='KK']")
    expect(notice).to_contain_text("Kuota hari ini sudah habis")
    # A service that fills up while the citizen reads its standard: the 409 is explained.
    page.click("#back")
    page.click("[data-service='KTP']")
    page.wait_for_selector("#take-regular:visible")
    settled(page)
    issue(live_server, "KTP")  # the last number of the day goes to another kiosk
    set_service(live_server, "KTP", daily_quota=1)
    page.click("#take-regular")
    page.wait_for_selector("#modal:not([hidden])")
    expect(page.locator("#modal-title")).to_have_text("Kuota hari ini sudah habis")
    expect(page.locator("#modal-body")).to_contain_text("datang kembali")
    shot(page, output_dir, "landscape-7-quota-message")
    page.click("#modal-ok")
    expect(notice).to_contain_text("Kuota hari ini sudah habis")
    expect(page.locator("#take-regular")).to_be_hidden()
    # closed at the moment of taking: the server's reason is shown
    set_service(live_server, "KTP", daily_quota=None, hours="closed")
    set_service(live_server, "KK", daily_quota=None)
    page.click("#back")
    page.click("[data-service='KK']")
    page.wait_for_selector("#take-regular:visible")
    settled(page)
    set_service(live_server, "KK", hours="closed")
    page.click("#lang-toggle")
    page.click("#take-regular")
    page.wait_for_selector("#modal:not([hidden])")
    expect(page.locator("#modal-title")).to_have_text("This service is closed")
    expect(page.locator("#modal-body")).to_have_text("This service is not open today.")
    shot(page, output_dir, "landscape-8-closed-message-english")


def test_the_language_switch_changes_every_label_and_the_service_names(
        live_server: LiveServer, kiosk_page, output_dir: Path) -> None:
    page = kiosk_page(LANDSCAPE)
    open_kiosk(page, live_server)
    page.click("#lang-toggle")
    expect(page.locator("h1:visible")).to_have_text("Choose an agency")
    expect(page.locator("#lang-toggle")).to_have_text("Bahasa Indonesia")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#site-name")).to_have_text("Kendari City Public Service Mall")
    page.click("[data-agency='DUKCAPIL']")
    expect(page.locator("[data-service='KTP']")).to_contain_text("Electronic ID card (KTP-el)")
    page.click("[data-service='KTP']")
    for text in ("Requirements", "Free of charge", "30 minutes"):
        expect(page.locator("#std-body")).to_contain_text(text)
    expect(page.locator("#take-regular")).to_have_text("Take a queue number")
    shot(page, output_dir, "landscape-9-standard-english")
    page.click("#take-regular")
    page.wait_for_selector("[data-screen='ticket'].active")
    expect(page.locator("[data-i18n='your_number']")).to_have_text("Your queue number")
    page.click("#lang-toggle")
    expect(page.locator("[data-i18n='your_number']")).to_have_text("Nomor antrian Anda")
    expect(page.locator("#t-service")).to_contain_text("Perekaman dan Pencetakan KTP-el")


def test_a_service_that_opens_is_offered_just_after_the_minute_turns_with_no_tap(
        live_server: LiveServer, kiosk_page) -> None:
    """Hours turn on whole minutes: the kiosk reads the services again 2 s after each turn
    (its own clock, faked here), also on a standard's page, and not in between."""
    set_service(live_server, "AKTA", hours="closed")
    page = kiosk_page(LANDSCAPE)
    start = dt.datetime.now(dt.UTC).replace(second=20, microsecond=0)
    page.clock.install(time=start)
    open_kiosk(page, live_server)
    page.click("[data-agency='DUKCAPIL']")
    page.click("[data-service='AKTA']")
    expect(page.locator("#std-closed")).to_be_visible()
    settled(page)
    reads: list[str] = []
    page.on("request", lambda r: reads.append(r.url) if "/api/v1/services" in r.url else None)
    set_service(live_server, "AKTA", hours="00:00-24:00")  # as the turn to its opening
    page.clock.run_for(35_000)  # to :55, no turn yet
    page.wait_for_timeout(300)
    assert reads == []
    expect(page.locator("#take-regular")).to_be_hidden()
    page.clock.run_for(8_000)  # past :00 of the next minute and the 2 s margin
    expect(page.locator("#take-regular")).to_be_visible()
    expect(page.locator("#std-closed")).to_be_hidden()
    assert len(reads) == 1


def test_the_kiosk_returns_to_the_start_after_idle_time(live_server: LiveServer,
                                                         kiosk_page) -> None:
    page = kiosk_page(LANDSCAPE)
    open_kiosk(page, live_server, idle=3)
    page.click("#lang-toggle")
    page.click("[data-agency='DUKCAPIL']")
    page.click("[data-service='KTP']")
    page.click("#take-regular")
    page.wait_for_selector("[data-screen='ticket'].active")
    page.wait_for_selector("[data-screen='agencies'].active", timeout=8000)
    expect(page.locator("h1:visible")).to_have_text("Pilih instansi")  # default language back
    # a touch keeps it where it is
    page.click("[data-agency='DUKCAPIL']")
    for _ in range(8):
        page.wait_for_timeout(500)
        page.mouse.move(10, 10)
        page.dispatch_event("body", "pointerdown")
    assert page.locator("section[data-screen='services']").is_visible()


def test_without_a_valid_kiosk_token_the_kiosk_asks_for_setup(live_server: LiveServer,
                                                              kiosk_page) -> None:
    page = kiosk_page(LANDSCAPE)
    page.goto(f"{live_server.url}/kiosk")
    page.wait_for_selector("[data-screen='setup'].active")
    expect(page.locator("h1:visible")).to_have_text("Kiosk belum terpasang")
    display = device_token("display-1")
    page.goto(f"{live_server.url}/kiosk?token={display}")
    page.wait_for_selector("[data-screen='setup'].active")


def test_the_kiosk_passes_axe_checks_for_contrast_names_and_targets(
        live_server: LiveServer, kiosk_page) -> None:
    page = kiosk_page(PORTRAIT)
    open_kiosk(page, live_server)
    page.click("[data-agency='DUKCAPIL']")
    page.click("[data-service='KTP']")
    result = run_axe(page, live_server.url, impacts=("minor", "moderate", "serious", "critical"),
                     run_only=["wcag2a", "wcag2aa", "wcag21aa"])
    assert result == [], json.dumps(result)
    small = page.evaluate("""() => [...document.querySelectorAll('button')]
        .filter(b => b.offsetParent !== null)
        .map(b => b.getBoundingClientRect())
        .filter(r => r.height < 64 || r.width < 64).length""")
    assert small == 0


def test_a_kiosk_that_cannot_reach_the_server_says_so_and_recovers(
        live_server: LiveServer, kiosk_page, output_dir: Path) -> None:
    page = kiosk_page(LANDSCAPE)
    page.route("**/api/v1/auth/me", lambda route: route.abort("connectionrefused"))
    page.goto(f"{live_server.url}/kiosk?token={KIOSK}")
    page.wait_for_selector("#modal:not([hidden])")
    expect(page.locator("#modal-body")).to_contain_text("tidak terhubung ke server")
    expect(page.locator("section[data-screen='setup']")).to_be_hidden()
    shot(page, output_dir, "landscape-10-no-server")
    page.unroute("**/api/v1/auth/me")
    page.wait_for_selector("#kiosk[data-ready='1']", timeout=15000)
    expect(page.locator("#modal")).to_be_hidden()
    expect(page.locator("h1:visible")).to_have_text("Pilih instansi")


def test_a_service_without_a_priority_lane_offers_none(live_server: LiveServer,
                                                        kiosk_page) -> None:
    set_service(live_server, "AKTA", priority_enabled=False)
    page = kiosk_page(PORTRAIT)
    open_kiosk(page, live_server)
    page.click("[data-agency='DUKCAPIL']")
    page.click("[data-service='AKTA']")
    page.wait_for_selector("#take-regular:visible")
    expect(page.locator("#take-priority")).to_be_hidden()
    page.click("#back")
    page.click("[data-service='KTP']")
    page.wait_for_selector("#take-priority:visible")
