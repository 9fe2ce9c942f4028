"""Socket.IO handlers of the ``/print`` namespace: the print agents' side of print jobs.

The agent connects with ``auth={"token": PRINTER_DEVICE_TOKEN}`` and becomes its printer's
one active agent: the newest connection wins (a kiosk PC that rebooted leaves a stale socket
behind), the agent it replaces, on whichever server process, is sent ``replaced``
``{"code", "message"}`` and disconnected, and jobs go only to the active agent's session
(mpp.services.printing records it in the database). The agent gets every open job at once;
the services send new ones after each commit. It answers each ``print`` with ``printed`` and
reports its printer with ``printer_state``; a *ready* report gets the open jobs sent again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, emit, join_room
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .device_sockets import (
    REPLACED,
    DeviceSocket,
    device_sockets,
    replaced_message,
    tell_and_disconnect,
)
from .domain.errors import DomainError
from .domain.ids import MAX_ID
from .events import PRINT, PRINT_JOB, PRINTED, PRINTER_STATE, printer_room
from .extensions import socketio
from .hall import current_hall
from .services import accounts
from .services.printing import PrintingService


class PrintedBody(BaseModel):
    model_config = ConfigDict(strict=True)
    job_id: int = Field(gt=0, le=MAX_ID)
    ok: bool
    error: str | None = Field(default=None, max_length=2000)


class PrinterStateBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    ready: bool
    online: bool | None = None
    paper: str = Field(default="unknown", max_length=20)
    error: str | None = Field(default=None, max_length=2000)
    printer: str | None = Field(default=None, max_length=200)


Body = TypeVar("Body", bound=BaseModel)


def printing() -> PrintingService:
    return current_app.extensions["mpp_printing"]


def _sid() -> str:
    return request.sid  # type: ignore[attr-defined]


def _send_open_jobs(device_id: int) -> None:
    for job in printing().open_jobs(device_id, _sid()):
        emit(PRINT_JOB, job)


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def agent_event(body: type[Body]) -> Callable[[Callable[[int, Body], dict[str, Any]]],
                                              Callable[..., dict[str, Any]]]:
    """An event from a connected agent: the handler gets the printer device's id and the
    validated body; an unknown socket, a malformed body or a domain error is answered
    ``{"error": {"code", "message"}}``."""
    def wrap(handler: Callable[[int, Body], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        @functools.wraps(handler)
        def run(data: Any = None) -> dict[str, Any]:
            sock = device_sockets().get(_sid(), PRINT)
            if sock is None:
                return _error("unauthorized", "connect with a printer token first")
            try:
                parsed = body.model_validate(data)
            except ValidationError as exc:
                return _error("validation_failed",
                              str(exc.errors(include_url=False)[0]["msg"]))
            try:
                return handler(sock.device_id, parsed)
            except DomainError as exc:
                return _error(exc.code, exc.message)
        return run
    return wrap


@socketio.on("connect", namespace=PRINT)
def print_connect(auth: Any = None) -> None:
    """A print agent connects with its printer device's token: it becomes the printer's
    active agent (the one it replaces is told and disconnected) and gets its open jobs."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if not isinstance(token, str) or not token:
        raise ConnectionRefusedError("unauthorized: send auth={'token': PRINTER_TOKEN}")
    hall = current_hall()
    with hall.db.read() as s:
        actor = accounts.actor_for_token(s, hall.clock.now(), token)
    if actor is None or actor.role != "printer" or actor.device_id is None:
        raise ConnectionRefusedError("unauthorized: not a printer device token")
    sid = _sid()
    previous = printing().agent_connected(actor.device_id, True, sid)
    device_sockets().add(DeviceSocket(sid, PRINT, actor.device_id,
                                      accounts.token_digest(token)))
    # The room is how a revoke cuts the printer off; jobs go to the active session only.
    join_room(printer_room(actor.device_id))
    if previous is not None:
        current_app.logger.info("print agent %s of %s replaces %s", sid, actor.name, previous)
        tell_and_disconnect(previous, PRINT, REPLACED, replaced_message(actor.name))
    _send_open_jobs(actor.device_id)


@socketio.on("disconnect", namespace=PRINT)
def print_disconnect(*_args: Any) -> None:
    """The agent went away (or its connection died); the board shows it, unless this was an
    agent already replaced by a newer one."""
    sock = device_sockets().remove(_sid(), PRINT)
    if sock is not None:
        printing().agent_connected(sock.device_id, False, sock.sid)


@socketio.on(PRINTED, namespace=PRINT)
@agent_event(PrintedBody)
def printed(device_id: int, body: PrintedBody) -> dict[str, Any]:
    """The agent's answer to one job: ``{"job_id", "ok", "error"}``; acknowledged. Taken
    from a replaced agent too: the ticket it printed must not be printed again."""
    result = printing().answer(device_id, body.job_id, body.ok, body.error)
    return {"ok": True, "duplicate": result["duplicate"], "state": result["job"]["state"]}


@socketio.on(PRINTER_STATE, namespace=PRINT)
@agent_event(PrinterStateBody)
def printer_state(device_id: int, body: PrinterStateBody) -> dict[str, Any]:
    """The agent reports its printer; when it is ready, the open jobs are sent again. Only
    the active agent's reports count (``replaced`` otherwise)."""
    if printing().report_state(device_id, body.model_dump(), _sid()):
        _send_open_jobs(device_id)
    return {"ok": True}
