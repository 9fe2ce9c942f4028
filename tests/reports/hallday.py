"""A simulated hall day driven through the real API with a fixed clock, and the test's own
record of what happened, from which the expected report figures are computed independently.

The simulation is deterministic (seeded): tickets are issued at several services, counters
call, recall, start, finish, mark no-show and transfer; some tickets are cancelled, and the
rest are expired by close-day. Every time is the FixedClock's, so the record is exact. Steps
are three minutes plus up to a minute of milliseconds, so durations differ to the
millisecond and spread over many whole minutes (the unit of PostgreSQL's histograms).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from mpp.clock import FixedClock
from mpp.domain.actor import SYSTEM

from ..support import databases
from ..support.api import Api
from ..support.factories import Factories

WITA = ZoneInfo("Asia/Makassar")
DAY = datetime(2026, 11, 23, 8, 0, tzinfo=WITA)
#: counter -> staff username, in the demo layout
COUNTERS = {"Loket 1": "dukcapil1", "Loket 3": "dukcapil2", "Loket 5": "dpmptsp1"}
ISSUE_MIX = ["KTP", "KTP", "KTP", "KK", "AKTA", "NIB", "NIB"]
SERVICE_AGENCY = {"KTP": "DUKCAPIL", "KK": "DUKCAPIL", "AKTA": "DUKCAPIL", "NIB": "DPMPTSP"}


@dataclass(frozen=True)
class Layout:
    """The hall a day is played in: the counters opened (name -> clerk), the services tickets
    are taken for (drawn from ``issue_mix``), each service's agency, and the transfer made
    (from one service to the other). ``unopened`` counters and the first agency's
    ``manager`` are for the tests' own checks."""

    counters: dict[str, str]
    issue_mix: list[str]
    service_agency: dict[str, str]
    transfer: tuple[str, str]
    unopened: tuple[str, ...] = ()
    manager: str | None = None


#: the demo hall: Loket 1 (KTP), Loket 3 (KK, AKTA), Loket 5 (NIB); Loket 2 never opened
DEMO = Layout(COUNTERS, ISSUE_MIX, SERVICE_AGENCY, ("KTP", "KK"), ("Loket 2",),
              "manajer-dukcapil")


def own_layout(app: Any) -> Layout:
    """The demo hall's shape on services, counters and clerks of the test's own: agency UJI
    with three services (the first transferred to the second) at a counter for the first, a
    counter for the second and third, and one for the first two never opened; agency UJB
    with a service at its own counter."""
    make = Factories(app)
    first, second, third = make.service(), make.service(), make.service()
    counters = [make.counter([first]), make.counter([second, third])]
    unopened = make.counter([first, second])
    clerks = [make.staff(), make.staff()]
    other = make.agency()
    fourth = other.service()
    counters.append(other.counter([fourth]))
    clerks.append(other.staff())
    return Layout({make.counter_name(c): who for c, who in zip(counters, clerks, strict=True)},
                  [first, first, first, second, third, fourth, fourth],
                  {first: make.agency_code, second: make.agency_code, third: make.agency_code,
                   fourth: other.agency_code},
                  (first, second), (make.counter_name(unopened),), make.staff(role="manager"))


@contextmanager
def played_database(request: Any, tmp_path_factory: Any) -> Iterator[str]:
    """A fresh demo database for a module-scoped fixture parametrized sqlite/postgres."""
    if request.param == "sqlite":
        template = request.getfixturevalue("_sqlite_template")
        yield databases.sqlite_copy(template, tmp_path_factory.mktemp("hallday"))
    else:
        with databases.pg_copy(request.getfixturevalue("_pg_template")) as url:
            yield url


@dataclass
class Rec:
    """The test's own record of one ticket."""

    id: int
    token: str
    service: str
    issued: datetime
    priority_category: str | None
    status: str = "waiting"
    first_call: datetime | None = None
    last_call: datetime | None = None
    started: datetime | None = None
    finished: datetime | None = None
    counter: str | None = None
    staff: str | None = None


@dataclass
class Desk:
    name: str
    staff: str
    cid: int
    ticket: Rec | None = None
    plan: list[tuple[int, str]] = field(default_factory=list)  # (steps from now, action)
    opened: datetime | None = None
    closed: datetime | None = None


