"""The citizen's status page in a phone-sized headless Chromium against a real server:
it follows the ticket live from waiting to called to done.

The tests share one server; each keeps to its own agency (Disdukcapil's KTP at Loket 1,
DPMPTSP, Polresta, BPJS), except the transfer test, which runs after the first and uses
Disdukcapil's other counters."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mpp.db import Database
from mpp.services import accounts

from ..support.browser import run_axe
from ..support.databases import START
from ..support.live import LiveServer

pytestmark = pytest.mark.browser


def test_status_page_goes_from_waiting_to_called_live(shared_server, shared_hall, phone_page,
                                                      shots):
    page = phone_page
    first, mine = shared_hall.issue("KTP"), shared_hall.issue("KTP")
    cid = shared_hall.open_counter("dukcapil1", "Loket 1")

    page.goto(mine["status_url"])
    expect(page.locator("#st-number")).to_have_text(mine["number"])
    expect(page.locator("#st-status")).to_have_text("Menunggu")
    expect(page.locator("#st-ahead")).to_have_text("1")
    expect(page.locator("#st-live")).to_have_attribute("data-state", "on")
    page.click("#st-vibrate-btn")  # browsers vibrate only after a first touch
    expect(page.locator("#st-vibrate-on")).to_be_visible()
    page.screenshot(path=str(shots / "status-waiting.png"))

    # The ticket ahead is called: nobody is ahead any more (a `queue` event, then a refetch).
    shared_hall.call_next("dukcapil1", cid)
    expect(page.locator("#st-ahead")).to_have_text("0")
    expect(page.locator("#st-wait")).to_have_text("Anda berikutnya")

    shared_hall.act("dukcapil1", first["id"], "finish")
    shared_hall.call_next("dukcapil1", cid)
    expect(page.locator("#st-called")).to_be_visible()
    expect(page.locator("#st-called")).to_contain_text("Silakan menuju")
    expect(page.locator("#st-counter")).to_have_text("Loket 1")
    expect(page.locator("#st-status")).to_have_text("Dipanggil")
    expect(page.locator("#st-waiting")).to_be_hidden()
    assert page.evaluate("window.__vibrations") == [60, [400, 150, 400, 150, 800]]
    assert page.title() == f"(!) Dipanggil — {mine['number']} → Loket 1"
    page.screenshot(path=str(shots / "status-called.png"))

    shared_hall.act("dukcapil1", mine["id"], "recall")
    expect(page.locator("#st-recalled")).to_be_visible()
    assert len(page.evaluate("window.__vibrations")) == 3

    shared_hall.act("dukcapil1", mine["id"], "start")
    expect(page.locator("#st-serving")).to_contain_text("Loket 1")
    expect(page.locator("#st-called")).to_be_hidden()

    shared_hall.act("dukcapil1", mine["id"], "finish")
    expect(page.locator("#st-status")).to_have_text("Selesai")
    expect(page.locator("#st-final")).to_contain_text("Terima kasih")
    expect(page.locator("#survey")).to_have_attribute("data-status", "done")
    # A finished ticket never changes again: the page lets go of its live connection.
    expect(page.locator("#st-live")).to_have_attribute("data-state", "ended")
    page.screenshot(path=str(shots / "status-done.png"))


def test_status_page_switches_to_english_at_a_tap(shared_server, shared_hall, phone_page, shots):
    ticket = shared_hall.issue("NIB")
    phone_page.goto(ticket["status_url"])
    phone_page.click("text=English")
    expect(phone_page.locator("#st-status")).to_have_text("Waiting")
    expect(phone_page.locator("#st-service")).to_have_text(
        "Business identification number (OSS-RBA)")
    expect(phone_page.locator("#st-live")).to_have_attribute("data-state", "on")
    cid = shared_hall.open_counter("dpmptsp1", "Loket 5")
    shared_hall.call_next("dpmptsp1", cid)
    expect(phone_page.locator("#st-called")).to_contain_text("Please go to")
    expect(phone_page.locator("#st-counter")).to_have_text("Loket 5")
    phone_page.screenshot(path=str(shots / "status-called-en.png"))


def test_status_page_shows_a_missed_call_clearly(shared_server, shared_hall, phone_page, shots):
    ticket = shared_hall.issue("SKCK")
    phone_page.goto(ticket["status_url"])
    expect(phone_page.locator("#st-live")).to_have_attribute("data-state", "on")
    cid = shared_hall.open_counter("polresta1", "Loket 8")
    shared_hall.call_next("polresta1", cid)
    expect(phone_page.locator("#st-counter")).to_have_text("Loket 8")
    shared_hall.act("polresta1", ticket["id"], "no-show")
    expect(phone_page.locator("#st-status")).to_have_text("Tidak hadir")
    expect(phone_page.locator("#st-final")).to_contain_text("tidak hadir di loket")
    phone_page.screenshot(path=str(shots / "status-no-show.png"))


def test_status_page_follows_a_transfer_to_another_service(shared_server, shared_hall,
                                                             phone_page):
    ahead = shared_hall.issue("AKTA")
    mine = shared_hall.issue("KK")
    loket2 = shared_hall.open_counter("dukcapil2", "Loket 2")  # KTP and KK
    assert shared_hall.call_next("dukcapil2", loket2)["id"] == mine["id"]
    phone_page.goto(mine["status_url"])
    expect(phone_page.locator("#st-counter")).to_have_text("Loket 2")

    shared_hall.act("dukcapil2", mine["id"], "transfer",
                    {"service_id": shared_hall.service_id("AKTA")})
    expect(phone_page.locator("#st-service")).to_have_text("Akta Kelahiran dan Akta Kematian")
    expect(phone_page.locator("#st-status")).to_have_text("Menunggu")
    expect(phone_page.locator("#st-ahead")).to_have_text("1")
    # A call in the new service reaches the page: it re-joined that service's room.
    loket3 = shared_hall.open_counter("dukcapil1", "Loket 3")  # KK and AKTA
    assert shared_hall.call_next("dukcapil1", loket3)["id"] == ahead["id"]
    expect(phone_page.locator("#st-ahead")).to_have_text("0")


def test_status_page_has_no_serious_accessibility_violations(shared_server, shared_hall,
                                                             phone_page):
    ticket = shared_hall.issue("JKN")
    phone_page.goto(ticket["status_url"])
    expect(phone_page.locator("#st-live")).to_have_attribute("data-state", "on")
    assert run_axe(phone_page, shared_server.url) == []


#: what a browser does when the tab goes to the background or comes back (headless
#: Chromium keeps every page visible, so the page is told, as a real one would be)
SET_VISIBILITY = """state => {
  Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});
  Object.defineProperty(document, 'hidden', {configurable: true, get: () => state === 'hidden'});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def _round_trip(page) -> None:  # type: ignore[no-untyped-def]
    """Whatever the page sent before this has been reported to the test by now."""
    page.evaluate("1")


