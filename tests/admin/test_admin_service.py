"""AdminService: the set-up use cases validate with clear errors and audit every change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mpp.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from mpp.models import Agency, AuditLog, Device, Service, Site
from mpp.services.admin import normalise_hours

from ..support.api import STAFF_PASSWORD
from .conftest import actor_named


def _new_agency(admin_svc, admin, code="SAMSAT2") -> int:  # type: ignore[no-untyped-def]
    return admin_svc.save_agency(admin, None, code=code, name="Samsat Keliling")


def _service_data(agency_id: int, **over):  # type: ignore[no-untyped-def]
    return {"agency_id": agency_id, "code": "BBN", "name": "Balik Nama Kendaraan",
            "prefix": "M", "sla_minutes": 25, "fee": 0, "hours": "00:00-24:00",
            "requirements": "KTP-el\nBPKB asli", "procedure": ["Ambil nomor", "Verifikasi"],
            **over}


def test_new_agency_service_and_counter_can_take_tickets(app, api, admin_svc, admin):
    agency_id = _new_agency(admin_svc, admin)
    service_id = admin_svc.save_service(admin, None, _service_data(agency_id))
    counter_id = admin_svc.save_counter(admin, None, agency_id=agency_id, name="Loket 20",
                                        service_ids=[service_id])
    admin_svc.create_user(admin, username="samsat1", password="petugas-baru",
                          role="staff", agency_id=agency_id)
    ticket = api.issue("BBN")
    assert ticket["number"] == "M001"
    token = api.login("samsat1", "petugas-baru")
    assert api.post(f"/counters/{counter_id}/open", token=token).status == 200
    called = api.post(f"/counters/{counter_id}/call-next", token=token)
    assert called.body["ticket"]["number"] == "M001"
    with app.extensions["mpp"].db.read() as s:
        sv = s.get(Service, service_id)
        assert sv.requirements == ["KTP-el", "BPKB asli"]
        assert sv.procedure == ["Ambil nomor", "Verifikasi"]


def test_duplicate_prefix_names_the_service_that_has_it(make, admin_svc, admin):
    code = make.service(prefix="Q")
    agency_id = _new_agency(admin_svc, admin)
    with pytest.raises(Conflict) as err:
        admin_svc.save_service(admin, None, _service_data(agency_id, prefix="q"))
    assert err.value.code == "duplicate_prefix"
    assert f"UJI/{code}" in err.value.message


@pytest.mark.parametrize(("over", "code"), [
    ({"prefix": "A1"}, "invalid_prefix"),
    ({"prefix": ""}, "invalid_prefix"),
    ({"hours": {"mon": "8-15"}}, "invalid_hours"),
    ({"hours": {"funday": "08:00-15:00"}}, "invalid_hours"),
    ({"hours": "15:00-08:00"}, "invalid_hours"),
    ({"name": "  "}, "missing_field"),
    ({"sla_minutes": "half an hour"}, "invalid_number"),
    ({"fee": -5}, "invalid_number"),
    ({"daily_quota": 0}, "invalid_number"),
    ({"code": "K T P"}, "invalid_code"),
])
def test_bad_service_fields_are_refused_with_a_clear_code(admin_svc, admin, over, code):
    agency_id = _new_agency(admin_svc, admin)
    with pytest.raises(ValidationFailed) as err:
        admin_svc.save_service(admin, None, _service_data(agency_id, **over))
    assert err.value.code == code
    assert err.value.message


def test_service_for_an_unknown_agency_is_refused(admin_svc, admin):
    with pytest.raises(NotFound) as err:
        admin_svc.save_service(admin, None, _service_data(9999))
    assert err.value.code == "agency_not_found"


def test_weekday_hours_keep_their_table_and_equal_days_collapse():
    assert normalise_hours({d: "08:00-15:00" for d in
                            ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}) == "08:00-15:00"
    table = normalise_hours({"mon-fri": "08:00-15:00", "sat": "08:00-12:00", "sun": "closed"})
    assert table["fri"] == "08:00-15:00" and table["sat"] == "08:00-12:00"
    assert table["sun"] == "closed"


def test_counter_may_serve_only_its_own_agencys_services(make, admin_svc, admin):
    other_agencys = make.service_id(make.service())
    agency_id = _new_agency(admin_svc, admin)
    with pytest.raises(ValidationFailed) as err:
        admin_svc.save_counter(admin, None, agency_id=agency_id, name="Loket X",
                               service_ids=[other_agencys])
    assert err.value.code == "other_agency_service"


def test_counter_needs_a_service_and_a_unique_name(app, make, admin_svc, admin):
    desk = make.desk()
    with app.extensions["mpp"].db.read() as s:
        agency = s.get(Service, desk.service_id).agency_id
    with pytest.raises(ValidationFailed) as err:
        admin_svc.save_counter(admin, None, agency_id=agency, name="Loket 30", service_ids=[])
    assert err.value.code == "no_services"
    with pytest.raises(Conflict) as err2:
        admin_svc.save_counter(admin, None, agency_id=agency, name=desk.counter,
                               service_ids=[desk.service_id])
    assert err2.value.code == "counter_exists"


def test_only_admins_change_the_set_up(app, admin_svc):
    manager = actor_named(app, "manajer")
    with pytest.raises(Forbidden) as err:
        admin_svc.save_agency(manager, None, code="X", name="X")
    assert err.value.code == "admin_only"


def test_every_change_is_audited_with_who_and_what(app, admin_svc, admin):
    agency_id = _new_agency(admin_svc, admin)
    admin_svc.save_agency(admin, agency_id, code="SAMSAT2", name="Samsat Keliling Kota",
                          active=True)
    with app.extensions["mpp"].db.read() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.entity == "agency",
                                                AuditLog.entity_id == str(agency_id))
                         .order_by(AuditLog.id)).all()
    assert [r.action for r in rows] == ["create", "update"]
    assert {r.actor for r in rows} == {"admin"}
    assert rows[0].user_id == admin.user_id
    assert rows[1].detail["changes"] == {"name": {"from": "Samsat Keliling",
                                                  "to": "Samsat Keliling Kota"}}
    assert rows[1].at == app.extensions["mpp"].clock.now()


def test_unchanged_save_writes_no_audit_entry(app, admin_svc, admin):
    agency_id = _new_agency(admin_svc, admin)
    with app.extensions["mpp"].db.read() as s:
        before = s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    admin_svc.save_agency(admin, agency_id, code="SAMSAT2", name="Samsat Keliling")
    with app.extensions["mpp"].db.read() as s:
        assert s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) == before


def test_deactivating_a_service_keeps_its_tickets(app, api, make, admin_svc, admin):
    code = make.service()
    ticket = api.issue(code)
    sid = api.service_id(code)
    with app.extensions["mpp"].db.read() as s:
        sv = s.get(Service, sid)
        data = {"agency_id": sv.agency_id, "code": sv.code, "name": sv.name,
                "prefix": sv.prefix, "hours": sv.hours, "active": False}
    admin_svc.save_service(admin, sid, data)
    assert api.get(f"/tickets/by-token/{ticket['token']}").status == 200
    assert api.post("/tickets", {"service_id": sid},
                    token=api.device_token()).status == 409


def test_prefix_cannot_change_while_today_has_tickets_under_it(app, api, make, admin_svc,
                                                              admin):
    code = make.service()
    api.issue(code)
    sid = api.service_id(code)
    with app.extensions["mpp"].db.read() as s:
        sv = s.get(Service, sid)
        data = {"agency_id": sv.agency_id, "code": code, "name": sv.name, "prefix": "Z",
                "hours": sv.hours}
    with pytest.raises(Conflict) as err:
        admin_svc.save_service(admin, sid, data)
    assert err.value.code == "prefix_in_use"


def test_device_token_works_until_revoked_and_rotation_replaces_it(app, api, admin_svc, admin):
    made = admin_svc.create_device(admin, name="kiosk-lobi-2", kind="kiosk")
    assert api.get("/auth/me", token=made.token).body["role"] == "kiosk"
    rotated = admin_svc.rotate_device(admin, made.device_id)
    assert rotated.token != made.token
    assert api.get("/auth/me", token=made.token).status == 401
    assert api.get("/auth/me", token=rotated.token).status == 200
    admin_svc.revoke_device(admin, made.device_id)
    r = api.get("/auth/me", token=rotated.token)
    assert r.status == 401 and r.error == "invalid_token"
    with app.extensions["mpp"].db.read() as s:
        device = s.get(Device, made.device_id)
        assert device.token_hash != made.token and made.token not in str(device.settings)
        actions = [r.action for r in s.scalars(select(AuditLog).where(
            AuditLog.entity == "device", AuditLog.entity_id == str(made.device_id)))]
    assert actions == ["create", "rotate", "revoke"]


def test_kiosk_pairs_only_with_a_printer_and_displays_filter_known_agencies(app, make,
                                                                             admin_svc, admin):
    make.service()
    make.agency().service()
    display = admin_svc.create_device(admin, name="display-uji", kind="display").device_id
    printer = admin_svc.create_device(admin, name="printer-uji", kind="printer").device_id
    with pytest.raises(ValidationFailed) as err:
        admin_svc.create_device(admin, name="kiosk-x", kind="kiosk",
                                settings={"printer_device_id": display})
    assert err.value.code == "invalid_printer"
    made = admin_svc.create_device(admin, name="kiosk-y", kind="kiosk",
                                   settings={"printer_device_id": printer})
    with pytest.raises(NotFound) as err2:
        admin_svc.update_device(admin, display, name="display-uji",
                                settings={"agencies": ["UJI", "NOPE"]})
    assert err2.value.code == "agency_not_found"
    admin_svc.update_device(admin, display, name="display-uji",
                            settings={"agencies": ["uji", "UJB"]})
    with app.extensions["mpp"].db.read() as s:
        assert s.get(Device, display).settings["agencies"] == ["UJI", "UJB"]
        assert s.get(Device, made.device_id).settings == {"printer_device_id": printer}


def test_deactivated_user_loses_tokens_and_cannot_sign_in(app, api, make, admin_svc, admin):
    clerk = make.staff()
    token = api.login(clerk)
    user = actor_named(app, clerk)
    admin_svc.update_user(admin, user.user_id, role="staff", agency_id=user.agency_id,
                          full_name="", active=False)
    r = api.get("/auth/me", token=token)
    assert r.status == 401 and r.error == "invalid_token"
    r = api.post("/auth/login", {"username": clerk, "password": STAFF_PASSWORD})
    assert r.status == 401


def test_admin_cannot_lock_themself_out_nor_remove_the_last_admin(app, admin_svc, admin):
    with pytest.raises(Conflict) as err:
        admin_svc.update_user(admin, admin.user_id, role="admin", agency_id=None,
                              full_name="", active=False)
    assert err.value.code == "self_lockout"
    second = admin_svc.create_user(admin, username="admin2", password="admin-kedua",
                                   role="admin")
    other = actor_named(app, "admin2")
    admin_svc.update_user(other, admin.user_id, role="admin", agency_id=None, full_name="",
                          active=False)
    with pytest.raises(Conflict) as err2:
        admin_svc.update_user(admin, second, role="manager", agency_id=None, full_name="",
                              active=True)
    # the first admin is inactive now, so admin2 is the last one
    assert err2.value.code in ("last_admin", "self_lockout")


def test_staff_must_belong_to_an_agency(admin_svc, admin):
    with pytest.raises(ValidationFailed) as err:
        admin_svc.create_user(admin, username="petugas-x", password="petugas-mpp",
                              role="staff")
    assert err.value.code == "agency_required"


def test_password_change_needs_the_current_one_and_revokes_tokens(app, api, make, admin_svc):
    clerk = make.staff()
    token = api.login(clerk)
    me = actor_named(app, clerk)
    with pytest.raises(ValidationFailed) as err:
        admin_svc.change_own_password(me, "wrong", "kata-sandi-baru")
    assert err.value.code == "wrong_password"
    with pytest.raises(ValidationFailed) as err2:
        admin_svc.change_own_password(me, STAFF_PASSWORD, "short")
    assert err2.value.code == "weak_password"
    admin_svc.change_own_password(me, STAFF_PASSWORD, "kata-sandi-baru")
    assert api.get("/auth/me", token=token).status == 401
    assert api.post("/auth/login", {"username": clerk,
                                    "password": STAFF_PASSWORD}).status == 401
    assert api.post("/auth/login", {"username": clerk,
                                    "password": "kata-sandi-baru"}).status == 200


def test_holidays_close_the_hall_and_can_be_removed(app, api, make, admin_svc, admin, clock):
    day = clock.now().date()  # a Monday at 09:00
    # A service with real hours is closed by a holiday; 24-hour services stay open.
    sid = make.service_id(make.service(hours="08:00-15:00"))
    assert api.post("/tickets", {"service_id": sid}, token=api.device_token()).status == 201
    holiday = admin_svc.add_holiday(admin, day, "Cuti bersama")
    with pytest.raises(Conflict):
        admin_svc.add_holiday(admin, day, "Again")
    r = api.post("/tickets", {"service_id": sid}, token=api.device_token())
    assert r.status == 409 and r.error == "service_closed"
    admin_svc.delete_holiday(admin, holiday)
    assert api.post("/tickets", {"service_id": sid}, token=api.device_token()).status == 201


def test_site_settings_are_checked_and_saved(app, admin_svc, admin):
    with pytest.raises(ValidationFailed) as err:
        admin_svc.save_settings(admin, name="MPP", timezone="Mars/Olympus", settings={})
    assert err.value.code == "invalid_timezone"
    with pytest.raises(ValidationFailed) as err2:
        admin_svc.save_settings(admin, name="MPP", timezone="Asia/Makassar",
                                settings={"friday_break": "11:30-12:00,12:30-13:00"})
    assert err2.value.code == "invalid_hours"
    admin_svc.save_settings(admin, name="MPP Kota Kendari", timezone="Asia/Makassar",
                            settings={"friday_break": "11:45-13:15", "running_text": "Halo",
                                      "ticket_footer": "Terima kasih",
                                      "issue_cutoff_minutes": "15"})
    with app.extensions["mpp"].db.read() as s:
        site = s.scalars(select(Site)).first()
        assert site.name == "MPP Kota Kendari"
        assert site.settings["friday_break"] == "11:45-13:15"
        assert site.settings["issue_cutoff_minutes"] == 15
        assert site.settings["running_text"] == "Halo"
        assert site.settings["address"].startswith("Jl.")  # untouched keys stay


def test_site_file_round_trip_changes_nothing_and_other_sites_are_refused(app, admin_svc,
                                                                          admin):
    text = admin_svc.export_site_file()
    assert admin_svc.load_site_file(admin, text) == {"created": 0, "updated": 0}
    with pytest.raises(ValidationFailed) as err:
        admin_svc.load_site_file(admin, text.replace('code = "kendari"', 'code = "baubau"', 1))
    assert err.value.code == "other_site"
    with pytest.raises(ValidationFailed) as err2:
        admin_svc.load_site_file(admin, "[site\nname=")
    assert err2.value.code == "invalid_toml"


def test_site_file_adds_an_agency_and_is_audited_as_a_load(app, admin_svc, admin):
    text = admin_svc.export_site_file() + """
