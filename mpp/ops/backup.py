"""Backups and restores of the whole database: every ticket, event, setting and account.

PostgreSQL: ``pg_dump --format=custom`` (consistent while the hall runs) and ``pg_restore``;
the client tools must be at least the server's version. SQLite: its online backup API, a
consistent copy while the server writes. A backup is written under a temporary name and
renamed when complete and checked, so a crash never leaves a half file under a backup's name.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

#: a file name the nightly backups use: sortable by time
PREFIX = "mpp-"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _pg_env(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it
    (never on the command line, where `ps` would show it)."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed: "
                          f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}")


def backup(database_url: str, target: Path) -> Path:
    """Write a complete backup of ``database_url`` to ``target``; the path written."""
    url = make_url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            source = _sqlite_path(url)
            if not source.exists():
                raise BackupError(f"no database at {source}")
            with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
                src.backup(dst)  # the online backup API: consistent while others write
                if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError("the copy failed SQLite's integrity check")
            src.close()
            dst.close()
        elif url.get_backend_name() == "postgresql":
            dsn, env = _pg_env(url)
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={partial}", f"--dbname={dsn}"], env)
            _run([_tool("pg_restore"), "--list", str(partial)], env)  # readable to the end
        else:
            raise BackupError(f"cannot back up a {url.get_backend_name()} database")
        partial.chmod(0o600)  # it holds password hashes and device token hashes
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def kind_of(path: Path) -> str:
    """``sqlite`` or ``postgresql``: which database a backup file came from."""
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not an mpp backup (neither SQLite nor pg_dump's format)")


def restore(database_url: str, source: Path) -> None:
    """Replace the content of ``database_url`` with the backup ``source``. Stop the servers
    first: connections open during a restore would see it half done."""
    url = make_url(database_url)
    kind = kind_of(source)
    if kind != url.get_backend_name():
        raise BackupError(f"{source} is a {kind} backup; MPP_DATABASE_URL is "
                          f"{url.get_backend_name()}")
    if kind == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)  # page by page over the target: its old content is gone
        src.close()
        dst.close()
        return
    dsn, env = _pg_env(url)
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", f"--dbname={dsn}", str(source)], env)


def backup_name(url: str, now: datetime | None = None) -> str:
    """``mpp-2026-11-23T23-30-00Z.sqlite3`` or ``….dump``: sortable, one per run."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    suffix = ".sqlite3" if make_url(url).get_backend_name() == "sqlite" else ".dump"
    return f"{PREFIX}{moment:%Y-%m-%dT%H-%M-%S}Z{suffix}"


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest backups in ``folder``; the files deleted."""
    backups = sorted(p for p in folder.glob(f"{PREFIX}*")
                     if p.suffix in (".sqlite3", ".dump") and p.is_file())
    doomed = backups[:-keep] if keep > 0 else []
    for p in doomed:
        p.unlink()
    return doomed
