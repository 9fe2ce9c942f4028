"""The device list says which kiosks, boards and printers are online (issue 12)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from mpp.device_sockets import DeviceSocket, DeviceSockets
from mpp.models import Device


def _set_seen(app, name: str, ago: timedelta | None) -> None:  # type: ignore[no-untyped-def]
    hall = app.extensions["mpp"]
    with hall.db.write() as s:
        device = s.scalars(select(Device).where(Device.name == name)).one()
        device.last_seen_at = None if ago is None else hall.clock.now() - ago


def _presence(html: str, name: str) -> str:
    row = re.search(rf">{re.escape(name)}</a></td>(.*?)</tr>", html, re.S)
    assert row, name
    cell = re.search(r'data-presence="[a-z]*">(.*?)</td>', row.group(1), re.S)
    assert cell, name
    return re.sub(r"<[^>]+>", "", cell.group(1)).strip()


def test_devices_heard_lately_are_online_the_others_offline(app, admin_client):
    _set_seen(app, "kiosk-1", timedelta(seconds=40))
    _set_seen(app, "display-1", timedelta(minutes=10))
    _set_seen(app, "printer-1", None)
    html = admin_client.get("/admin/devices").get_data(as_text=True)
    assert _presence(html, "kiosk-1") == "online"
    assert _presence(html, "display-1") == "offline"
    assert _presence(html, "printer-1") == "belum pernah terhubung"


def test_a_connected_device_is_noted_as_seen_by_the_watchdog(app, clock):
    _set_seen(app, "display-1", timedelta(minutes=10))
    with app.extensions["mpp"].db.read() as s:
        display = s.scalars(select(Device).where(Device.name == "display-1")).one()
    sockets = DeviceSockets(app, interval=0)
    sockets.add(DeviceSocket("sid-1", "/hall", display.id, display.token_hash))
    clock.advance(minutes=1)
    assert sockets.note_seen() == 1
    with app.extensions["mpp"].db.read() as s:
        seen = s.get(Device, display.id).last_seen_at
    assert seen == clock.now()
