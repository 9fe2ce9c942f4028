"""An admin form's refusal is said in Indonesian and marked at the field it is about
(issue 12)."""

from __future__ import annotations

import re

from sqlalchemy import select

from mpp.models import Service

from ..support.factories import Factories
from ..support.sessions import post_form

HOURS = {f"hours_{d}": "08:00-15:00" for d in ("mon", "tue", "wed", "thu", "fri")}


def _akta(app) -> Service:  # type: ignore[no-untyped-def]
    """A service of the test's own."""
    code = Factories(app).service()
    with app.extensions["mpp"].db.read() as s:
        return s.scalars(select(Service).where(Service.code == code)).one()


def _form(akta: Service, **changes: str) -> dict[str, object]:
    return {"agency_id": akta.agency_id, "code": akta.code, "prefix": akta.prefix,
            "name": akta.name,
            "sla_minutes": "45", "fee": "0", "regular_per_priority": "2", "active": "on",
            **HOURS, "hours_sat": "tutup", "hours_sun": "tutup", **changes}


def _marked(html: str) -> list[str]:
    return re.findall(r'name="([a-z_]+)"[^>]*id="f-[a-z_]+"[^>]*aria-invalid="true"', html)


def test_bad_hours_are_named_by_their_day_in_indonesian(app, admin_client):
    akta = _akta(app)
    r = post_form(admin_client, f"/admin/services/{akta.id}", _form(akta, hours_tue="8"))
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    # in Indonesian, naming the day and what was typed: no English, no raw code
    flash = re.search(r'<p class="flash flash-error" role="alert">(.*?)</p>', html, re.S)
    assert flash and "Jam hari Selasa tidak dapat dibaca (“8”)" in flash.group(1)
    assert "Hours:" not in html and "(invalid_hours)" not in html
    assert _marked(html) == ["hours_tue"]
    assert 'id="e-hours_tue"' in html


def test_a_wrong_number_is_marked_at_its_field_with_its_indonesian_label(app, admin_client):
    akta = _akta(app)
    r = post_form(admin_client, f"/admin/services/{akta.id}",
                  _form(akta, regular_per_priority="banyak"))
    html = r.get_data(as_text=True)
    assert ("Panggilan reguler di antara dua panggilan prioritas harus bilangan bulat "
            "dari 0 sampai 100.") in html
    assert _marked(html) == ["regular_per_priority"]


def test_closed_days_read_tutup_and_are_accepted_as_written(app, admin_client):
    akta = _akta(app)
    r = post_form(admin_client, f"/admin/services/{akta.id}", _form(akta))
    assert r.status_code == 302
    page = admin_client.get(f"/admin/services/{akta.id}").get_data(as_text=True)
    assert re.search(r'name="hours_sat" value="tutup"', page)
