"""`mpp backup` and `mpp restore`: a backup restored into an empty database holds every
ticket, event, setting and account; the nightly folder keeps only the newest backups."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm.attributes import flag_modified

from mpp.cli import main
from mpp.db import Database
from mpp.models import Base, Site

from ..support import databases
from ..support.api import Api
from ..support.factories import Factories


def _everything(url: str) -> dict[str, list[Any]]:
    """Every row of every table, in primary-key order."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = {t.name: [tuple(r) for r in conn.execute(
            select(t).order_by(*t.primary_key.columns))] for t in Base.metadata.sorted_tables}
        rows["alembic_version"] = list(conn.execute(text("SELECT version_num "
                                                         "FROM alembic_version")))
    engine.dispose()
    return rows


@contextmanager
def _empty_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'restored' / 'mpp.sqlite3'}"
        return
    with databases.pg_empty("mpp_restore") as url:
        yield url


def _mpp(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> Any:
    monkeypatch.setenv("MPP_DATABASE_URL", url)
    return CliRunner().invoke(main, list(args))


def _a_day_of_work(app: Any) -> None:
    """Tickets, a call and a site setting, on services, a counter and a clerk of its own
    (support/factories.py), in two agencies."""
    api = Api(app.test_client())
    make = Factories(app)
    desk, other = make.desk(), make.service()
    for code in (desk.code, desk.code, other, make.agency().service()):
        api.issue(code)
    cid = api.open_counter(desk.staff, desk.counter)
    staff = api.login(desk.staff)
    ticket = api.post(f"/counters/{cid}/call-next", token=staff).body["ticket"]
    assert api.post(f"/tickets/{ticket['id']}/start", token=staff).status == 200
    assert api.post(f"/tickets/{ticket['id']}/finish", token=staff).status == 200
    db: Database = app.extensions["mpp"].db
    with db.write() as s:
        site = s.scalars(select(Site)).one()
        site.settings = {**site.settings, "running_text": "Selamat datang — cadangan diuji"}
        flag_modified(site, "settings")


def test_a_backup_restored_into_an_empty_database_holds_everything(
        any_app, any_db_url, tmp_path, monkeypatch):
    _a_day_of_work(any_app)
    before = _everything(any_db_url)
    assert len(before["ticket"]) >= 4 and len(before["ticket_event"]) >= 6
    kind = "sqlite" if any_db_url.startswith("sqlite") else "postgres"
    file = tmp_path / "backups" / "tonight.bak"
    r = _mpp(monkeypatch, any_db_url, "backup", "--output", str(file))
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"backup written: {file} (")
    assert oct(file.stat().st_mode & 0o777) == "0o600"

    with _empty_database(kind, tmp_path) as empty:
        r = _mpp(monkeypatch, empty, "restore", str(file))
        assert r.exit_code == 0, r.output
        assert r.output.strip() == "restored tonight.bak; schema up to date"
        after = _everything(empty)
        assert after == before
        site = after["site"][0]
        assert "Selamat datang — cadangan diuji" in str(site)

        # a second restore over a database that holds a site needs --replace
        r = _mpp(monkeypatch, empty, "restore", str(file))
        assert r.exit_code == 2
        assert "already holds a site; add --replace" in r.output
        assert _mpp(monkeypatch, empty, "restore", "--replace", str(file)).exit_code == 0
        assert _everything(empty) == before


def test_the_nightly_folder_keeps_the_newest_backups(db_url, tmp_path, monkeypatch):
    folder = tmp_path / "nightly"
    folder.mkdir()
    for night in ("2026-11-20", "2026-11-21", "2026-11-22"):  # earlier nights' files
        (folder / f"mpp-{night}T16-00-00Z.sqlite3").write_bytes(b"old")
    (folder / "notes.txt").write_text("not a backup: left alone")
    r = _mpp(monkeypatch, db_url, "backup", "--dir", str(folder), "--keep", "2")
    assert r.exit_code == 0, r.output
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 3 and "notes.txt" in kept and "mpp-2026-11-22T16-00-00Z.sqlite3" in kept
    assert r.output.count("removed old backup") == 2


def test_a_backup_of_one_kind_is_not_restored_into_the_other(db_url, tmp_path, monkeypatch):
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"hello")
    r = _mpp(monkeypatch, str(db_url).replace("mpp.sqlite3", "other.sqlite3"), "restore",
             str(junk))
    assert r.exit_code == 2 and "is not an mpp backup" in r.output
    r = _mpp(monkeypatch, db_url, "backup")
    assert r.exit_code == 2 and "give --output FILE or --dir FOLDER" in r.output