@dataclass
class Day:
    tickets: list[Rec]
    desks: dict[str, Desk]
    layout: Layout


def run_day(api: Api, clock: FixedClock, app: Any, seed: int = 7, steps: int = 120,
            layout: Layout = DEMO) -> Day:
    """Play one hall day from 08:00 in steps of 3 to 4 minutes, then close the day."""
    rng = random.Random(seed)
    jitter = random.Random(seed + 1)  # its own stream: the day's events stay the same
    clock.set(DAY)
    tickets: list[Rec] = []
    desks = {}
    for name, user in layout.counters.items():
        cid = api.open_counter(user, name)
        desks[name] = Desk(name, user, cid, opened=clock.now())
    admin = api.login("admin")
    for step in range(steps):
        if step:
            clock.advance(minutes=3, milliseconds=jitter.randrange(60_000))
        now = clock.now()
        # Arrivals: more in the morning peak.
        arrivals = rng.choice([0, 1, 1, 2] if step < 50 else [0, 0, 1])
        if step >= steps - 15:
            arrivals = 1  # a few left waiting at the end, for close-day
        for _ in range(arrivals):
            code = rng.choice(layout.issue_mix)
            cat = rng.choice([None] * 8 + ["elderly", "disabled", "pregnant", "child"])
            extra = {"priority_category": cat} if cat else {}
            t = api.issue(code, **extra)
            tickets.append(Rec(t["id"], t["token"], code, now, cat))
        # Now and then a waiting ticket is cancelled.
        waiting = [r for r in tickets if r.status == "waiting"]
        if waiting and rng.random() < 0.06:
            victim = rng.choice(waiting)
            r = api.post(f"/tickets/{victim.id}/cancel", token=admin)
            assert r.status == 200, r.body
            victim.status = "cancelled"
        if step >= steps - 15:
            continue  # counters stop serving near the end of the day
        for desk in desks.values():
            _act(api, desk, tickets, rng, now, layout.transfer)
    # Finish whatever is still held, then close the counters.
    clock.advance(minutes=3)
    for desk in desks.values():
        if desk.ticket is not None:
            _do(api, desk, "finish", clock.now(), layout.transfer)
        r = api.post(f"/counters/{desk.cid}/close", token=api.login(desk.staff))
        assert r.status == 200, r.body
        desk.closed = clock.now()
    # The evening: close-day expires every ticket still waiting.
    clock.advance(minutes=30)
    expired = app.extensions["mpp"].queue.close_day(SYSTEM, DAY.date())
    for rec in tickets:
        if rec.status == "waiting":
            rec.status = "expired"
    assert expired == sum(1 for r in tickets if r.status == "expired")
    return Day(tickets, desks, layout)


def _act(api: Api, desk: Desk, tickets: list[Rec], rng: random.Random, now: datetime,
         transfer: tuple[str, str]) -> None:
    token = api.login(desk.staff)
    if desk.ticket is None:
        r = api.post(f"/counters/{desk.cid}/call-next", token=token)
        assert r.status == 200, r.body
        if r.body["ticket"] is None:
            return
        rec = next(t for t in tickets if t.id == r.body["ticket"]["id"])
        assert rec.status == "waiting"
        rec.status = "called"
        rec.first_call = rec.first_call or now
        rec.last_call = now
        rec.counter, rec.staff = desk.name, desk.staff
        desk.ticket = rec
        roll = rng.random()
        if roll < 0.1:
            desk.plan = [(1, "no-show")]
        elif roll < 0.18 and rec.service == transfer[0]:
            desk.plan = [(1, "transfer")]
        elif roll < 0.25:
            desk.plan = [(1, "recall"), (1, "start"), (rng.randint(1, 6), "finish")]
        elif roll < 0.45:
            desk.plan = [(rng.randint(1, 5), "finish")]  # finished without a start
        else:
            desk.plan = [(rng.choice([0, 1]), "start"), (rng.randint(1, 8), "finish")]
        _due(api, desk, now, transfer)
        return
    _due(api, desk, now, transfer)


def _due(api: Api, desk: Desk, now: datetime, transfer: tuple[str, str]) -> None:
    while desk.plan and desk.ticket is not None:
        wait, action = desk.plan[0]
        if wait > 0:
            desk.plan[0] = (wait - 1, action)
            return
        desk.plan.pop(0)
        _do(api, desk, action, now, transfer)


