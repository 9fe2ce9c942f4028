"""The admin area reads in Indonesian by default and in English at a tap, every text from
the gettext catalogues (issue 12): no text left in a template outside ``_()``, the language
chosen as on the other server pages (``?lang=``, remembered) and a refusal worded in the
reader's language at its field."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from sqlalchemy import select

from mpp.models import Service

from ..support.sessions import post_form

TEMPLATES = Path(__file__).resolve().parents[2] / "mpp" / "admin" / "templates" / "admin"
#: words a template may show as they are (names, codes, samples of what to type)
AS_IS = {"MPP", "Admin", "admin", "id", "ms", "mpp-printer", "--server", "--token", "TOKEN",
         "--printer", "usb:0x0416:0x5011", "/rate?counter=", "#token=", "/", "·", "—", "→",
         "←", "“", "”", "(", ")", "#", ".", ":", ",", "+"}


def _bare_texts(source: str) -> list[str]:
    """The words a template shows that do not go through gettext: what is left once the
    Jinja expressions, statements, comments and the HTML tags are taken out."""
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    return [w for w in text.split() if w not in AS_IS and re.search(r"[A-Za-z]", w)]


def test_every_admin_template_text_goes_through_gettext():
    left = {path.name: words for path in sorted(TEMPLATES.glob("*.html"))
            if (words := _bare_texts(path.read_text(encoding="utf-8")))}
    assert left == {}, "wrap these in {{ _(\"…\") }} and run pybabel (docs/translations.md)"
    # the check itself finds a bare text
    assert _bare_texts('<h1>Layanan <span class="en">Services</span></h1>') == [
        "Layanan", "Services"]


def test_admin_pages_are_indonesian_first_and_english_is_remembered(admin_client):
    html = admin_client.get("/admin/services").get_data(as_text=True)
    assert '<html lang="id">' in html and ">Layanan</a>" in html and "Jam layanan" in html
    assert 'hreflang="en"' in html   # the switch, in the header

    html = admin_client.get("/admin/services?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and ">Services</a>" in html
    assert "Service hours" in html and "Jam layanan" not in html
    # the choice is kept: the next page without ?lang= is English too
    html = admin_client.get("/admin/devices").get_data(as_text=True)
    assert '<html lang="en">' in html and "Last connected" in html
    assert 'hreflang="id"' in html and ">Bahasa Indonesia</a>" in html
    html = admin_client.get("/admin/devices?lang=id").get_data(as_text=True)
    assert '<html lang="id">' in html and "Terakhir terhubung" in html


def test_a_refusal_is_worded_in_english_at_its_field_in_english(app, make, admin_client):
    code = make.service()
    with app.extensions["mpp"].db.read() as s:
        akta = s.scalars(select(Service).where(Service.code == code)).one()
    form = {"agency_id": akta.agency_id, "code": code, "prefix": akta.prefix, "name": akta.name,
            "sla_minutes": "45", "fee": "0", "regular_per_priority": "2", "active": "on",
            **{f"hours_{d}": "08:00-15:00" for d in ("mon", "tue", "wed", "thu", "fri")},
            "hours_sat": "closed", "hours_sun": "tutup", "hours_wed": "8"}
    r = post_form(admin_client, f"/admin/services/{akta.id}?lang=en", form)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    error = re.search(r'<small class="field-error" id="e-hours_wed">(.*?)</small>', html, re.S)
    assert error and unescape(error.group(1)).startswith("Wednesday's hours cannot be read (“8”)")
    assert "Not saved:" in html and "Tidak tersimpan" not in html
