"""Test databases: a template per backend, built once (schema + demo MPP), copied per test.

SQLite is always there. PostgreSQL is used where MPP_TEST_POSTGRES_URL names a server
(for example postgresql+psycopg://postgres@127.0.0.1:5432/test); each test gets its own
database created from the template, so parallel runs never share state.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from mpp import migrate
from mpp.db import Database
from mpp.services import accounts
from mpp.services.demo import load_demo

PG_URL = os.environ.get("MPP_TEST_POSTGRES_URL")


def worker_redis_url(url: str | None, worker: str | None) -> str | None:
    """``url`` for this pytest-xdist worker: gw0 gets the Redis database after the one named
    (db 1 for .../0), gw1 the next, and so on, so that the workers' keys (the login counts)
    never meet, nor those of anyone using the named database itself. Pub/sub channels are
    server-wide whatever the database: each test that fans out through Redis names its own
    (MPP_REDIS_CHANNEL). Outside xdist (``worker`` None), ``url`` as it is."""
    if not url or not worker:
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + 1 + int(worker.removeprefix('gw'))}"))


REDIS_URL = worker_redis_url(os.environ.get("MPP_TEST_REDIS_URL"),
                             os.environ.get("PYTEST_XDIST_WORKER"))
PG_SKIP = ("PostgreSQL tests need MPP_TEST_POSTGRES_URL (e.g. "
           "postgresql+psycopg://postgres@127.0.0.1:5432/test); .ci/run sets it")
REDIS_SKIP = "Redis tests need MPP_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0); .ci/run sets it"

TEST_SECRET = "test-secret"
WITA = ZoneInfo("Asia/Makassar")
#: a Monday morning in the demo site's time zone
START = datetime(2026, 11, 23, 9, 0, tzinfo=WITA)

accounts.HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashes in tests; production uses scrypt


def build(url: str) -> None:
    """Migrate ``url`` and load the demo MPP into it."""
    db = Database(url)
    migrate.upgrade(db)
    with db.write() as s:
        load_demo(s, START, TEST_SECRET)
    db.dispose()


def sqlite_template(folder: Path) -> Path:
    path = folder / "template.sqlite3"
    build(f"sqlite:///{path}")
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    target = folder / "mpp.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def _admin_engine() -> Engine:
    assert PG_URL is not None
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _with_db(name: str) -> str:
    assert PG_URL is not None
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


#: threads dropping databases that the tests no longer use (``pg_copy``)
_DROPPING: list[threading.Thread] = []
#: per template, its next copy, made while the test before it runs (``pg_copy``)
_AHEAD: dict[str, Future[str]] = {}
_MAKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-copy-ahead")


def _create(name: str, template: str | None = None) -> None:
    engine = _admin_engine()
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with engine.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    finally:
        engine.dispose()


def _drop(name: str) -> None:
    engine = _admin_engine()
    try:
        with engine.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _drop_later(name: str) -> None:
    """Drop ``name`` in a thread: DROP DATABASE waits for a PostgreSQL checkpoint (a second
    or more), which the next test need not wait for. ``wait_for_drops()`` waits for it."""
    thread = threading.Thread(target=_drop, args=(name,), daemon=True, name=f"drop-{name}")
    thread.start()
    _DROPPING[:] = [t for t in _DROPPING if t.is_alive()] + [thread]


def wait_for_drops() -> None:
    """Wait until every database dropped in the background is gone (the end of a run)."""
    while _DROPPING:
        _DROPPING.pop().join()


@contextmanager
def _pg_database(name: str, template: str | None = None) -> Iterator[str]:
    """Database ``name`` created (empty, or copied from ``template``) and dropped afterwards;
    yields its URL."""
    _create(name, template)
    try:
        yield _with_db(name)
    finally:
        _drop(name)


@contextmanager
def pg_template() -> Iterator[str]:
    """A template database with the schema and demo MPP; dropped afterwards."""
    name = f"mpp_tpl_{uuid.uuid4().hex[:10]}"
    with _pg_database(name) as url:
        build(url)
        try:
            yield name
        finally:  # the copy made ahead, which no test took
            ahead = _AHEAD.pop(name, None)
            if ahead is not None:
                with contextlib.suppress(Exception):
                    _drop(ahead.result())


def _new_copy(template: str) -> str:
    name = f"mpp_t_{uuid.uuid4().hex[:12]}"
    _create(name, template)
    return name


@contextmanager
def pg_copy(template: str) -> Iterator[str]:
    """A fresh database copied from ``template`` (nothing ever connects to a template, so a
    copy made ahead, while the test before ran, is as fresh as one made now); the next copy
    is then made in the background, and this one dropped in the background afterwards (its
    name is its own, and nothing uses it once the block is left)."""
    ahead = _AHEAD.pop(template, None)
    try:
        name = ahead.result() if ahead is not None else _new_copy(template)
    except Exception:  # the copy made ahead failed: make one now (which says why if it fails)
        name = _new_copy(template)
    _AHEAD[template] = _MAKER.submit(_new_copy, template)
    try:
        yield _with_db(name)
    finally:
        _drop_later(name)


@contextmanager
def pg_empty(prefix: str = "mpp_e") -> Iterator[str]:
    """A fresh empty database (no schema); dropped afterwards."""
    with _pg_database(f"{prefix}_{uuid.uuid4().hex[:10]}") as url:
        yield url
