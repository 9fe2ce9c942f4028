"""The admin area in headless Chromium against a real server: an admin sets up a new
agency with a service, a counter, a staff member and a kiosk; the kiosk's new token issues
a ticket and the new staff member calls it from the counter console."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from ..support import databases
from ..support.browser import run_axe
from ..support.live import LiveServer

pytestmark = pytest.mark.browser

#: generous waits: CI machines run other suites at the same time
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def live_server(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[LiveServer]:
    """One `mpp run` for the module (the tests only add to the demo hall)."""
    folder = tmp_path_factory.mktemp("admin-live")
    server = LiveServer(databases.sqlite_copy(_sqlite_template, folder), folder / "live").start()
    yield server
    server.stop(wait=False)


@pytest.fixture(autouse=True)
def _patient_expect():  # type: ignore[no-untyped-def]
    expect.set_options(timeout=WAIT_MS)
    yield
    expect.set_options(timeout=5_000)


def test_admin_sets_up_a_new_agency_that_issues_and_calls_tickets(live_server, browser,
                                                                  output_dir: Path):
    shots = output_dir / "screenshots"
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)

    # Sign in: /admin sends an anonymous visitor to the sign-in form and back.
    page.goto(f"{base}/admin")
    expect(page).to_have_url(f"{base}/login?next=/admin")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "admin-mpp")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/admin")
    expect(page.locator("h1")).to_have_text("Mal Pelayanan Publik Kota Kendari")
    page.screenshot(path=str(shots / "admin-overview.png"), full_page=True)

    # 1. The agency.
    page.click("text=Instansi")
    page.click("text=+ Instansi baru")
    page.fill("input[name=code]", "KEMENAG")
    page.fill("input[name=name]", "Kantor Kementerian Agama Kota Kendari")
    page.fill("input[name=short_name]", "Kemenag")
    page.click("button:has-text('Simpan')")
    expect(page.locator(".flash-ok")).to_contain_text("Instansi KEMENAG disimpan")

    # 2. Its service, with the published standard and hours for every day.
    page.click("text=+ Layanan untuk KEMENAG")
    page.fill("input[name=code]", "HAJI")
    page.fill("input[name=prefix]", "N")
    page.fill("input[name=name]", "Pendaftaran Haji Reguler")
    page.fill("textarea[name=requirements]",
              "KTP-el\nKartu Keluarga\nBukti setoran awal BPIH")
    page.fill("textarea[name=procedure]", "Ambil nomor antrian\nVerifikasi berkas\nFoto")
    page.fill("textarea[name=legal_basis]", "UU No. 8 Tahun 2019")
    page.fill("input[name=sla_minutes]", "25")
    page.fill("input[name=daily_quota]", "60")
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        page.fill(f"input[name=hours_{day}]", "00:00-24:00")
    page.fill("input[name=regular_per_priority]", "3")
    page.screenshot(path=str(shots / "admin-service-form.png"), full_page=True)
    assert run_axe(page, base) == []
    page.click("button:has-text('Simpan layanan')")
    expect(page.locator(".flash-ok")).to_contain_text("Layanan HAJI disimpan")

    # A mistake is explained on the form: prefix A belongs to Disdukcapil's KTP.
    page.goto(f"{base}/admin/services/new")
    page.select_option("select[name=agency_id]", label="KEMENAG · Kantor Kementerian Agama "
                                                      "Kota Kendari")
    page.fill("input[name=code]", "UMRAH")
    page.fill("input[name=prefix]", "A")
    page.fill("input[name=name]", "Rekomendasi Paspor Umrah")
    page.click("button:has-text('Simpan layanan')")
    expect(page.locator(".flash-error")).to_contain_text("already used by DUKCAPIL/KTP")
    expect(page.locator("input[name=name]")).to_have_value("Rekomendasi Paspor Umrah")
    page.screenshot(path=str(shots / "admin-service-error.png"))

    # 3. A counter serving it (only Kemenag's services are offered once it is chosen).
    page.goto(f"{base}/admin/counters/new")
    page.select_option("select[name=agency_id]", label="KEMENAG · Kantor Kementerian Agama "
                                                      "Kota Kendari")
    expect(page.locator(".services-of:visible")).to_have_count(1)
    page.fill("input[name=name]", "Loket 13")
    page.fill("input[name=spoken_name]", "loket tiga belas")
    page.check("text=Pendaftaran Haji Reguler")
    page.screenshot(path=str(shots / "admin-counter-form.png"), full_page=True)
    page.click("button:has-text('Simpan loket')")
    expect(page.locator(".flash-ok")).to_contain_text("Loket 13 disimpan")

    # 4. A staff member of the agency.
    page.goto(f"{base}/admin/users/new")
    page.fill("input[name=username]", "kemenag1")
    page.fill("input[name=full_name]", "Nur Aisyah")
    page.select_option("select[name=role]", "staff")
    page.select_option("select[name=agency_id]", label="KEMENAG · Kantor Kementerian Agama "
                                                      "Kota Kendari")
    page.fill("input[name=password]", "petugas-haji")
    page.fill("input[name=password2]", "petugas-haji")
    page.click("button:has-text('Buat pengguna')")
    expect(page.locator(".flash-ok")).to_contain_text("kemenag1 dibuat")

    # 5. A kiosk paired with the hall's printer: its token is shown once.
    page.goto(f"{base}/admin/devices/new")
    page.fill("input[name=name]", "kiosk-lantai-2")
    page.select_option("select[name=kind]", "kiosk")
    page.select_option("select[name=printer_device_id]", label="printer-1")
    page.click("button:has-text('Daftarkan')")
    token = page.locator("#device-token").inner_text().strip()
    assert len(token) >= 40
    page.screenshot(path=str(shots / "admin-device-token.png"), full_page=True)

    # The new kiosk issues a ticket for the new service.
    services = requests.get(f"{base}/api/v1/services?agency=KEMENAG", timeout=30).json()
    haji = next(s for s in services["services"] if s["code"] == "HAJI")
    assert haji["open"] and haji["requirements"][0] == "KTP-el"
    r = requests.post(f"{base}/api/v1/tickets", json={"service_id": haji["id"]},
                      headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 201, r.text
    ticket = r.json()["ticket"]
    assert ticket["number"] == "N001"

    # The new staff member calls it from the counter console.
    staff = browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    desk = staff.new_page()
    desk.set_default_timeout(WAIT_MS)
    desk.goto(f"{base}/console")
    desk.fill("input[name=username]", "kemenag1")
    desk.fill("input[name=password]", "petugas-haji")
    desk.click("button[type=submit]")
    desk.wait_for_url(f"{base}/console")
    desk.wait_for_selector("body[data-ready=true]")
    expect(desk.locator("#cs-counter-list li")).to_have_count(1)
    desk.keyboard.press("1")
    expect(desk.locator("#cs-counter-name")).to_have_text("Loket 13")
    expect(desk.locator("#cs-waiting")).to_contain_text("N001")
    # the desk is drawn while the counter opens; its keys work once the actions are enabled
    expect(desk.locator("#cs-actions [data-action=call_next]")).to_be_enabled()
    desk.keyboard.press("n")
    expect(desk.locator("#cs-number")).to_have_text("N001")
    desk.screenshot(path=str(shots / "admin-new-counter-calls.png"))
    called = requests.get(f"{base}/api/v1/tickets/by-token/{ticket['token']}",
                          timeout=30).json()["ticket"]
    assert (called["status"], called["counter"]["name"]) == ("called", "Loket 13")
    staff.close()

    # The admin sees the counter held and every change in the audit log.
    page.goto(f"{base}/admin/counters")
    expect(page.locator("tr:has-text('Loket 13')")).to_contain_text("kemenag1")
    page.goto(f"{base}/admin/audit")
    expect(page.locator("table.audit tbody tr").first).to_contain_text("admin")
    for entity in ("agency", "service", "counter", "user", "device"):
        expect(page.locator(f"td:has-text('{entity} #')").first).to_be_visible()
    page.screenshot(path=str(shots / "admin-audit.png"), full_page=True)
    assert run_axe(page, base) == []
    context.close()


ADMIN_PAGES = ("admin", "agencies", "agencies/1", "services", "services/6", "counters",
               "counters/2", "users", "users/new", "users/3", "devices", "devices/1",
               "devices/new", "holidays", "settings", "layout", "audit")


def test_every_admin_page_is_accessible_and_readable(live_server, browser, output_dir: Path):
    shots = output_dir / "screenshots"
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{base}/login?next=/admin")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "admin-mpp")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/admin")
    problems = {}
    for path in ADMIN_PAGES:
        page.goto(f"{base}/admin/{path}" if path != "admin" else f"{base}/admin")
        expect(page.locator("nav.admin-nav [aria-current=page]")).to_have_count(1)
        found = run_axe(page, base)
        if found:
            problems[path] = found
        name = "admin-page-" + path.replace("/", "-") + ".png"
        page.screenshot(path=str(shots / name), full_page=True)
    page.goto(f"{base}/account/password")
    page.screenshot(path=str(shots / "admin-page-password.png"))
    assert run_axe(page, base) == []
    assert problems == {}
    # A narrow screen (a tablet) still shows the menu and the tables.
    page.set_viewport_size({"width": 700, "height": 900})
    page.goto(f"{base}/admin/services")
    expect(page.locator("nav.admin-nav")).to_be_visible()
    page.screenshot(path=str(shots / "admin-page-services-narrow.png"), full_page=True)
    context.close()


def test_admin_reads_indonesian_marks_a_bad_field_and_switches_to_english(
        live_server, browser, output_dir: Path):
    """Issue 12's admin findings, as an admin sees them: a refusal in Indonesian right under
    the field (not English at the top), hours written "tutup" or "closed", labels with no
    raw field names, the devices' online state, and English at a tap in the header."""
    shots = output_dir / "screenshots"
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{base}/login?next=/admin/services/6")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "admin-mpp")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/admin/services/6")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    labels = page.locator("form.form label").all_inner_texts()
    assert labels and not [t for t in labels if re.search(r"\b[a-z]+_[a-z_]+\b", t)], labels
    expect(page.locator("form.form")).to_contain_text(
        "Panggilan reguler di antara dua panggilan prioritas")

    page.fill("#f-hours_tue", "8")
    page.click("button.primary[type=submit]")
    field, error = page.locator("#f-hours_tue"), page.locator("#e-hours_tue")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(error).to_have_text(re.compile(r"^Jam hari Selasa tidak dapat dibaca \(“8”\)"))
    below, box = error.bounding_box(), field.bounding_box()
    assert below and box and 0 <= below["y"] - (box["y"] + box["height"]) < 40
    expect(page.locator(".flash-error")).to_contain_text("Tidak tersimpan:")
    page.screenshot(path=str(shots / "admin-field-error-id.png"), full_page=True)

    # "tutup" and "closed" are both understood; the form reads closed days as "tutup"
    page.fill("#f-hours_tue", "08:00-15:00")
    page.fill("#f-hours_sat", "closed")
    page.fill("#f-hours_sun", "tutup")
    page.click("button.primary[type=submit]")
    expect(page.locator(".flash-ok")).to_contain_text("disimpan")
    expect(page.locator("#f-hours_sat")).to_have_value("tutup")

    # the device list says online or offline for every device not revoked
    page.goto(f"{base}/admin/devices")
    cells = page.locator("td[data-presence]")
    expect(cells.first).to_be_visible()
    states = {t.strip() for t in cells.all_inner_texts()}
    assert states <= {"online", "offline", "belum pernah terhubung", "—"} and states - {"—"}

    # English at a tap, kept for the next pages
    page.click("header.admin-top a[hreflang=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Devices")
    expect(page.locator("nav.admin-nav")).to_contain_text("Site settings")
    page.goto(f"{base}/admin/services/6")
    page.fill("#f-hours_tue", "8")
    page.click("button.primary[type=submit]")
    expect(page.locator("#e-hours_tue")).to_have_text(
        re.compile(r"^Tuesday's hours cannot be read \(“8”\)"))
    expect(page.locator(".flash-error")).to_contain_text("Not saved:")
    page.screenshot(path=str(shots / "admin-field-error-en.png"), full_page=True)
    assert run_axe(page, base) == []
    context.close()