def _add_clerk(server: LiveServer, username: str, agency: str, full_name: str) -> None:
    """A staff member of a demo agency that has none (password ``petugas-mpp``)."""
    db = Database(server.db_url)
    try:
        with db.write() as s:
            accounts.create_user(s, START, username, "petugas-mpp", "staff", agency, full_name)
    finally:
        db.dispose()


def test_a_hidden_status_page_lets_go_of_its_socket_and_catches_up_on_return(
        shared_server, shared_hall, phone_page, shots):
    _add_clerk(shared_server, "pdam1", "PDAM", "Rina Lestari")
    page = phone_page
    sockets: list = []
    reads: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws) if "/socket.io/" in ws.url else None)
    page.on("request", lambda r: reads.append(r.url) if "/tickets/by-token/" in r.url else None)
    mine = shared_hall.issue("SAMBUNG")
    page.goto(mine["status_url"])
    expect(page.locator("#st-live")).to_have_attribute("data-state", "on")
    page.click("#st-vibrate-btn")
    assert len(sockets) == 1 and not sockets[0].is_closed()

    # To the background: the WebSocket closes and nothing polls meanwhile.
    page.evaluate(SET_VISIBILITY, "hidden")
    expect(page.locator("#st-live")).to_have_attribute("data-state", "paused")
    if not sockets[0].is_closed():
        sockets[0].wait_for_event("close", timeout=5_000)
    cid = shared_hall.open_counter("pdam1", "Loket 11")
    assert shared_hall.call_next("pdam1", cid)["id"] == mine["id"]  # called while away
    _round_trip(page)
    assert len(sockets) == 1 and reads == []
    expect(page.locator("#st-status")).to_have_text("Menunggu")  # not told: no connection

    # Back: the page reads the ticket at once and reconnects; the missed call vibrates.
    page.evaluate(SET_VISIBILITY, "visible")
    expect(page.locator("#st-status")).to_have_text("Dipanggil")
    expect(page.locator("#st-counter")).to_have_text("Loket 11")
    expect(page.locator("#st-live")).to_have_attribute("data-state", "on")
    assert len(reads) >= 1
    assert len(sockets) == 2 and not sockets[1].is_closed()
    assert page.evaluate("window.__vibrations") == [60, [400, 150, 400, 150, 800]]
    page.screenshot(path=str(shots / "status-called-after-return.png"))

    # Live again: a recall arrives over the new connection and vibrates once more.
    shared_hall.act("pdam1", mine["id"], "recall")
    expect(page.locator("#st-recalled")).to_be_visible()
    assert len(page.evaluate("window.__vibrations")) == 3

    # A finished ticket stays disconnected, hidden or shown.
    shared_hall.act("pdam1", mine["id"], "finish")
    expect(page.locator("#st-live")).to_have_attribute("data-state", "ended")
    if not sockets[1].is_closed():
        sockets[1].wait_for_event("close", timeout=5_000)
    page.evaluate(SET_VISIBILITY, "hidden")
    page.evaluate(SET_VISIBILITY, "visible")
    _round_trip(page)
    assert len(sockets) == 2
    expect(page.locator("#st-live")).to_have_attribute("data-state", "ended")


