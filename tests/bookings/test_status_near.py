"""The status page says in its title when the citizen's turn is near (Chromium)."""

from __future__ import annotations

from playwright.sync_api import expect

from ..support.api import Api
from ..support.factories import Factories


def test_the_status_page_title_says_when_the_turn_is_near(browser, live_server) -> None:
    api = Api(live_server.url)
    make = Factories.live(live_server)
    try:
        desk = make.desk()
    finally:
        make.close()
    mine = [api.issue(desk.code) for _ in range(5)][-1]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    page = context.new_page()
    try:
        page.goto(mine["status_url"])
        expect(page.locator("#st-ahead")).to_have_text("4")
        assert not page.title().startswith("Hampir")
        counter = api.open_counter(desk.staff, desk.counter)
        api.call_next(desk.staff, counter)
        expect(page.locator("#st-ahead")).to_have_text("3")
        expect(page).to_have_title(f"(!) Hampir giliran — {mine['number']} (3 lagi)")
    finally:
        context.close()
