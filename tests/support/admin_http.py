"""An admin's clicks on a live server, over real HTTP with the session cookie and CSRF."""

from __future__ import annotations

import requests
from sqlalchemy import select

from mpp.db import Database
from mpp.models import Device

from .api import PASSWORDS


def device_id(db_url: str, name: str) -> int:
    db = Database(db_url)
    try:
        with db.read() as s:
            return s.scalars(select(Device.id).where(Device.name == name)).one()
    finally:
        db.dispose()


def revoke_device(url: str, db_url: str, name: str) -> None:
    """Revoke a device the way an admin does: signed in, the form on the device's page."""
    http = requests.Session()
    csrf = http.get(f"{url}/api/v1/session", timeout=10).json()["csrf_token"]
    r = http.post(f"{url}/login", data={"username": "admin", "password": PASSWORDS["admin"],
                                        "csrf_token": csrf},
                  timeout=10, allow_redirects=False)
    assert r.status_code == 302, r.text
    csrf = http.get(f"{url}/api/v1/session", timeout=10).json()["csrf_token"]
    r = http.post(f"{url}/admin/devices/{device_id(db_url, name)}/revoke",
                  data={"csrf_token": csrf}, timeout=10, allow_redirects=False)
    assert r.status_code == 302, r.text
