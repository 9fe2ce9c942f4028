"""The admin writes a service's product, complaint handling and English texts; the kiosk's
API and the evidence report show them (issue 12)."""

from __future__ import annotations

from sqlalchemy import select

from mpp.models import Service

from ..support.sessions import post_form, sign_in

HOURS_ALWAYS = {f"hours_{d}": "00:00-24:00"
                for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _service(app, code: str) -> Service:  # type: ignore[no-untyped-def]
    with app.extensions["mpp"].db.read() as s:
        return s.scalars(select(Service).where(Service.code == code)).one()


def test_the_service_form_saves_product_complaints_and_english_texts(app, api, make,
                                                                     admin_client):
    akta = _service(app, make.service())
    page = admin_client.get(f"/admin/services/{akta.id}").get_data(as_text=True)
    for name in ("product", "complaints", "requirements_en", "procedure_en", "product_en",
                 "complaints_en"):
        assert f'name="{name}"' in page, name
    assert ">regular_per_priority<" not in page       # a label, not a field name
    r = post_form(admin_client, f"/admin/services/{akta.id}", {
        "agency_id": akta.agency_id, "code": akta.code, "prefix": akta.prefix, "name": akta.name,
        "requirements": "Surat keterangan lahir", "product": "Kutipan akta kelahiran",
        "complaints": "Meja pengaduan Disdukcapil", "requirements_en": "Birth letter\n",
        "product_en": "Birth certificate extract", "sla_minutes": "45", "fee": "0",
        "regular_per_priority": "2", "active": "on", "priority_enabled": "on",
        **HOURS_ALWAYS})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    service = next(s for s in api.get("/services").body["services"] if s["code"] == akta.code)
    assert service["product"] == "Kutipan akta kelahiran"
    assert service["complaints"] == "Meja pengaduan Disdukcapil"
    assert service["texts_en"] == {"requirements": ["Birth letter"],
                                   "product": "Birth certificate extract"}
    again = admin_client.get(f"/admin/services/{akta.id}").get_data(as_text=True)
    assert "Birth certificate extract" in again


def test_a_service_without_its_own_complaint_text_shows_the_sites(api, make):
    code = make.service(product="KTP-el (Kartu Tanda Penduduk elektronik)")
    ktp = next(s for s in api.get("/services").body["services"] if s["code"] == code)
    assert ktp["product"] == "KTP-el (Kartu Tanda Penduduk elektronik)"
    assert ktp["complaints"].startswith("Pengaduan, saran dan masukan")
    assert ktp["texts_en"]["complaints"].startswith("Complaints, suggestions")


def test_the_evidence_report_lists_product_procedure_and_complaint_handling(app):
    client = app.test_client()
    assert sign_in(client, "manajer").status_code == 302
    html = client.get("/reports/evidence?from=2026-11-23&to=2026-11-23").get_data(as_text=True)
    assert "Produk layanan" in html and "Penanganan pengaduan, saran dan masukan" in html
    assert "KTP-el (Kartu Tanda Penduduk elektronik)" in html
    assert "SP4N-LAPOR!" in html
    assert "Belum dipublikasikan" not in html      # the demo publishes every part
