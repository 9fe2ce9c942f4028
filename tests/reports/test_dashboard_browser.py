"""In Chromium: the dashboard with its charts, the survey from a finished ticket's status page,
complaints and the evidence report. Screenshots go to test-output/screenshots."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from mpp.clock import FixedClock
from mpp.services.demo import demo_device_token

from ..conftest import make_app
from ..support import databases
from ..support.api import Api
from ..support.browser import run_axe, sign_in
from ..support.databases import START, TEST_SECRET
from ..support.live import LiveServer
from .hallday import DAY, expected_hours, p90_seconds, run_day, service_ms

pytestmark = pytest.mark.browser
SCORES = [[4, 4, 3, 4, 3, 4, 4, 3, 3], [3, 3, 3, 4, 3, 3, 4, 2, 3], [4, 4, 4, 4, 4, 4, 4, 4, 4]]


@pytest.fixture(scope="module")
def hall_server(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A played day (with survey answers and complaints) served by a real `mpp run`; one per
    module, so the tests below add to it (a ticket, a complaint) and never assume less."""
    tmp_path: Path = tmp_path_factory.mktemp("dash")
    db_url = databases.sqlite_copy(request.getfixturevalue("_sqlite_template"), tmp_path)
    clock = FixedClock(START)
    app = make_app(db_url, clock)
    api = Api(app.test_client())
    day = run_day(api, clock, app)
    done = [r for r in day.tickets if r.status == "done"]
    for i, rec in enumerate(done[:12]):
        r = api.post("/surveys", {"token": rec.token, "scores": SCORES[i % 3]})
        assert r.status == 201, r.body
    for text, agency in (("Antrian KTP lama sekali, petugas hanya satu.", "DUKCAPIL"),
                         ("Kursi ruang tunggu kurang.", None)):
        r = api.post("/complaints", {"body": text, **({"agency": agency} if agency else {})})
        assert r.status == 201
    app.extensions["mpp"].db.dispose()
    # the module's tests sign in more often than the default 10 a minute per address
    server = LiveServer(db_url, tmp_path / "live",
                        extra_env={"MPP_LOGIN_RATE_LIMIT": "1000 per minute"}).start()
    yield server, day
    server.stop(wait=False)


def dur(sec: float | None) -> str:
    """The dashboard's duration format (its dur() in dashboard.js), written again here."""
    if sec is None:
        return "–"
    s = int(sec + 0.5)
    h, m, r = s // 3600, s % 3600 // 60, s % 60
    if h:
        return f"{h} j {m} mnt"
    return f"{m} mnt {r:02d} dtk" if m else f"{r} dtk"


