"""Cutting a revoked device off the live feeds at once, not only at its next reconnect."""

from __future__ import annotations

from ..events import HALL, PRINT, device_room, printer_room
from ..extensions import socketio


def cut_device(device_id: int) -> int:
    """Disconnect the device's Socket.IO connections in this process and take it out of its
    rooms in every process (so a printer gets no more jobs); the number disconnected here.

    A connection held by another server process stays open until it drops, but no longer
    receives what is sent to the device's rooms; reconnecting with the old token fails.
    """
    server = socketio.server
    if server is None:
        return 0
    cut = 0
    for namespace, room in ((HALL, device_room(device_id)), (PRINT, printer_room(device_id))):
        for sid, _eio_sid in list(server.manager.get_participants(namespace, room)):
            server.disconnect(sid, namespace=namespace)
            cut += 1
        socketio.close_room(room, namespace=namespace)
    return cut
