"""`mpp migrate` builds the schema in an empty database, and upgrades a database written by
the previous release (its own code, its own migrations, tickets in it) without losing a row.

The previous release is the newest `v*` git tag, or, before the first tag, the project's
first commit. Its tree is taken with `git archive` and run from a folder of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from mpp.clock import SystemClock
from mpp.db import Database
from mpp.models import Base
from mpp.ops.health import newest_revisions

from ..conftest import make_app
from ..support import databases

ROOT = Path(__file__).resolve().parents[2]

#: run with the previous release's code: its migrations, its demo, its API
OLD_RELEASE_WRITES = r"""
import json, sys
from datetime import datetime, timezone
from mpp import create_app, migrate
from mpp.config import TestConfig
from mpp.db import Database
from mpp.services.demo import demo_device_token, load_demo

url = sys.argv[1]
db = Database(url)
migrate.upgrade(db)
with db.write() as s:
    load_demo(s, datetime.now(timezone.utc), "old-secret")
db.dispose()
c = create_app(TestConfig(url, SECRET_KEY="old-secret")).test_client()
kiosk = {"Authorization": "Bearer " + demo_device_token("old-secret", "kiosk-1")}
ktp = next(s for s in c.get("/api/v1/services").get_json()["services"] if s["code"] == "KTP")
tickets = []
for _ in range(3):
    r = c.post("/api/v1/tickets", json={"service_id": ktp["id"]}, headers=kiosk)
    assert r.status_code == 201, r.get_json()
    tickets.append(r.get_json()["ticket"])
staff = {"Authorization": "Bearer " + c.post("/api/v1/auth/login", json={
    "username": "dukcapil1", "password": "petugas-mpp"}).get_json()["token"]}
counter = next(x for x in c.get("/api/v1/counters").get_json()["counters"]
               if ktp["id"] in x["service_ids"])
assert c.post(f"/api/v1/counters/{counter['id']}/open", headers=staff).status_code == 200
called = c.post(f"/api/v1/counters/{counter['id']}/call-next", headers=staff).get_json()
print(json.dumps({"tickets": tickets, "called": called["ticket"]["id"]}))
"""


def previous_release() -> str:
    """The newest release tag, else the first commit."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        tags = git("tag", "--list", "v*", "--sort=-v:refname").splitlines()
        return tags[0] if tags else git("rev-list", "--max-parents=0", "HEAD").splitlines()[0]
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"the previous release is read from git history: {exc}")


@contextmanager
def _empty(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'upgrade.sqlite3'}"
        return
    if not databases.PG_URL:
        pytest.skip(databases.PG_SKIP)
    with databases.pg_empty("mpp_upgrade") as url:
        yield url


def _migrate(url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPP_DATABASE_URL": url, "MPP_DATA_DIR": str(cwd / "data")}
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "mpp.cli", "migrate"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def _schema_diff(url: str) -> list[object]:
    db = Database(url)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        at = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    db.dispose()
    assert at == set(newest_revisions())
    return diff


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_migrate_builds_the_whole_schema_in_an_empty_database(kind, tmp_path):
    with _empty(kind, tmp_path) as url:
        done = _migrate(url, tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "schema up to date"
        assert _schema_diff(url) == []
        again = _migrate(url, tmp_path)  # a second run changes nothing
        assert again.returncode == 0 and _schema_diff(url) == []


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_migrate_upgrades_the_previous_release_with_its_tickets(kind, tmp_path):
    release = previous_release()
    old = tmp_path / "previous"
    old.mkdir()
    archive = subprocess.run(["git", "archive", release, "mpp", "printer", "kiosk", "display"],
                             cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(old, filter="data")
    with _empty(kind, tmp_path) as url:
        env = {**os.environ, "PYTHONPATH": str(old), "MPP_DATA_DIR": str(tmp_path / "old")}
        wrote = subprocess.run([sys.executable, "-c", OLD_RELEASE_WRITES, url], cwd=old,
                               env=env, capture_output=True, text=True, timeout=180)
        assert wrote.returncode == 0, wrote.stderr[-3000:]
        before = json.loads(wrote.stdout.strip().splitlines()[-1])

        done = _migrate(url, tmp_path)
        assert done.returncode == 0, done.stderr
        assert _schema_diff(url) == []

        # this release reads what the previous one wrote
        app = make_app(url, SystemClock())  # type: ignore[arg-type]
        client = app.test_client()
        for ticket in before["tickets"]:
            r = client.get(f"/api/v1/tickets/by-token/{ticket['token']}")
            assert r.status_code == 200, r.get_json()
            now = r.get_json()["ticket"]
            assert now["number"] == ticket["number"]
            assert now["status"] == ("called" if ticket["id"] == before["called"] else "waiting")
        assert client.get("/readyz").get_json()["migrations"] == "current"
        app.extensions["mpp"].db.dispose()
        print(f"\nprevious release {release[:12]}: {len(before['tickets'])} tickets read back "
              f"after `mpp migrate` on {kind}")
