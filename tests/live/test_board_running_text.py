"""The board's running text in Indonesian and English, in headless Chromium against a real
server: an admin types the English text in the settings form and the open board, without
reloading, alternates one Indonesian pass and one English pass.

Screenshots land in test-output/screenshots/board-running-text-*.png.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ..support.api import ADMIN_PASSWORD, Api
from ..support.live import LiveServer

pytestmark = pytest.mark.browser

ENGLISH = ("Welcome to the public service mall. Please keep your ticket until your service "
           "is complete.")

#: ends the ticker's current pass at once (as if it had scrolled off), which fires the
#: same `animationend` a real pass ends with
END_PASS = """() => {
  const box = document.querySelector('[data-testid=running-text]');
  const runs = box.getAnimations();
  if (runs.length !== 1) throw new Error('expected one running ticker pass, got ' + runs.length);
  runs[0].finish();
}"""


def ticker(page: Page) -> dict[str, Any]:
    return page.eval_on_selector("[data-testid=running-text]", """e => ({
        text: e.textContent, lang: e.dataset.lang, htmlLang: e.lang,
        passes: Number(e.dataset.passes), seconds: getComputedStyle(e).animationDuration,
        moving: e.getAnimations().length})""")


def end_pass(page: Page, passes_before: int) -> None:
    page.evaluate(END_PASS)
    page.wait_for_function(
        "n => Number(document.querySelector('[data-testid=running-text]').dataset.passes) > n",
        arg=passes_before)


def test_the_board_alternates_the_running_text_an_admin_sets_in_english(
        browser, tv: Page, live_server: LiveServer, shots: Path):
    hall = Api(live_server.url)
    tv.goto(f"{live_server.url}/display?token={hall.device_token('display-1')}")
    expect(tv.get_by_test_id("board")).to_have_attribute("data-state", "online", timeout=10_000)
    box = tv.get_by_test_id("running-text")
    expect(box).to_have_attribute("data-lang", "id")
    expect(box).to_contain_text("Selamat datang di Mal Pelayanan Publik Kota Kendari")

    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    try:
        page = admin.new_page()
        page.goto(f"{live_server.url}/login?next=/admin/settings")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", ADMIN_PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/admin/settings")
        field = page.locator("textarea[name=running_text_en]")
        expect(field).to_have_value(re.compile(r"^Welcome to the Kendari City"))  # the demo's
        field.fill(ENGLISH)
        page.screenshot(path=str(shots / "board-running-text-admin.png"), full_page=True)
        page.click("button:has-text('Simpan pengaturan')")
        expect(page.locator(".flash-ok")).to_contain_text("Pengaturan disimpan")
        expect(page.locator("textarea[name=running_text_en]")).to_have_value(ENGLISH)

        # The open board takes the new texts from the `site` event (no new snapshot) and
        # starts again with the Indonesian pass.
        tv.wait_for_function(
            "t => window.mppBoard.state.site.running_text_en === t", arg=ENGLISH)
        assert tv.get_by_test_id("board").get_attribute("data-snapshots") == "1"
        first = ticker(tv)
        assert first["lang"] == "id" and first["htmlLang"] == "id" and first["moving"] == 1
        assert first["text"].startswith("Selamat datang di Mal Pelayanan Publik")

        end_pass(tv, first["passes"])
        english = ticker(tv)
        assert (english["text"], english["lang"], english["htmlLang"]) == (ENGLISH, "en", "en")
        assert english["moving"] == 1
        # each pass moves at about 12 characters a second (at least 20 s)
        assert english["seconds"] == "20s"
        assert first["seconds"] == f"{max(20, math.floor(len(first['text']) / 12 + 0.5))}s"
        # hold the English pass where it can be read, for the screenshot
        tv.evaluate("""() => { const a = document.querySelector('[data-testid=running-text]')
                               .getAnimations()[0]; a.pause(); a.currentTime = 9000; }""")
        tv.screenshot(path=str(shots / "board-running-text-en.png"))
        tv.evaluate("() => document.querySelector('[data-testid=running-text]')"
                    ".getAnimations()[0].play()")

        end_pass(tv, english["passes"])
        again = ticker(tv)
        assert again["lang"] == "id" and again["text"] == first["text"]

        # Without an English text the board keeps to Indonesian, pass after pass.
        page.fill("textarea[name=running_text_en]", "")
        page.click("button:has-text('Simpan pengaturan')")
        expect(page.locator(".flash-ok")).to_contain_text("Pengaturan disimpan")
        tv.wait_for_function("() => window.mppBoard.state.site.running_text_en === ''")
        for _ in range(2):
            before = ticker(tv)
            end_pass(tv, before["passes"])
            after = ticker(tv)
            assert after["lang"] == "id" and after["text"] == first["text"]
    finally:
        admin.close()
