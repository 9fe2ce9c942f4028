"""Factories for tests that need services, counters, staff and tickets of their own, so they
lean on no demo name ("Loket 1", "KTP"): ``make = Factories(app)``, then
``make.service(sla_minutes=30)``, ``make.counter([code])``, ``make.staff()``,
``make.ticket(code)``. Everything lands in an agency of its own (code UJI), named in order
(UJI1, UJI2 …; prefixes UA, UB …), so a test's data is deterministic."""

from __future__ import annotations

import string
from typing import Any

from sqlalchemy import select

from mpp.domain.actor import Actor
from mpp.models import Counter, Service, Site
from mpp.services import accounts
from mpp.services.site_layout import load_layout

from .api import STAFF_PASSWORD

AGENCY = "UJI"


class Factories:
    """Made through the services the app itself uses (the site file's loader, accounts,
    QueueService), on the app's database and clock."""

    def __init__(self, app: Any):
        self.hall = app.extensions["mpp"]
        self.made = 0

    def _next(self) -> int:
        self.made += 1
        return self.made

    def _load(self, agency: dict[str, Any]) -> None:
        with self.hall.db.write() as s:
            site = s.scalars(select(Site)).one()
            load_layout(s, {"site": {"code": site.code, "name": site.name,
                                     "timezone": site.timezone},
                            "agencies": [{"code": AGENCY, "name": "Instansi Uji", **agency}]},
                        self.hall.clock.now(), actor="test")

    def service(self, hours: str = "00:00-24:00", **fields: Any) -> str:
        """A service always open unless told (code, name and prefix made up); its code."""
        n = self._next()
        code = fields.pop("code", f"{AGENCY}{n}")
        prefix = fields.pop("prefix", "U" + string.ascii_uppercase[n % 26])
        self._load({"services": [{"code": code, "name": f"Layanan Uji {n}", "prefix": prefix,
                                  "hours": hours, **fields}]})
        return code

    def service_id(self, code: str) -> int:
        with self.hall.db.read() as s:
            return s.scalars(select(Service.id).where(Service.code == code)).one()

    def counter(self, services: list[str], name: str | None = None) -> int:
        """A counter serving the given service codes; its id."""
        name = name or f"Loket Uji {self._next()}"
        self._load({"counters": [{"name": name, "services": services}]})
        with self.hall.db.read() as s:
            return s.scalars(select(Counter.id).where(Counter.name == name)).one()

    def staff(self, username: str | None = None) -> str:
        """A staff member of the agency, with the staff password; the username."""
        username = username or f"petugas-uji-{self._next()}"
        with self.hall.db.write() as s:
            accounts.create_user(s, self.hall.clock.now(), username, STAFF_PASSWORD, "staff",
                                 AGENCY, f"Petugas Uji {username}")
        return username

    def ticket(self, code: str, priority: bool = False) -> dict[str, Any]:
        """A ticket issued for the service, as a kiosk would."""
        return self.hall.queue.issue(Actor(role="kiosk", device_id=1), self.service_id(code),
                                     priority=priority)
