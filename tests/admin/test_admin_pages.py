"""The admin pages over HTTP: forms, errors on screen, tokens shown once, the site file,
the audit log, and who may open them."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from mpp.models import Agency, Counter, Device, Service, User

from ..support.api import STAFF_PASSWORD
from ..support.sessions import csrf_token, flashes, post_form, sign_in

HOURS_ALWAYS = {f"hours_{d}": "00:00-24:00" for d in
                ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _id(app, model, **where) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["mpp"].db.read() as s:
        stmt = select(model.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return s.scalars(stmt).one()


def test_admin_sets_up_an_agency_whose_counter_calls_tickets(app, api, admin_client):
    r = post_form(admin_client, "/admin/agencies/new",
                  {"code": "kemenag", "name": "Kantor Kementerian Agama", "active": "on"})
    assert r.status_code == 302
    agency = _id(app, Agency, code="KEMENAG")
    r = post_form(admin_client, "/admin/services/new", {
        "agency_id": agency, "code": "HAJI", "prefix": "n", "name": "Pendaftaran Haji",
        "requirements": "KTP-el\nKartu Keluarga\n", "sla_minutes": "20", "fee": "0",
        "daily_quota": "50", "priority_enabled": "on", "regular_per_priority": "3",
        "active": "on", **HOURS_ALWAYS})
    assert r.status_code == 302, flashes(r.get_data(as_text=True))
    service = _id(app, Service, code="HAJI")
    r = post_form(admin_client, "/admin/counters/new", {
        "agency_id": agency, "name": "Loket 13", "service_ids": [str(service)],
        "active": "on"})
    assert r.status_code == 302
    r = post_form(admin_client, "/admin/users/new", {
        "username": "kemenag1", "full_name": "Petugas Haji", "role": "staff",
        "agency_id": agency, "password": "petugas-haji", "password2": "petugas-haji"})
    assert r.status_code == 302
    counter = _id(app, Counter, name="Loket 13")

    ticket = api.issue("HAJI")
    assert ticket["number"] == "N001"
    token = api.login("kemenag1", "petugas-haji")
    assert api.post(f"/counters/{counter}/open", token=token).status == 200
    assert api.post(f"/counters/{counter}/call-next",
                    token=token).body["ticket"]["number"] == "N001"
    with app.extensions["mpp"].db.read() as s:
        sv = s.get(Service, service)
        assert (sv.prefix, sv.daily_quota, sv.regular_per_priority, sv.hours) == (
            "N", 50, 3, "00:00-24:00")
        assert sv.requirements == ["KTP-el", "Kartu Keluarga"]


def test_a_refused_form_shows_the_reason_and_keeps_what_was_typed(app, make, admin_client):
    code = make.service(prefix="P")
    agency = _id(app, Agency, code="UJI")
    r = post_form(admin_client, "/admin/services/new", {
        "agency_id": agency, "code": "KIA", "prefix": "P", "name": "Kartu Identitas Anak",
        "legal_basis": "Permendagri 2/2016", **HOURS_ALWAYS})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert f"Prefix &#39;P&#39; is already used by UJI/{code}" in html
    assert "Kartu Identitas Anak" in html and "Permendagri 2/2016" in html
    r = post_form(admin_client, "/admin/services/new", {
        "agency_id": agency, "code": "KIA", "prefix": "Q", "name": "KIA",
        "hours_mon": "8 sampai 3"})
    assert r.status_code == 422
    assert "Jam hari Senin tidak dapat dibaca (“8 sampai 3”)" in r.get_data(as_text=True)


def test_device_token_is_shown_once_and_works(app, api, admin_client, admin_svc, admin):
    printer = admin_svc.create_device(admin, name="printer-uji", kind="printer").device_id
    r = post_form(admin_client, "/admin/devices/new",
                  {"name": "kiosk-lobi-2", "kind": "kiosk", "printer_device_id": printer})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    token = re.search(r'<code id="device-token">([^<]+)</code>', html).group(1)
    assert api.get("/auth/me", token=token).body["name"] == "kiosk-lobi-2"
    device = _id(app, Device, name="kiosk-lobi-2")
    for page in ("/admin/devices", f"/admin/devices/{device}"):
        assert token not in admin_client.get(page).get_data(as_text=True)
    r = post_form(admin_client, f"/admin/devices/{device}/revoke")
    assert r.status_code == 302
    assert api.get("/auth/me", token=token).status == 401
    r = post_form(admin_client, f"/admin/devices/{device}/rotate")
    new = re.search(r'<code id="device-token">([^<]+)</code>', r.get_data(as_text=True))
    assert api.get("/auth/me", token=new.group(1)).status == 200


def test_display_agency_filter_is_saved_from_the_form(app, make, admin_client, admin_svc,
                                                      admin):
    make.service()
    make.agency().service()
    display = admin_svc.create_device(admin, name="display-uji", kind="display").device_id
    r = post_form(admin_client, f"/admin/devices/{display}",
                  {"name": "display-uji", "agencies": ["UJI", "UJB"],
                   "title": "Antrian Uji dan Uji B"})
    assert r.status_code == 302
    with app.extensions["mpp"].db.read() as s:
        assert s.get(Device, display).settings == {
            "agencies": ["UJI", "UJB"], "title": "Antrian Uji dan Uji B"}
    r = post_form(admin_client, f"/admin/devices/{display}", {"name": "display-uji"})
    with app.extensions["mpp"].db.read() as s:
        assert s.get(Device, display).settings == {}


def test_site_file_downloads_and_uploads(app, make, admin_client):
    code = make.service(prefix="P")
    with app.extensions["mpp"].db.read() as s:
        name = s.scalars(select(Service.name).where(Service.code == code)).one()
    r = admin_client.get("/admin/layout/export")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == 'attachment; filename="mpp-kendari.toml"'
    text = r.get_data(as_text=True)
    assert 'prefix = "P"' in text and f'name = "{name}"' in text
    changed = text.replace(f'name = "{name}"', 'name = "Layanan Uji Berganti Nama"')
    r = post_form(admin_client, "/admin/layout",
                  {"file": (io.BytesIO(changed.encode()), "kendari.toml")},
                  content_type="multipart/form-data")
    assert r.status_code == 200
    assert "0 dibuat, 1 diubah" in r.get_data(as_text=True)
    with app.extensions["mpp"].db.read() as s:
        assert s.scalars(select(Service.name).where(Service.code == code)).one() == \
            "Layanan Uji Berganti Nama"
    r = post_form(admin_client, "/admin/layout", {"text": "[site]\ncode = 'kendari'\n"})
    assert r.status_code == 422
    assert "&#39;name&#39; is required" in r.get_data(as_text=True)


def test_audit_page_shows_who_changed_what(app, admin_client):
    post_form(admin_client, "/admin/holidays", {"day": "2026-12-31", "name": "Cuti bersama"})
    html = admin_client.get("/admin/audit?entity=holiday").get_data(as_text=True)
    assert "Cuti bersama" in html and "2026-12-31" in html
    row = re.search(r"<tr><td class=\"nowrap\">([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td>",
                    html)
    assert row.groups() == ("2026-11-23 09:00", "admin", "create")


def test_settings_page_saves_the_logo_and_running_text(app, admin_client):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    r = post_form(admin_client, "/admin/settings", {
        "name": "Mal Pelayanan Publik Kota Kendari", "timezone": "Asia/Makassar",
        "running_text": "Layanan hari ini sampai pukul 15.00", "friday_break": "11:30-13:00",
        "issue_cutoff_minutes": "30", "ticket_footer": "Terima kasih",
        "logo_file": (io.BytesIO(png), "logo.png", "image/png")},
        content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    from mpp.models import Site
    with app.extensions["mpp"].db.read() as s:
        site = s.scalars(select(Site)).first()
        assert site.settings["running_text"] == "Layanan hari ini sampai pukul 15.00"
        assert site.settings["logo"].startswith("data:image/png;base64,")
    r = post_form(admin_client, "/admin/settings", {"name": "MPP", "timezone": "WITA"})
    assert r.status_code == 422 and "Unknown time zone" in r.get_data(as_text=True)


def test_deactivating_a_user_in_the_form_ends_their_session_and_tokens(app, api, make,
                                                                       admin_client):
    clerk = make.staff()
    staff = app.test_client()
    assert sign_in(staff, clerk).status_code == 302
    token = api.login(clerk)
    uid = _id(app, User, username=clerk)
    agency = _id(app, Agency, code="UJI")
    r = post_form(admin_client, f"/admin/users/{uid}",
                  {"role": "staff", "agency_id": agency, "full_name": "Petugas Uji"})
    assert r.status_code == 302
    assert api.get("/auth/me", token=token).status == 401
    assert staff.get("/api/v1/auth/me").status_code == 401
    assert sign_in(staff, clerk).status_code == 401


def test_own_password_change_keeps_this_session_and_ends_the_others(app, api, make):
    clerk = make.staff()
    here, elsewhere = app.test_client(), app.test_client()
    for c in (here, elsewhere):
        assert sign_in(c, clerk).status_code == 302
    r = post_form(here, "/account/password", {
        "current_password": STAFF_PASSWORD, "new_password": "sandi-baru-123",
        "new_password2": "sandi-baru-123"})
    assert r.status_code == 302
    assert here.get("/api/v1/auth/me").status_code == 200
    assert elsewhere.get("/api/v1/auth/me").status_code == 401
    assert api.post("/auth/login", {"username": clerk,
                                    "password": "sandi-baru-123"}).status == 200
    r = post_form(here, "/account/password", {
        "current_password": "salah", "new_password": "x" * 9, "new_password2": "x" * 9})
    assert r.status_code == 422 and "Kata sandi sekarang salah." in r.get_data(as_text=True)


def test_admin_pages_send_anonymous_users_to_sign_in_and_refuse_other_roles(app):
    anonymous = app.test_client()
    r = anonymous.get("/admin/services")
    assert r.status_code == 302 and r.location.startswith("/login?next=/admin/services")
    manager = app.test_client()
    sign_in(manager, "manajer")
    r = manager.get("/admin/services")
    assert r.status_code == 403 and "hanya untuk admin" in r.get_data(as_text=True)
    r = post_form(manager, "/admin/agencies/new", {"code": "X", "name": "X"})
    assert r.status_code == 403


def test_a_form_without_the_csrf_token_is_refused(app, admin_client):
    r = admin_client.post("/admin/agencies/new", data={"code": "X", "name": "X"})
    assert r.status_code == 400
    assert "muat ulang halaman" in r.get_data(as_text=True)
    r = admin_client.post("/admin/agencies/new", data={"code": "X", "name": "X",
                                                       "csrf_token": "forged"})
    assert r.status_code == 400
    assert csrf_token(admin_client)
    with app.extensions["mpp"].db.read() as s:
        assert s.scalars(select(Agency).where(Agency.code == "X")).first() is None


def test_every_admin_page_renders(app, make, admin_client):
    desk = make.desk()
    ids = {"agency": _id(app, Agency, code="UJI"), "service": desk.service_id,
           "counter": desk.counter_id, "user": _id(app, User, username=desk.staff),
           "device": _id(app, Device, name="kiosk-1")}
    pages = ["/admin", "/admin/agencies", "/admin/agencies/new",
             f"/admin/agencies/{ids['agency']}", "/admin/services", "/admin/services/new",
             f"/admin/services/{ids['service']}", "/admin/counters", "/admin/counters/new",
             f"/admin/counters/{ids['counter']}", "/admin/users", "/admin/users/new",
             f"/admin/users/{ids['user']}", "/admin/devices", "/admin/devices/new",
             f"/admin/devices/{ids['device']}", "/admin/holidays", "/admin/settings",
             "/admin/layout", "/admin/audit", "/account/password"]
    for page in pages:
        r = admin_client.get(page)
        assert r.status_code == 200, page
        assert "Admin MPP" in r.get_data(as_text=True)
    assert admin_client.get("/admin/services/99999").status_code == 404


def test_devices_page_and_overview_show_a_printer_in_trouble(app, admin_client, admin_svc,
                                                            admin):
    printer = admin_svc.create_device(admin, name="printer-uji", kind="printer").device_id
    html = admin_client.get("/admin/devices").get_data(as_text=True)
    assert "belum pernah melapor" in html
    with app.extensions["mpp"].db.write() as s:
        s.get(Device, printer).state = {"ready": False, "connected": True,
                                        "error": "paper out"}
    html = admin_client.get("/admin/devices").get_data(as_text=True)
    assert "bermasalah: paper out" in html
    assert "Printer printer-uji: bermasalah: paper out." in admin_client.get(
        "/admin").get_data(as_text=True)
    with app.extensions["mpp"].db.write() as s:
        s.get(Device, printer).state = {"ready": True, "connected": True}
    assert '<span class="pill ok">siap</span>' in admin_client.get(
        "/admin/devices").get_data(as_text=True)


def test_saving_a_service_form_unchanged_records_nothing(app, make, admin_client):
    from mpp.models import AuditLog

    # every kind of field the form carries: a weekday table, a fee with its note, a quota,
    # bookings, lists, English names
    paspor = make.service_id(make.service(
        name_en="New and replacement passports", sla_minutes=30, fee=350000,
        fee_note="Paspor biasa 48 halaman Rp350.000; elektronik Rp650.000", daily_quota=100,
        hours={"mon-thu": "08:00-14:00", "fri": "08:00-14:00", "sat": "closed",
               "sun": "closed"},
        booking={"slot_minutes": 30, "per_slot": 5, "days_ahead": 14, "grace_minutes": 15},
        requirements=["KTP-el", "Kartu Keluarga", "Akta kelahiran, ijazah, atau buku nikah"],
        procedure=["Ambil nomor antrian", "Verifikasi berkas", "Foto dan wawancara"],
        legal_basis="UU No. 6 Tahun 2011 tentang Keimigrasian; PP No. 45 Tahun 2024",
        product="Paspor biasa", product_en="Ordinary passport"))
    html = admin_client.get(f"/admin/services/{paspor}").get_data(as_text=True)
    fields = dict(re.findall(r'<input name="([a-z_]+)" type="[a-z]+" value="([^"]*)"', html))
    fields.update(re.findall(r'<input name="(hours_[a-z]+)" value="([^"]*)"', html))
    for name in ("requirements", "procedure", "legal_basis", "description"):
        m = re.search(rf'<textarea name="{name}" rows="\d+">(.*?)</textarea>', html, re.S)
        fields[name] = m.group(1).replace("&#39;", "'").replace("&amp;", "&")
    fields.update(agency_id=str(_id(app, Agency, code="UJI")), priority_enabled="on",
                  active="on", booking_enabled="on")  # the check boxes, as the page has them
    with app.extensions["mpp"].db.read() as s:
        before = s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
        hours_before = s.get(Service, paspor).hours
    r = post_form(admin_client, f"/admin/services/{paspor}", fields)
    assert r.status_code == 302, flashes(r.get_data(as_text=True))
    with app.extensions["mpp"].db.read() as s:
        after = s.scalars(select(AuditLog).where(AuditLog.id > before)).all()
        assert [a.detail for a in after] == []
        assert s.get(Service, paspor).hours == hours_before


def test_devices_page_shows_when_a_kiosk_and_a_board_last_called_in(app, api, make,
                                                                    admin_client, clock):
    from mpp.extensions import socketio

    code = make.service()
    api.issue(code)  # the kiosk calls the API with its token
    board = socketio.test_client(app, namespace="/hall",
                                 auth={"token": api.device_token("display-1")})
    assert board.is_connected("/hall")
    board.disconnect("/hall")
    with app.extensions["mpp"].db.read() as s:
        seen = {d.name: d.last_seen_at for d in s.scalars(select(Device))}
    assert seen["kiosk-1"] == seen["display-1"] == clock.now()
    clock.advance(seconds=30)
    api.issue(code)  # within a minute: not written again
    clock.advance(seconds=31)
    api.issue(code)
    with app.extensions["mpp"].db.read() as s:
        kiosk = s.scalars(select(Device).where(Device.name == "kiosk-1")).one()
        assert kiosk.last_seen_at == clock.now()
    html = admin_client.get("/admin/devices").get_data(as_text=True)
    assert "2026-11-23 09:01" in html and "2026-11-23 09:00" in html


def test_overview_lists_the_counters_open_now(api, make, admin_client):
    desk = make.desk()
    html = admin_client.get("/admin").get_data(as_text=True)
    assert f"UJI · {desk.counter}</a>" not in html
    api.open_counter(desk.staff, desk.counter)
    html = admin_client.get("/admin").get_data(as_text=True)
    assert "Loket yang buka sekarang" in html
    assert f"UJI · {desk.counter}</a> — Petugas Uji {desk.staff}" in html


def test_settings_page_shows_a_sample_ticket_the_admin_may_load(admin_client):
    html = admin_client.get("/admin/settings").get_data(as_text=True)
    src = re.search(r'<aside class="ticket-sample">.*?<img src="([^"]+)"', html, re.S).group(1)
    r = admin_client.get(src)
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert r.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_audit_log_downloads_as_csv(app, admin_client):
    import csv

    post_form(admin_client, "/admin/holidays", {"day": "2026-12-31", "name": "Cuti, bersama"})
    r = admin_client.get("/admin/audit.csv?entity=holiday")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0] == ["at", "actor", "action", "entity", "entity_id", "detail"]
    assert [row[1:4] for row in rows[1:]][-1] == ["admin", "create", "holiday"]
    assert rows[-1][0] == "2026-11-23T09:00:00+08:00"
    assert '"name": "Cuti, bersama"' in rows[-1][5]
    assert len(rows) == 1 + 3  # the demo's two holidays and this one
