"""A busy hall day, end to end: kiosks, counters, display boards and citizens' phones all at
once against several real server processes on one PostgreSQL database, sharing Redis.

``prepare()`` adds an agency of its own to a demo database (always-open services, a
counter and a staff login per counter thread, kiosk and display devices); ``serve()`` starts
the server processes; ``HallDay(urls, setup, plan).run()`` plays the day:

- K kiosk threads issue ``plan.tickets`` tickets (regular and priority, several services)
  through the HTTP API, spread over the processes. The first ``opening`` tickets are issued
  before the counters start (the people waiting when the doors open);
- C counter threads, each a staff member at a counter of their own, loop call-next → maybe
  recall → start → finish, or no-show, or transfer to another service;
- B display boards (python-socketio, a display device's token) on /hall record every
  ``called`` event; T phones on /ticket follow some tickets (half from the opening wave, half
  issued during the day, each loading the status page and connecting right after its ticket
  was issued) and record their ``ticket`` events.

``check()`` then compares what everyone saw with the ticket event log in the database:
numbering per service exactly 1..n; no ticket held by two counters and no counter holding
two (replaying the log); every ticket ended as the threads left it; the log agrees with what
the API answered; every board got every call and recall once, in each counter's order; every
phone saw each call of its ticket made after it connected, at the right counter; and, when
the hall is quiet (before the doors open, at the end), every board shows the true waiting
counts. ``figures()`` gives the timings. The CI test runs it small, ``bench/hall_day.py``
large.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from engineio import packet as eio_packet
from socketio import packet as sio_packet
from sqlalchemy import select

from mpp.db import Database
from mpp.domain.numbering import format_number
from mpp.models import Agency, Counter, Service, Ticket, TicketEvent
from mpp.services import accounts
from mpp.services.site_layout import load_layout
from printer.socket_client import InOrderClient

from .live import LiveServer
from .live_clock import live_offset

AGENCY = "RAMAI"
PASSWORD = "petugas-mpp"
CATEGORIES = ("elderly", "disabled", "pregnant", "child")
FINAL = {"done", "no_show", "cancelled", "expired"}
#: where each step falls among the steps that share one call_count (see _order)
PHASE = {"issued": 0, "called": 0, "recalled": 0, "started": 1, "finished": 2, "no_show": 2,
         "transferred": 2}


@dataclass
class Plan:
    """How big the day is and how the people in it behave (deterministic for one seed)."""

    processes: int = 2
    kiosks: int = 4
    counters: int = 4
    boards: int = 3
    phones: int = 10
    tickets: int = 120
    services: int = 3
    seed: int = 1
    #: tickets issued before the counters start; default a tenth of the day (at least as many
    #: as the phones that follow opening tickets)
    opening: int | None = None
    priority_rate: float = 0.15
    recall_rate: float = 0.2
    no_show_rate: float = 0.1
    transfer_rate: float = 0.1
    #: counters stop when nobody has called anything for this long (tickets left waiting)
    idle_seconds: float = 10.0
    #: how long to wait for every event to reach the boards and phones after the day
    settle_seconds: float = 20.0
    #: how long boards may take to show the true waiting counts once the hall is quiet
    quiet_seconds: float = 5.0
    #: how long one connect or one request may take
    timeout: float = 30.0

    @property
    def opening_phones(self) -> int:
        return (self.phones + 1) // 2

    @property
    def opening_tickets(self) -> int:
        wanted = self.opening if self.opening is not None else self.tickets // 10
        return min(self.tickets, max(wanted, self.opening_phones))


@dataclass
class CounterSetup:
    id: int
    name: str
    username: str
    service_ids: list[int]


@dataclass
class Setup:
    """What ``prepare()`` added to the database."""

    services: dict[int, str]  # id -> prefix
    counters: list[CounterSetup]
    kiosk_tokens: list[str]
    board_tokens: list[str]


def prepare(url: str, plan: Plan) -> Setup:
    """Add the day's agency, services, counters, staff and devices to the database at ``url``
    (a demo MPP); run before the servers start."""
    now = datetime.now(UTC)
    codes = [f"R{i + 1}" for i in range(plan.services)]
    # Counter i serves two neighbouring services, so every service has counters (and a
    # transfer always lands somewhere that is served); with fewer counters, each serves all.
    if plan.counters >= plan.services and plan.services > 1:
        served = [[codes[i % plan.services], codes[(i + 1) % plan.services]]
                  for i in range(plan.counters)]
    else:
        served = [codes] * plan.counters
    layout = {
        "site": {"code": "kendari", "name": "Mal Pelayanan Publik Kota Kendari",
                 "timezone": "Asia/Makassar"},
        "agencies": [{
            "code": AGENCY, "name": "Layanan Ramai (uji beban)",
            "services": [{"code": c, "name": f"Layanan {c}", "prefix": f"R{chr(65 + i)}",
                          "sla_minutes": 15, "hours": "00:00-24:00", "priority": True,
                          "regular_per_priority": 2} for i, c in enumerate(codes)],
            "counters": [{"name": f"Loket Ramai {i + 1}", "services": served[i]}
                         for i in range(plan.counters)]}]}
    db = Database(url)
    try:
        with db.write() as s:
            load_layout(s, layout, now)
            services = {sv.code: sv for sv in s.scalars(
                select(Service).join(Agency).where(Agency.code == AGENCY))}
            counters = []
            for i in range(plan.counters):
                name = f"Loket Ramai {i + 1}"
                counter = s.scalars(select(Counter).where(Counter.name == name)).one()
                user = f"ramai{i + 1}"
                accounts.create_user(s, now, user, PASSWORD, "staff", AGENCY)
                counters.append(CounterSetup(counter.id, name, user,
                                             [services[c].id for c in served[i]]))
            kiosks = [accounts.create_device(s, now, f"kiosk-ramai-{i + 1}", "kiosk")[1]
                      for i in range(plan.kiosks)]
            boards = [accounts.create_device(s, now, f"papan-ramai-{i + 1}", "display")[1]
                      for i in range(plan.boards)]
            return Setup({sv.id: sv.prefix for sv in services.values()}, counters, kiosks,
                         boards)
    finally:
        db.dispose()


@contextmanager
def serve(url: str, plan: Plan, workdir: Path, redis_url: str) -> Iterator[list[LiveServer]]:
    """``plan.processes`` servers (`mpp run`) on one database, fanning out through Redis on a
    channel of their own; started side by side, stopped at the end."""
    env = {"MPP_REDIS_CHANNEL": f"mpp-day-{uuid.uuid4().hex[:12]}",
           # every staff member signs in from 127.0.0.1
           "MPP_LOGIN_RATE_LIMIT": "10000 per minute"}
    offset = live_offset()  # one clock for the servers of one database
    servers = [LiveServer(url, workdir / f"server-{i}", redis_url=redis_url, extra_env=env,
                          clock_offset=offset) for i in range(plan.processes)]
    try:
        with ThreadPoolExecutor(len(servers)) as pool:
            for future in [pool.submit(s.start, 60) for s in servers]:
                future.result()
        yield servers
    finally:
        for server in servers:
            server.stop()


# -- recording clients -------------------------------------------------------------------------
class Listener:
    """A python-socketio client on one namespace that records every event with the moment it
    came off the wire, in wire order. (python-engineio runs each message handler in a thread
    of its own, so the handlers' order is not the arrival order: events are taken from the
    engine.io read loop instead, and only the other packets, such as the namespace's
    connect, go on to python-socketio.)"""

    def __init__(self, url: str, namespace: str, auth: dict[str, str]):
        self.url = url
        self.namespace = namespace
        self.auth = auth
        self.events: list[tuple[float, str, Any]] = []
        self.disconnects = 0  # before close(): the server or the network cut it
        self.closing = False
        self.changed = threading.Condition()
        self.client = InOrderClient(reconnection=False)
        self.client.on("disconnect", self._disconnected, namespace=namespace)
        receive = self.client.eio._receive_packet

        def read(pkt: Any) -> None:
            if pkt.packet_type == eio_packet.MESSAGE and isinstance(pkt.data, str):
                at = time.monotonic()
                sio = sio_packet.Packet(encoded_packet=pkt.data)
                if (sio.packet_type == sio_packet.EVENT and sio.namespace == namespace
                        and isinstance(sio.data, list) and sio.data):
                    with self.changed:
                        payload = sio.data[1] if len(sio.data) > 1 else None
                        self.events.append((at, sio.data[0], payload))
                        self.changed.notify_all()
                    return  # recorded; no handler thread per event (hundreds a second)
            receive(pkt)

        self.client.eio._receive_packet = read

    def _disconnected(self, *_args: Any) -> None:
        if not self.closing:
            self.disconnects += 1

    def connect(self, timeout: float) -> Listener:
        self.client.connect(self.url, namespaces=[self.namespace], auth=self.auth,
                            transports=["websocket"], wait_timeout=timeout)
        return self

    def named(self, name: str) -> list[tuple[float, Any]]:
        with self.changed:
            return [(at, data) for at, n, data in self.events if n == name]

    def counts(self) -> dict[int, int] | None:
        """Waiting per service id as the last ``queue`` event on /hall had them."""
        last = self.named("queue")
        return None if not last else {r["service_id"]: r["waiting"]
                                      for r in last[-1][1]["services"]}

    def wait(self, ready: Callable[[], bool], deadline: float) -> bool:
        """Wait until ``ready()`` (checked whenever an event arrives) or the deadline."""
        with self.changed:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
            return True

    def close(self) -> None:
        self.closing = True
        self.client.disconnect()


@dataclass
class Phone:
    """A citizen's phone following one ticket on /ticket."""

    ticket_id: int
    index: int  # the ticket's place in the day's issuing order
    opening: bool
    listener: Listener


