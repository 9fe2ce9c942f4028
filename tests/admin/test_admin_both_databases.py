"""The set-up use cases on SQLite and PostgreSQL alike: JSON columns (hours tables, settings,
audit details) and the site file round trip."""

from __future__ import annotations

from sqlalchemy import select

from mpp.models import AuditLog, Device, Service
from mpp.services.admin import AdminService

from ..support.api import Api
from .conftest import actor_named


def test_set_up_round_trips_through_the_site_file(any_app):
    hall = any_app.extensions["mpp"]
    svc = AdminService(hall.db, hall.clock, hall.queue)
    admin = actor_named(any_app, "admin")
    agency = svc.save_agency(admin, None, code="KEMENAG", name="Kantor Kemenag")
    service = svc.save_service(admin, None, {
        "agency_id": agency, "code": "HAJI", "name": "Pendaftaran Haji", "prefix": "N",
        "hours": {"mon-fri": "00:00-24:00", "sat": "08:00-12:00", "sun": "closed"},
        "requirements": "KTP-el\nKK", "daily_quota": 40, "regular_per_priority": 0})
    svc.save_counter(admin, None, agency_id=agency, name="Loket 13", service_ids=[service])
    svc.save_settings(admin, name="MPP Kota Kendari", timezone="Asia/Makassar",
                      settings={"running_text": "Selamat datang", "friday_break": ""})
    made = svc.create_device(admin, name="display-kemenag", kind="display",
                             settings={"agencies": ["KEMENAG"], "title": "Antrian Kemenag"})

    text = svc.export_site_file()
    assert 'code = "HAJI"' in text and 'sat = "08:00-12:00"' in text
    assert svc.load_site_file(admin, text) == {"created": 0, "updated": 0}

    with hall.db.read() as s:
        sv = s.get(Service, service)
        assert sv.hours["sat"] == "08:00-12:00" and sv.hours["mon"] == "00:00-24:00"
        assert sv.requirements == ["KTP-el", "KK"]
        assert s.get(Device, made.device_id).settings == {"agencies": ["KEMENAG"],
                                                          "title": "Antrian Kemenag"}
        # the admin's change (the demo's own set-up may have audited the site before)
        updates = s.scalars(select(AuditLog).where(AuditLog.entity == "site",
                                                   AuditLog.action == "update")).all()
        [site_update] = [u for u in updates if "changes" in (u.detail or {})]
        changed = site_update.detail["changes"]["settings"]
        assert changed["to"]["running_text"] == "Selamat datang"
        assert changed["to"]["friday_break"] == ""

    api = Api(any_app.test_client())
    ticket = api.issue("HAJI")
    assert ticket["number"] == "N001"
