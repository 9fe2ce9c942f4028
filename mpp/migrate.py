"""Schema migrations with Alembic, run once by `mpp migrate` or `mpp run` (never by workers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from .db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
#: any fixed number: the PostgreSQL advisory lock that keeps two migrators apart
ADVISORY_LOCK = 4_826_001


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision; safe to call when it already is."""
    cfg = alembic_config(db.url)
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK})
            conn.commit()
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table by rebuilding it (copy, drop, rename): with foreign keys
            # enforced the drop fails as soon as rows point at the table (any database with
            # tickets in it). The pragma only works outside a transaction, so it goes to the
            # driver before SQLAlchemy begins one; the keys are checked once done.
            _sqlite_pragma(conn, "PRAGMA foreign_keys=OFF")
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
            conn.commit()
            if sqlite:
                broken = _sqlite_pragma(conn, "PRAGMA foreign_key_check")
                if broken:
                    raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
        finally:
            if sqlite:
                conn.rollback()
                _sqlite_pragma(conn, "PRAGMA foreign_keys=ON")
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK})
                conn.commit()


def _sqlite_pragma(conn: Connection, pragma: str) -> list[Any]:
    """Run ``pragma`` on the driver's connection, outside any transaction."""
    cursor = conn.connection.driver_connection.execute(pragma)  # type: ignore[union-attr]
    return list(cursor.fetchall())


def is_empty(db: Database) -> bool:
    """True when no site has been loaded yet."""
    if not inspect(db.engine).has_table("site"):
        return True
    with db.read() as s:
        return s.execute(text("SELECT count(*) FROM site")).scalar_one() == 0
