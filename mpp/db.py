"""Engine and transactions. SQLite takes its write lock at BEGIN so read-then-write is atomic."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; on SQLite with WAL, a busy timeout and BEGIN IMMEDIATE writes."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        psycopg_cooperates()
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 20)
        engine = create_engine(url, **kwargs)
        ping_when_idle(engine)
        return engine

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": 60, "check_same_thread": False}, **kwargs
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


#: a pooled connection unused for longer than this is tested before it is handed out
PING_AFTER_IDLE_SECONDS = 10.0


def ping_when_idle(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Test a pooled connection before use only when it has lain idle: after a night, a
    database restart or a firewall's idle cut it may be dead, and the pool then opens a new
    one instead of failing the request.

    SQLAlchemy's ``pool_pre_ping`` tests on every checkout: on PostgreSQL a round trip in
    every transaction, a sixth of a finish's (issue 8). A connection in steady use is
    handed out untested; if the database went away meanwhile, the first statement fails
    (the request answers 503 database_unavailable), SQLAlchemy drops every pooled
    connection of that moment, and the next request connects afresh."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= idle_seconds:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            # psycopg began a transaction for the SELECT: end it before the pool hands it out
            dbapi_conn.rollback()
        except engine.dialect.loaded_dbapi.Error as error:
            # the pool discards this connection and checks out (or opens) another
            raise DisconnectionError(f"pooled connection is dead: {error}") from error


def psycopg_cooperates() -> None:
    """In a gevent-patched process (the server's worker), make psycopg wait for PostgreSQL
    through gevent.

    psycopg chooses how it waits once, when first imported: a C loop unless gevent has
    patched ``select`` by then. `mpp run` imports it before its worker starts and patches
    (it migrates first), and the worker would keep that loop, which blocks every greenlet
    of the worker while one waits for a query, a row lock or a commit.
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("select"):
        return
    from psycopg import waiting

    if waiting.wait is getattr(waiting, "wait_c", None):
        waiting.wait = waiting.wait_poll  # what psycopg picks when imported after patching


class Database:
    """The application's database: ``write()`` and ``read()`` give a session in a transaction."""

    def __init__(self, url: str, **engine_kwargs: Any):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        reader = self.engine.execution_options(sqlite_begin="DEFERRED")
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(reader, expire_on_commit=False)
        # One statement needs no transaction of its own: on PostgreSQL that saves the BEGIN
        # and COMMIT round trips (SQLite's reads begin as they would anyway).
        self._lookup = (reader if self.is_sqlite
                        else self.engine.execution_options(isolation_level="AUTOCOMMIT"))
        # SQLite has one writer at a time. Writers of this process queue here, in Python,
        # rather than in SQLite's busy handler, which sleeps in C: under gevent that sleep
        # would stall every greenlet of the worker, the lock holder's too (docs/serving.md).
        self._write_lock = threading.RLock() if self.is_sqlite else nullcontext()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that will write: committed on success, rolled back on error."""
        with self._write_lock, self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction that only reads (no write lock on SQLite)."""
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A connection for one reading statement (the bearer token of every API request)."""
        with self._lookup.connect() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()
