"""An admin's clicks on a live server, over real HTTP with the session cookie and CSRF."""

from __future__ import annotations

from sqlalchemy import select

from mpp.db import Database
from mpp.models import Device

from .api import Api


def device_id(db_url: str, name: str) -> int:
    db = Database(db_url)
    try:
        with db.read() as s:
            return s.scalars(select(Device.id).where(Device.name == name)).one()
    finally:
        db.dispose()


def revoke_device(url: str, db_url: str, name: str) -> None:
    """Revoke a device the way an admin does: signed in, the form on the device's page."""
    admin = Api(url)
    r = admin.sign_in("admin")
    assert r.status == 302, r.text
    r = admin.post_form(f"/admin/devices/{device_id(db_url, name)}/revoke")
    assert r.status == 302, r.text
