"""The kiosk while the database is away: the citizen reads "sistem sedang gangguan" and the
kiosk asks again by itself, so the ticket comes once the database is back (Chromium, a live
server on PostgreSQL reached through a proxy the test cuts)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy.engine import make_url

from ..kiosk.test_kiosk import LANDSCAPE, kiosk_page, open_kiosk  # noqa: F401  (a fixture)
from ..support.live import LiveServer
from .netfault import CuttableProxy

pytestmark = [pytest.mark.browser]


def test_the_kiosk_says_the_system_has_a_fault_and_takes_the_ticket_once_it_is_back(
        pg_url: str, tmp_path: Path, kiosk_page, output_dir: Path):  # noqa: F811
    target = make_url(pg_url)
    proxy = CuttableProxy((target.host or "127.0.0.1", target.port or 5432))
    through = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)
    server = LiveServer(through, tmp_path / "server").start()
    try:
        page = kiosk_page(LANDSCAPE)
        open_kiosk(page, server)
        page.click("[data-agency='DUKCAPIL']")
        page.click("[data-service='KTP']")
        page.wait_for_selector("[data-screen='standard'].active")

        proxy.cut()
        page.click("#take-regular")
        expect(page.locator("#modal-title")).to_have_text("Sistem sedang gangguan",
                                                          timeout=10000)
        expect(page.locator("#modal-body")).to_contain_text("mencoba lagi dengan sendirinya")
        page.screenshot(path=str(output_dir / "screenshots" / "kiosk-fault-retrying.png"))
        time.sleep(6)  # at least one more refused attempt while the database is away
        proxy.restore()

        page.wait_for_selector("[data-screen='ticket'].active", timeout=30000)
        expect(page.locator("#t-number")).to_have_text("A001")  # one ticket, no number lost
        expect(page.locator("#modal")).to_be_hidden()
        log = server.log.read_text()
        assert log.count("database_unavailable on POST /api/v1/tickets") >= 2, log[-2000:]
    finally:
        server.stop()
        proxy.close()
