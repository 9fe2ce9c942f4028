"""Clear answers while the database cannot serve: a 503 in the contract's error shape.

A request that meets an unreachable database (or, on SQLite, a full disk) gets
``503 {"error": {"code": "database_unavailable" | "storage_full", "message": ...}}`` with
``Retry-After``; kiosks and consoles show the message and try again. Its transaction was
rolled back, so nothing is half-written, and the connection pool (pre-ping) reconnects by
itself once the database is back: no restart.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

log = logging.getLogger("mpp.ops")

#: seconds a client is asked to wait before trying again
RETRY_AFTER = 5
UNAVAILABLE = ("Sistem sedang gangguan, coba lagi sebentar lagi. / The system is having a "
               "fault; please try again shortly.")
FULL = ("Penyimpanan server penuh; hubungi petugas. / The server's storage is full; please "
        "tell the staff.")


def _is_disk_full(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "disk is full" in text or "no space left" in text or "disk full" in text


def database_fault(exc: DBAPIError) -> Any:
    """The 503 answer (JSON under /api/, a short page elsewhere), logged once."""
    full = _is_disk_full(exc)
    code, message = ("storage_full", FULL) if full else ("database_unavailable", UNAVAILABLE)
    log.error("%s on %s %s: %s", code, request.method, request.path,
              str(getattr(exc, "orig", exc)).splitlines()[0] if str(exc) else type(exc).__name__,
              extra={"error_code": code})
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        response = jsonify({"error": {"code": code, "message": message}})
    else:
        response = Flask.response_class(message, mimetype="text/plain")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def init_faults(app: Flask) -> None:
    """Answer database faults with 503 wherever they surface in a request."""
    # OperationalError: refused, dropped or timed-out connections, a full disk;
    # InterfaceError: a connection the driver already knows is closed
    app.register_error_handler(OperationalError, database_fault)
    app.register_error_handler(InterfaceError, database_fault)