def test_dashboard_shows_figures_and_charts(hall_server, page, output_dir):  # type: ignore
    server, day = hall_server
    base = server.url
    day_text = DAY.date().isoformat()
    sign_in(page, base, "manajer", target=f"/dashboard?from={day_text}&to={day_text}")
    page.wait_for_selector("body[data-state=ready]", timeout=15000)
    kpis = page.inner_text("#kpis")
    assert f"Tiket diambil\n{len(day.tickets)}" in kpis
    served = sum(1 for r in day.tickets if r.status == "done")
    assert f"Selesai dilayani\n{served}" in kpis
    assert "IKM" in kpis and "(" in kpis  # a grade is shown
    serves = [v for r in day.tickets if (v := service_ms(r)) is not None]
    assert f"Layanan persentil 90\n{dur(p90_seconds(serves))}" in kpis
    for table in ("#t-service", "#t-agency", "#t-counter", "#t-staff"):
        heads = page.locator(f"{table} thead th").all_inner_texts()
        assert heads[heads.index("Layanan rata-rata") + 1] == "Layanan P90", table
    staff_row = page.locator("#t-staff tbody tr", has_text="Siti Rahmawati").inner_text()
    mine = [v for r in day.tickets if r.staff == "dukcapil1" and (v := service_ms(r)) is not None]
    assert dur(p90_seconds(mine)) in staff_row.split("\t")
    # Chart.js drew both charts with the report's data
    hours = page.evaluate("Chart.getChart('chart-hours').data.datasets[0].data"
                          ".reduce((a, b) => a + b, 0)")
    assert hours == len(day.tickets)
    # the average wait of each hour's arrivals, in minutes, as a line on its own axis
    hourly = page.evaluate("""() => { const c = Chart.getChart('chart-hours');
        const line = c.data.datasets[2];
        return {labels: c.data.labels, label: line.label, type: line.type, axis: line.yAxisID,
                data: line.data, side: c.options.scales[line.yAxisID].position}; }""")
    assert (hourly["label"], hourly["type"], hourly["side"]) == (
        "Rata-rata tunggu (menit)", "line", "right")
    want = {f"{h['hour']:02d}:00": h for h in expected_hours(day.tickets)}
    assert hourly["data"] == [
        None if want[label]["avg_wait_seconds"] is None
        else math.floor(want[label]["avg_wait_seconds"] / 6 + 0.5) / 10
        for label in hourly["labels"]]
    assert sum(1 for v in hourly["data"] if v) >= 5
    # the hour table: every hour with arrivals or finished tickets, each figure
    heads = page.locator("#t-hour thead th").all_inner_texts()
    assert heads == ["Jam", "Diambil", "Tidak hadir", "Batal", "Kedaluwarsa",
                     "Tunggu rata-rata", "Tunggu P90", "Selesai", "Layanan rata-rata",
                     "Layanan P90"]
    rows = [[c.strip() for c in line.split("\t")]
            for line in page.locator("#t-hour tbody tr").all_inner_texts()]
    assert rows == [[label, str(h["issued"]), str(h["no_show"]), str(h["cancelled"]),
                     str(h["expired"]), dur(h["avg_wait_seconds"]), dur(h["p90_wait_seconds"]),
                     str(h["served"]), dur(h["avg_service_seconds"]),
                     dur(h["p90_service_seconds"])]
                    for label, h in want.items() if h["issued"] or h["served"]]
    agencies = page.evaluate("Chart.getChart('chart-wait').data.labels")
    assert set(agencies) == {"Disdukcapil", "DPMPTSP"}
    assert page.locator("#t-service tbody tr").count() >= 4
    assert "Perekaman dan Pencetakan KTP-el" in page.inner_text("#t-service")
    assert "Siti Rahmawati" in page.inner_text("#t-staff")
    ikm_agency = page.locator("#t-ikm-agency tbody tr", has_text="Disdukcapil").inner_text()
    assert "Sangat Baik" in ikm_agency or "Baik" in ikm_agency
    assert page.inner_text("#live-counters").endswith(" / 12")
    csv_href = page.get_attribute("#dl-csv", "href")
    assert csv_href == f"/api/v1/reports/daily?date={day_text}&format=csv"
    page.screenshot(path=str(output_dir / "screenshots" / "dashboard-day.png"), full_page=True)
    assert run_axe(page, base) == []
    # a 7-day range adds the per-day chart
    page.fill("#f-from", "2026-11-17")
    page.click("#filters button[type=submit]")
    page.wait_for_function("Chart.getChart('chart-days') !== undefined")
    page.wait_for_selector("body[data-state=ready]")
    assert page.is_visible("#days-figure")
    page.screenshot(path=str(output_dir / "screenshots" / "dashboard-week.png"))


def test_staff_are_refused_the_dashboard(hall_server, page):  # type: ignore
    server, _ = hall_server
    page.goto(f"{server.url}/login?next=/dashboard")
    page.fill("input[name=username]", "dukcapil1")
    page.fill("input[name=password]", "petugas-mpp")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    response = page.goto(f"{server.url}/dashboard")
    assert response is not None and response.status == 403
    assert "manajer" in page.inner_text("main")


