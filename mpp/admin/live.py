"""Cutting a revoked device or a deactivated user off the live feeds at once, not only at
the next reconnect or the next periodic check (mpp.device_sockets)."""

from __future__ import annotations

from ..device_sockets import device_sockets
from ..events import HALL, PRINT, device_room, printer_room
from ..extensions import socketio


def cut_device(device_id: int) -> int:
    """After a revoke or a new token (committed): disconnect the device's sockets in this
    process at once, each told ``revoked``, and take it out of its rooms in every process;
    the number disconnected here.

    Sockets held by other server processes are cut by those processes' own check of their
    device sockets, within ``MPP_DEVICE_RECHECK_SECONDS`` (mpp.device_sockets).
    """
    cut = device_sockets().check({device_id})
    for namespace, room in ((HALL, device_room(device_id)), (PRINT, printer_room(device_id))):
        socketio.close_room(room, namespace=namespace)
    return cut


def cut_user(user_id: int) -> int:
    """After a user was deactivated or given a new password (committed): disconnect their
    sockets in this process whose token or session no longer works, each told ``revoked``;
    the number disconnected. Other processes cut theirs at their next periodic check."""
    return device_sockets().check(user_ids={user_id})
