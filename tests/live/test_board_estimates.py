"""The board's estimated wait per agency (issue 12), in Chromium at 1920x1080 against a real
server: what a ticket taken now would wait, by the status page's rule, live from the hall's
`queue` events (no request of its own), at 36 px or more and never cut; the agencies that do
not fit take turns in pages. Screenshots: test-output/screenshots/board-estimates-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mpp.db import Database
from mpp.models import Service

from ..support.live import LiveServer
from .test_board_running_text import END_PASS
from .test_display_board import open_board, wait_online

pytestmark = pytest.mark.browser

#: 36 px on a 1080-line TV
MIN_PX = 36

#: every shown row of the agencies' panel: its texts, font sizes, whether any text is cut,
#: and whether it lies inside the panel
ROWS = """() => {
  const panel = document.querySelector('.waiting').getBoundingClientRect();
  return [...document.querySelectorAll('[data-testid=waiting] li')].filter(li => !li.hidden)
    .map(li => {
      const r = li.getBoundingClientRect();
      const parts = [...li.children];
      return {
        agency: li.dataset.agency, text: parts.map(e => e.textContent),
        px: Math.min(...parts.map(e => parseFloat(getComputedStyle(e).fontSize))),
        cut: parts.some(e => e.scrollWidth > e.clientWidth + 1),
        inside: r.top >= panel.top - 1 && r.bottom <= panel.bottom + 1
          && r.right <= panel.right + 1,
      };
    });
}"""


def _row(page: Page, agency: str) -> Any:
    return page.locator(f"[data-testid=waiting] li[data-agency={agency}]")


def _set_hours(server: LiveServer, code: str, hours: str) -> None:
    db = Database(server.db_url)
    try:
        with db.write() as s:
            s.scalars(select(Service).where(Service.code == code)).one().hours = hours
    finally:
        db.dispose()


def test_the_agencies_panel_is_large_never_cut_and_turns_its_pages(
        tv: Page, shared_server: LiveServer, hall: Any, shots: Path):
    """The demo hall's eight agencies: first in the module, before the tests add their
    own."""
    open_board(tv, shared_server, hall.device_token("display-1"), "page_seconds=1")
    wait_online(tv)
    waiting = tv.get_by_test_id("waiting")
    expect(waiting.locator("li")).to_have_count(8)
    pages = int(waiting.get_attribute("data-pages") or "1")
    seen: list[str] = []
    for page in range(pages):
        expect(waiting).to_have_attribute("data-page", str(page), timeout=10_000)
        rows = tv.evaluate(ROWS)
        assert rows, page
        for row in rows:
            assert row["px"] >= MIN_PX and not row["cut"] and row["inside"], row
        seen += [r["agency"] for r in rows]
        tv.screenshot(path=shots / f"board-estimates-page-{page + 1}.png")
    # every agency shows on one page or another, once
    assert sorted(seen) == sorted(waiting.locator("li").evaluate_all(
        "els => els.map(e => e.dataset.agency)"))
    if pages > 1:
        expect(tv.get_by_test_id("waiting-page")).to_be_visible()


def test_each_agency_shows_a_new_tickets_wait_live(tv: Page, shared_server: LiveServer,
                                                   hall: Any, live_make: Any, shots: Path):
    ours, other = live_make.agency("UJW"), live_make.agency("UJT")
    desk = ours.desk(sla_minutes=15)
    closing = other.service(sla_minutes=15)
    open_board(tv, shared_server, hall.device_token("display-1"))
    wait_online(tv)
    asked: list[str] = []
    tv.on("request", lambda r: asked.append(r.url))
    row = _row(tv, "UJW")
    # no counter open: no wait can be told yet
    expect(row.locator(".w-wait")).to_have_text("—")
    hall.open_counter(desk.staff, desk.counter)
    expect(row.locator(".w-wait")).to_have_text("segera")  # nobody waits
    # the service publishes 15 minutes; nothing finished today: half of it a citizen, one
    # counter
    for _ in range(4):
        hall.issue(desk.code)
    expect(row.locator(".w-count")).to_have_text("4")
    expect(row.locator(".w-wait")).to_have_text("30 mnt")
    for _ in range(5):
        hall.issue(desk.code)
    # 9 × 7.5 = 67.5 minutes: shown to the next half hour
    expect(row.locator(".w-wait")).to_have_text("1,5 jam")
    # a service that takes no tickets now says so
    expect(_row(tv, "UJT").locator(".w-wait")).to_have_text("—")  # open, no counter
    _set_hours(shared_server, closing, "closed")
    hall.issue(desk.code)  # any change of the hall sends the agencies' rows again
    expect(_row(tv, "UJT").locator(".w-wait")).to_have_text("tutup")
    assert [u for u in asked if "/socket.io/" not in u] == [], "the board asked the server"
    tv.screenshot(path=shots / "board-estimates.png")


def test_an_english_board_reads_its_catalogue(tv: Page, shared_server: LiveServer, hall: Any,
                                              live_make: Any, shots: Path):
    live_make.agency("UJE").service()  # no counter open for it: no wait can be told
    open_board(tv, shared_server, hall.device_token("display-1"), "lang=en")
    wait_online(tv)
    expect(tv.locator(".waiting-estimate")).to_have_text("Est. wait")
    expect(tv.locator(".latest-label")).to_have_text("Ticket Number")
    expect(_row(tv, "UJE").locator(".w-wait")).to_have_text("—")
    assert tv.title() == "Hall display — MPP"
    tv.screenshot(path=shots / "board-estimates-en.png")


def test_a_board_in_two_languages_turns_its_labels_with_the_running_text(
        tv: Page, shared_server: LiveServer, hall: Any, shots: Path):
    """?lang=id,en: one pass of the running text in Indonesian with Indonesian labels, the
    next in English with English labels and estimates, and so on."""
    open_board(tv, shared_server, hall.device_token("display-1"), "lang=id,en")
    wait_online(tv)
    ticker = tv.get_by_test_id("running-text")
    expect(ticker).to_have_attribute("data-lang", "id")
    expect(tv.locator(".latest-label")).to_have_text("Nomor Antrian")
    date = tv.get_by_test_id("date")
    expect(date).not_to_have_text("")
    indonesian_date = date.text_content() or ""
    tv.evaluate(END_PASS)
    expect(ticker).to_have_attribute("data-lang", "en")
    expect(tv.locator(".latest-label")).to_have_text("Ticket Number")
    expect(tv.locator(".waiting-estimate")).to_have_text("Est. wait")
    expect(date).not_to_have_text(indonesian_date)  # the weekday and month in English
    tv.screenshot(path=shots / "board-estimates-two-languages.png")
    tv.evaluate(END_PASS)
    expect(ticker).to_have_attribute("data-lang", "id")
    expect(tv.locator(".waiting-estimate")).to_have_text("Perkiraan")


def test_a_booked_ticket_is_marked_where_it_is_called(tv: Page, shared_server: LiveServer,
                                                      hall: Any, live_make: Any, shots: Path):
    """Issue 10: booked tickets are marked on the board (its headline and its last calls).
    On a service, counter and clerk of its own."""
    desk = live_make.desk(booking={"slot_minutes": 30, "per_slot": 2, "days_ahead": 1,
                                   "grace_minutes": 60})
    open_board(tv, shared_server, hall.device_token("display-1"))
    wait_online(tv)
    slot = next(s for s in hall.get(f"/services/{desk.service_id}/slots").ok()["slots"]
                if s["available"])
    booking = hall.post("/bookings", {"service_id": desk.service_id, "start": slot["start"],
                                      "name": "Budi", "phone": "0812 1111 3333"}).ok()["booking"]
    booked = hall.post("/bookings/check-in", {"code": booking["code"]},
                       token=hall.device_token()).ok()["ticket"]
    assert booked["booked"] is True
    walk_in = live_make.ticket(desk.code)
    hall.open_counter(desk.staff, desk.counter)
    assert hall.call_next(desk.staff, desk.counter_id)["id"] == booked["id"]
    expect(tv.get_by_test_id("latest-number")).to_have_text(booked["number"])
    expect(tv.get_by_test_id("latest-booked")).to_have_text("BOOKING ONLINE")
    tv.screenshot(path=shots / "board-booked.png")
    hall.act(desk.staff, booked["id"], "finish")
    assert hall.call_next(desk.staff, desk.counter_id)["id"] == walk_in["id"]
    expect(tv.get_by_test_id("latest-number")).to_have_text(walk_in["number"])
    expect(tv.get_by_test_id("latest-booked")).to_be_hidden()
    earlier = tv.locator(f"[data-testid=recent-calls] li[data-number='{booked['number']}']")
    expect(earlier.locator(".r-booked")).to_have_text("booking")
    hall.act(desk.staff, walk_in["id"], "finish")
