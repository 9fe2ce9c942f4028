"""In Chromium: the dashboard's online-booking section (made, checked in, no-show, cancelled,
punctuality per service and per day) with Indonesian numbers, and the whole dashboard in
English from the catalogue, numbers still written the Indonesian way (issues 10 and 12)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mpp.clock import FixedClock
from mpp.domain.actor import Actor

from ..bookings.conftest import book, booking_service
from ..conftest import make_app
from ..support import databases
from ..support.api import Api
from ..support.browser import run_axe, sign_in
from ..support.databases import START
from ..support.factories import Factories
from ..support.live import LiveServer

pytestmark = pytest.mark.browser
DAY = "2026-11-23"  # START: Monday 09:00, Asia/Makassar
RULES = {"slot_minutes": 30, "per_slot": 5, "days_ahead": 14, "grace_minutes": 15}


@pytest.fixture(scope="module")
def booked_server(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A morning of bookings played on a fixed clock, then served by a real `mpp run`:
    five bookings, one cancelled, one never come, three called 2.5, 20 and 0 minutes after
    their slot's start; a remote ticket never checked in."""
    tmp_path: Path = tmp_path_factory.mktemp("dash-bookings")
    db_url = databases.sqlite_copy(request.getfixturevalue("_sqlite_template"), tmp_path)
    clock = FixedClock(START)
    app = make_app(db_url, clock)
    api = Api(app.test_client())
    make = Factories(app)
    sid = booking_service(app, RULES, hours="00:00-24:00", remote_join=True)
    code = next(s["code"] for s in api.get("/services").ok()["services"] if s["id"] == sid)
    counter, staff = make.counter([code]), make.staff()
    made = [book(api, sid, start=f"{DAY}T{at}", phone=f"0812000099{i:02d}").body["booking"]
            for i, at in enumerate(("09:30", "09:30", "10:00", "10:00", "10:30"))]
    assert api.post(f"/bookings/{made[3]['token']}/cancel").status == 200
    assert api.post("/tickets/remote", {"service_id": sid, "phone": "0813 0000 0001"}
                    ).status == 201                                    # never checks in
    clock.advance(minutes=10)                                          # 09:10
    for b in made[:3]:
        assert api.post("/bookings/check-in", {"code": b["code"]},
                        token=api.device_token()).status == 201
    token = api.login(staff)
    assert api.post(f"/counters/{counter}/open", token=token).status == 200
    for until in (22.5, 17.5, 10):                                     # 09:32:30, 09:50, 10:00
        clock.advance(minutes=until)
        ticket = api.post(f"/counters/{counter}/call-next", token=token).ok()["ticket"]
        api.post(f"/tickets/{ticket['id']}/finish", token=token).ok()
    assert app.extensions["mpp"].remote.expire_overdue() == 1
    app.extensions["mpp"].queue.close_day(Actor(role="system", name="test"))
    app.extensions["mpp"].db.dispose()
    server = LiveServer(db_url, tmp_path / "live",
                        extra_env={"MPP_LOGIN_RATE_LIMIT": "1000 per minute"}).start()
    yield server
    server.stop(wait=False)


def card(page, label: str):  # type: ignore[no-untyped-def]
    """The value of the booking card with this label."""
    return page.locator("#bk-cards .card").filter(
        has=page.locator(".k", has_text=re.compile(f"^{re.escape(label)}$"))).locator(".v")


