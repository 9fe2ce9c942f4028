"""A service takes bookings through its site-file ``booking`` table; the rate limit per
client address; the migration that adds bookings to a database with tickets in it."""

from __future__ import annotations

import tomllib

import pytest
from alembic import command
from sqlalchemy import text

from mpp import migrate
from mpp.db import Database
from mpp.domain.errors import ValidationFailed
from mpp.services.site_layout import export_layout, load_layout

from ..conftest import make_app
from ..support.api import Api
from ..support.databases import START
from .conftest import book, booking_service


def test_the_booking_table_loads_exports_and_turns_off_with_false(app):
    db = app.extensions["mpp"].db
    with db.read() as s:
        doc = tomllib.loads(export_layout(s))
    ktp = doc["agencies"][0]["services"][0]
    assert ktp["booking"] == {"slot_minutes": 30, "per_slot": 4, "days_ahead": 14,
                              "grace_minutes": 15}
    ktp["booking"] = {"per_slot": 6}
    with db.write() as s:
        load_layout(s, doc, START)
    with db.read() as s:
        again = tomllib.loads(export_layout(s))["agencies"][0]["services"][0]
    assert again["booking"]["per_slot"] == 6 and again["booking"]["slot_minutes"] == 30
    again["booking"] = False
    doc["agencies"][0]["services"][0] = again
    with db.write() as s:
        load_layout(s, doc, START)
    with db.read() as s:
        assert "booking" not in tomllib.loads(export_layout(s))["agencies"][0]["services"][0]
    api = Api(app.test_client())
    service = next(x for x in api.get("/services").body["services"] if x["code"] == "KTP")
    assert service["booking"] is None


def test_a_wrong_booking_table_is_refused_naming_the_service(app):
    with app.extensions["mpp"].db.read() as s:
        doc = tomllib.loads(export_layout(s))
    doc["agencies"][0]["services"][0]["booking"] = {"per_slot": 0}
    with pytest.raises(ValidationFailed) as exc, app.extensions["mpp"].db.write() as s:
        load_layout(s, doc, START)
    assert exc.value.code == "invalid_site_file"
    assert "agencies[0].services[0]" in exc.value.message and "per_slot" in exc.value.message


def test_bookings_from_one_address_stop_at_the_rate_limit(db_url, clock):
    app = make_app(db_url, clock, BOOKING_RATE_LIMIT="3 per hour")
    try:
        api = Api(app.test_client())
        sid = booking_service(app, {"per_slot": 10})
        answers = [book(api, sid, phone=f"08120000000{i}").status for i in range(4)]
        assert answers == [201, 201, 201, 429]
        r = book(api, sid, phone="081200000009")
        assert r.error == "too_many_requests" and "booking" in r.body["error"]["message"]
        # reading is not counted
        assert api.get(f"/services/{sid}/slots").status == 200
    finally:
        app.extensions["mpp"].db.dispose()


def test_migrating_a_sqlite_database_with_tickets_adds_bookings(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    db = Database(url)
    with db.engine.connect() as conn:
        cfg = migrate.alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.commit()
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO site (id, code, name, timezone, settings) "
                          "VALUES (1, 'k', 'MPP', 'Asia/Makassar', '{}')"))
        conn.execute(text("INSERT INTO agency (id, site_id, code, name, short_name, sort_order, "
                          "active) VALUES (1, 1, 'A', 'Agency', '', 0, 1)"))
        conn.execute(text(
            "INSERT INTO service (id, agency_id, code, name, name_en, prefix, description, "
            "requirements, procedure, legal_basis, product, complaints, texts_en, fee, "
            "fee_note, hours, priority_enabled, regular_per_priority, active) VALUES (1, 1, "
            "'S', 'Service', '', 'A', '', '[]', '[]', '', '', '', '{}', 0, '', "
            "'\"00:00-24:00\"', 1, 2, 1)"))
        conn.execute(text(
            "INSERT INTO ticket (id, site_id, service_id, origin_service_id, business_date, "
            "sequence, number, priority, status, token, issued_at, call_count, "
            "transfer_count) VALUES (1, 1, 1, 1, '2026-11-23', 1, 'A001', 0, 'waiting', 't1', "
            "'2026-11-23 01:00:00', 0, 0)"))
    migrate.upgrade(db)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT number, booked FROM ticket")).one() == ("A001", 0)
        assert conn.execute(text("SELECT booking FROM service")).scalar_one() is None
        assert conn.execute(text("SELECT count(*) FROM booking")).scalar_one() == 0
    db.dispose()
