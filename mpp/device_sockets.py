"""The live sockets of devices and users in this server process, and the watchdog that keeps
them honest.

Every ``/hall`` or ``/print`` connection made with a device token (kiosk, display, printer)
is noted here with the hash of the token it used, and every ``/hall`` connection of a user
(staff, manager, admin) with the hash of its login token or browser-session token. Every
``MPP_DEVICE_RECHECK_SECONDS`` (default 5) each server process checks its own sockets
against the database, so a change made through any process reaches sockets held by all of
them:

- a device revoked by an admin, or given a new token, has its sockets told ``revoked``
  (``{"code", "message"}``) and disconnected;
- so has a user's socket once the user is deactivated, logs out (that session), or has the
  password reset, or once the token expires;
- a ``/print`` socket that is no longer its printer's active agent (a newer agent connected
  with the same token, see mpp.print_sockets) is told ``replaced`` and disconnected.

The process that handles a revoke, a deactivation or a logout also cuts its own sockets at
once (mpp.admin.live, mpp.web.session), and a
new print agent has the one it replaces told and disconnected at once, on whichever process
holds it (python-socketio forwards a disconnect through the message queue). The periodic
check is what makes both hold when a message is lost or a process missed it. The watchdog
runs only while this process holds device sockets (one small query per interval); 0 turns it
off.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from .events import PRINT
from .extensions import socketio
from .models import AuthToken, Device, User
from .services.accounts import note_device_seen
from .services.printing import AGENT_SID

log = logging.getLogger("mpp.device_sockets")

#: events telling a device why the server is closing its socket
REVOKED = "revoked"
REPLACED = "replaced"

REVOKED_MESSAGE = ("Token perangkat ini dicabut atau diganti oleh admin; sambungan ditutup. / "
                   "This device's token was revoked or replaced by an admin; the connection "
                   "is closed.")
SESSION_ENDED_MESSAGE = ("Sesi Anda berakhir (keluar, akun dinonaktifkan, atau kata sandi "
                         "diganti); sambungan ditutup. Silakan masuk lagi. / Your session ended "
                         "(signed out, account deactivated or password changed); the "
                         "connection is closed. Please sign in again.")


def replaced_message(printer: str) -> str:
    """What a print agent is told when a newer agent with the same token takes over."""
    return (f"Agen cetak lain terhubung dengan token printer {printer} dan mengambil alih; "
            f"agen ini berhenti agar tiket tidak tercetak dua kali. / Another print agent "
            f"connected with the token of printer {printer} and took over; this agent stops "
            f"so that no ticket is printed twice.")


@dataclass(frozen=True)
class DeviceSocket:
    """One device connection held by this process."""

    sid: str
    namespace: str
    device_id: int
    token_hash: str


@dataclass(frozen=True)
class UserSocket:
    """One user's connection held by this process, with the hash of the login token or
    browser-session token it was opened with."""

    sid: str
    namespace: str
    user_id: int
    token_hash: str


Watched = DeviceSocket | UserSocket


def tell_and_disconnect(sid: str, namespace: str, code: str, message: str) -> None:
    """Send ``code`` ``{"code", "message"}`` to one socket, then disconnect it, on whichever
    server process holds it (both go through the message queue, in this order)."""
    socketio.emit(code, {"code": code, "message": message}, to=sid, namespace=namespace)
    if socketio.server is not None:
        socketio.server.disconnect(sid, namespace=namespace)


class DeviceSockets:
    """The device and user sockets of one app in this process, and their watchdog."""

    def __init__(self, app: Flask, interval: float | None = None):
        self.app = app
        self.interval = (app.config["DEVICE_RECHECK_SECONDS"] if interval is None
                         else interval)
        self._sockets: dict[tuple[str, str], Watched] = {}
        self._lock = threading.Lock()
        self._watching = False

    def add(self, sock: Watched) -> None:
        """Note a device or user connection; the watchdog starts with the first one."""
        with self._lock:
            self._sockets[(sock.sid, sock.namespace)] = sock
            if not self._watching and self.interval > 0:
                self._watching = True
                socketio.start_background_task(self._watch)

    def remove(self, sid: str, namespace: str) -> Watched | None:
        with self._lock:
            return self._sockets.pop((sid, namespace), None)

    def get(self, sid: str, namespace: str) -> DeviceSocket | None:
        """The device socket ``sid`` (None for a user's socket or an unknown one)."""
        with self._lock:
            sock = self._sockets.get((sid, namespace))
        return sock if isinstance(sock, DeviceSocket) else None

    def _listed(self, device_ids: set[int] | None, user_ids: set[int] | None
                ) -> tuple[list[DeviceSocket], list[UserSocket]]:
        """The sockets to check: all, or only those of the devices and users named."""
        everything = device_ids is None and user_ids is None
        with self._lock:
            socks = list(self._sockets.values())
        devices = [s for s in socks if isinstance(s, DeviceSocket)
                   and (everything or s.device_id in (device_ids or ()))]
        users = [s for s in socks if isinstance(s, UserSocket)
                 and (everything or s.user_id in (user_ids or ()))]
        return devices, users

    def stale(self, device_ids: set[int] | None = None, user_ids: set[int] | None = None
              ) -> list[tuple[Watched, str]]:
        """This process's sockets that must go, each with ``revoked`` or ``replaced``: all
        of them, or only those of ``device_ids`` and ``user_ids`` when either is given.

        The sockets are listed before the database is read: a print agent is noted only
        after its takeover is committed, so a fresh agent is never mistaken for a replaced
        one.
        """
        self._forget_closed()
        socks, users = self._listed(device_ids, user_ids)
        out: list[tuple[Watched, str]] = [(u, REVOKED) for u in self._ended(users)]
        if not socks:
            return out
        with self.app.extensions["mpp"].db.read() as s:
            rows = {row.id: row for row in s.execute(
                select(Device.id, Device.token_hash, Device.revoked_at, Device.state)
                .where(Device.id.in_({sock.device_id for sock in socks})))}
        for sock in socks:
            row = rows.get(sock.device_id)
            if row is None or row.revoked_at is not None or row.token_hash != sock.token_hash:
                out.append((sock, REVOKED))
            elif sock.namespace == PRINT and (row.state or {}).get(AGENT_SID) != sock.sid:
                out.append((sock, REPLACED))
        return out

    def _ended(self, socks: list[UserSocket]) -> list[UserSocket]:
        """The user sockets whose token was revoked or expired, or whose user is no longer
        active."""
        if not socks:
            return []
        hall = self.app.extensions["mpp"]
        now = hall.clock.now()
        with hall.db.read() as s:
            live = {(row.token_hash, row.user_id) for row in s.execute(
                select(AuthToken.token_hash, AuthToken.user_id)
                .join(User, User.id == AuthToken.user_id)
                .where(AuthToken.token_hash.in_({sock.token_hash for sock in socks}),
                       AuthToken.revoked_at.is_(None), AuthToken.expires_at > now,
                       User.active.is_(True)))}
        return [sock for sock in socks if (sock.token_hash, sock.user_id) not in live]

    def _forget_closed(self) -> None:
        """Drop sockets the Socket.IO server no longer holds (closing, or a disconnect whose
        handler never ran), so that they are neither checked nor kept forever."""
        server = socketio.server
        manager = server.manager if server is not None else None
        closing: dict[str, list[str]] = getattr(manager, "pending_disconnect", {})
        with self._lock:
            for key, sock in list(self._sockets.items()):
                if manager is not None and (
                        manager.is_connected(sock.sid, sock.namespace)
                        or manager.is_pre_connected(sock.sid, sock.namespace)
                        # its disconnect handler, about to run, still needs it
                        or sock.sid in closing.get(sock.namespace, ())):
                    continue
                del self._sockets[key]

    def check(self, device_ids: set[int] | None = None, user_ids: set[int] | None = None
              ) -> int:
        """Disconnect this process's revoked device and user sockets and replaced print
        agents (each told why): all, or those of the devices and users named; the number
        disconnected."""
        stale = self.stale(device_ids, user_ids)
        names: dict[int, str] = {}
        if any(why == REPLACED for _, why in stale):
            with self.app.extensions["mpp"].db.read() as s:
                names = dict(s.execute(select(Device.id, Device.name).where(
                    Device.id.in_({sock.device_id for sock, _ in stale
                                   if isinstance(sock, DeviceSocket)}))).tuples().all())
        for sock, why in stale:
            if isinstance(sock, UserSocket):
                message, who = SESSION_ENDED_MESSAGE, f"user {sock.user_id}"
            elif why == REPLACED:
                message = replaced_message(names.get(sock.device_id, str(sock.device_id)))
                who = f"device {sock.device_id}"
            else:
                message, who = REVOKED_MESSAGE, f"device {sock.device_id}"
            log.info("disconnecting %s socket %s of %s: %s", sock.namespace, sock.sid, who,
                     why)
            # The disconnect handler still finds the socket here (a printer agent's state is
            # updated there); then it is dropped, in case the socket was already gone.
            tell_and_disconnect(sock.sid, sock.namespace, why, message)
            self.remove(sock.sid, sock.namespace)
        return len(stale)

    def note_seen(self) -> int:
        """Record every device connected here as seen now (``Device.last_seen_at``, written
        at most once a minute per device): a board that only listens is online for the
        admin as long as its socket lives. The number of devices."""
        socks, _ = self._listed(None, None)
        hall = self.app.extensions["mpp"]
        now = hall.clock.now()
        ids = {sock.device_id for sock in socks}
        for device_id in ids:
            note_device_seen(hall.db, device_id, now)
        return len(ids)

    def _watch(self) -> None:
        while True:
            socketio.sleep(self.interval)
            with self._lock:
                if not self._sockets:
                    self._watching = False
                    return
            try:
                with self.app.app_context():
                    self.check()
                    self.note_seen()
            except Exception:  # noqa: BLE001 - the watchdog must outlive a database hiccup
                log.exception("device socket check failed; trying again in %.0f s",
                              self.interval)


def device_sockets(app: Flask | None = None) -> DeviceSockets:
    """The current app's device and user sockets (made on first use, so that an app that never
    serves a device socket never starts a watchdog)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found: Any = app.extensions.get("mpp_device_sockets")
    if found is None:
        found = app.extensions.setdefault("mpp_device_sockets", DeviceSockets(app))
    return found
