"""What a walkthrough of the hall found on the console and the citizen's phone (issue 12):
transfers into dead queues, a recall shown on a first call, the waiting list's order, the
serving state. One server for the module; each test keeps to its own agency."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from mpp.db import Database
from mpp.models import Service

from ..support.browser import sign_in

pytestmark = pytest.mark.browser


def _set_hours(server, code: str, hours: str) -> None:  # type: ignore[no-untyped-def]
    db = Database(server.db_url)
    try:
        with db.write() as s:
            s.execute(update(Service).where(Service.code == code).values(hours=hours))
    finally:
        db.dispose()


def test_transfer_refuses_closed_services_warns_of_unstaffed_ones_and_the_phone_never_says_next(
        shared_server, shared_hall, desk_page, phone_page, shots):
    _set_hours(shared_server, "PASPOR", "closed")       # Imigrasi does not open today
    ticket = shared_hall.issue("SKCK")
    shared_hall.open_counter("polresta1", "Loket 8")
    page = desk_page
    sign_in(page, shared_server.url, "polresta1")
    expect(page.locator("#cs-counter-name")).to_have_text("Loket 8")
    expect(page.locator("#cs-actions [data-action=call_next]")).to_be_enabled()
    page.keyboard.press("n")
    expect(page.locator("#cs-number")).to_have_text(ticket["number"])

    page.keyboard.press("t")
    options = page.locator("#cs-transfer-service option")
    closed = options.filter(has_text="Paspor")
    expect(closed).to_be_disabled()
    expect(closed).to_contain_text("tutup hari ini")
    jkn = options.filter(has_text="JKN")
    expect(jkn).to_contain_text("belum ada loket buka")
    page.select_option("#cs-transfer-service", str(shared_hall.service_id("JKN")))
    page.click("#cs-transfer-go")
    # The first press only warns: nobody calls that queue now.
    expect(page.locator("#cs-transfer-warn")).to_be_visible()
    expect(page.locator("#cs-transfer-warn")).to_contain_text("Belum ada loket yang buka")
    expect(page.locator("#cs-transfer-go")).to_contain_text("Tetap alihkan")
    page.screenshot(path=str(shots / "console-transfer-unstaffed.png"))
    assert shared_hall.ticket(ticket["token"])["status"] == "called"
    page.click("#cs-transfer-go")
    expect(page.locator("#cs-notice")).to_contain_text("dialihkan")
    assert shared_hall.ticket(ticket["token"])["service"]["code"] == "JKN"

    phone_page.goto(ticket["status_url"])
    expect(phone_page.locator("#st-live")).to_have_attribute("data-state", "on")
    expect(phone_page.locator("#st-ahead")).to_have_text("0")
    expect(phone_page.locator("#st-wait")).to_contain_text("Belum ada loket")
    expect(phone_page.locator("#st-wait")).not_to_contain_text("Anda berikutnya")
    phone_page.screenshot(path=str(shots / "status-no-counter-open.png"))
    # A BPJS counter opens: now the citizen is next, live.
    shared_hall.open_counter("bpjs1", "Loket 9")
    expect(phone_page.locator("#st-wait")).to_have_text("Anda berikutnya")


def test_the_first_call_after_a_transfer_does_not_show_called_again(shared_server, shared_hall,
                                                                    phone_page):
    mine = shared_hall.issue("KK")
    loket2 = shared_hall.open_counter("dukcapil2", "Loket 2")       # KTP and KK
    assert shared_hall.call_next("dukcapil2", loket2)["id"] == mine["id"]
    shared_hall.act("dukcapil2", mine["id"], "recall")
    phone_page.goto(mine["status_url"])
    expect(phone_page.locator("#st-recalled")).to_be_visible()
    shared_hall.act("dukcapil2", mine["id"], "transfer",
                    {"service_id": shared_hall.service_id("AKTA")})
    expect(phone_page.locator("#st-status")).to_have_text("Menunggu")
    loket3 = shared_hall.open_counter("dukcapil1", "Loket 3")       # KK and AKTA
    assert shared_hall.call_next("dukcapil1", loket3)["id"] == mine["id"]
    expect(phone_page.locator("#st-counter")).to_have_text("Loket 3")
    expect(phone_page.locator("#st-called")).to_be_visible()
    expect(phone_page.locator("#st-recalled")).to_be_hidden()


def test_the_console_lists_who_waits_in_the_order_call_next_takes_them(
        shared_server, shared_hall, desk_page, shots):
    first = shared_hall.issue("NIB")
    second = shared_hall.issue("PBG")
    elderly = shared_hall.issue("NIB", priority=True)
    shared_hall.open_counter("dpmptsp1", "Loket 4")         # NIB and PBG
    page = desk_page
    sign_in(page, shared_server.url, "dpmptsp1")
    rows = page.locator("#cs-waiting li .cs-wnum")
    expect(rows).to_have_text([elderly["number"], first["number"], second["number"]])
    page.screenshot(path=str(shots / "console-waiting-call-order.png"))
    expect(page.locator("#cs-actions [data-action=call_next]")).to_be_enabled()
    page.keyboard.press("n")
    expect(page.locator("#cs-number")).to_have_text(elderly["number"])
    expect(rows).to_have_text([first["number"], second["number"]])


def test_being_served_shows_one_panel_on_a_plain_page_and_offers_no_vibration(
        shared_server, shared_hall, phone_page, shots):
    ticket = shared_hall.issue("SKCK")
    cid = shared_hall.open_counter("polresta1", "Loket 8")
    page = phone_page
    page.goto(ticket["status_url"])
    expect(page.locator("#st-vibrate-btn")).to_be_visible()   # waiting: a call is to come
    assert shared_hall.call_next("polresta1", cid)["id"] == ticket["id"]
    expect(page.locator("#st-vibrate-btn")).to_be_visible()
    shared_hall.act("polresta1", ticket["id"], "start")
    expect(page.locator("#st-serving")).to_be_visible()
    expect(page.locator("#st-vibrate")).to_be_hidden()
    main = page.evaluate("""() => { const s = getComputedStyle(document.getElementById('ticket'));
        return {bg: s.backgroundColor, border: s.borderLeftWidth}; }""")
    assert main == {"bg": "rgba(0, 0, 0, 0)", "border": "0px"}, main
    panel = page.evaluate(
        "() => getComputedStyle(document.getElementById('st-serving')).borderLeftWidth")
    assert panel != "0px"
    page.screenshot(path=str(shots / "status-serving.png"))
    page.reload()   # the server-rendered page says the same
    expect(page.locator("#st-serving")).to_be_visible()
    expect(page.locator("#st-vibrate")).to_be_hidden()
    shared_hall.act("polresta1", ticket["id"], "finish")