def test_survey_from_a_finished_tickets_status_page(hall_server, page, output_dir):  # type: ignore
    server, _ = hall_server
    base = server.url
    kiosk = {"Authorization": "Bearer " + demo_device_token(TEST_SECRET, "kiosk-1")}
    services = requests.get(f"{base}/api/v1/services", timeout=5).json()["services"]
    nib = next(s for s in services if s["code"] == "NIB")
    ticket = requests.post(f"{base}/api/v1/tickets", json={"service_id": nib["id"]},
                           headers=kiosk, timeout=5).json()["ticket"]
    page.goto(ticket["status_url"])
    assert page.is_hidden("#sv")  # waiting: no survey yet
    staff = requests.post(f"{base}/api/v1/auth/login", timeout=5,
                          json={"username": "dpmptsp1", "password": "petugas-mpp"}).json()
    auth = {"Authorization": "Bearer " + staff["token"]}
    counters = requests.get(f"{base}/api/v1/counters", timeout=5).json()["counters"]
    loket5 = next(c for c in counters if c["name"] == "Loket 5")
    assert requests.post(f"{base}/api/v1/counters/{loket5['id']}/open", headers=auth,
                         timeout=5).status_code == 200
    called = requests.post(f"{base}/api/v1/counters/{loket5['id']}/call-next", headers=auth,
                           timeout=5).json()["ticket"]
    assert called["id"] == ticket["id"]
    assert requests.post(f"{base}/api/v1/tickets/{ticket['id']}/finish", headers=auth,
                         timeout=5).status_code == 200
    # the status page hears the change and opens the survey
    page.wait_for_selector("#sv:not([hidden])", timeout=15000)
    assert page.locator("#sv fieldset").count() == 9
    assert "U3. Waktu Penyelesaian" in page.inner_text("#sv")
    page.click("#sv-submit")
    assert "kesembilan unsur" in page.inner_text("#sv-error")
    answer = [4, 3, 4, 4, 3, 4, 4, 3, 4]
    for i, score in enumerate(answer, start=1):
        page.locator(f"input[name=u{i}][value='{score}']").check(force=True)
    page.fill("#sv-comment", "Petugas ramah dan cepat.")
    page.screenshot(path=str(output_dir / "screenshots" / "survey-form.png"), full_page=True)
    assert run_axe(page, base) == []
    page.click("#sv-submit")
    page.wait_for_selector("#sv-thanks:not([hidden])")
    page.screenshot(path=str(output_dir / "screenshots" / "survey-thanks.png"))
    state = requests.get(f"{base}/api/v1/surveys/by-token/{ticket['token']}", timeout=5).json()
    assert state["answered"] is True and state["open"] is False
    again = requests.post(f"{base}/api/v1/surveys", timeout=5,
                          json={"token": ticket["token"], "scores": answer})
    assert again.status_code == 409
    # reloading shows the thanks, not the form
    page.reload()
    page.wait_for_selector("#sv-thanks:not([hidden])")
    assert page.is_hidden("#sv")


def test_complaint_from_public_page_is_followed_up_by_a_manager(hall_server, page,
                                                                 output_dir):  # type: ignore
    server, _ = hall_server
    base = server.url
    page.goto(f"{base}/pengaduan")
    assert run_axe(page, base) == []
    page.select_option("#cf-agency", "DPMPTSP")
    page.fill("#cf-body", "Formulir NIB tidak tersedia di loket.")
    page.fill("#cf-contact", "0812-0000-1111")
    page.click("#cf button[type=submit]")
    page.wait_for_selector("#cf-done:not([hidden])")
    number = page.inner_text("#cf-done").split("#")[1].rstrip(".")
    sign_in(page, base, "manajer", target="/dashboard/complaints")
    page.wait_for_selector("body[data-state=ready]")
    card = page.locator(f"#complaint-{number}")
    assert "Formulir NIB tidak tersedia" in card.inner_text()
    card.locator("textarea").fill("Formulir sudah disediakan di Loket 4 dan 5.")
    card.locator("select").select_option("closed")
    card.locator("button").click()
    page.wait_for_function(
        f"document.querySelector('#complaint-{number} .badge').textContent === 'Selesai'")
    page.screenshot(path=str(output_dir / "screenshots" / "complaints.png"), full_page=True)
    assert run_axe(page, base) == []
    token = requests.post(f"{base}/api/v1/auth/login", timeout=5,
                          json={"username": "manajer", "password": "manajer-mpp"}).json()["token"]
    listed = requests.get(f"{base}/api/v1/complaints?status=closed", timeout=5,
                          headers={"Authorization": f"Bearer {token}"}).json()["complaints"]
    assert [c["id"] for c in listed] == [int(number)]
    assert listed[0]["responded_by"] == "manajer"