[[agencies]]
code = "KEMENAG"
name = "Kantor Kementerian Agama"

[[agencies.services]]
code = "HAJI"
name = "Pendaftaran Haji"
prefix = "N"

[[agencies.counters]]
name = "Loket 13"
services = ["HAJI"]
"""
    assert admin_svc.load_site_file(admin, text) == {"created": 3, "updated": 0}
    with app.extensions["mpp"].db.read() as s:
        load = s.scalars(select(AuditLog).where(AuditLog.action == "load")).one()
        assert load.actor == "admin" and load.detail == {"created": 3, "updated": 0}
        assert s.scalars(select(Agency).where(Agency.code == "KEMENAG")).one()


def test_admin_closes_a_counter_left_open_but_not_one_holding_a_ticket(app, api, make,
                                                                       admin_svc, admin, events):
    desk = make.desk()
    counter = api.open_counter(desk.staff, desk.counter)
    api.issue(desk.code)
    token = api.login(desk.staff)
    assert api.post(f"/counters/{counter}/call-next", token=token).body["ticket"]
    with pytest.raises(Conflict) as err:
        admin_svc.release_counter(admin, counter)
    assert err.value.code == "counter_busy"
    held = api.get(f"/counters/{counter}/queue", token=token).body["ticket"]
    assert api.post(f"/tickets/{held['id']}/finish", token=token).status == 200
    before = len(events.events)
    admin_svc.release_counter(admin, counter)
    assert not next(c for c in api.get("/counters").body["counters"]
                    if c["id"] == counter)["open"]
    told = [e.data["counter"] for e in events.events[before:] if e.name == "counter"]
    assert [(c["id"], c["open"]) for c in told] == [(counter, False)]
    r = api.post(f"/counters/{counter}/call-next", token=token)
    assert (r.status, r.error) == (403, "not_at_counter")


def test_staff_holding_a_counter_is_deactivated_only_after_it_is_closed(app, api, make,
                                                                        admin_svc, admin):
    desk = make.desk()
    counter = api.open_counter(desk.staff, desk.counter)
    uid = actor_named(app, desk.staff).user_id
    agency = actor_named(app, desk.staff).agency_id
    with pytest.raises(Conflict) as err:
        admin_svc.update_user(admin, uid, role="staff", agency_id=agency, full_name="",
                              active=False)
    assert err.value.code == "counter_open"
    with pytest.raises(Conflict) as err2:
        admin_svc.save_counter(admin, counter, agency_id=agency, name=desk.counter,
                               service_ids=[desk.service_id], active=False)
    assert err2.value.code == "counter_open"
    admin_svc.release_counter(admin, counter)
    admin_svc.update_user(admin, uid, role="staff", agency_id=agency, full_name="",
                          active=False)


def test_a_deactivated_agency_takes_no_tickets_but_keeps_its_history(app, api, make,
                                                                     admin_svc, admin):
    code = make.service()
    old = api.issue(code)
    with app.extensions["mpp"].db.read() as s:
        agency = s.scalars(select(Agency).where(Agency.code == "UJI")).one()
        aid, name = agency.id, agency.name
    admin_svc.save_agency(admin, aid, code="UJI", name=name, active=False)
    ours = next(sv for sv in api.get("/services").body["services"] if sv["code"] == code)
    assert ours["open"] is False
    r = api.post("/tickets", {"service_id": ours["id"]}, token=api.device_token())
    assert (r.status, r.error) == (409, "service_closed")
    assert api.get(f"/tickets/by-token/{old['token']}").body["ticket"]["status"] == "waiting"
