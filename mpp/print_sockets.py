"""Socket.IO handlers of the ``/print`` namespace: the print agents' side of print jobs.

The agent connects with ``auth={"token": PRINTER_DEVICE_TOKEN}`` and joins its printer's
room; the server sends it every open job at once (and the services send new ones to the
room after each commit). The agent answers each ``print`` with ``printed`` and reports its
printer with ``printer_state``; a *ready* report gets the open jobs sent again (retry).
"""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, emit, join_room
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .domain.errors import DomainError
from .events import PRINT, PRINT_JOB, PRINTED, printer_room
from .extensions import socketio
from .hall import current_hall
from .services import accounts
from .services.printing import PrintingService

#: printer device id of each connected agent, by Socket.IO session id (this process)
_agents: dict[str, int] = {}
_lock = threading.Lock()


class PrintedBody(BaseModel):
    model_config = ConfigDict(strict=True)
    job_id: int = Field(gt=0)
    ok: bool
    error: str | None = Field(default=None, max_length=2000)


class PrinterStateBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    ready: bool
    online: bool | None = None
    paper: str = Field(default="unknown", max_length=20)
    error: str | None = Field(default=None, max_length=2000)
    printer: str | None = Field(default=None, max_length=200)


def printing() -> PrintingService:
    return current_app.extensions["mpp_printing"]


def _device() -> int | None:
    with _lock:
        return _agents.get(request.sid)  # type: ignore[attr-defined]


def _send_open_jobs(device_id: int) -> None:
    for job in printing().open_jobs(device_id):
        emit(PRINT_JOB, job)


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


@socketio.on("connect", namespace=PRINT)
def print_connect(auth: Any = None) -> None:
    """A print agent connects with its printer device's token; it gets its open jobs."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if not isinstance(token, str) or not token:
        raise ConnectionRefusedError("unauthorized: send auth={'token': PRINTER_TOKEN}")
    hall = current_hall()
    with hall.db.read() as s:
        actor = accounts.actor_for_token(s, hall.clock.now(), token)
    if actor is None or actor.role != "printer" or actor.device_id is None:
        raise ConnectionRefusedError("unauthorized: not a printer device token")
    with _lock:
        _agents[request.sid] = actor.device_id  # type: ignore[attr-defined]
    join_room(printer_room(actor.device_id))
    printing().agent_connected(actor.device_id, True)
    _send_open_jobs(actor.device_id)


@socketio.on("disconnect", namespace=PRINT)
def print_disconnect(*_args: Any) -> None:
    """The agent went away (or its connection died); the board shows it."""
    with _lock:
        device_id = _agents.pop(request.sid, None)  # type: ignore[attr-defined]
        still = device_id is not None and device_id in _agents.values()
    if device_id is not None and not still:
        printing().agent_connected(device_id, False)


@socketio.on(PRINTED, namespace=PRINT)
def printed(data: Any = None) -> dict[str, Any]:
    """The agent's answer to one job: ``{"job_id", "ok", "error"}``; acknowledged."""
    device_id = _device()
    if device_id is None:
        return _error("unauthorized", "connect with a printer token first")
    try:
        body = PrintedBody.model_validate(data)
    except ValidationError as exc:
        return _error("validation_failed", str(exc.errors(include_url=False)[0]["msg"]))
    try:
        result = printing().answer(device_id, body.job_id, body.ok, body.error)
    except DomainError as exc:
        return _error(exc.code, exc.message)
    return {"ok": True, "duplicate": result["duplicate"], "state": result["job"]["state"]}


@socketio.on("printer_state", namespace=PRINT)
def printer_state(data: Any = None) -> dict[str, Any]:
    """The agent reports its printer; when it is ready, the open jobs are sent again."""
    device_id = _device()
    if device_id is None:
        return _error("unauthorized", "connect with a printer token first")
    try:
        body = PrinterStateBody.model_validate(data)
    except ValidationError as exc:
        return _error("validation_failed", str(exc.errors(include_url=False)[0]["msg"]))
    if printing().report_state(device_id, body.model_dump()):
        _send_open_jobs(device_id)
    return {"ok": True}
