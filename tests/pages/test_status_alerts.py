"""The status page's alerts (issue 10) in a phone-sized Chromium (390x844) against a real
server: once the citizen turns on "Aktifkan suara & getar", the page chimes (Web Audio) and
vibrates once as the turn becomes near and once per call, and the tab's title says so; feed
messages in between alert nothing. AudioContext and navigator.vibrate are instrumented."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ..support.api import Api
from ..support.factories import Factories

pytestmark = pytest.mark.browser

#: counts the tones the page starts (one oscillator per chime) and records vibrations
INSTRUMENT = """
window.__alerts = {tones: [], vibrations: [], contexts: 0};
navigator.vibrate = function (pattern) { window.__alerts.vibrations.push(pattern); return true; };
const RealAudioContext = window.AudioContext;
window.AudioContext = class extends RealAudioContext {
  constructor(...args) { super(...args); window.__alerts.contexts += 1; }
  createOscillator() {
    const osc = super.createOscillator();
    const start = osc.start.bind(osc);
    osc.start = (when) => { window.__alerts.tones.push(osc.frequency.value); return start(when); };
    return osc;
  }
};
"""
NEAR = [200, 100, 200]
CALLED = [400, 150, 400, 150, 800]


@pytest.fixture
def phone(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID",
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    context.add_init_script(INSTRUMENT)
    page = context.new_page()
    yield page
    context.close()


def _alerts(page) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return page.evaluate("window.__alerts")


def _serve_next(hall: Api, clerk: str, counter: int) -> None:
    """The clerk's counter calls the next ticket and finishes it."""
    ticket = hall.call_next(clerk, counter)
    hall.act(clerk, ticket["id"], "finish")


def test_the_page_alerts_once_when_near_and_once_per_call(shared_hall: Api,
                                                           live_make: Factories,
                                                           phone, shots: Path) -> None:
    hall, page, desk = shared_hall, phone, live_make.desk()
    clerk = desk.staff
    counter = hall.open_counter(clerk, desk.counter)
    mine = [hall.issue(desk.code) for _ in range(5)][-1]
    number = mine["number"]
    page.goto(mine["status_url"])
    expect(page.locator("#st-ahead")).to_have_text("4")
    expect(page.locator("#st-live")).to_have_attribute("data-state", "on")
    expect(page).to_have_title(f"Nomor antrian {number}")
    toggle = page.locator("#st-vibrate-btn")
    expect(toggle).to_have_text("Aktifkan suara & getar")
    page.screenshot(path=str(shots / "status-alerts-offered.png"))
    assert _alerts(page) == {"tones": [], "vibrations": [], "contexts": 0}

    toggle.click()  # the touch phones need before they make a sound
    expect(page.locator("#st-vibrate-on")).to_be_visible()
    expect(toggle).to_be_hidden()
    assert _alerts(page) == {"tones": [880], "vibrations": [60], "contexts": 1}
    page.screenshot(path=str(shots / "status-alerts-on.png"))

    _serve_next(hall, clerk, counter)  # three ahead: near
    expect(page).to_have_title(f"(!) Hampir giliran — {number} (3 lagi)")
    assert _alerts(page)["tones"] == [880, 660]
    assert _alerts(page)["vibrations"] == [60, NEAR]

    # the place keeps changing (each a feed message): no alert again
    _serve_next(hall, clerk, counter)
    expect(page).to_have_title(f"(!) Hampir giliran — {number} (2 lagi)")
    _serve_next(hall, clerk, counter)
    _serve_next(hall, clerk, counter)
    expect(page).to_have_title(f"(!) Anda berikutnya — {number}")
    hall.issue(desk.code)  # one more citizen behind: another feed message
    expect(page.locator("#st-ahead")).to_have_text("0")
    assert len(_alerts(page)["tones"]) == 2 and len(_alerts(page)["vibrations"]) == 2

    assert hall.call_next(clerk, counter)["id"] == mine["id"]
    expect(page).to_have_title(f"(!) Dipanggil — {number} → {desk.counter}")
    expect(page.locator("#st-called")).to_be_visible()
    assert _alerts(page)["tones"] == [880, 660, 880]
    assert _alerts(page)["vibrations"] == [60, NEAR, CALLED]
    page.screenshot(path=str(shots / "status-alerts-called.png"))

    hall.act(clerk, mine["id"], "recall")  # a new call: alerted once more
    expect(page.locator("#st-recalled")).to_be_visible()
    page.wait_for_function("window.__alerts.tones.length === 4")
    assert _alerts(page)["vibrations"] == [60, NEAR, CALLED, CALLED]

    # being served: the toggle goes, the title is plain again, nothing more sounds
    hall.act(clerk, mine["id"], "start")
    expect(page.locator("#st-serving")).to_be_visible()
    expect(page.locator("#st-vibrate")).to_be_hidden()
    expect(page).to_have_title(f"Nomor antrian {number}")
    assert len(_alerts(page)["tones"]) == 4
    hall.act(clerk, mine["id"], "finish")


def test_a_reloaded_page_does_not_alert_again_and_sound_can_be_turned_off(
        shared_hall: Api, live_make: Factories, phone) -> None:
    hall, page, desk = shared_hall, phone, live_make.desk()
    clerk = desk.staff
    counter = hall.open_counter(clerk, desk.counter)
    mine = hall.issue(desk.code)
    page.goto(mine["status_url"])
    expect(page.locator("#st-live")).to_have_attribute("data-state", "on")
    page.locator("#st-vibrate-btn").click()
    assert hall.call_next(clerk, counter)["id"] == mine["id"]
    expect(page).to_have_title(f"(!) Dipanggil — {mine['number']} → {desk.counter}")
    assert _alerts(page)["vibrations"] == [60, CALLED]

    # the same call, read again after a reload: shown, not alerted
    page.reload()
    expect(page.locator("#st-live")).to_have_attribute("data-state", "on")
    expect(page).to_have_title(f"(!) Dipanggil — {mine['number']} → {desk.counter}")
    assert _alerts(page)["vibrations"] == []

    # turned on, then off: a recall neither sounds nor vibrates, the title still tells
    page.locator("#st-vibrate-btn").click()
    page.locator("#st-alerts-off").click()
    expect(page.locator("#st-vibrate-btn")).to_be_visible()
    hall.act(clerk, mine["id"], "recall")
    expect(page.locator("#st-recalled")).to_be_visible()
    expect(page.locator("#ticket")).to_have_attribute("data-alerts", "off")
    assert _alerts(page)["tones"] == [880] and _alerts(page)["vibrations"] == [60]
    hall.act(clerk, mine["id"], "finish")
