"""What a walkthrough of the hall found on the console and the citizen's phone (issue 12):
transfers into dead queues, a recall shown on a first call, the waiting list's order, the
serving state. One server for the module; each test keeps to its own agency."""

from __future__ import annotations

from zoneinfo import ZoneInfo

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


def test_the_survey_asks_each_element_in_its_own_words_one_at_a_time_on_a_phone(
        shared_server, shared_hall, phone_page, shots):
    ticket = shared_hall.issue("SKCK")
    cid = shared_hall.open_counter("polresta1", "Loket 8")
    assert shared_hall.call_next("polresta1", cid)["id"] == ticket["id"]
    shared_hall.act("polresta1", ticket["id"], "finish")
    page = phone_page
    page.goto(ticket["status_url"])
    expect(page.locator("#sv")).to_be_visible()
    current = page.locator("#sv-elements fieldset[data-step=current]")
    answers = {4: ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"],
               7: ["Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah",
                   "Sangat sopan dan ramah"],
               8: ["Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal",
                   "Dikelola dengan baik"]}
    scores = [4, 3, 4, 4, 3, 4, 4, 2, 3]
    for i, score in enumerate(scores, start=1):
        expect(page.locator("#sv-progress")).to_have_text(f"Pertanyaan {i} dari 9")
        expect(current).to_have_count(1)
        expect(current.locator("legend")).to_contain_text(f"U{i}.")
        if i in answers:
            expect(current.locator("label")).to_contain_text(answers[i])
        if i == 4:   # the regulation's question, not only the element's name
            expect(current.locator(".sv-question")).to_have_text(
                "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?")
        height = page.evaluate("document.getElementById('sv').getBoundingClientRect().height")
        if i == 8:
            page.screenshot(path=str(shots / "survey-phone-step.png"))
        assert height <= 844, (i, height)       # the survey fits the phone's screen
        if i == 8:
            page.screenshot(path=str(shots / "survey-phone-step.png"))
        current.locator("label").nth(score - 1).click()
    expect(page.locator("#sv-rest")).to_be_visible()
    expect(page.locator("#sv-elements fieldset[data-step=done]")).to_have_count(9)
    expect(page.locator("#sv-elements fieldset").nth(3)).to_contain_text("Gratis")
    page.select_option("select[name=p-sex]", "P")
    page.select_option("select[name=p-age]", "30-39")
    page.select_option("select[name=p-education]", "S1")
    page.select_option("select[name=p-occupation]", "wirausaha")
    page.screenshot(path=str(shots / "survey-phone-profile.png"))
    page.click("#sv-submit")
    expect(page.locator("#sv-thanks")).to_be_visible()
    manager = shared_hall.login("manajer")
    day = shared_server.now().astimezone(ZoneInfo("Asia/Makassar")).date().isoformat()
    report = shared_hall.get(f"/reports/ikm?from={day}&to={day}", manager).ok()
    assert report["total"]["respondents"] == 1
    assert [e["average"] for e in report["total"]["elements"]] == scores
    profile = {f["field"]: {c["code"]: c["count"] for c in f["choices"]}
               for f in report["respondent_profile"]}
    assert profile["sex"]["P"] == 1 and profile["age"]["30-39"] == 1
    assert profile["education"]["S1"] == 1 and profile["occupation"]["wirausaha"] == 1


def test_the_console_counts_what_the_clerk_served_today(shared_server, shared_hall,
                                                       desk_page):
    shared_hall.open_counter("polresta1", "Loket 8")
    page = desk_page
    sign_in(page, shared_server.url, "polresta1")
    served = page.locator("#cs-served")
    expect(served).to_contain_text("Anda melayani hari ini:")
    before = int(served.inner_text().split(":")[1].split()[0])
    ticket = shared_hall.issue("SKCK")
    expect(page.locator("#cs-actions [data-action=call_next]")).to_be_enabled()
    page.keyboard.press("n")
    expect(page.locator("#cs-number")).to_have_text(ticket["number"])
    page.keyboard.press("s")       # finish
    expect(served).to_have_text(f"Anda melayani hari ini: {before + 1} warga")


def test_the_sign_in_labels_keep_to_one_line(shared_server, desk_page, shots):
    page = desk_page
    for lang in ("id", "en"):
        page.goto(f"{shared_server.url}/login?lang={lang}")
        for name in ("username", "password"):
            label = page.locator(f"label:has(input[name={name}])")
            lines = label.evaluate("""l => {
                const range = document.createRange();
                range.selectNodeContents(l.querySelector('.label-text'));
                return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
            }""")
            assert lines == 1, (lang, name, lines)
        page.screenshot(path=str(shots / f"login-labels-{lang}.png"))
