"""``/readyz``: whether this process can serve now (``/healthz``, in mpp.web, says it is alive).

Ready means the database answers, its schema is at the newest migration, and Redis answers
when one is configured. A load balancer or systemd watchdog takes a process that is not
ready out of rotation; the answer names what failed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from alembic.script import ScriptDirectory
from flask import current_app, jsonify
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from ..hall import current_hall
from ..migrate import alembic_config
from . import bp

#: seconds to wait for Redis before calling it unreachable
REDIS_TIMEOUT = 2.0


@cache
def newest_revisions() -> frozenset[str]:
    """The heads of the migrations this code ships (read once: they never change while
    it runs)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def _current_revisions(conn: Connection) -> list[str]:
    """The revisions the database is at (read directly: alembic's context logs each use)."""
    if not inspect(conn).has_table("alembic_version"):
        return []
    return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def check_database() -> tuple[str, str]:
    """(database, migrations): "ok"/"current", or what is wrong."""
    db = current_hall().db
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = frozenset(_current_revisions(conn))
    except Exception as exc:  # noqa: BLE001 - any failure: the database is not usable
        return f"unreachable: {exc.__class__.__name__}", "unknown"
    if current == newest_revisions():
        return "ok", "current"
    return "ok", (f"at {', '.join(sorted(current)) or 'no revision'}, code needs "
                  f"{', '.join(sorted(newest_revisions()))}: run `mpp migrate`")


def check_redis(url: str | None) -> str:
    """"ok", "not configured", or why Redis does not answer."""
    if not url:
        return "not configured"
    import redis

    client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT,
                                  socket_connect_timeout=REDIS_TIMEOUT)
    try:
        client.ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - a refused, timed-out or unauthorised link
        return f"unreachable: {exc.__class__.__name__}"
    finally:
        client.close()


@bp.get("/readyz")
def readyz() -> Any:
    """Readiness: database reachable, migrations current, Redis reachable when configured.
    200 ``{"status": "ready", ...}``, else 503 with the checks and an ``error``."""
    database, migrations = check_database()
    redis_state = check_redis(current_app.config.get("REDIS_URL"))
    checks = {"database": database, "migrations": migrations, "redis": redis_state}
    failed = [name for name, state in checks.items()
              if state not in ("ok", "current", "not configured")]
    if not failed:
        return jsonify({"status": "ready", **checks})
    body = {"status": "not_ready", **checks,
            "error": {"code": "not_ready",
                      "message": "; ".join(f"{name}: {checks[name]}" for name in failed)}}
    return jsonify(body), 503