def test_a_status_page_opened_in_a_background_tab_connects_when_first_shown(
        shared_server, shared_hall, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    context.add_init_script(
        "Object.defineProperty(document, 'visibilityState', {configurable: true,"
        " get: () => 'hidden'});")
    try:
        page = context.new_page()
        sockets: list = []
        page.on("websocket", lambda ws: sockets.append(ws))
        ticket = shared_hall.issue("PKB")
        page.goto(ticket["status_url"])
        expect(page.locator("#st-live")).to_have_attribute("data-state", "paused")
        expect(page.locator("#st-live")).to_have_text("Dijeda selama halaman tidak dibuka")
        _round_trip(page)
        assert sockets == []
        page.evaluate(SET_VISIBILITY, "visible")
        expect(page.locator("#st-live")).to_have_attribute("data-state", "on")
        assert len(sockets) == 1
    finally:
        context.close()


def test_the_place_and_estimate_follow_the_queue_feed_without_a_read_per_page(
        shared_server, shared_hall, phone_page):
    """A priority ticket goes ahead (the ratio allows it): the page learns its new place from
    the service's `queue` message (the call order), not by fetching its ticket again, so a
    change costs the server one message per service, not one read per waiting citizen."""
    page = phone_page
    _add_clerk(shared_server, "bank1", "BANKSULTRA", "Teller Satu")
    shared_hall.issue("PAJAK")
    mine = shared_hall.issue("PAJAK")
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/tickets/by-token/" in r.url
            else None)
    page.goto(mine["status_url"])
    expect(page.locator("#st-live")).to_have_attribute("data-state", "on")
    expect(page.locator("#st-ahead")).to_have_text("1")
    # no teller has opened a counter: no number of minutes would hold
    expect(page.locator("#st-wait")).to_contain_text("Belum ada loket")
    shared_hall.open_counter("bank1", "Loket 10")
    truth = shared_hall.ticket(mine["token"])
    expect(page.locator("#st-wait")).to_have_text(f"± {truth['estimated_wait_minutes']} menit")
    before = len(fetched)

    shared_hall.issue("PAJAK", priority=True)  # an elderly citizen: called first
    expect(page.locator("#st-ahead")).to_have_text("2")
    truth = shared_hall.ticket(mine["token"])
    assert truth["people_ahead"] == 2
    expect(page.locator("#st-wait")).to_have_text(f"± {truth['estimated_wait_minutes']} menit")
    assert fetched[before:] == [], "the page fetched its ticket instead of reading the feed"
