"""Factories for tests that need services, counters, staff and tickets of their own, so they
lean on no demo name ("Loket 1", "KTP"): ``make = Factories(app)``, then
``make.service(sla_minutes=30)``, ``make.counter([code])``, ``make.staff()``,
``make.ticket(code)``, or all at once ``desk = make.desk()`` (a service, a counter serving
it and a clerk). Everything lands in an agency of its own (code UJI; ``make.agency()`` gives
a second one, UJB, for cross-agency tests), named in order (UJI1, UJI2 …; prefixes UA, UB …),
so a test's data is deterministic.

On a live server, ``Factories.live(server)`` makes the layout in the server's database (the
server reads it on each request) and takes tickets over HTTP at kiosk-1, so the server
publishes them; numbering goes on from what earlier tests made there."""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from mpp.clock import SystemClock
from mpp.db import Database
from mpp.domain.actor import Actor
from mpp.models import Agency, Counter, Service, Site, User
from mpp.services import accounts
from mpp.services.site_layout import load_layout

from .api import STAFF_PASSWORD, Api

AGENCY = "UJI"
SECOND_AGENCY = "UJB"


@dataclass(frozen=True)
class Desk:
    """A service, one counter serving it and a clerk of its agency."""

    code: str  # the service's code
    service_id: int
    counter_id: int
    counter: str  # the counter's name
    staff: str  # the clerk's username (password: the staff password)


class Factories:
    """Made through the services the app itself uses (the site file's loader, accounts,
    QueueService), on the app's database and clock."""

    def __init__(self, app: Any, agency: str = AGENCY):
        hall = app.extensions["mpp"]
        self._setup(hall.db, hall.clock, agency)
        self.queue = hall.queue
        self.api: Api | None = None

    def _setup(self, db: Database, clock: Any, agency: str,
               counter: itertools.count[int] | None = None) -> None:
        self.db, self.clock, self.agency_code = db, clock, agency
        if counter is None:  # go on after what factories made in this database before
            with db.read() as s:
                ours = select(Agency.id).where(Agency.code.like("UJ%"))
                made = sum(s.scalar(select(func.count()).select_from(model)
                                    .where(model.agency_id.in_(ours))) or 0
                           for model in (Service, Counter, User))
            counter = itertools.count(made + 1)
        self._counter = counter

    @classmethod
    def live(cls, server: Any, agency: str = AGENCY) -> Factories:
        """On a live server (support/live.py): the layout in its database, tickets over its
        HTTP API. ``close()`` it after."""
        made = cls.__new__(cls)
        made._setup(Database(server.db_url), SystemClock(), agency)
        made.queue = None
        made.api = Api(server.url)
        return made

    def close(self) -> None:
        """Let go of a live server's database (``Factories.live``)."""
        if self.api is not None:
            self.db.dispose()

    def agency(self, code: str = SECOND_AGENCY) -> Factories:
        """Factories for another agency of the same site, numbered with these."""
        other = type(self).__new__(type(self))
        other._setup(self.db, self.clock, code, self._counter)
        other.queue, other.api = self.queue, self.api
        return other

    def _next(self) -> int:
        return next(self._counter)

    def _load(self, agency: dict[str, Any]) -> None:
        with self.db.write() as s:
            site = s.scalars(select(Site)).one()
            load_layout(s, {"site": {"code": site.code, "name": site.name,
                                     "timezone": site.timezone},
                            "agencies": [{"code": self.agency_code,
                                          "name": f"Instansi Uji {self.agency_code}",
                                          **agency}]},
                        self.clock.now(), actor="test")

    @staticmethod
    def _prefix(n: int) -> str:
        """UA … UZ, then UAA, UAB …: one to three letters, unique per number."""
        letters = string.ascii_uppercase
        if n < 26:
            return "U" + letters[n]
        return "U" + letters[(n // 26 - 1) % 26] + letters[n % 26]

    # -- the layout -------------------------------------------------------------------------
    def service(self, hours: str = "00:00-24:00", **fields: Any) -> str:
        """A service always open unless told (code, name and prefix made up); its code."""
        n = self._next()
        code = fields.pop("code", f"{self.agency_code}{n}")
        prefix = fields.pop("prefix", self._prefix(n))
        self._load({"services": [{"code": code, "name": f"Layanan Uji {n}", "prefix": prefix,
                                  "hours": hours, **fields}]})
        return code

    def service_id(self, code: str) -> int:
        with self.db.read() as s:
            return s.scalars(select(Service.id).where(Service.code == code)).one()

    def counter(self, services: list[str], name: str | None = None, **fields: Any) -> int:
        """A counter serving the given service codes (other fields as in the site file:
        spoken_name …); its id."""
        name = name or f"Loket Uji {self._next()}"
        self._load({"counters": [{"name": name, "services": services, **fields}]})
        with self.db.read() as s:
            return s.scalars(select(Counter.id).where(Counter.name == name)).one()

    def counter_name(self, counter_id: int) -> str:
        with self.db.read() as s:
            return s.scalars(select(Counter.name).where(Counter.id == counter_id)).one()

    def staff(self, username: str | None = None, role: str = "staff") -> str:
        """A staff member (or ``role``: manager) of the agency, with the staff password;
        the username."""
        username = username or f"petugas-uji-{self._next()}"
        self._load({})  # the agency, if nothing was made in it yet
        with self.db.write() as s:
            accounts.create_user(s, self.clock.now(), username, STAFF_PASSWORD, role,
                                 self.agency_code, f"Petugas Uji {username}")
        return username

    def desk(self, **service_fields: Any) -> Desk:
        """A service (fields as for ``service``), a counter serving it and a clerk."""
        code = self.service(**service_fields)
        cid = self.counter([code])
        return Desk(code, self.service_id(code), cid, self.counter_name(cid), self.staff())

    # -- the hall at work -------------------------------------------------------------------
    def ticket(self, code: str, priority: bool = False, **extra: Any) -> dict[str, Any]:
        """A ticket issued for the service, as kiosk-1 would (over HTTP on a live server)."""
        if self.api is not None:
            return self.api.issue(code, priority=priority, **extra)
        return self.queue.issue(Actor(role="kiosk", device_id=1), self.service_id(code),
                                priority=priority, **extra)
