"""In Chromium, under the Content-Security-Policy (enforced here, unlike in the other browser
tests, whose Playwright waits need eval), every screen works and nothing is refused or
fails (an HTTP error for anything a screen loads by itself, its icon included): the
pages' behaviour lives in script files (no inline script), sockets connect, and the device
pages take their token from the address once and drop it from the address bar."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ..support.api import ADMIN_PASSWORD, PASSWORDS, STAFF_PASSWORD, Api, device_token


@pytest.fixture
def strict_page(browser) -> Iterator[tuple[Any, list[str]]]:  # type: ignore[no-untyped-def]
    """A page that enforces the CSP, and the refusals and script errors it met."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    page = context.new_page()
    refused: list[str] = []
    # a refusal, or anything a screen loads by itself failing (its icon, its scripts, its API
    # reads: "Failed to load resource", also for the icon, which no response event reports)
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text or m.type == "error" else None)
    page.on("pageerror", lambda e: refused.append(str(e)))
    yield page, refused
    context.close()


def _sign_in(page, base: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_admin_forms_work_without_inline_script(live_server, strict_page):
    page, refused = strict_page
    base = live_server.url
    _sign_in(page, base, "admin", ADMIN_PASSWORD)
    page.goto(f"{base}/admin/devices/new")
    page.select_option("#kind", "display")
    assert page.is_visible("select[name=counter_id]")
    assert page.is_hidden("select[name=printer_device_id]")
    page.select_option("#kind", "kiosk")
    assert page.is_visible("select[name=printer_device_id]")
    page.goto(f"{base}/admin/services")
    with page.expect_navigation():
        page.select_option("select[name=agency]", index=1)
    assert "agency=" in page.url
    page.goto(f"{base}/admin/holidays")
    assert refused == []


def test_device_pages_take_the_token_from_the_address_once(live_server, strict_page):
    page, refused = strict_page
    base = live_server.url
    display = device_token("display-1")
    page.goto(f"{base}/display#token={display}")
    page.wait_for_selector("#board[data-state=online]", timeout=15000)
    assert display not in page.url
    page.reload()  # the token was kept: the board comes back by itself
    page.wait_for_selector("#board[data-state=online]", timeout=15000)
    kiosk = device_token("kiosk-1")
    page.goto(f"{base}/kiosk#token={kiosk}")
    page.wait_for_selector(".k-screen.active:not([data-screen=loading])", timeout=15000)
    assert page.get_attribute(".k-screen.active", "data-screen") != "setup"
    assert kiosk not in page.url
    loket1 = Api(base).counter_id("Loket 1")  # the demo's tablet-1 is registered to it
    tablet = device_token("tablet-1")
    page.goto(f"{base}/rate?counter={loket1}&token={tablet}")  # an old-style link
    page.wait_for_selector("body[data-state=online]", timeout=15000)
    assert tablet not in page.url
    assert refused == []


def test_staff_manager_and_citizen_screens_run_under_the_csp(live_server, strict_page):
    page, refused = strict_page
    base = live_server.url
    ticket = Api(base).issue("KTP")
    for public in ("/", "/layanan"):
        page.goto(f"{base}{public}")
        page.wait_for_selector("main h1")
    page.click("#KTP summary")  # a standard unfolds with no script
    page.wait_for_selector("#KTP h3")
    page.goto(f"{base}/t/{ticket['token']}")
    page.wait_for_selector("#st-live[data-state=on]", timeout=15000)
    _sign_in(page, base, "dukcapil1", STAFF_PASSWORD)
    page.goto(f"{base}/console")
    page.wait_for_selector("#cs-live[data-state=on]", timeout=15000)
    page.context.clear_cookies()
    _sign_in(page, base, "manajer", PASSWORDS["manajer"])
    page.goto(f"{base}/dashboard")
    page.wait_for_selector("body[data-state=ready]", timeout=20000)
    assert refused == []
