"""The demo MPP: the layout in mpp/data/demo_site.toml, demo users and demo devices.

Demo device tokens are derived from the secret key, so `mpp run` can print working URLs
on every start without storing a token anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Device, User
from . import accounts
from .site_layout import load_layout, parse_toml

DEMO_PASSWORD_NOTE = "demo passwords: change them or run without --demo in production"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    agency: str | None
    full_name: str


DEMO_USERS = (
    DemoUser("admin", "admin-mpp", "admin", None, "Admin MPP"),
    DemoUser("manajer", "manajer-mpp", "manager", None, "Kepala Bagian Layanan"),
    DemoUser("dukcapil1", "petugas-mpp", "staff", "DUKCAPIL", "Siti Rahmawati"),
    DemoUser("dukcapil2", "petugas-mpp", "staff", "DUKCAPIL", "Andi Saputra"),
    DemoUser("imigrasi1", "petugas-mpp", "staff", "IMIGRASI", "Made Wirawan"),
    DemoUser("polresta1", "petugas-mpp", "staff", "POLRESTA", "Bripka La Ode Hasan"),
    DemoUser("bpjs1", "petugas-mpp", "staff", "BPJSKES", "Wa Ode Nurhayati"),
    DemoUser("dpmptsp1", "petugas-mpp", "staff", "DPMPTSP", "Yusuf Tamburaka"),
    DemoUser("manajer-dukcapil", "manajer-mpp", "manager", "DUKCAPIL", "Kabid Dukcapil"),
)

DEMO_DEVICES = (("kiosk-1", "kiosk"), ("display-1", "display"), ("printer-1", "printer"))


def demo_site_text() -> str:
    return resources.files("mpp.data").joinpath("demo_site.toml").read_text(encoding="utf-8")


def demo_device_token(secret: str, name: str) -> str:
    return hmac.new(secret.encode(), f"mpp-demo-device:{name}".encode(),
                    hashlib.sha256).hexdigest()


def load_demo(s: Session, now: datetime, secret: str) -> dict[str, str]:
    """Load (or refresh) the demo MPP; returns the demo devices' tokens by name."""
    load_layout(s, parse_toml(demo_site_text()), now, actor="demo")
    for u in DEMO_USERS:
        if s.scalars(select(User).where(User.username == u.username)).first() is None:
            accounts.create_user(s, now, u.username, u.password, u.role, u.agency, u.full_name,
                                 actor="demo")
    tokens = {}
    for name, kind in DEMO_DEVICES:
        token = demo_device_token(secret, name)
        tokens[name] = token
        device = s.scalars(select(Device).where(Device.name == name)).first()
        if device is None:
            device, _ = accounts.create_device(s, now, name, kind, actor="demo")
        device.token_hash = accounts.token_digest(token)
        device.revoked_at = None
    s.flush()
    kiosk = s.scalars(select(Device).where(Device.name == "kiosk-1")).one()
    printer = s.scalars(select(Device).where(Device.name == "printer-1")).one()
    if kiosk.settings.get("printer_device_id") != printer.id:
        kiosk.settings = {**kiosk.settings, "printer_device_id": printer.id}
    return tokens


def demo_tokens_in_use(s: Session, secret: str) -> dict[str, str] | None:
    """The demo devices' tokens when this database holds the demo devices, else None."""
    tokens = {name: demo_device_token(secret, name) for name, _ in DEMO_DEVICES}
    for name, token in tokens.items():
        device = s.scalars(select(Device).where(Device.name == name)).first()
        if device is None or device.token_hash != accounts.token_digest(token):
            return None
    return tokens
