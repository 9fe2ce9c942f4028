"""The running text in English beside the Indonesian one: saved from the settings form,
sent to boards (in the snapshot and, on a change, in a `site` event), and carried by the
site file, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mpp.domain.errors import ValidationFailed
from mpp.models import Site
from mpp.services.admin import AdminService

from ..support.sessions import post_form
from .conftest import actor_named

ENGLISH = "Welcome. Please have your documents ready before you are called."


def _svc(app) -> AdminService:  # type: ignore[no-untyped-def]
    hall = app.extensions["mpp"]
    return AdminService(hall.db, hall.clock, hall.queue)


def test_the_demo_site_has_an_english_running_text_in_the_snapshot(client):
    site = client.get("/api/v1/queue").get_json()["site"]
    assert site["running_text"].startswith("Selamat datang di Mal Pelayanan Publik")
    assert site["running_text_en"].startswith("Welcome to the Kendari City Public Service Mall")


def test_saving_the_english_text_reaches_the_snapshot_and_open_boards(any_app):
    svc = _svc(any_app)
    admin = actor_named(any_app, "admin")
    events = any_app.extensions["mpp_events"]
    svc.save_settings(admin, name="Mal Pelayanan Publik Kota Kendari",
                      timezone="Asia/Makassar", settings={"running_text_en": f"  {ENGLISH} "})
    snapshot = any_app.test_client().get("/api/v1/queue").get_json()
    assert snapshot["site"]["running_text_en"] == ENGLISH
    assert snapshot["site"]["running_text"].startswith("Selamat datang")  # untouched
    sent = events.named("site")
    assert len(sent) == 1 and sent[0].namespace == "/hall"
    assert sent[0].data == {"site": snapshot["site"]}
    # Saving the same values again changes nothing, so no board is bothered.
    svc.save_settings(admin, name="Mal Pelayanan Publik Kota Kendari",
                      timezone="Asia/Makassar", settings={"running_text_en": ENGLISH})
    assert len(events.named("site")) == 1


def test_the_english_text_round_trips_through_the_site_file(any_app):
    svc = _svc(any_app)
    admin = actor_named(any_app, "admin")
    events = any_app.extensions["mpp_events"]
    text = svc.export_site_file()
    assert 'running_text_en = "Welcome to the Kendari City Public Service Mall.' in text
    assert svc.load_site_file(admin, text) == {"created": 0, "updated": 0}
    assert events.named("site") == []  # the same file: nothing for the boards

    changed = text.replace('running_text_en = "Welcome to the Kendari City Public Service Mall.',
                           f'running_text_en = "{ENGLISH} Kendari.', 1)
    assert svc.load_site_file(admin, changed) == {"created": 0, "updated": 1}
    with any_app.extensions["mpp"].db.read() as s:
        stored = s.scalars(select(Site)).one().settings["running_text_en"]
    assert stored.startswith(f"{ENGLISH} Kendari.")
    assert [e.data["site"]["running_text_en"] for e in events.named("site")] == [stored]
    assert svc.export_site_file() == changed


@pytest.mark.parametrize(("value", "message"), [
    ("42", "'running_text_en' must be text of at most 2000 characters"),
    (f'"{"x" * 2001}"', "at most 2000 characters"),
])
def test_a_site_file_with_a_wrong_english_text_is_refused(app, value, message):
    bad = ('[site]\ncode = "kendari"\nname = "Mal Pelayanan Publik Kota Kendari"\n'
           f"running_text_en = {value}\n")
    with pytest.raises(ValidationFailed) as err:
        _svc(app).load_site_file(actor_named(app, "admin"), bad)
    assert err.value.code == "invalid_site_file"
    assert message in err.value.message


def test_the_settings_form_saves_the_english_running_text(app, admin_client):
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert 'name="running_text_en"' in page
    assert "Welcome to the Kendari City Public Service Mall." in page  # the demo's text
    form = {"name": "Mal Pelayanan Publik Kota Kendari", "timezone": "Asia/Makassar",
            "running_text": "Selamat datang", "friday_break": "11:30-13:00",
            "issue_cutoff_minutes": "30"}
    r = post_form(admin_client, "/admin/settings", {**form, "running_text_en": ENGLISH})
    assert r.status_code == 302
    with app.extensions["mpp"].db.read() as s:
        settings = s.scalars(select(Site)).one().settings
    assert (settings["running_text"], settings["running_text_en"]) == ("Selamat datang", ENGLISH)

    r = post_form(admin_client, "/admin/settings", {**form, "running_text_en": "y" * 2001})
    assert r.status_code == 422
    assert ("Teks berjalan dalam bahasa Inggris paling banyak 2000 karakter."
            in r.get_data(as_text=True))


def test_mpp_site_export_and_load_carry_the_english_text(mpp, tmp_path):
    exported = mpp("site", "export").output
    assert 'running_text_en = "Welcome to the Kendari City Public Service Mall.' in exported
    path = tmp_path / "site.toml"
    path.write_text(exported.replace('running_text_en = "Welcome to the Kendari',
                                     f'running_text_en = "{ENGLISH} Kendari', 1))
    r = mpp("site", "load", str(path))
    assert r.exit_code == 0 and "0 created, 1 updated" in r.output, r.output
    again = mpp("site", "export").output
    assert again == path.read_text()

    path.write_text('[site]\ncode = "kendari"\nname = "MPP"\nrunning_text_en = ["no"]\n')
    r = mpp("site", "load", str(path))
    assert r.exit_code == 2
    assert "'running_text_en' must be text" in r.output and r.output.count("\n") == 1
