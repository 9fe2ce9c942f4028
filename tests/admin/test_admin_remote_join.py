"""The admin area sets remote join: a service's 'Antrean dari rumah' and the site's check-in
time and per-phone limit, validated like the site file (issue 10)."""

from __future__ import annotations

from sqlalchemy import select

from mpp.models import Service, Site

from ..support.sessions import flashes, post_form
from .test_admin_booking_form import _new_service

BASE = {"name": "Mal Pelayanan Publik Kota Kendari", "timezone": "Asia/Makassar"}


def _remote_settings(app):  # type: ignore[no-untyped-def]
    with app.extensions["mpp"].db.read() as s:
        return s.scalars(select(Site)).one().settings.get("remote_join")


def test_the_service_form_turns_remote_join_on_and_off(app, admin_client):
    r = _new_service(app, admin_client, "WAKAF", remote_join="on")
    assert r.status_code == 302, flashes(r.get_data(as_text=True))
    with app.extensions["mpp"].db.read() as s:
        assert s.scalar(select(Service.remote_join).where(Service.code == "WAKAF")) is True
    page = admin_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Antrean dari rumah" in page and 'name="remote_join" checked' in page
    assert _new_service(app, admin_client, "ZAKAT").status_code == 302
    with app.extensions["mpp"].db.read() as s:
        assert s.scalar(select(Service.remote_join).where(Service.code == "ZAKAT")) is False


def test_site_settings_set_the_check_in_time_and_the_phone_limit(app, admin_client):
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert 'name="remote_check_in_minutes"' in page and 'value="30"' in page  # the demo's
    r = post_form(admin_client, "/admin/settings", {
        **BASE, "remote_check_in_minutes": "45", "remote_per_phone": "1"})
    assert r.status_code == 302, flashes(r.get_data(as_text=True))
    assert _remote_settings(app) == {"check_in_minutes": 45, "per_phone": 1}
    r = post_form(admin_client, "/admin/settings", {
        **BASE, "remote_check_in_minutes": "2", "remote_per_phone": "1"})
    assert r.status_code == 422
    assert "batas check-in 5–240 menit" in r.get_data(as_text=True)
    assert _remote_settings(app) == {"check_in_minutes": 45, "per_phone": 1}
    english = admin_client.get("/admin/settings?lang=en").get_data(as_text=True)
    assert "Check-in deadline (minutes after taking the number)" in english