def _do(api: Api, desk: Desk, action: str, now: datetime, transfer: tuple[str, str]) -> None:
    rec = desk.ticket
    assert rec is not None
    token = api.login(desk.staff)
    if action == "transfer":
        r = api.post(f"/tickets/{rec.id}/transfer", {"service_id": api.service_id(transfer[1])},
                     token=token)
    else:
        r = api.post(f"/tickets/{rec.id}/{action}", token=token)
    assert r.status == 200, (action, r.body)
    if action == "recall":
        rec.last_call = now
        return
    if action == "start":
        rec.started = now
        rec.status = "serving"
        return
    if action == "transfer":
        rec.service = transfer[1]
        rec.status = "waiting"
        rec.started = None
        rec.counter = None
    elif action == "finish":
        rec.status = "done"
        rec.finished = now
    elif action == "no-show":
        rec.status = "no_show"
        rec.finished = now
    desk.ticket = None
    desk.plan = []


# -- the expected figures, computed from the record ----------------------------------------
def ms(a: datetime, b: datetime) -> int:
    return int((b - a) / timedelta(milliseconds=1))


def avg_seconds(values: list[int]) -> float | None:
    """Mean of millisecond values in seconds, half-up to 0.1 (the documented rounding)."""
    if not values:
        return None
    return float((Decimal(sum(values)) / Decimal(len(values) * 1000))
                 .quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def p90_seconds(values: list[int]) -> float | None:
    """Nearest rank: the value at rank ceil(0.9 n) of the sorted values."""
    if not values:
        return None
    return sorted(values)[math.ceil(Fraction(9, 10) * len(values)) - 1] / 1000


def wait_ms(r: Rec) -> int | None:
    return None if r.first_call is None else ms(r.issued, r.first_call)


def service_ms(r: Rec) -> int | None:
    if r.status != "done":
        return None
    begin = r.started or r.last_call
    assert begin is not None and r.finished is not None
    return ms(begin, r.finished)


def expected_row(recs: list[Rec], sla_minutes: int | None = None) -> dict[str, Any]:
    waits = [w for r in recs if (w := wait_ms(r)) is not None]
    serves = [v for r in recs if (v := service_ms(r)) is not None]
    count = defaultdict(int)
    for r in recs:
        count[r.status] += 1
    out: dict[str, Any] = {
        "issued": len(recs), "served": count["done"], "no_show": count["no_show"],
        "cancelled": count["cancelled"], "expired": count["expired"],
        "waiting": count["waiting"],
        "avg_wait_seconds": avg_seconds(waits), "p90_wait_seconds": p90_seconds(waits),
        "avg_service_seconds": avg_seconds(serves), "p90_service_seconds": p90_seconds(serves),
    }
    if sla_minutes is not None:
        done = [r for r in recs if r.status == "done"]
        met = sum(1 for r in done if ms(r.issued, r.finished) <= sla_minutes * 60_000)
        out["sla_met"], out["sla_total"] = met, len(done)
    return out


def expected_hours(recs: list[Rec]) -> list[dict[str, Any]]:
    """by_hour from the record: for each local hour, the tickets taken in it (what became of
    them and how long the called ones waited) and the tickets finished in it (service)."""
    def hour(t: datetime) -> int:
        return t.astimezone(WITA).hour

    rows = []
    for h in range(24):
        came = [r for r in recs if hour(r.issued) == h]
        done = [r for r in recs if r.status == "done" and r.finished and hour(r.finished) == h]
        waits = [w for r in came if (w := wait_ms(r)) is not None]
        serves = [v for r in done if (v := service_ms(r)) is not None]
        rows.append({
            "hour": h, "issued": len(came), "served": len(done),
            "no_show": sum(1 for r in came if r.status == "no_show"),
            "cancelled": sum(1 for r in came if r.status == "cancelled"),
            "expired": sum(1 for r in came if r.status == "expired"),
            "avg_wait_seconds": avg_seconds(waits), "p90_wait_seconds": p90_seconds(waits),
            "avg_service_seconds": avg_seconds(serves),
            "p90_service_seconds": p90_seconds(serves),
        })
    return rows
