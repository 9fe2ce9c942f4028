"""The board from 15 m (issue 12): agency names at least 36 px and never cut, the counter's
name stays under its arrow with a recall badge, a finished headline fades. One server for
the module; each test keeps to its own agency."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ..support.api import Api
from ..support.live import LiveServer
from .test_display_board import open_board, wait_online

pytestmark = pytest.mark.browser

#: 36 px on a 1080-line TV
MIN_AGENCY_PX = 36
SETTLED = re.compile(r"\bsettled\b")


def _font_px(page: Page, selector: str) -> list[float]:
    return page.eval_on_selector_all(
        selector, "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")


def _cut(page: Page, selector: str) -> list[str]:
    """The texts of the elements whose content does not fit (hidden overflow, ellipsis)."""
    return page.eval_on_selector_all(selector, """els => els
        .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
        .map(e => e.textContent)""")


def test_agency_names_are_large_and_never_cut(tv: Page, shared_server: LiveServer,
                                              hall: Api, shots: Path):
    open_board(tv, shared_server, hall.device_token("display-1"))
    wait_online(tv)
    bpjs = hall.open_counter("bpjs1", "Loket 9")
    tickets = [hall.issue("JKN") for _ in range(3)]
    for t in tickets:
        assert hall.call_next("bpjs1", bpjs)["id"] == t["id"]
        hall.act("bpjs1", t["id"], "finish")
    expect(tv.get_by_test_id("latest-number")).to_have_text(tickets[-1]["number"])
    agencies = tv.locator("[data-testid=recent-calls] .r-agency")
    expect(agencies.first).to_have_text("BPJS Kesehatan")
    assert min(_font_px(tv, "[data-testid=recent-calls] .r-agency")) >= MIN_AGENCY_PX
    assert _cut(tv, "[data-testid=recent-calls] .r-agency, [data-testid=recent-calls] .r-counter") \
        == []
    # the headline names the agency in full too (the service's name may be shortened)
    expect(tv.locator("[data-testid=latest-service] .ls-agency")).to_have_text("— BPJS Kesehatan")
    assert _font_px(tv, "[data-testid=latest-service] .ls-agency")[0] >= MIN_AGENCY_PX
    assert _cut(tv, "[data-testid=latest-service] .ls-agency") == []
    tile = tv.locator(f"[data-testid=counters] li[data-counter-id='{bpjs}'] .t-agency")
    expect(tile).to_have_text("BPJS Kesehatan")
    assert _font_px(tv, f"[data-testid=counters] li[data-counter-id='{bpjs}'] .t-agency")[0] \
        >= MIN_AGENCY_PX
    assert _cut(tv, "[data-testid=counters] .t-agency") == []
    # the tiles stay inside their panel
    panel = tv.locator(".serving").bounding_box()
    last = tv.locator("[data-testid=counters] li").last.bounding_box()
    assert panel and last and last["y"] + last["height"] <= panel["y"] + panel["height"] + 1
    tv.screenshot(path=shots / "board-agency-names.png")


def test_a_recall_badge_leaves_the_counter_under_its_arrow(tv: Page, shared_server: LiveServer,
                                                           hall: Api, shots: Path):
    open_board(tv, shared_server, hall.device_token("display-1"))
    wait_online(tv)
    cid = hall.open_counter("polresta1", "Loket 8")
    ticket = hall.issue("SKCK")
    assert hall.call_next("polresta1", cid)["id"] == ticket["id"]
    counter = tv.get_by_test_id("latest-counter")
    expect(counter).to_have_text("Loket 8")

    def centre(locator) -> float:  # type: ignore[no-untyped-def]
        box = locator.bounding_box()
        assert box is not None
        return box["x"] + box["width"] / 2

    arrow = tv.locator(".latest-arrow")
    before = centre(counter)
    hall.act("polresta1", ticket["id"], "recall")
    expect(tv.get_by_test_id("latest-recall")).to_be_visible()
    expect(counter).to_have_text("Loket 8")
    assert abs(centre(counter) - before) < 2
    assert abs(centre(counter) - centre(arrow)) < 2
    # the badge takes no room from the headline: it stays inside its panel
    box, panel = tv.get_by_test_id("latest-service").bounding_box(), \
        tv.get_by_test_id("latest").bounding_box()
    assert box and panel and box["y"] + box["height"] <= panel["y"] + panel["height"]
    tv.screenshot(path=shots / "board-recall.png")
    hall.act("polresta1", ticket["id"], "finish")


def test_a_finished_headline_fades_after_a_while(tv: Page, shared_server: LiveServer,
                                                 hall: Api):
    open_board(tv, shared_server, hall.device_token("display-1"), "fade=2")
    wait_online(tv)
    cid = hall.open_counter("dpmptsp1", "Loket 4")
    ticket = hall.issue("NIB")
    assert hall.call_next("dpmptsp1", cid)["id"] == ticket["id"]
    latest = tv.get_by_test_id("latest")
    expect(tv.get_by_test_id("latest-number")).to_have_text(ticket["number"])
    expect(latest).not_to_have_class(SETTLED)
    hall.act("dpmptsp1", ticket["id"], "finish")
    expect(latest).to_have_class(SETTLED, timeout=10_000)
    # the next call is the big news again
    nxt = hall.issue("NIB")
    assert hall.call_next("dpmptsp1", cid)["id"] == nxt["id"]
    expect(tv.get_by_test_id("latest-number")).to_have_text(nxt["number"])
    expect(latest).not_to_have_class(SETTLED)
    hall.act("dpmptsp1", nxt["id"], "finish")


def test_a_full_row_of_tiles_keeps_every_tile_inside_its_panel(tv: Page,
                                                               shared_server: LiveServer,
                                                               hall: Api, shots: Path):
    open_board(tv, shared_server, hall.device_token("display-1"))
    wait_online(tv)
    for staff, counter in (("dukcapil1", "Loket 1"), ("dukcapil2", "Loket 2"),
                           ("imigrasi1", "Loket 6"), ("bpjs1", "Loket 9"),
                           ("polresta1", "Loket 8"), ("dpmptsp1", "Loket 4")):
        hall.open_counter(staff, counter)
    tiles = tv.locator("[data-testid=counters] li")
    expect(tiles).to_have_count(6)
    panel = tv.locator(".serving").bounding_box()
    assert panel is not None
    for i in range(6):
        box = tiles.nth(i).bounding_box()
        assert box and box["y"] + box["height"] <= panel["y"] + panel["height"] + 1, i
    # no agency name squeezed into a tile too small for 36 px: none shown at all
    assert tv.eval_on_selector_all("[data-testid=counters] .t-agency",
                                   "els => els.filter(e => e.offsetParent).length") == 0
    tv.screenshot(path=shots / "board-six-counters.png")
