"""The site file's ``[notifications]`` table: loaded, exported at the top level, refused when
wrong."""

from __future__ import annotations

import tomllib

import pytest

from mpp.domain.errors import ValidationFailed
from mpp.services.site_layout import export_layout, load_layout

from ..support.databases import START
from .conftest import configure


def test_the_notifications_table_loads_and_exports_at_the_top_level(app):
    configure(app, "https://gw.example/hook", ahead=4)
    with app.extensions["mpp"].db.read() as s:
        doc = tomllib.loads(export_layout(s))
    assert doc["notifications"] == {"webhook_url": "https://gw.example/hook",
                                    "secret": "shared-secret", "ahead": 4}
    assert "notifications" not in doc["site"]
    with app.extensions["mpp"].db.write() as s:
        load_layout(s, doc, START)  # loading the export again changes nothing
    with app.extensions["mpp"].db.read() as s:
        assert tomllib.loads(export_layout(s)) == doc


def test_a_wrong_notifications_table_is_refused(app):
    with app.extensions["mpp"].db.read() as s:
        doc = tomllib.loads(export_layout(s))
    doc["notifications"] = {"webhook_url": "not a url", "secret": "x"}
    with pytest.raises(ValidationFailed) as exc, app.extensions["mpp"].db.write() as s:
        load_layout(s, doc, START)
    assert exc.value.code == "invalid_site_file" and "webhook_url" in exc.value.message