# -- what the threads did ------------------------------------------------------------------------
@dataclass
class Step:
    """One request of a kiosk or counter thread and the Ticket the API answered."""

    kind: str  # issued, called, recalled, started, finished, no_show, transferred
    ticket_id: int
    counter_id: int | None
    sent: float  # time.monotonic() just before the request
    took: float  # seconds until the answer
    ticket: dict[str, Any]
    service_id: int | None = None  # asked for: the service issued, or the transfer's target
    priority_category: str | None = None


class ApiError(Exception):
    pass


@dataclass
class Ledger:
    """Every step, shared by the threads; wakes idle counters when work may have appeared."""

    steps: dict[int, list[Step]] = field(default_factory=lambda: defaultdict(list))
    by_counter: dict[int, list[Step]] = field(default_factory=lambda: defaultdict(list))
    issued: int = 0
    unfinished: int = 0
    transfers: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    version: int = 0
    counters_open: int = 0
    kiosks_done: bool = False
    last_progress: float = field(default_factory=time.monotonic)
    errors: list[str] = field(default_factory=list)
    failed: threading.Event = field(default_factory=threading.Event)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def add(self, step: Step) -> None:
        with self.cond:
            self.steps[step.ticket_id].append(step)
            if step.counter_id is not None:
                self.by_counter[step.counter_id].append(step)
            if step.kind == "issued":
                self.issued += 1
                self.unfinished += 1
            elif step.kind in ("finished", "no_show"):
                self.unfinished -= 1
            elif step.kind == "transferred":
                self.transfers[step.ticket_id] += 1
            self.last_progress = time.monotonic()
            if step.kind in ("issued", "transferred", "finished", "no_show"):
                self.version += 1  # something to call may have appeared, or the day ended
                self.cond.notify_all()

    def fail(self, message: str) -> None:
        with self.cond:
            self.errors.append(message)
            self.failed.set()
            self.cond.notify_all()