def test_evidence_report_prints_standards_skm_complaints_priority(hall_server, page,
                                                                  output_dir):  # type: ignore
    server, day = hall_server
    base = server.url
    sign_in(page, base, "manajer", target="/reports/evidence?from=2026-11-23&to=2026-11-23")
    text = page.inner_text("main")
    assert run_axe(page, base) == []
    assert "Standar pelayanan yang dipublikasikan" in text
    assert "Fotokopi Kartu Keluarga (KK)" in text  # a published requirement
    token = requests.post(f"{base}/api/v1/auth/login", timeout=5,
                          json={"username": "manajer", "password": "manajer-mpp"}).json()["token"]
    ikm = requests.get(f"{base}/api/v1/reports/ikm?from=2026-11-23&to=2026-11-23", timeout=5,
                       headers={"Authorization": f"Bearer {token}"}).json()["total"]
    assert ikm["respondents"] >= 12
    assert f"{ikm['respondents']} responden" in text
    # numbers as an Indonesian reader writes them (issue 12): decimal comma
    assert f"{ikm['ikm']:.2f} — {ikm['grade']}".replace(".", ",") in text
    complaints = requests.get(f"{base}/api/v1/complaints", timeout=5,
                              headers={"Authorization": f"Bearer {token}"}).json()["complaints"]
    # the report counts the complaints received in the period (site time); the one sent
    # from the public page in the test above carries the wall clock's date, not the day's
    in_period = [c for c in complaints if c["created_at"].startswith("2026-11-23")]
    assert len(in_period) >= 2
    assert f"{len(in_period)} pengaduan diterima" in text
    assert "Antrian KTP lama sekali" in text
    totals = requests.get(f"{base}/api/v1/reports/range?from=2026-11-23&to=2026-11-23",
                          timeout=5, headers={"Authorization": f"Bearer {token}"}
                          ).json()["totals"]
    assert (f"waktu layanan rata-rata {round(totals['avg_service_seconds'] / 60, 1)} mnt "
            f"(persentil 90: {round(totals['p90_service_seconds'] / 60, 1)} mnt)."
            ).replace(".", ",").removesuffix(",") + "." in text
    elderly = sum(1 for r in day.tickets if r.priority_category == "elderly")
    row = page.locator("tr", has_text="Lansia").inner_text()
    assert row.split("\t")[1].strip() == str(elderly)
    page.emulate_media(media="print")
    page.screenshot(path=str(output_dir / "screenshots" / "evidence-print.png"), full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    (output_dir / "evidence.pdf").write_bytes(pdf)


def test_counter_tablet_offers_the_survey_after_each_finished_ticket(hall_server, page,
                                                                      output_dir):  # type: ignore
    server, _ = hall_server
    base = server.url
    counters = requests.get(f"{base}/api/v1/counters", timeout=5).json()["counters"]
    loket4 = next(c for c in counters if c["name"] == "Loket 4")
    tablet = demo_device_token(TEST_SECRET, "tablet-4")  # registered to Loket 4
    page.goto(f"{base}/rate?counter={loket4['id']}#token={tablet}")
    page.wait_for_selector("body[data-state=online]", timeout=15000)
    assert page.is_visible("#rate-idle") and page.is_hidden("#sv")
    kiosk = {"Authorization": "Bearer " + demo_device_token(TEST_SECRET, "kiosk-1")}
    services = requests.get(f"{base}/api/v1/services", timeout=5).json()["services"]
    pbg = next(s for s in services if s["code"] == "PBG")
    staff = requests.post(f"{base}/api/v1/auth/login", timeout=5,
                          json={"username": "dpmptsp1", "password": "petugas-mpp"}).json()
    auth = {"Authorization": "Bearer " + staff["token"]}
    requests.post(f"{base}/api/v1/counters/{loket4['id']}/open", headers=auth, timeout=5)
    tokens = []
    for round_ in range(2):
        t = requests.post(f"{base}/api/v1/tickets", json={"service_id": pbg["id"]},
                          headers=kiosk, timeout=5).json()["ticket"]
        called = requests.post(f"{base}/api/v1/counters/{loket4['id']}/call-next",
                               headers=auth, timeout=5).json()["ticket"]
        assert called["id"] == t["id"]
        requests.post(f"{base}/api/v1/tickets/{t['id']}/finish", headers=auth, timeout=5)
        page.wait_for_selector("#sv:not([hidden])", timeout=15000)
        assert t["number"] in page.inner_text("#rate-number")
        for i in range(1, 10):
            page.locator(f"input[name=u{i}][value='{4 - round_}']").check(force=True)
        if round_ == 0:
            page.screenshot(path=str(output_dir / "screenshots" / "counter-tablet.png"),
                            full_page=True)
        page.click("#sv-submit")
        page.wait_for_selector("#sv-thanks:not([hidden])")
        tokens.append(t["token"])
    for token in tokens:
        state = requests.get(f"{base}/api/v1/surveys/by-token/{token}", timeout=5).json()
        assert state["answered"] is True


def test_the_staff_table_says_siaga_and_the_downloads_are_for_people(hall_server,  # type: ignore
                                                                     page):
    """Issue 12: "Menganggur" (idle) read as an insult; Excel and the Indonesian CSV come
    first, the machine CSV is labelled as data."""
    server, _ = hall_server
    day_text = DAY.date().isoformat()
    sign_in(page, server.url, "manajer", target=f"/dashboard?from={day_text}&to={day_text}")
    page.wait_for_selector("body[data-state=ready]", timeout=15000)
    heads = page.locator("#t-staff thead th").all_inner_texts()
    assert "Siaga" in heads and "Menganggur" not in heads
    expect(page.locator("#dl-xlsx")).to_have_attribute("href", re.compile(r"format=xlsx-id"))
    expect(page.locator("#dl-csv-id")).to_have_text("CSV untuk Excel (Indonesia)")
    expect(page.locator("#dl-csv-id")).to_have_attribute("href", re.compile(r"format=csv-id"))
    expect(page.locator("#dl-csv")).to_have_text("CSV data")


def test_the_standard_against_actual_table_shows_its_key_columns_on_a_laptop(hall_server,  # type: ignore
                                                                            browser,
                                                                            output_dir):
    """Issue 12: at 1366 px the table was 1874 px wide and its standard, actual and met
    columns were off-screen."""
    server, _ = hall_server
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    try:
        page = context.new_page()
        day_text = DAY.date().isoformat()
        sign_in(page, server.url, "manajer", target=f"/dashboard?from={day_text}&to={day_text}")
        page.wait_for_selector("body[data-state=ready]", timeout=15000)
        box = page.locator("#t-service").locator("xpath=..").bounding_box()
        assert box is not None
        for name in ("Standar waktu", "Realisasi (ambil–selesai)", "Sesuai standar"):
            th = page.locator("#t-service thead th", has_text=name).bounding_box()
            assert th is not None and th["x"] + th["width"] <= box["x"] + box["width"], name
        width = page.evaluate("document.getElementById('t-service').scrollWidth")
        assert width <= box["width"] + 1, width   # the whole table fits its box
        page.locator("#t-service").screenshot(path=str(output_dir / "screenshots"
                                                       / "dashboard-standard-table.png"))
    finally:
        context.close()


def test_the_dashboard_writes_numbers_the_indonesian_way(hall_server, page):  # type: ignore
    """Issue 12: "91.67", "0.8 mnt", "100.0%", "80,67" side by side; now one way."""
    server, _ = hall_server
    day_text = DAY.date().isoformat()
    sign_in(page, server.url, "manajer", target=f"/dashboard?from={day_text}&to={day_text}")
    page.wait_for_selector("body[data-state=ready]", timeout=15000)
    ikm_cells = page.locator("#t-ikm tbody td.n").all_inner_texts()
    decimals = [c for c in ikm_cells if any(ch.isdigit() for ch in c) and not c.isdigit()]
    assert decimals and all("," in c and "." not in c for c in decimals), decimals
    kpis = page.inner_text("#kpis")
    ikm_line = next(line for line in kpis.splitlines() if "(" in line and "," in line)
    assert re.match(r"^\d{2},\d{2} \([ABCD]\)$", ikm_line), ikm_line
