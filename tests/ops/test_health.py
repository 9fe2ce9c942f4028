"""/readyz says whether a process can serve: database, migrations, Redis."""

from __future__ import annotations

from sqlalchemy import text

from mpp.db import Database
from mpp.ops.health import newest_revisions

from ..conftest import make_app
from .netfault import refusing_port


def test_ready_when_the_database_answers_at_the_newest_migration(client):
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ready", "database": "ok", "migrations": "current",
                            "redis": "not configured"}


def test_not_ready_when_migrations_are_behind_the_code(db_url, clock):
    db = Database(db_url)
    with db.write() as s:
        s.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    db.dispose()
    app = make_app(db_url, clock)
    r = app.test_client().get("/readyz")
    body = r.get_json()
    assert r.status_code == 503
    assert body["migrations"].startswith("at older, code needs ")
    assert "mpp migrate" in body["error"]["message"]
    assert set(newest_revisions()) <= set(body["migrations"].split("needs ")[1].split(": ")[0]
                                          .split(", "))


def test_not_ready_when_the_configured_redis_does_not_answer(db_url, clock):
    with refusing_port() as port:
        app = make_app(db_url, clock, REDIS_URL=f"redis://127.0.0.1:{port}/0")
        r = app.test_client().get("/readyz")
    assert r.status_code == 503
    assert r.get_json()["redis"].startswith("unreachable: ")
    assert r.get_json()["error"]["code"] == "not_ready"


def test_ready_with_redis_when_it_answers(db_url, clock, redis_url):
    app = make_app(db_url, clock, REDIS_URL=redis_url)
    r = app.test_client().get("/readyz")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["redis"] == "ok"