def test_the_booking_section_in_indonesian_then_the_dashboard_in_english(booked_server, page,
                                                                          output_dir):
    base = booked_server.url
    sign_in(page, base, "manajer", target=f"/dashboard?from={DAY}&to={DAY}")
    page.wait_for_selector("body[data-state=ready]", timeout=15000)
    for label, value in (("Booking dibuat", "5"), ("Check-in", "3"), ("Tidak datang", "1"),
                         ("Dibatalkan", "1"),
                         ("Dipanggil paling lambat 15 menit dari jadwal", "66,7%"),
                         ("Median terlambat dipanggil", "2,5 mnt"),
                         ("Antrean dari rumah", "1")):
        expect(card(page, label)).to_have_text(value)
    expect(page.locator("#bk-cards")).to_contain_text("2 dari 3 yang dipanggil")
    row = page.locator("#t-bk-service tbody tr", has_text="Layanan Uji")
    expect(row).to_contain_text("66,7%")
    heads = page.locator("#t-bk-service thead th").all_inner_texts()
    assert heads == ["Layanan", "Dibuat", "Batal", "Check-in", "Check-in terlambat",
                     "Tidak datang", "Belum check-in", "Dipanggil", "Tepat waktu (≤ 15 mnt)",
                     "Median terlambat", "Dari rumah", "Dari rumah check-in",
                     "Dari rumah hangus"]
    expect(row).to_contain_text("2,5 mnt")
    expect(page.locator("#bk-remote-note")).to_be_visible()
    expect(page.locator("#bk-cards")).to_contain_text("0 check-in · 1 hangus")
    expect(page.locator("#t-bk-day tbody tr")).to_have_count(1)
    expect(page.locator("#t-bk-day tbody tr")).to_contain_text("23/11/2026")
    expect(page.locator("#bk-note")).to_contain_text("sejak check-in")
    page.locator("#bookings").screenshot(path=str(output_dir / "screenshots"
                                                  / "dashboard-bookings.png"))
    assert run_axe(page, base) == []

    page.click("#dash-lang")
    page.wait_for_selector("body[data-state=ready]", timeout=15000)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Manager dashboard")
    expect(page.locator("#bk-h")).to_have_text("Online bookings")
    expect(card(page, "Called within 15 minutes of the slot")).to_have_text("66,7%")
    expect(card(page, "Median called late")).to_have_text("2,5 min")
    expect(page.locator("#kpis")).to_contain_text("Tickets taken")
    expect(page.locator("#t-service thead")).to_contain_text("Standard time")
    expect(page.locator("nav a[aria-current=page]")).to_have_text("Dashboard")
    labels = page.evaluate("Chart.getChart('chart-hours').data.datasets.map(d => d.label)")
    assert labels == ["Taken", "Served", "Average wait (minutes)"]
    # the page's own words came from the catalogue: no Indonesian label is left
    main = page.inner_text("main")
    for word in ("Tiket diambil", "Rata-rata tunggu", "Booking dibuat", "Per layanan"):
        assert word not in main, word
    assert re.search(r"\d+,\d", main)  # decimal comma in English too
    page.screenshot(path=str(output_dir / "screenshots" / "dashboard-en.png"), full_page=True)
    # the choice is remembered
    page.goto(f"{base}/dashboard")
    expect(page.locator("h1")).to_have_text("Manager dashboard")


def test_the_other_manager_pages_and_the_complaint_form_read_their_catalogues(booked_server,
                                                                             page):
    """Issue 12: the complaints page and the public form (JSON catalogues) and the evidence
    report (gettext) in English; the evidence report also tells the period's bookings."""
    base = booked_server.url
    page.goto(f"{base}/pengaduan?lang=en")
    expect(page.locator("h1")).to_have_text("Complaints and suggestions")
    page.click("#cf button[type=submit]")
    expect(page.locator("#cf-error")).to_have_text("Please write at least a few words.")
    page.click("#cf-lang")
    expect(page.locator("h1")).to_have_text("Pengaduan dan saran")
    sign_in(page, base, "manajer", target="/dashboard/complaints?lang=en")
    page.wait_for_selector("body[data-state=ready]", timeout=15000)
    expect(page.locator("h1")).to_have_text("Complaints and their follow-up")
    expect(page.locator("#c-count")).to_have_text(re.compile(r"^\d+ complaints$"))
    expect(page.locator("#c-status option").first).to_have_text("All")
    page.goto(f"{base}/reports/evidence?from={DAY}&to={DAY}&lang=en")
    expect(page.locator("h1")).to_have_text(
        "Evidence of Compliance with the Public Service Standards")
    expect(page.locator("main")).to_contain_text(
        "Online bookings: 5 made, 3 checked in, 1 did not come, 1 cancelled; 2 of the 3 who "
        "checked in on time were called no later than 15 minutes after their slot started.")
    expect(page.locator("main")).to_contain_text("5. The queue in summary")
    assert run_axe(page, base) == []
    page.goto(f"{base}/reports/evidence?from={DAY}&to={DAY}&lang=id")
    expect(page.locator("main")).to_contain_text("Booking online: 5 dibuat, 3 check-in")
