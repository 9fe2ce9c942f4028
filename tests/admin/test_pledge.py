"""The service pledge (maklumat pelayanan): written in the settings form or the site file,
kept through an export and a load, and shown on the public pages (mpp/public_web)."""

from __future__ import annotations

from sqlalchemy import select

from mpp.models import Site
from mpp.services.admin import AdminService

from ..support.sessions import post_form
from .conftest import actor_named

PLEDGE = "Kami sanggup melayani sesuai standar pelayanan.\nTanpa pungutan liar."
FORM = {"name": "Mal Pelayanan Publik Kota Kendari", "timezone": "Asia/Makassar",
        "running_text": "Selamat datang", "friday_break": "11:30-13:00",
        "issue_cutoff_minutes": "30"}


def test_the_settings_form_saves_the_pledge_and_the_public_pages_show_it(
        app, admin_client, client):
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert 'name="pledge"' in page and 'name="pledge_en"' in page
    assert "Dengan ini kami menyatakan sanggup" in page  # the demo's pledge
    r = post_form(admin_client, "/admin/settings", {**FORM, "pledge": PLEDGE, "pledge_en": ""})
    assert r.status_code == 302
    with app.extensions["mpp"].db.read() as s:
        settings = s.scalars(select(Site)).one().settings
    assert (settings["pledge"], settings["pledge_en"]) == (PLEDGE, "")
    for path in ("/", "/layanan"):
        html = client.get(path).get_data(as_text=True)
        assert "<h2 id=\"pledge\">Maklumat pelayanan</h2>" in html
        assert f"<p>{PLEDGE}</p>" in html  # its lines kept (shown with white-space: pre-line)
    # no English pledge written: the English page shows the Indonesian one under its heading
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Service pledge" in english and "Tanpa pungutan liar." in english

    r = post_form(admin_client, "/admin/settings", {**FORM, "pledge": "x" * 2001})
    assert r.status_code == 422
    assert "Maklumat pelayanan paling banyak 2000 karakter." in r.get_data(as_text=True)


def test_the_pledge_round_trips_through_the_site_file(any_app):
    hall = any_app.extensions["mpp"]
    svc = AdminService(hall.db, hall.clock, hall.queue)
    admin = actor_named(any_app, "admin")
    text = svc.export_site_file()
    assert 'pledge = "Dengan ini kami menyatakan sanggup' in text
    assert 'pledge_en = "We hereby undertake' in text
    changed = text.replace('pledge_en = "We hereby undertake', 'pledge_en = "We undertake', 1)
    assert svc.load_site_file(admin, changed) == {"created": 0, "updated": 1}
    with hall.db.read() as s:
        assert s.scalars(select(Site)).one().settings["pledge_en"].startswith("We undertake")
    assert svc.export_site_file() == changed
