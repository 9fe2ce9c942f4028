"""The counter console while the database is away: the clerk reads "sistem sedang gangguan"
and the console asks again by itself, so the call goes through once the database is back
(Chromium, a live server on PostgreSQL reached through a proxy the test cuts)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy.engine import make_url

from ..support.api import Api
from ..support.browser import sign_in
from ..support.factories import Factories
from ..support.live import LiveServer
from .netfault import CuttableProxy

pytestmark = [pytest.mark.browser]


def test_the_console_retries_a_call_by_itself_while_the_database_is_away(
        pg_url: str, tmp_path: Path, browser):  # type: ignore[no-untyped-def]
    target = make_url(pg_url)
    proxy = CuttableProxy((target.host or "127.0.0.1", target.port or 5432))
    through = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)
    server = LiveServer(through, tmp_path / "server").start()
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID",
                                  bypass_csp=True)
    try:
        make = Factories.live(server)  # a service, counter and clerk of the test's own
        desk = make.desk()
        make.close()
        ticket = Api(server.url).issue(desk.code)
        page = context.new_page()
        sign_in(page, server.url, desk.staff)
        page.keyboard.press("1")  # the clerk's first (and only) counter
        expect(page.locator("#cs-counter-name")).to_have_text(desk.counter)
        expect(page.locator("#cs-actions [data-action=call_next]")).to_be_enabled()

        proxy.cut()
        page.keyboard.press("n")
        expect(page.locator("#cs-notice")).to_contain_text("mencoba lagi dengan sendirinya",
                                                           timeout=15000)
        expect(page.locator("#cs-alert")).to_be_hidden()  # not a failure: a retry
        refused = "database_unavailable on POST /api/v1/counters/"
        deadline = time.monotonic() + 30
        while server.log.read_text().count(refused) < 2:  # it asked again by itself
            assert time.monotonic() < deadline, server.log.read_text()[-2000:]
            time.sleep(0.2)
        proxy.restore()

        expect(page.locator("#cs-number")).to_have_text(ticket["number"], timeout=30000)
        assert Api(server.url).ticket(ticket["token"])["status"] == "called"
    finally:
        context.close()
        server.stop()
        proxy.close()
