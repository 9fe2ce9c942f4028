"""The kiosk in headless Chromium against a live server: a ticket from the first touch to the
printed paper, closed and full services, the language switch, the idle reset."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from mpp.db import Database
from mpp.models import Service
from mpp.services.demo import demo_device_token
from tests.printing.test_layout import zbar
from tests.support.agent_process import Agent
from tests.support.databases import TEST_SECRET
from tests.support.fake_printer import FakeNetworkPrinter, wait_for
from tests.support.live import LiveServer

pytestmark = [pytest.mark.browser,
              pytest.mark.per_day]  # CI runs these again one minute before midnight

KIOSK = demo_device_token(TEST_SECRET, "kiosk-1")
LANDSCAPE = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}


@pytest.fixture
def kiosk_page(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A kiosk-sized page factory: ``kiosk_page(viewport)``."""
    contexts = []

    def make(viewport: dict[str, int]) -> Any:
        ctx = browser.new_context(viewport=viewport, locale="id-ID", has_touch=True)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


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
    services = requests.get(f"{server.url}/api/v1/services", timeout=10).json()["services"]
    sid = next(s["id"] for s in services if s["code"] == code)
    r = requests.post(f"{server.url}/api/v1/tickets", json={"service_id": sid},
                      headers={"Authorization": f"Bearer {KIOSK}"}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["ticket"]


def test_a_citizen_takes_a_ticket_and_it_is_printed(live_server: LiveServer, kiosk_page,
                                                    output_dir: Path, tmp_path: Path) -> None:
    printer = FakeNetworkPrinter()
    agent = Agent(live_server.url, printer.spec, tmp_path / "journal.txt",
                  tmp_path / "agent.log").start()
    try:
        page = kiosk_page(LANDSCAPE)
        open_kiosk(page, live_server)
        assert "token=" not in page.url  # the token left the address bar for localStorage
        assert page.evaluate("localStorage.getItem('mpp.kiosk.token')") == KIOSK
        assert page.locator("h1:visible").inner_text() == "Pilih instansi"
        shot(page, output_dir, "landscape-1-agencies")
        page.click("[data-agency='DUKCAPIL']")
        page.wait_for_selector("[data-screen='services'].active")
        shot(page, output_dir, "landscape-2-services")
        page.click("[data-service='KTP']")
        page.wait_for_selector("[data-screen='standard'].active")
        standard = page.locator("#std-body").inner_text()
        for text in ("Persyaratan", "Fotokopi Kartu Keluarga", "Prosedur",
                     "Waktu penyelesaian", "30 menit", "Biaya", "Gratis", "Dasar hukum"):
            assert text in standard
        shot(page, output_dir, "landscape-3-standard")
        page.click("#take-regular")
        page.wait_for_selector("[data-screen='ticket'].active")
        assert page.locator("#t-number").inner_text() == "A001"
        assert page.locator("#t-ahead").inner_text() == "0 orang"
        page.wait_for_function("document.getElementById('t-qr').naturalWidth > 0")
        page.wait_for_selector(".k-print.printed", timeout=20000)
        assert "sudah tercetak" in page.locator("#t-print").inner_text()
        shot(page, output_dir, "landscape-4-ticket-printed")
        wait_for(lambda: printer.numbers() == ["A001"], what="the paper ticket")
        paper = printer.receipts()[0]
        ticket = requests.get(f"{live_server.url}/api/v1/queue", timeout=10).json()
        assert paper.qrs[0].payload.startswith(f"{live_server.url}/t/")
        assert page.locator("#t-qr").get_attribute("alt") == paper.qrs[0].payload
        page.locator("#t-qr").screenshot(path=str(tmp_path / "qr.png"))
        assert zbar((tmp_path / "qr.png").read_bytes(), tmp_path) == [paper.qrs[0].payload]
        assert ticket["services"][0]["waiting"] == 1
        admin = requests.post(f"{live_server.url}/api/v1/auth/login",
                              json={"username": "admin", "password": "admin-mpp"},
                              timeout=10).json()["token"]
        png = requests.get(f"{live_server.url}/api/v1/tickets/1/preview.png",
                           headers={"Authorization": f"Bearer {admin}"}, timeout=10)
        assert png.status_code == 200
        (output_dir / "screenshots" / "kiosk-ticket-preview-80mm.png").write_bytes(png.content)
        page.click("#done")
        page.wait_for_selector("[data-screen='agencies'].active")
    finally:
        agent.stop()
        printer.close()


def test_portrait_priority_ticket_is_shown_while_the_printer_is_offline(
        live_server: LiveServer, kiosk_page, output_dir: Path) -> None:
    page = kiosk_page(PORTRAIT)
    open_kiosk(page, live_server)
    shot(page, output_dir, "portrait-1-agencies")
    page.click("[data-agency='DUKCAPIL']")
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
    assert page.locator("#t-number").inner_text() == "B001"
    assert page.locator("#t-priority").inner_text() == "Prioritas: Ibu hamil"
    # no print agent runs: the ticket stands on screen with a clear word about the printer
    page.wait_for_selector(".k-print.failed", timeout=10000)
    page.wait_for_function("document.getElementById('t-qr').naturalWidth > 0")
    assert "Nomor Anda tetap berlaku" in page.locator("#t-print").inner_text()
    assert "printer tidak terhubung" in page.locator("#t-print").inner_text()
    shot(page, output_dir, "portrait-4-ticket-printer-offline")
    status = requests.get(f"{live_server.url}/api/v1/queue", timeout=10).json()
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
    assert "Tutup" in akta.inner_text()
    assert "Layanan ini tidak buka hari ini." in akta.inner_text()
    kk = page.locator("[data-service='KK']").inner_text()
    assert "Kuota habis" in kk and "sudah habis hari ini" in kk
    shot(page, output_dir, "landscape-5-closed-and-full")
    page.click("[data-service='AKTA']")
    notice = page.locator("#std-closed")
    assert notice.is_visible() and "Layanan sedang tutup" in notice.inner_text()
    assert not page.locator("#take-regular").is_visible()
    page.click("#lang-toggle")
    assert "This service is closed" in notice.inner_text()
    assert "This service is not open today." in notice.inner_text()
    shot(page, output_dir, "landscape-6-closed-english")
    page.click("#lang-toggle")
    page.click("#back")
    page.click("[data-service='KK']")
    assert "Kuota hari ini sudah habis" in notice.inner_text()
    # A service that fills up while the citizen reads its standard: the 409 is explained.
    page.click("#back")
    page.click("[data-service='KTP']")
    page.wait_for_selector("#take-regular:visible")
    settled(page)
    issue(live_server, "KTP")  # the last number of the day goes to another kiosk
    set_service(live_server, "KTP", daily_quota=1)
    page.click("#take-regular")
    page.wait_for_selector("#modal:not([hidden])")
    assert page.locator("#modal-title").inner_text() == "Kuota hari ini sudah habis"
    assert "datang kembali" in page.locator("#modal-body").inner_text()
    shot(page, output_dir, "landscape-7-quota-message")
    page.click("#modal-ok")
    page.wait_for_function(
        "document.getElementById('std-closed').innerText.includes('Kuota hari ini sudah habis')")
    assert not page.locator("#take-regular").is_visible()
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
    assert page.locator("#modal-title").inner_text() == "This service is closed"
    assert page.locator("#modal-body").inner_text() == "This service is not open today."
    shot(page, output_dir, "landscape-8-closed-message-english")


def test_the_language_switch_changes_every_label_and_the_service_names(
        live_server: LiveServer, kiosk_page, output_dir: Path) -> None:
    page = kiosk_page(LANDSCAPE)
    open_kiosk(page, live_server)
    page.click("#lang-toggle")
    assert page.locator("h1:visible").inner_text() == "Choose an agency"
    assert page.locator("#lang-toggle").inner_text() == "Bahasa Indonesia"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#site-name").inner_text() == "Kendari City Public Service Mall"
    page.click("[data-agency='DUKCAPIL']")
    assert "Electronic ID card (KTP-el)" in page.locator("[data-service='KTP']").inner_text()
    page.click("[data-service='KTP']")
    body = page.locator("#std-body").inner_text()
    assert "Requirements" in body and "Free of charge" in body and "30 minutes" in body
    assert page.locator("#take-regular").inner_text() == "Take a queue number"
    shot(page, output_dir, "landscape-9-standard-english")
    page.click("#take-regular")
    page.wait_for_selector("[data-screen='ticket'].active")
    assert page.locator("[data-i18n='your_number']").inner_text() == "Your queue number"
    page.click("#lang-toggle")
    assert page.locator("[data-i18n='your_number']").inner_text() == "Nomor antrian Anda"
    assert "Perekaman dan Pencetakan KTP-el" in page.locator("#t-service").inner_text()


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
    assert page.locator("h1:visible").inner_text() == "Pilih instansi"  # default language back
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
    assert page.locator("h1:visible").inner_text() == "Kiosk belum terpasang"
    display = demo_device_token(TEST_SECRET, "display-1")
    page.goto(f"{live_server.url}/kiosk?token={display}")
    page.wait_for_selector("[data-screen='setup'].active")


def test_the_kiosk_passes_axe_checks_for_contrast_names_and_targets(
        live_server: LiveServer, kiosk_page) -> None:
    page = kiosk_page(PORTRAIT)
    open_kiosk(page, live_server)
    page.click("[data-agency='DUKCAPIL']")
    page.click("[data-service='KTP']")
    page.add_script_tag(url=f"{live_server.url}/static/vendor/axe.min.js")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}));
    }""")
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
    assert "tidak terhubung ke server" in page.locator("#modal-body").inner_text()
    assert not page.locator("section[data-screen='setup']").is_visible()
    shot(page, output_dir, "landscape-10-no-server")
    page.unroute("**/api/v1/auth/me")
    page.wait_for_selector("#kiosk[data-ready='1']", timeout=15000)
    assert page.locator("#modal").is_hidden()
    assert page.locator("h1:visible").inner_text() == "Pilih instansi"


def test_a_service_without_a_priority_lane_offers_none(live_server: LiveServer,
                                                        kiosk_page) -> None:
    set_service(live_server, "AKTA", priority_enabled=False)
    page = kiosk_page(PORTRAIT)
    open_kiosk(page, live_server)
    page.click("[data-agency='DUKCAPIL']")
    page.click("[data-service='AKTA']")
    page.wait_for_selector("#take-regular:visible")
    assert page.locator("#take-priority").is_hidden()
    page.click("#back")
    page.click("[data-service='KTP']")
    page.wait_for_selector("#take-priority:visible")
