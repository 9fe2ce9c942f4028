"""The counter console in headless Chromium against a real server: staff drive a ticket's
whole life from the keyboard, and the page follows the hall live.

The tests share one server; each keeps to an agency, services, counters and clerks of its
own (the picker lists the clerk's agency's counters) and leaves no ticket held."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mpp.db import Database
from mpp.services import accounts

from ..support.api import STAFF_PASSWORD
from ..support.browser import run_axe, sign_in
from ..support.databases import START

pytestmark = pytest.mark.browser


def _number(page):  # type: ignore[no-untyped-def]
    return page.locator("#cs-number")


def _ready_to_call(page):  # type: ignore[no-untyped-def]
    """Wait until the desk takes a call: the counter's name shows as soon as its view is
    drawn, but opening the counter (a late `counter` event can make it fetch the view once
    more) holds every action until it is done, and a key pressed before is ignored."""
    expect(page.locator("#cs-actions [data-action=call_next]")).to_be_enabled()


def test_the_pickers_waiting_counts_follow_the_hall_live(shared_server, shared_hall,
                                                         live_make, desk_page):
    page = desk_page
    ours = live_make.agency("UJW")
    a, b = ours.service(), ours.service(prefix="QW")
    ours.counter([a])
    ours.counter([a, b])
    clerk = ours.staff()
    shared_hall.issue(a)
    sign_in(page, shared_server.url, clerk)
    waiting = page.locator("#cs-counter-list .cs-cwaiting")
    expect(waiting).to_have_text(["1 menunggu", "1 menunggu"])
    expect(page.locator("#cs-live")).to_have_attribute("data-state", "on")
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/api/v1/" in r.url else None)
    shared_hall.issue(b)  # at a kiosk: only the counter serving b counts it
    expect(waiting).to_have_text(["1 menunggu", "2 menunggu"])
    assert fetched == [], "the counts come with the hall's queue message"


def test_console_drives_a_full_ticket_life_with_the_keyboard(shared_server, shared_hall,
                                                             live_make, desk_page, shots):
    page = desk_page
    ours = live_make.agency("UJC")
    a, b = ours.service(), ours.service(prefix="QB")  # b: the transfer's target too
    ours.counter([a])
    both = live_make.counter_name(ours.counter([a, b]))
    ours.counter([b])
    clerk = ours.staff()
    a1, a2, a3 = shared_hall.issue(a), shared_hall.issue(a), shared_hall.issue(a)
    sign_in(page, shared_server.url, clerk)

    # The counter picker lists the agency's three counters, each with how many wait for
    # its services, live; "2" opens the second (a and b).
    expect(page.locator("#cs-picker")).to_be_visible()
    expect(page.locator("#cs-counter-list li")).to_have_count(3)
    expect(page.locator("#cs-counter-list .cs-cwaiting")).to_have_text(
        ["3 menunggu", "3 menunggu", "0 menunggu"])
    page.screenshot(path=str(shots / "console-picker.png"))
    page.keyboard.press("2")
    expect(page.locator("#cs-counter-name")).to_have_text(both)
    expect(page.locator("#cs-live")).to_have_attribute("data-state", "on")
    expect(page.locator("#cs-waiting li")).to_have_count(3)

    # A ticket issued at the kiosk appears without a reload.
    b1 = shared_hall.issue(b)
    expect(page.locator("#cs-waiting li")).to_have_count(4)
    expect(page.locator("#cs-waiting")).to_contain_text("QB001")
    page.screenshot(path=str(shots / "console-idle.png"))

    page.keyboard.press("?")  # the shortcuts, on screen
    expect(page.locator("#cs-help")).to_be_visible()
    page.screenshot(path=str(shots / "console-help.png"))
    page.keyboard.press("Escape")
    expect(page.locator("#cs-help")).to_be_hidden()

    _ready_to_call(page)
    page.keyboard.press("n")  # call next
    expect(_number(page)).to_have_text(a1["number"])
    expect(page.locator("#cs-ticket-status")).to_have_text("Dipanggil")
    assert shared_hall.ticket(a1["token"])["status"] == "called"
    assert shared_hall.ticket(a1["token"])["counter"]["name"] == both

    page.keyboard.press("u")  # recall
    expect(page.locator("#cs-ticket-calls")).to_have_text("2× dipanggil")
    assert shared_hall.ticket(a1["token"])["call_count"] == 2

    page.keyboard.press("m")  # start
    expect(page.locator("#cs-ticket-status")).to_have_text("Sedang dilayani")
    assert shared_hall.ticket(a1["token"])["status"] == "serving"
    expect(page.locator("#cs-ticket-timer")).to_contain_text("dilayani")
    page.screenshot(path=str(shots / "console-serving.png"))

    page.keyboard.press("p")  # reprint: a new job for the kiosk's printer
    expect(page.locator("#cs-notice")).to_contain_text("dicetak ulang")
    jobs = shared_hall.get(f"/tickets/{a1['id']}/print-jobs",
                           token=shared_hall.login(clerk)).ok()["jobs"]
    assert [j["reason"] for j in jobs] == ["issue", "reprint"]

    page.keyboard.press("s")  # finish
    expect(_number(page)).to_have_text("—")
    assert shared_hall.ticket(a1["token"])["status"] == "done"

    # Transfer: T opens the service picker (same agency first), Enter confirms.
    page.keyboard.press("n")
    expect(_number(page)).to_have_text(a2["number"])
    page.keyboard.press("t")
    expect(page.locator("#cs-transfer")).to_be_visible()
    expect(page.locator("#cs-transfer-service")).to_be_focused()
    page.select_option("#cs-transfer-service", str(shared_hall.service_id(b)))
    page.screenshot(path=str(shots / "console-transfer.png"))
    page.keyboard.press("Enter")
    expect(page.locator("#cs-transfer")).to_be_hidden()
    expect(_number(page)).to_have_text("—")
    moved = shared_hall.ticket(a2["token"])
    assert (moved["status"], moved["service"]["code"]) == ("waiting", b)

    # The transferred ticket keeps its place by issue time, so it comes back first.
    page.keyboard.press("n")
    expect(_number(page)).to_have_text(a2["number"])
    page.keyboard.press("k")  # no-show asks first
    expect(page.locator("#cs-noshow")).to_be_visible()
    page.keyboard.press("Enter")
    expect(_number(page)).to_have_text("—")
    assert shared_hall.ticket(a2["token"])["status"] == "no_show"

    # Enter: finish and call next, in one key.
    page.keyboard.press("n")
    expect(_number(page)).to_have_text(a3["number"])
    page.keyboard.press("Enter")
    expect(_number(page)).to_have_text(b1["number"])
    assert shared_hall.ticket(a3["token"])["status"] == "done"
    assert shared_hall.ticket(b1["token"])["status"] == "called"

    page.keyboard.press("l")  # finish and call next, with nobody left
    expect(_number(page)).to_have_text("—")
    expect(page.locator("#cs-notice")).to_have_text(
        "Tidak ada nomor yang menunggu di layanan loket ini.")
    assert shared_hall.ticket(b1["token"])["status"] == "done"
    expect(page.locator("#cs-waiting li")).to_have_count(0)
    expect(page.locator("#cs-alert")).to_be_hidden()


def test_console_shows_api_errors_and_keeps_the_ticket(shared_server, shared_hall, live_make,
                                                       desk_page, shots):
    page = desk_page
    desk = live_make.agency("UJD").desk()
    a1 = shared_hall.issue(desk.code)
    sign_in(page, shared_server.url, desk.staff)
    page.keyboard.press("1")
    expect(page.locator("#cs-counter-name")).to_have_text(desk.counter)
    _ready_to_call(page)
    page.keyboard.press("n")
    expect(_number(page)).to_have_text(a1["number"])

    page.click("#cs-close")  # closing a counter that still holds a ticket is refused
    alert = page.locator("#cs-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Loket masih memegang nomor")
    expect(page.locator("#cs-alert-detail")).to_contain_text("still holds a ticket")
    expect(_number(page)).to_have_text(a1["number"])
    page.screenshot(path=str(shots / "console-error.png"))

    # Shortcuts do nothing while typing in a field (here: the transfer service list).
    page.keyboard.press("t")
    expect(page.locator("#cs-transfer")).to_be_visible()
    page.keyboard.press("s")
    page.keyboard.press("Escape")
    expect(page.locator("#cs-transfer")).to_be_hidden()
    assert shared_hall.ticket(a1["token"])["status"] == "called"
    page.keyboard.press("s")
    expect(_number(page)).to_have_text("—")


def test_console_resumes_the_counter_the_staff_member_holds(shared_server, shared_hall,
                                                             live_make, desk_page):
    desk = live_make.agency("UJE").desk()
    cid = shared_hall.open_counter(desk.staff, desk.counter)
    ticket = shared_hall.issue(desk.code)
    shared_hall.call_next(desk.staff, cid)
    sign_in(desk_page, shared_server.url, desk.staff)
    expect(desk_page.locator("#cs-counter-name")).to_have_text(desk.counter)
    expect(_number(desk_page)).to_have_text(ticket["number"])
    desk_page.keyboard.press("s")
    expect(_number(desk_page)).to_have_text("—")


def test_console_picker_shows_counters_taken_by_colleagues_live(shared_server, shared_hall,
                                                                 live_make, desk_page):
    page = desk_page
    ours = live_make.agency("UJF")
    desk = ours.desk()  # its clerk takes the counter; a colleague watches the picker
    ours.counter([desk.code])
    colleague = ours.staff()
    sign_in(page, shared_server.url, colleague)
    first = page.locator("#cs-counter-list li").nth(0)
    expect(first).to_contain_text(desk.counter)
    expect(first).to_contain_text("Kosong")
    # Act only once the page listens, or the event could pass before it connects.
    expect(page.locator("#cs-live")).to_have_attribute("data-state", "on")
    cid = shared_hall.open_counter(desk.staff, desk.counter)
    expect(first).to_contain_text(f"Dipakai Petugas Uji {desk.staff}")
    expect(first.locator("button")).to_be_disabled()
    shared_hall.post(f"/counters/{cid}/close", token=shared_hall.login(desk.staff)).ok()
    expect(first).to_contain_text("Kosong")


def test_console_has_no_serious_accessibility_violations(shared_server, shared_hall,
                                                          live_make, desk_page):
    desk = live_make.agency("UJG").desk()
    ticket = shared_hall.issue(desk.code)
    sign_in(desk_page, shared_server.url, desk.staff)
    desk_page.keyboard.press("1")
    expect(desk_page.locator("#cs-counter-name")).to_have_text(desk.counter)
    _ready_to_call(desk_page)
    desk_page.keyboard.press("n")
    expect(_number(desk_page)).to_have_text(ticket["number"])
    assert run_axe(desk_page, shared_server.url) == []
    desk_page.keyboard.press("s")
    expect(_number(desk_page)).to_have_text("—")


#: where every item of the console's header sits, and whether it all fits in one row
HEADER_ROWS = """() => {
  const top = document.querySelector('.cs-top');
  const style = getComputedStyle(top);
  const items = [...top.children].filter(e => e.getClientRects().length);
  const boxes = items.map(e => e.getBoundingClientRect());
  return {
    height: top.getBoundingClientRect().height,
    padding: parseFloat(style.paddingTop) + parseFloat(style.paddingBottom),
    tallest: Math.max(...boxes.map(b => b.height)),
    middles: boxes.map(b => b.top + b.height / 2),
    overflow: top.scrollWidth - top.clientWidth,
  };
}"""


def _assert_one_line(page) -> None:  # type: ignore[no-untyped-def]
    rows = page.evaluate(HEADER_ROWS)
    assert max(rows["middles"]) - min(rows["middles"]) <= 2, rows   # one row of items
    assert rows["height"] <= rows["tallest"] + rows["padding"] + 1, rows
    assert rows["overflow"] <= 0, rows


def test_console_header_is_one_line_on_1024_and_leads_to_the_password_page(
        shared_server, shared_hall, live_make, desk_page, shots):
    name = "Andi Muhammad Fadhil Ramadhan Saputra"   # a long name, and a long agency code
    agency = "UJIPANJANGX"
    bank = live_make.agency(agency)
    counter = bank.counter_name(bank.counter([bank.service()]))
    db = Database(shared_server.db_url)
    try:
        with db.write() as s:
            accounts.create_user(s, START, "bank-panjang", STAFF_PASSWORD, "staff", agency,
                                 name)
    finally:
        db.dispose()
    page = desk_page
    sign_in(page, shared_server.url, "bank-panjang")
    page.keyboard.press("1")
    expect(page.locator("#cs-counter-name")).to_have_text(counter)
    expect(page.locator("#cs-live")).to_have_attribute("data-state", "on")
    _ready_to_call(page)
    assert page.viewport_size == {"width": 1024, "height": 768}
    _assert_one_line(page)
    expect(page.locator("#cs-user")).to_have_attribute("title", f"{name} · {agency}")
    page.screenshot(path=str(shots / "console-header.png"))

    page.goto(f"{shared_server.url}/console?lang=en")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#cs-counter-name")).to_have_text(counter)
    expect(page.locator("#cs-live")).to_have_text("Live")
    _assert_one_line(page)
    # Its longest state (after a network drop) still fits: the name gives way.
    page.evaluate("document.getElementById('cs-live').textContent = "
                  "JSON.parse(document.getElementById('cs-texts').textContent).live_off")
    expect(page.locator("#cs-live")).to_have_text("Disconnected, reconnecting…")
    _assert_one_line(page)
    page.screenshot(path=str(shots / "console-header-offline-en.png"))
    page.locator("#cs-user").click()
    expect(page.locator("#cs-password")).to_be_visible()
    expect(page.locator("#cs-password")).to_have_text("Change password")
    expect(page.locator("#cs-logout")).to_have_text("Sign out")
    _assert_one_line(page)  # the open menu lies over the page, the header keeps its height
    page.screenshot(path=str(shots / "console-user-menu-en.png"))

    # Escape closes the menu and gives the focus back; Enter on it opens it (not "finish
    # and call next"), and a click elsewhere closes it.
    page.keyboard.press("Escape")
    expect(page.locator("#cs-password")).to_be_hidden()
    expect(page.locator("#cs-user")).to_be_focused()
    writes: list[str] = []
    page.on("request", lambda r: writes.append(r.url) if r.method == "POST" else None)
    page.keyboard.press("Enter")
    expect(page.locator("#cs-password")).to_be_visible()
    page.evaluate("1")  # a round trip: a request sent on that key press has been seen by now
    assert writes == []
    page.locator("#cs-now-label").click()  # anywhere outside the menu
    expect(page.locator("#cs-password")).to_be_hidden()

    page.goto(f"{shared_server.url}/console?lang=id")
    page.wait_for_selector("body[data-ready=true]")
    page.locator("#cs-user").click()
    expect(page.locator("#cs-password")).to_have_text("Ganti kata sandi")
    page.screenshot(path=str(shots / "console-user-menu.png"))
    page.locator("#cs-password").click()
    expect(page).to_have_url(f"{shared_server.url}/account/password")
    expect(page.locator("h1")).to_contain_text("Ganti kata sandi")
    expect(page.locator("input[name=current_password]")).to_be_visible()
    # the page's brand leads staff back to their console
    expect(page.locator("a.brand")).to_have_attribute("href", "/console")
    expect(page.locator("a.brand")).to_have_text("Konsol Loket")
    page.screenshot(path=str(shots / "console-password-page.png"))
    shared_hall.post(f"/counters/{shared_hall.counter_id(counter)}/close",
                     token=shared_hall.login("bank-panjang")).ok()
