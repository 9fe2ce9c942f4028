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

from ..models import Counter, Device, User
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
#: rating tablets (display devices registered to one counter each): name -> counter name
DEMO_TABLETS = {"tablet-1": "Loket 1", "tablet-4": "Loket 4"}


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
    for name, counter_name in DEMO_TABLETS.items():
        tokens[name] = _demo_tablet(s, now, secret, name, counter_name)
    s.flush()
    kiosk = s.scalars(select(Device).where(Device.name == "kiosk-1")).one()
    printer = s.scalars(select(Device).where(Device.name == "printer-1")).one()
    if kiosk.settings.get("printer_device_id") != printer.id:
        kiosk.settings = {**kiosk.settings, "printer_device_id": printer.id}
    return tokens


def _demo_tablet(s: Session, now: datetime, secret: str, name: str, counter_name: str) -> str:
    """A demo rating tablet: a display device registered to its counter."""
    token = demo_device_token(secret, name)
    device = s.scalars(select(Device).where(Device.name == name)).first()
    if device is None:
        device, _ = accounts.create_device(s, now, name, "display", actor="demo")
    device.token_hash = accounts.token_digest(token)
    device.revoked_at = None
    counter = s.scalars(select(Counter).where(Counter.name == counter_name)
                        .order_by(Counter.id)).first()
    if counter is not None and (device.settings or {}).get("counter_id") != counter.id:
        device.settings = {**(device.settings or {}), "counter_id": counter.id}
    return token


def demo_tokens_in_use(s: Session, secret: str) -> dict[str, str] | None:
    """The demo devices' tokens when this database holds the demo devices, else None."""
    tokens = {name: demo_device_token(secret, name) for name, _ in DEMO_DEVICES}
    for name, token in tokens.items():
        device = s.scalars(select(Device).where(Device.name == name)).first()
        if device is None or device.token_hash != accounts.token_digest(token):
            return None
    return tokens
