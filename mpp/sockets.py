"""Socket.IO handlers: they authenticate, join rooms and send the first state; the services
publish everything after that (see mpp.events)."""

from __future__ import annotations

import itertools
import logging
from typing import Any

from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, emit, join_room

from .device_sockets import DeviceSocket, UserSocket, device_sockets
from .domain.actor import Actor
from .domain.errors import DomainError
from .events import HALL, SNAPSHOT, TICKET, TICKET_CHANGED, device_room, ticket_room
from .extensions import socketio
from .hall import current_hall
from .hall_access import tablet_counter, user_token_hash
from .models import Device
from .queue_feed import service_room
from .services import accounts
from .services.queue import counter_room
from .socket_guard import SocketGuard, close_slow_readers

log = logging.getLogger("mpp.sockets")


def _actor_from_auth(auth: Any) -> Actor | None:
    """The device or user behind ``auth={"token": ...}``, or the signed-in browser user."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str) and token:
        hall = current_hall()
        with hall.db.read() as s:
            return accounts.actor_for_token(s, hall.clock.now(), token)
    if current_user and current_user.is_authenticated:
        return current_user.actor
    return None


#: what each connected display device is set to show, by Socket.IO session id
_boards: dict[str, dict[str, Any]] = {}


def _board_settings(actor: Actor) -> dict[str, Any] | None:
    """A display device's own settings (``agencies`` to show, a ``title``); None for others."""
    if actor.device_id is None:
        return None
    with current_hall().db.read() as s:
        device = s.get(Device, actor.device_id)
        if device is None:
            return None
        settings = device.settings or {}
        agencies = settings.get("agencies") or []
        return {"device": device.name, "kind": device.kind,
                "agencies": [str(a) for a in agencies] if isinstance(agencies, list) else [],
                "title": settings.get("title") or None}


def _hall_snapshot() -> dict[str, Any]:
    """The hall snapshot, plus ``board`` (the device's settings) for a display device."""
    snapshot = current_hall().queue.snapshot(with_ticket_tokens=False)
    board = _boards.get(request.sid)  # type: ignore[attr-defined]
    return {**snapshot, "board": board} if board is not None else snapshot


def _guard() -> SocketGuard:
    return current_app.extensions["mpp_sockets"]


def _admit(namespace: str, ticket: str | None = None) -> None:
    """Count this socket against its address's and ticket's limits (mpp.socket_guard);
    refuse it past them. The first socket starts this process's slow-reader sweep."""
    guard = _guard()
    refusal = guard.admit(namespace, request.sid,  # type: ignore[attr-defined]
                          request.remote_addr or "?", ticket)
    if refusal is not None:
        raise ConnectionRefusedError(refusal)
    global _sweeping
    if not _sweeping:
        _sweeping = True
        socketio.start_background_task(_sweep_slow_readers, socketio.server.eio,
                                       guard.limits.backlog)


_sweeping = False


def _sweep_slow_readers(eio: Any, backlog: int) -> None:
    """Every second, close the sockets of clients that stopped reading (mpp.socket_guard)."""
    while True:
        socketio.sleep(1)
        try:
            close_slow_readers(eio.sockets.values(), backlog)
        except Exception:  # noqa: BLE001 - keep sweeping
            log.exception("slow-reader sweep failed")


@socketio.on("connect", namespace=HALL)
def hall_connect(auth: Any = None) -> None:
    """A display, kiosk or staff page joins the hall; it gets the snapshot at once (and again
    on every reconnect, so a board always redraws from the current state). A device's socket
    is watched: revoking the device cuts it on every server process (mpp.device_sockets)."""
    actor = _actor_from_auth(auth)
    if actor is None:
        raise ConnectionRefusedError("unauthorized: send auth={'token': TOKEN}")
    tablet_of = tablet_counter(actor, auth)  # refuses a tablet asking for another counter
    _admit(HALL)
    if actor.device_id is not None:
        device_sockets().add(DeviceSocket(request.sid, HALL,  # type: ignore[attr-defined]
                                          actor.device_id,
                                          accounts.token_digest(auth["token"])))
        join_room(device_room(actor.device_id))
        hall = current_hall()
        accounts.note_device_seen(hall.db, actor.device_id, hall.clock.now())
        if tablet_of is not None:
            # the counter's rating tablet: it gets that counter's finished tickets to survey
            join_room(counter_room(tablet_of))
    elif actor.user_id is not None:
        # re-checked like a device: a logout, deactivation or new password cuts it
        device_sockets().add(UserSocket(request.sid, HALL,  # type: ignore[attr-defined]
                                        actor.user_id, user_token_hash(auth)))
    board = _board_settings(actor)
    if board is not None:
        _boards[request.sid] = board  # type: ignore[attr-defined]
    emit(SNAPSHOT, _hall_snapshot())


@socketio.on("disconnect", namespace=HALL)
def hall_disconnect(*_args: Any) -> None:
    _guard().release(HALL, request.sid)  # type: ignore[attr-defined]
    _boards.pop(request.sid, None)  # type: ignore[attr-defined]
    device_sockets().remove(request.sid, HALL)  # type: ignore[attr-defined]


@socketio.on("snapshot", namespace=HALL)
def hall_snapshot(_data: Any = None) -> None:
    """A board asks for a fresh snapshot (after a gap it noticed itself)."""
    emit(SNAPSHOT, _hall_snapshot())


@socketio.on("connect", namespace=TICKET)
def ticket_connect(auth: Any = None) -> None:
    """A citizen's status page follows one ticket, by its unguessable token."""
    token = auth.get("ticket_token") if isinstance(auth, dict) else None
    if not isinstance(token, str) or not token:
        raise ConnectionRefusedError("send auth={'ticket_token': TOKEN}")
    queue = current_hall().queue
    try:
        service_id = queue.service_of_token(token)
    except DomainError as exc:
        raise ConnectionRefusedError(exc.code) from exc
    _admit(TICKET, ticket=token)
    join_room(ticket_room(token))
    # the service's pages are dealt over its rooms in turn (mpp.queue_feed)
    join_room(service_room(service_id, next(_shards)))
    # Read the ticket only now that the rooms are joined: a change committed meanwhile (a
    # call ahead while a page reconnects) is then either in what is sent here or in an event
    # that follows it, never in neither.
    emit(TICKET_CHANGED, {"ticket": queue.ticket_by_token(token)})


#: deals the status pages of every service over its rooms
_shards = itertools.count()


@socketio.on("disconnect", namespace=TICKET)
def ticket_disconnect(*_args: Any) -> None:
    _guard().release(TICKET, request.sid)  # type: ignore[attr-defined]
