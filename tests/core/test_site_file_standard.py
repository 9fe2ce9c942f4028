"""The site file carries the whole published standard: product, complaint handling and the
English texts, loaded and exported in the same form (issue 12)."""

from __future__ import annotations

import tomllib

from mpp.services.site_layout import export_layout, load_layout

from ..support.databases import START


def test_product_complaints_and_english_texts_load_merge_and_export(app):
    db = app.extensions["mpp"].db
    with db.read() as s:
        doc = tomllib.loads(export_layout(s))
    service = doc["agencies"][0]["services"][0]
    assert service["requirements_en"][0] == "Photocopy of the family card (KK)"
    service.update(product="KTP-el", product_en="Electronic ID card (KTP-el)",
                   complaints="SP4N-LAPOR! lapor.go.id")
    del service["requirements_en"]       # a file that does not name a text keeps it
    with db.write() as s:
        load_layout(s, doc, START)
    with db.read() as s:
        again = tomllib.loads(export_layout(s))["agencies"][0]["services"][0]
    assert again["product"] == "KTP-el"
    assert again["product_en"] == "Electronic ID card (KTP-el)"
    assert again["complaints"] == "SP4N-LAPOR! lapor.go.id"
    assert again["requirements_en"][0] == "Photocopy of the family card (KK)"
