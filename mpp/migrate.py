"""Schema migrations with Alembic, run once by `mpp migrate` or `mpp run` (never by workers)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import inspect, text

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
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK})
                conn.commit()


def is_empty(db: Database) -> bool:
    """True when no site has been loaded yet."""
    if not inspect(db.engine).has_table("site"):
        return True
    with db.read() as s:
        return s.execute(text("SELECT count(*) FROM site")).scalar_one() == 0