@dataclass
class DayRecord:
    """What happened: the steps, the clients' recordings and the day's timing."""

    plan: Plan
    setup: Setup
    ledger: Ledger
    boards: list[Listener]
    phones: list[Phone]
    issue_seconds: float  # the first issue request to the last issue answer
    day_seconds: float  # doors open to the last counter stopping
    settled: bool  # every board and phone got everything expected before the deadline
    load_average: float
    #: boards that did not show the true waiting counts when the hall was quiet
    quiet: list[str] = field(default_factory=list)
    quiet_checks: int = 0


def _order(step: Step) -> tuple[int, int, int]:
    """Steps of one ticket in the order they happened: transfer_count grows with every
    transfer (which sets call_count back to 0: calls count per service), call_count with every
    call and recall, and between two calls the ticket only moves forward (start, then an
    ending)."""
    t = step.ticket
    return t["transfer_count"], t["call_count"], PHASE[step.kind]


def ticket_steps(ledger: Ledger, ticket_id: int) -> list[Step]:
    return sorted(ledger.steps[ticket_id], key=_order)


class HallDay:
    """One busy day against running servers; ``run()`` returns its DayRecord."""

    def __init__(self, urls: list[str], setup: Setup, plan: Plan):
        self.urls = urls
        self.setup = setup
        self.plan = plan
        self.ledger = Ledger()
        self.doors = threading.Event()
        self._next_index = 0
        self._index_lock = threading.Lock()
        n, w, t_open = plan.tickets, plan.opening_tickets, plan.opening_phones
        t_mid = plan.phones - t_open
        self.follow = {i * w // t_open: True for i in range(t_open)} if t_open else {}
        if t_mid and n > w:
            self.follow.update({w + i * (n - w) // t_mid: False for i in range(t_mid)})
        self.phones: list[Phone] = []
        self._phone_pool = ThreadPoolExecutor(8, thread_name_prefix="phone")
        self._phone_futures: list[Future[None]] = []
        self._first_issue: float | None = None
        self._last_issue = 0.0
        self.quiet: list[str] = []
        self.quiet_checks = 0

    # -- HTTP ----------------------------------------------------------------------------------
    def _post(self, http: requests.Session, base: str, path: str, token: str,
              body: Any = None) -> tuple[dict[str, Any], float, float]:
        sent = time.monotonic()
        r = http.post(f"{base}/api/v1{path}", json=body, timeout=self.plan.timeout,
                      headers={"Authorization": f"Bearer {token}"})
        took = time.monotonic() - sent
        if r.status_code not in (200, 201):
            raise ApiError(f"POST {path} -> {r.status_code} {r.text[:300]}")
        return r.json(), sent, took

    def _guard(self, name: str, work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            except Exception as exc:  # noqa: BLE001 - any failure ends the day, reported
                self.ledger.fail(f"{name}: {type(exc).__name__}: {exc}")
                self.doors.set()
        return run

    # -- kiosks --------------------------------------------------------------------------------
    def _take_index(self) -> int | None:
        with self._index_lock:
            if self._next_index >= self.plan.tickets:
                return None
            self._next_index += 1
            return self._next_index - 1

    def _kiosk(self, k: int) -> None:
        base = self.urls[k % len(self.urls)]
        token = self.setup.kiosk_tokens[k]
        http = requests.Session()
        services = sorted(self.setup.services)
        while (index := self._take_index()) is not None:
            if index >= self.plan.opening_tickets:
                self.doors.wait()
            if self.ledger.failed.is_set():
                return
            rng = random.Random(f"{self.plan.seed}:ticket:{index}")
            service_id = rng.choice(services)
            category = (rng.choice(CATEGORIES) if rng.random() < self.plan.priority_rate
                        else None)
            body: dict[str, Any] = {"service_id": service_id}
            if category:
                body["priority_category"] = category
            data, sent, took = self._post(http, base, "/tickets", token, body)
            ticket = data["ticket"]
            with self._index_lock:
                if self._first_issue is None or sent < self._first_issue:
                    self._first_issue = sent
                self._last_issue = max(self._last_issue, sent + took)
                if index in self.follow:
                    # the citizen scans the QR code; the phone connects to the next process
                    # (submitted before the step is counted: run() waits for the opening ones)
                    url = self.urls[(k + 1) % len(self.urls)]
                    self._phone_futures.append(self._phone_pool.submit(
                        self._phone, url, index, ticket))
            self.ledger.add(Step("issued", ticket["id"], None, sent, took, ticket, service_id,
                                 category))

    def _phone(self, url: str, index: int, ticket: dict[str, Any]) -> None:
        # the status page behind the QR code, then its live connection
        page = requests.get(f"{url}/t/{ticket['token']}", timeout=self.plan.timeout)
        if page.status_code != 200 or ticket["number"] not in page.text:
            raise AssertionError(f"status page of {ticket['number']}: {page.status_code}")
        listener = Listener(url, "/ticket", {"ticket_token": ticket["token"]})
        listener.connect(self.plan.timeout)
        if not listener.wait(lambda: bool(listener.events),
                             time.monotonic() + self.plan.timeout):
            raise AssertionError(f"phone for {ticket['number']}: no ticket event on connect")
        with self._index_lock:
            self.phones.append(Phone(ticket["id"], index, self.follow[index], listener))

    # -- counters ------------------------------------------------------------------------------
    def _counter(self, c: int) -> None:
        plan, ledger = self.plan, self.ledger
        me = self.setup.counters[c]
        base = self.urls[c % len(self.urls)]
        http = requests.Session()
        r = http.post(f"{base}/api/v1/auth/login", timeout=plan.timeout,
                      json={"username": me.username, "password": PASSWORD})
        if r.status_code != 200:
            raise ApiError(f"login {me.username} -> {r.status_code} {r.text[:200]}")
        token = r.json()["token"]
        self._post(http, base, f"/counters/{me.id}/open", token)
        with ledger.cond:
            ledger.counters_open += 1
            ledger.cond.notify_all()
        self.doors.wait()
        rng = random.Random(f"{plan.seed}:counter:{c}")
        services = sorted(self.setup.services)

        def act(kind: str, path: str, ticket_id: int, body: Any = None,
                service_id: int | None = None) -> dict[str, Any]:
            data, sent, took = self._post(http, base, path, token, body)
            ledger.add(Step(kind, ticket_id, me.id, sent, took, data["ticket"], service_id))
            return data["ticket"]

        while not ledger.failed.is_set():
            with ledger.cond:
                seen = ledger.version
            data, sent, took = self._post(http, base, f"/counters/{me.id}/call-next", token)
            ticket = data["ticket"]
            if ticket is None:
                with ledger.cond:
                    if ledger.kiosks_done and ledger.unfinished == 0:
                        return
                    if (ledger.kiosks_done
                            and time.monotonic() - ledger.last_progress > plan.idle_seconds):
                        return  # tickets are left that nobody can call: check() says which
                    # until a ticket is issued, transferred or ended (re-asking now and then)
                    ledger.cond.wait_for(lambda seen=seen: ledger.version != seen
                                         or ledger.failed.is_set(), timeout=1.0)
                continue
            tid = ticket["id"]
            ledger.add(Step("called", tid, me.id, sent, took, ticket))
            if rng.random() < plan.recall_rate:
                act("recalled", f"/tickets/{tid}/recall", tid)
            roll = rng.random()
            if roll < plan.no_show_rate:
                act("no_show", f"/tickets/{tid}/no-show", tid)
                continue
            transfer = (roll < plan.no_show_rate + plan.transfer_rate
                        and ledger.transfers[tid] == 0 and len(services) > 1)
            if not transfer or rng.random() < 0.5:
                act("started", f"/tickets/{tid}/start", tid)
            if transfer:
                target = rng.choice([s for s in services if s != ticket["service"]["id"]])
                act("transferred", f"/tickets/{tid}/transfer", tid, {"service_id": target},
                    target)
            else:
                act("finished", f"/tickets/{tid}/finish", tid)

    # -- the day -------------------------------------------------------------------------------
    def run(self) -> DayRecord:
        """Connect the boards, open the counters, issue the opening wave, let the phones of
        the opening tickets connect, open the doors and play the day to its end."""
        boards = [Listener(self.urls[b % len(self.urls)], "/hall", {"token": token})
                  for b, token in enumerate(self.setup.board_tokens)]
        try:
            return self._run(boards)
        finally:
            self._phone_pool.shutdown(wait=True, cancel_futures=True)
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(lambda lst: lst.close(),
                              boards + [p.listener for p in self.phones]))

    def _run(self, boards: list[Listener]) -> DayRecord:
        plan, ledger = self.plan, self.ledger
        deadline = time.monotonic() + plan.timeout
        with ThreadPoolExecutor(min(16, max(1, len(boards)))) as pool:
            list(pool.map(lambda b: b.connect(plan.timeout), boards))
        for b in boards:
            if not b.wait(lambda b=b: bool(b.named("snapshot")), deadline):
                raise AssertionError(f"board on {b.url}: no snapshot on connect")

        counters = [threading.Thread(target=self._guard(f"counter {c + 1}",
                                                        lambda c=c: self._counter(c)),
                                     name=f"counter-{c + 1}") for c in range(plan.counters)]
        kiosks = [threading.Thread(target=self._guard(f"kiosk {k + 1}",
                                                      lambda k=k: self._kiosk(k)),
                                   name=f"kiosk-{k + 1}") for k in range(plan.kiosks)]
        for t in counters + kiosks:
            t.start()
        day_start = None
        try:
            deadline = time.monotonic() + plan.timeout * 2
            with ledger.cond:
                ledger.cond.wait_for(
                    lambda: ledger.failed.is_set() or (
                        ledger.counters_open == plan.counters
                        and ledger.issued >= plan.opening_tickets),
                    timeout=plan.timeout * 2)
            if not ledger.failed.is_set():
                if ledger.counters_open < plan.counters or ledger.issued < plan.opening_tickets:
                    raise AssertionError("the counters did not open or the opening tickets "
                                         "were not issued in time")
                # The opening wave's phones connect before any call.
                with self._index_lock:
                    opening = list(self._phone_futures)
                for future in opening:
                    future.result(timeout=max(0.1, deadline - time.monotonic()))
                # the opening wave came from several kiosks at once; nothing moves now
                self._quiet_counts(boards, "before the doors opened")
            day_start = time.monotonic()
        finally:
            self.doors.set()
            for t in kiosks:
                t.join()
            with ledger.cond:
                ledger.kiosks_done = True
                ledger.cond.notify_all()
            for t in counters:
                t.join()
        day_seconds = time.monotonic() - day_start
        with self._index_lock:
            futures = list(self._phone_futures)
        for future in futures:
            try:
                future.result(timeout=plan.timeout)
            except Exception as exc:  # noqa: BLE001 - reported with the rest
                ledger.fail(f"phone: {type(exc).__name__}: {exc}")
        settled = self._settle(boards)
        self._quiet_counts(boards, "at the end of the day")
        issue_seconds = self._last_issue - (self._first_issue or self._last_issue)
        return DayRecord(plan, self.setup, ledger, boards,
                         sorted(self.phones, key=lambda p: p.index),
                         issue_seconds, day_seconds, settled, _load_average(), self.quiet,
                         self.quiet_checks)

    def _quiet_counts(self, boards: list[Listener], when: str) -> None:
        """While nothing changes, every board's last ``queue`` event must come to show the
        waiting counts the server reads now (the hall snapshot)."""
        r = requests.get(f"{self.urls[0]}/api/v1/queue", timeout=self.plan.timeout)
        r.raise_for_status()
        want = {row["service_id"]: row["waiting"] for row in r.json()["services"]}
        deadline = time.monotonic() + self.plan.quiet_seconds
        self.quiet_checks += 1
        for b, board in enumerate(boards):
            if not board.wait(lambda board=board: board.counts() == want, deadline):
                shown = board.counts() or {}
                self.quiet.append(
                    f"board {b + 1} ({board.url}) {when}: shows "
                    f"{ {k: v for k, v in shown.items() if k in self.setup.services} }, "
                    f"{ {k: v for k, v in want.items() if k in self.setup.services} } wait")

    def _settle(self, boards: list[Listener]) -> bool:
        """Wait until every board has as many calls as the counters made and every phone has
        seen its ticket's last state (or the deadline passes)."""
        calls = sum(1 for steps in self.ledger.steps.values() for s in steps
                    if s.kind in ("called", "recalled"))
        deadline = time.monotonic() + self.plan.settle_seconds
        ok = True
        for b in boards:
            ok &= b.wait(lambda b=b: len(b.named("called")) >= calls, deadline)
        for phone in self.phones:
            last = ticket_steps(self.ledger, phone.ticket_id)[-1].ticket
            want = (last["status"], last["transfer_count"], last["call_count"])

            def seen(phone: Phone = phone, want: tuple[str, int, int] = want) -> bool:
                return any((d["ticket"]["status"], d["ticket"]["transfer_count"],
                            d["ticket"]["call_count"]) == want
                           for _, d in phone.listener.named("ticket"))

            ok &= phone.listener.wait(seen, deadline)
        return ok


def _load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


# -- checking ------------------------------------------------------------------------------------
@dataclass
class Check:
    """One invariant: whether it held, and what broke it (the first few cases)."""

    name: str
    ok: bool
    detail: str


def _check(name: str, problems: list[str], counted: str) -> Check:
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        return Check(name, False, "; ".join(problems[:5]) + more)
    return Check(name, True, counted)


@dataclass
class LogRow:
    id: int
    ticket_id: int
    kind: str
    from_status: str | None
    to_status: str
    counter_id: int | None
    service_id: int
    detail: dict[str, Any]


def check(url: str, record: DayRecord) -> list[Check]:
    """Every invariant of the day, from the database's ticket and ticket_event tables and
    what the threads and clients recorded."""
    db = Database(url)
    try:
        with db.read() as s:
            ours = list(record.setup.services)
            tickets = {t.id: t for t in s.scalars(
                select(Ticket).where(Ticket.origin_service_id.in_(ours)))}
            log = [LogRow(e.id, e.ticket_id, e.kind, e.from_status, e.to_status, e.counter_id,
                          e.service_id, dict(e.detail or {}))
                   for e in s.scalars(select(TicketEvent)
                                      .where(TicketEvent.ticket_id.in_(list(tickets)))
                                      .order_by(TicketEvent.id))]
            names = {c.id: c.name for c in s.scalars(select(Counter))}
            snapshot = {t.id: (t.status, t.service_id, t.counter_id, t.call_count, t.number,
                               t.sequence, t.origin_service_id, t.business_date)
                        for t in tickets.values()}
    finally:
        db.dispose()
    return checks_of(record, log, snapshot, names)


def checks_of(record: DayRecord, log: list[LogRow], snapshot: dict[int, tuple],
              names: dict[int, str]) -> list[Check]:
    """Every invariant of the day from what the database held (the event log in id order,
    each ticket's row as (status, service, counter, call_count, number, sequence, origin
    service, business date), the counters' names) and what the threads and clients
    recorded; tests/live/test_busy_hall_checks.py feeds it broken days."""
    ledger = record.ledger
    checks = [Check("no request failed", not ledger.errors,
                    "; ".join(ledger.errors[:5]) or f"{sum(map(len, ledger.steps.values()))} "
                    "requests answered")]
    checks.append(_numbering(record, snapshot))
    checks.append(_holding(log))
    checks.append(_endings(record, snapshot))
    checks.append(_log_matches_api(record, log))
    checks.append(_boards(record, log, names))
    checks.append(_phones(record, log))
    checks.append(_check("boards show the true waiting counts when the hall is quiet",
                         record.quiet, f"{len(record.boards)} boards x "
                                       f"{record.quiet_checks} quiet moments"))
    return checks


def _numbering(record: DayRecord, snapshot: dict[int, tuple]) -> Check:
    problems = []
    groups: dict[tuple[int, Any], list[int]] = defaultdict(list)
    for tid, (_, _, _, _, number, seq, origin, day) in snapshot.items():
        groups[(origin, day)].append(seq)
        if number != format_number(record.setup.services[origin], seq):
            problems.append(f"ticket {tid}: number {number} for sequence {seq}")
    for (origin, day), seqs in groups.items():
        if sorted(seqs) != list(range(1, len(seqs) + 1)):
            dup = [n for n, c in Tally(seqs).items() if c > 1]
            gaps = sorted(set(range(1, max(seqs) + 1)) - set(seqs))
            problems.append(f"service {record.setup.services[origin]} on {day}: duplicates "
                            f"{dup[:10]}, gaps {gaps[:10]}")
    issued = {s.ticket_id: s.ticket["number"] for steps in record.ledger.steps.values()
              for s in steps if s.kind == "issued"}
    for tid, number in issued.items():
        if tid not in snapshot:
            problems.append(f"ticket {tid} ({number}) answered by the API is not in the database")
        elif snapshot[tid][4] != number:
            problems.append(f"ticket {tid}: API said {number}, database {snapshot[tid][4]}")
    extra = set(snapshot) - set(issued)
    if extra:
        problems.append(f"{len(extra)} ticket(s) in the database no kiosk got an answer for")
    if len(issued) != record.plan.tickets and not record.ledger.errors:
        problems.append(f"{len(issued)} tickets issued, {record.plan.tickets} planned")
    return _check("numbering per service is exactly 1..n", problems,
                  f"{len(snapshot)} tickets in {len(groups)} service sequences")


def _holding(log: list[LogRow]) -> Check:
    """Replay the event log in id order (for one ticket or one counter, id order is the
    commit order: a ticket's row lock and a counter's own sequence serialize them)."""
    problems = []
    holder: dict[int, int] = {}  # ticket -> counter
    holding: dict[int, int] = {}  # counter -> ticket
    status: dict[int, str | None] = {}
    for e in log:
        if status.get(e.ticket_id) != e.from_status:
            problems.append(f"event {e.id}: {e.kind} of ticket {e.ticket_id} from "
                            f"{e.from_status}, but the log left it {status.get(e.ticket_id)}")
        status[e.ticket_id] = e.to_status
        if e.kind == "called":
            if e.ticket_id in holder:
                problems.append(f"event {e.id}: ticket {e.ticket_id} called by counter "
                                f"{e.counter_id} while held by {holder[e.ticket_id]}")
            if e.counter_id in holding:
                problems.append(f"event {e.id}: counter {e.counter_id} called ticket "
                                f"{e.ticket_id} while holding {holding[e.counter_id]}")
            if e.counter_id is None:
                problems.append(f"event {e.id}: a call without a counter")
                continue
            holder[e.ticket_id] = e.counter_id
            holding[e.counter_id] = e.ticket_id
        elif e.kind in ("recalled", "started", "finished", "no_show", "transferred"):
            if holder.get(e.ticket_id) != e.counter_id or e.counter_id is None:
                problems.append(f"event {e.id}: {e.kind} of ticket {e.ticket_id} at counter "
                                f"{e.counter_id}, held by {holder.get(e.ticket_id)}")
            if e.kind in ("finished", "no_show", "transferred"):
                holder.pop(e.ticket_id, None)
                if holding.get(e.counter_id) == e.ticket_id:  # type: ignore[arg-type]
                    holding.pop(e.counter_id)  # type: ignore[arg-type]
    calls = sum(1 for e in log if e.kind == "called")
    return _check("no ticket held by two counters, no counter holding two tickets", problems,
                  f"{len(log)} events replayed, {calls} calls")


def _endings(record: DayRecord, snapshot: dict[int, tuple]) -> Check:
    problems = []
    waiting = []
    latest_day = max((v[7] for v in snapshot.values()), default=None)
    for tid in record.ledger.steps:
        last = ticket_steps(record.ledger, tid)[-1]
        row = snapshot.get(tid)
        if row is None:
            continue  # reported by the numbering check
        status, service_id, counter_id = row[0], row[1], row[2]
        if status != last.ticket["status"] or service_id != last.ticket["service"]["id"]:
            problems.append(f"ticket {last.ticket['number']}: the threads left it "
                            f"{last.ticket['status']} in service {last.ticket['service']['id']},"
                            f" the database says {status} in {service_id}")
        if status == "waiting":
            waiting.append(last.ticket["number"])
            # call-next takes only today's tickets: one still waiting is fine only when the
            # business day rolled over during the run (and only the earlier day's)
            if row[7] == latest_day:
                problems.append(f"ticket {last.ticket['number']} still waiting though the "
                                "counters ran out of work")
        elif status not in FINAL:
            problems.append(f"ticket {last.ticket['number']} ended the day {status} at counter "
                            f"{counter_id}")
    ended = len(record.ledger.steps) - len(waiting)
    return _check("every ticket ended (done or no-show), as the threads left it", problems,
                  f"{ended} ended, {len(waiting)} still waiting")


def _log_matches_api(record: DayRecord, log: list[LogRow]) -> Check:
    problems = []
    by_ticket: dict[int, list[LogRow]] = defaultdict(list)
    by_counter: dict[int, list[LogRow]] = defaultdict(list)
    for e in log:
        by_ticket[e.ticket_id].append(e)
        if e.kind not in ("issued",) and e.counter_id is not None:
            by_counter[e.counter_id].append(e)
    for tid in record.ledger.steps:
        steps = ticket_steps(record.ledger, tid)
        rows = by_ticket.get(tid, [])
        if [s.kind for s in steps] != [e.kind for e in rows]:
            problems.append(f"ticket {steps[0].ticket['number']}: API steps "
                            f"{[s.kind for s in steps]}, log {[e.kind for e in rows]}")
            continue
        calls = 0
        for s, e in zip(steps, rows, strict=True):
            calls += s.kind in ("called", "recalled")
            if s.kind == "transferred":
                calls = 0  # calls count per service
            t = s.ticket
            if e.to_status != t["status"]:
                problems.append(f"event {e.id}: log says {e.to_status}, API said {t['status']}")
            if s.kind != "issued" and e.counter_id != s.counter_id:
                problems.append(f"event {e.id}: log counter {e.counter_id}, acted at "
                                f"{s.counter_id}")
            if s.kind in ("called", "recalled") and (
                    (t["counter"] or {}).get("id") != s.counter_id or t["call_count"] != calls):
                problems.append(f"event {e.id}: API answered counter {t['counter']} call_count "
                                f"{t['call_count']} for call {calls} at {s.counter_id}")
            if s.kind == "issued" and (
                    e.service_id != s.service_id or t["service"]["id"] != s.service_id
                    or t["priority"] != bool(s.priority_category)
                    or t["priority_category"] != s.priority_category):
                problems.append(f"ticket {t['number']}: issued for {s.service_id} "
                                f"{s.priority_category}, got {t['service']['id']} "
                                f"{t['priority_category']}, log {e.service_id}")
            if s.kind == "transferred" and (
                    e.detail.get("to_service_id") != s.service_id
                    or t["service"]["id"] != s.service_id or e.service_id != s.service_id):
                problems.append(f"event {e.id}: transfer to {s.service_id}, log "
                                f"{e.detail}, API {t['service']['id']}")
    for cid, steps in record.ledger.by_counter.items():
        mine = [(s.ticket_id, s.kind) for s in steps]
        logged = [(e.ticket_id, e.kind) for e in by_counter.get(cid, [])]
        if mine != logged:
            problems.append(f"counter {cid}: its thread did {len(mine)} steps, the log has "
                            f"{len(logged)} in another order or kind")
    return _check("the database event log agrees with what the API answered", problems,
                  f"{len(log)} events for {len(record.ledger.steps)} tickets")


def _calls_by_counter(log: list[LogRow]) -> dict[int, list[tuple[int, int, bool]]]:
    """Per counter, its calls and recalls in log order: (ticket, call_count, recall)."""
    ordinal: dict[int, int] = defaultdict(int)
    out: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)
    for e in log:
        if e.kind == "transferred":
            ordinal[e.ticket_id] = 0  # calls count per service
        if e.kind in ("called", "recalled"):
            ordinal[e.ticket_id] += 1
            out[e.counter_id or 0].append((e.ticket_id, ordinal[e.ticket_id],
                                           e.kind == "recalled"))
    return out


def _boards(record: DayRecord, log: list[LogRow], names: dict[int, str]) -> Check:
    problems = []
    expected = _calls_by_counter(log)
    total = sum(map(len, expected.values()))
    numbers = {s.ticket_id: s.ticket["number"] for steps in record.ledger.steps.values()
               for s in steps}
    for b, board in enumerate(record.boards):
        if board.disconnects:
            problems.append(f"board {b + 1} ({board.url}) was disconnected during the day")
        got: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)
        for _, call in board.named("called"):
            cid = call["counter"]["id"]
            got[cid].append((call["ticket"]["id"], call["ticket"]["call_count"],
                             bool(call["recall"])))
            if (call["counter"]["name"] != names.get(cid)
                    or call["ticket"]["number"] != numbers.get(call["ticket"]["id"])):
                problems.append(f"board {b + 1}: call of {call['ticket']['number']} at "
                                f"{call['counter']['name']} does not match the database")
        for cid in sorted(set(expected) | set(got)):
            want, have = expected.get(cid, []), got.get(cid, [])
            if want != have:
                dup = [k for k, c in Tally(have).items() if c > 1]
                missing = [k for k in want if k not in set(have)]
                extra = [k for k in have if k not in set(want)]
                problems.append(f"board {b + 1} ({board.url}), {names.get(cid)}: "
                                f"{len(have)} calls for {len(want)} logged (ticket, call, "
                                f"recall): missing {missing[:3]}, twice {dup[:3]}, not in the "
                                f"log {extra[:3]}"
                                + ("; out of order" if not (missing or dup or extra) else ""))
    return _check("every board got every call and recall once, in each counter's order",
                  problems, f"{len(record.boards)} boards x {total} calls")


def _phones(record: DayRecord, log: list[LogRow]) -> Check:
    """A phone must see every call made after it subscribed. The server sends the ticket's
    state on connect after joining its room, so the lowest call_count among what it got
    marks where it came in: every call or recall after that must have reached it as a
    ``called`` ticket at the logged counter, everything it got must be a state the log
    shows the ticket in, and it must have seen the final state."""
    problems = []
    # a state is (status, transfers, calls in this service, counter): calls count per service
    states: dict[int, list[tuple[str, int, int, int | None]]] = defaultdict(list)
    #: ticket -> (transfers, call in that service, counter) of each call and recall
    calls: dict[int, list[tuple[int, int, int | None]]] = defaultdict(list)
    count: dict[int, int] = defaultdict(int)
    moved: dict[int, int] = defaultdict(int)
    for e in log:
        if e.kind == "transferred":
            moved[e.ticket_id] += 1
            count[e.ticket_id] = 0
        if e.kind in ("called", "recalled"):
            count[e.ticket_id] += 1
            calls[e.ticket_id].append((moved[e.ticket_id], count[e.ticket_id], e.counter_id))
        counter = None if e.kind in ("issued", "transferred") else e.counter_id
        states[e.ticket_id].append((e.to_status, moved[e.ticket_id], count[e.ticket_id],
                                    counter))
    seen_calls = 0
    for phone in record.phones:
        tid = phone.ticket_id
        got = [(d["ticket"]["status"], d["ticket"]["transfer_count"], d["ticket"]["call_count"],
                (d["ticket"]["counter"] or {}).get("id"))
               for _, d in phone.listener.named("ticket")]
        label = f"phone {phone.index} ({'opening' if phone.opening else 'day'})"
        if not got:
            problems.append(f"{label}: no ticket event at all")
            continue
        for state in got:
            if state not in states[tid]:
                problems.append(f"{label}: got {state}, never a state of ticket {tid} in the log")
        came_in = min((m, c) for _, m, c, _ in got)
        if phone.opening and came_in != (0, 0):
            problems.append(f"{label}: came in at call {came_in}, before the doors opened")
        for m, k, counter in calls[tid]:
            if (m, k) <= came_in:
                continue
            if ("called", m, k, counter) in got:
                seen_calls += 1
            else:
                problems.append(f"{label}: call {k} (after {m} transfers) of ticket {tid} at "
                                f"counter {counter} never reached it")
        if states[tid] and states[tid][-1] not in got:
            problems.append(f"{label}: never saw the final state {states[tid][-1]}")
        if phone.listener.disconnects:
            problems.append(f"{label} was disconnected")
    return _check("every phone saw each call of its ticket at the right counter", problems,
                  f"{len(record.phones)} phones, {seen_calls} calls seen")


# -- figures -------------------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def figures(record: DayRecord) -> dict[str, Any]:
    """Throughput and latencies (milliseconds) of the day."""
    steps = [s for ss in record.ledger.steps.values() for s in ss]
    def call_key(tid: int, t: dict[str, Any]) -> tuple[int, int, int]:
        return tid, t["transfer_count"], t["call_count"]

    sent = {call_key(s.ticket_id, s.ticket): s.sent for s in steps
            if s.kind in ("called", "recalled")}
    board_ms = [(at - sent[key]) * 1000 for b in record.boards for at, call in b.named("called")
                if (key := call_key(call["ticket"]["id"], call["ticket"])) in sent]
    phone_ms = []
    for phone in record.phones:
        first: dict[tuple[int, int, int], float] = {}
        for at, d in phone.listener.named("ticket"):
            t = d["ticket"]
            if t["status"] == "called":
                first.setdefault(call_key(phone.ticket_id, t), at)
        for key, at in first.items():
            if key in sent and at >= sent[key]:  # a call before the phone connected: no figure
                phone_ms.append((at - sent[key]) * 1000)
    ended = sum(1 for tid in record.ledger.steps
                if ticket_steps(record.ledger, tid)[-1].ticket["status"] in FINAL)

    def took(kind: str) -> list[float]:
        return [s.took * 1000 for s in steps if s.kind == kind]

    return {
        "tickets": len(record.ledger.steps), "ended": ended, "requests": len(steps),
        "issue_seconds": record.issue_seconds, "day_seconds": record.day_seconds,
        "tickets_per_second": ended / record.day_seconds if record.day_seconds else 0.0,
        "requests_per_second": len(steps) / record.day_seconds if record.day_seconds else 0.0,
        "issue_ms": (pct(took("issued"), 50), pct(took("issued"), 99)),
        "call_next_ms": (pct(took("called"), 50), pct(took("called"), 99)),
        "board_ms": (pct(board_ms, 50), pct(board_ms, 99)), "board_deliveries": len(board_ms),
        "phone_ms": (pct(phone_ms, 50), pct(phone_ms, 99)), "phone_deliveries": len(phone_ms),
        "calls": len(sent), "transfers": sum(record.ledger.transfers.values()),
        "settled": record.settled, "load_average": record.load_average,
    }
