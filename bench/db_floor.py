"""The database floor: the durable work of mpp's hot path, and nothing else, behind Flask.

:func:`db_floor_app` answers the paths of bench/floor.py's bare floor, but each request runs,
with the raw DB-API driver (``sqlite3``, or psycopg 3 and a small pool of connections), the
statements mpp runs for it, with the same SQL text (in the driver's parameter style), in one
transaction, on a copy of the same database. Left out: SQLAlchemy, the bearer token's lookup
(and the kiosk's ``last_seen_at``, which that lookup writes at most once a minute), every
check and validation, presenting the ticket (the answer is the ticket's id, number and
status) and the Socket.IO events. Kept, per request:

- issue (``POST /tickets``; the kiosk's device id in ``X-Kiosk``, in place of its token):
  BEGIN (IMMEDIATE on SQLite); read the service with its agency, site and count of open
  counters; read the service times of its last 20 tickets done today (with the open
  counters, the ticket's wait estimate); read the kiosk's paired printer (FOR UPDATE on
  PostgreSQL; the kiosk's setting is read in the same statement); take the number (the
  ``service_day`` upsert RETURNING last_sequence); INSERT the ticket, whose RETURNING also
  counts the waiting tickets ahead of it, the priority tickets waiting and all the others
  waiting; INSERT its ``issued`` event; INSERT its print job RETURNING id; COMMIT.
- call-next (``POST /counters/{id}/call-next``): BEGIN; read the counter with its agency and
  site (FOR UPDATE OF counter); read its services with the number it holds; lock the
  services' ``service_day`` rows (FOR UPDATE; on SQLite the write lock is held since BEGIN);
  read each service's oldest waiting regular and priority ticket (one UNION ALL); UPDATE the
  oldest of those heads to called RETURNING the row; INSERT its ``called`` event; COMMIT.
  mpp's priority ratio is not applied (the bench issues regular tickets only; it would
  change only which head is taken, not the statements).
- finish (``POST /tickets/{id}/finish``): BEGIN; read the ticket with its site, service,
  agency and counter (FOR UPDATE OF ticket); INSERT its ``finished`` event; UPDATE it to
  done; COMMIT.

SQLite: the pragmas of mpp.db.make_engine (WAL, synchronous=NORMAL, foreign keys, a busy
timeout), autocommit mode with an explicit ``BEGIN IMMEDIATE``, and one writer at a time
behind a process lock, as mpp.db.Database does (under gevent SQLite's busy handler would
stall the worker). PostgreSQL: psycopg 3, a pool of up to :data:`PG_POOL` connections, its
waits made cooperative with gevent as mpp.db.psycopg_cooperates() does. The counter's staff
member is read from the counter (who opened it), as mpp checks it there.

:func:`prepare` gives the database the bench's counters, staff and kiosks (bench/
core_throughput.py's ``add_counters``, as for mpp) and opens the counters.
"""

from __future__ import annotations

import json
import queue
import re
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

#: the most PostgreSQL connections the db floor holds (one per client at most)
PG_POOL = 10


# -- the statements, as mpp runs them (logged from SQLAlchemy), with :name parameters --------

_SERVICE_AND_SITE = (
    "SELECT agency.id, agency.site_id, agency.code, agency.name, agency.short_name,"
    " agency.sort_order, agency.active, service.id AS id_1, service.agency_id,"
    " service.code AS code_1, service.name AS name_1, service.name_en, service.prefix,"
    " service.sla_minutes, service.fee, service.fee_note, service.daily_quota, service.hours,"
    " service.issue_cutoff_minutes, service.priority_enabled, service.regular_per_priority,"
    " service.active AS active_1, service.booking, service.remote_join, site.id AS id_2,"
    " site.code AS code_2, site.name AS name_2, site.timezone, site.settings,"
    " (SELECT count(counter.id) AS count_1 FROM counter JOIN counter_service"
    " ON counter_service.counter_id = counter.id WHERE counter_service.service_id = service.id"
    " AND counter.staff_user_id IS NOT NULL AND counter.active IS {true}) AS anon_1"
    " FROM service JOIN agency ON agency.id = service.agency_id"
    " JOIN site ON site.id = agency.site_id WHERE service.id = :service_id")
_SERVICE_PREFIX, _SITE_ID, _SITE_TIMEZONE = 12, 24, 27  # columns of _SERVICE_AND_SITE

#: the service times of a service's last tickets done today (in milliseconds)
_RECENT_DONE = (
    "SELECT {millis} AS millis_between_1 FROM ticket WHERE ticket.service_id = :service_id"
    " AND ticket.status = :status AND ticket.business_date = :day"
    " ORDER BY ticket.finished_at DESC LIMIT :limit")
_MILLIS = {
    "sqlite": "CAST(ROUND((julianday(ticket.finished_at) - julianday(coalesce(ticket.started_at,"
              " ticket.called_at))) * 86400000.0) AS INTEGER)",
    "postgresql": "CAST(ROUND(date_part('epoch', ticket.finished_at - coalesce(ticket.started_at,"
                  " ticket.called_at)) * 1000) AS BIGINT)"}

#: the kiosk's paired printer (mpp.sql_json.json_integer reads the kiosk's setting), locked
_PRINTER = (
    "SELECT device.id, device.site_id, device.name, device.kind, device.token_hash,"
    " device.created_at, device.revoked_at, device.last_seen_at, device.settings, device.state"
    " FROM device JOIN device AS device_1 ON device.id = {printer_id}"
    " WHERE device_1.id = :device_id{for_update}")
_PRINTER_ID = {
    "sqlite": "CASE WHEN json_type(device_1.settings, '$.printer_device_id') = 'integer'"
              " THEN json_extract(device_1.settings, '$.printer_device_id') END",
    "postgresql": "CASE WHEN json_typeof(device_1.settings -> 'printer_device_id') = 'number'"
                  " AND (device_1.settings ->> 'printer_device_id') ~ '^-?[0-9]{1,18}$'"
                  " THEN CAST((device_1.settings ->> 'printer_device_id') AS BIGINT) END"}

#: mpp.services.queue.TAKE_NUMBER
_TAKE_NUMBER = (
    "INSERT INTO service_day (service_id, business_date, last_sequence, regular_since_priority)"
    " VALUES (:service_id, :business_date, 1, :rule_state)"
    " ON CONFLICT (service_id, business_date)"
    " DO UPDATE SET last_sequence = service_day.last_sequence + 1"
    " RETURNING last_sequence")

#: mpp.services.queue._insert_ticket()
_WAITING = ("SELECT count(*) FROM ticket AS w WHERE w.service_id = ticket.service_id"
            " AND w.status = 'waiting' AND w.business_date = ticket.business_date AND ")
_INSERT_TICKET = (
    "INSERT INTO ticket (site_id, service_id, origin_service_id, business_date, sequence,"
    " number, priority, priority_category, status, token, issued_at, arrived_at,"
    " issued_by_device_id, issued_by_user_id, call_count, transfer_count, booked, phone,"
    " remote, lang) VALUES (:site_id, :service_id, :origin_service_id, :business_date,"
    " :sequence, :number, :priority, :priority_category, :status, :token, :issued_at,"
    " :arrived_at, :issued_by_device_id, :issued_by_user_id, :call_count, :transfer_count,"
    " :booked, :phone, :remote, :lang)"
    f" RETURNING id, ({_WAITING}(w.issued_at < ticket.issued_at OR"
    " (w.issued_at = ticket.issued_at AND w.id < ticket.id))) AS ahead,"
    f" ({_WAITING}w.priority) AS priority_waiting,"
    f" ({_WAITING}w.id <> ticket.id) AS others_waiting")

_INSERT_EVENT = (
    "INSERT INTO ticket_event (ticket_id, kind, from_status, to_status, at, user_id,"
    " device_id, counter_id, service_id, detail) VALUES (:ticket_id, :kind, :from_status,"
    " :to_status, :at, :user_id, :device_id, :counter_id, :service_id, :detail){returning}")

_INSERT_PRINT_JOB = (
    "INSERT INTO print_job (ticket_id, device_id, reason, created_at, sent_at, attempts)"
    " VALUES (:ticket_id, :device_id, :reason, :created_at, :sent_at, :attempts) RETURNING id")

_COUNTER_AND_SITE = (
    "SELECT agency.id, agency.site_id, agency.code, agency.name, agency.short_name,"
    " agency.sort_order, agency.active, counter.id AS id_1, counter.agency_id,"
    " counter.name AS name_1, counter.spoken_name, counter.active AS active_1,"
    " counter.staff_user_id, counter.opened_at, site.id AS id_2, site.code AS code_1,"
    " site.name AS name_2, site.timezone, site.settings"
    " FROM counter JOIN agency ON agency.id = counter.agency_id"
    " JOIN site ON site.id = agency.site_id WHERE counter.id = :counter_id{for_update}")
_COUNTER_STAFF, _COUNTER_TIMEZONE = 12, 17  # columns of _COUNTER_AND_SITE

_SERVICES_AND_HELD = (
    "SELECT service.id, service.agency_id, service.code, service.name, service.name_en,"
    " service.prefix, service.sla_minutes, service.fee, service.fee_note, service.daily_quota,"
    " service.hours, service.issue_cutoff_minutes, service.priority_enabled,"
    " service.regular_per_priority, service.active, service.booking, service.remote_join,"
    " (SELECT ticket.number FROM ticket WHERE ticket.counter_id = :counter_id"
    " AND ticket.status IN (:serving, :called) LIMIT 1) AS anon_1"
    " FROM service JOIN counter_service ON counter_service.service_id = service.id"
    " WHERE counter_service.counter_id = :counter_id AND service.active IS {true}")

_LOCK_DAYS = (
    "SELECT service_day.service_id, service_day.business_date, service_day.last_sequence,"
    " service_day.regular_since_priority FROM service_day"
    " WHERE service_day.service_id IN ({ids}) AND service_day.business_date = :day"
    " ORDER BY service_day.service_id{for_update}")
_NEW_DAYS = (
    "INSERT INTO service_day (service_id, business_date, last_sequence, regular_since_priority)"
    " VALUES {rows} ON CONFLICT DO NOTHING")

_HEAD = (
    "SELECT anon_{n}.id, anon_{n}.service_id, anon_{n}.issued_at, anon_{n}.priority"
    " FROM (SELECT ticket.id AS id, ticket.service_id AS service_id,"
    " ticket.issued_at AS issued_at, ticket.priority AS priority FROM ticket"
    " WHERE ticket.service_id = :{service} AND ticket.status = :waiting"
    " AND ticket.business_date = :day AND ticket.priority IS {priority}"
    " AND ticket.check_in_by IS NULL ORDER BY ticket.issued_at, ticket.id LIMIT 1) AS anon_{n}")

_TICKET_COLUMNS = (
    "id, site_id, service_id, origin_service_id, business_date, sequence, number, priority,"
    " priority_category, status, token, issued_at, arrived_at, called_at, last_called_at,"
    " started_at, finished_at, counter_id, staff_user_id, issued_by_device_id,"
    " issued_by_user_id, call_count, transfer_count, booked, phone, check_in_by, remote, lang")
_CALL = (
    "UPDATE ticket SET status=:status, called_at=coalesce(ticket.called_at, :now),"
    " last_called_at=:now, counter_id=:to_counter_id, staff_user_id=:by_user_id,"
    " call_count=(ticket.call_count + :one) WHERE ticket.id = :ticket_id"
    f" AND ticket.status = :waiting RETURNING {_TICKET_COLUMNS}")
_TICKET_NUMBER, _TICKET_SERVICE = 6, 2  # columns of _CALL's RETURNING

_TICKET_AND_SITE = (
    "SELECT " + ", ".join(f"ticket.{c.strip()}" for c in _TICKET_COLUMNS.split(","))
    + ", site.id AS id_1, site.code, site.name, site.timezone, site.settings,"
    " agency_1.id AS id_2, agency_1.site_id AS site_id_1, agency_1.code AS code_1,"
    " agency_1.name AS name_1, agency_1.short_name, agency_1.sort_order, agency_1.active,"
    " service_1.id AS id_3, service_1.agency_id, service_1.code AS code_2,"
    " service_1.name AS name_2, service_1.name_en, service_1.prefix, service_1.description,"
    " service_1.requirements, service_1.procedure, service_1.legal_basis, service_1.product,"
    " service_1.complaints, service_1.texts_en, service_1.sla_minutes, service_1.fee,"
    " service_1.fee_note, service_1.daily_quota, service_1.hours,"
    " service_1.issue_cutoff_minutes, service_1.priority_enabled,"
    " service_1.regular_per_priority, service_1.active AS active_1, service_1.booking,"
    " service_1.remote_join, counter_1.id AS id_4, counter_1.agency_id AS agency_id_1,"
    " counter_1.name AS name_3, counter_1.spoken_name, counter_1.active AS active_2,"
    " counter_1.staff_user_id AS staff_user_id_1, counter_1.opened_at"
    " FROM ticket JOIN site ON site.id = ticket.site_id"
    " JOIN service AS service_1 ON service_1.id = ticket.service_id"
    " JOIN agency AS agency_1 ON agency_1.id = service_1.agency_id"
    " LEFT OUTER JOIN counter AS counter_1 ON counter_1.id = ticket.counter_id"
    " WHERE ticket.id = :ticket_id{for_update}")
_HELD_SERVICE, _HELD_STATUS, _HELD_COUNTER, _HELD_STAFF = 2, 9, 17, 18  # of _TICKET_AND_SITE

_FINISH = "UPDATE ticket SET status=:status, finished_at=:finished_at WHERE ticket.id = :ticket_id"

#: mpp.domain.queue_order.NO_PRIORITY_YET
NO_PRIORITY_YET = 1000


class Dialect:
    """The statements above as one database takes them: its parameter style, its boolean
    literals, its row locks (PostgreSQL) and how it stores dates, times and JSON."""

    def __init__(self, name: str):
        self.name = name
        self.pg = name == "postgresql"
        true, false = ("true", "false") if self.pg else ("1", "0")
        self._true, self._false = true, false
        lock = " FOR UPDATE" if self.pg else ""
        sql = self.sql
        self.service_and_site = sql(_SERVICE_AND_SITE.format(true=true))
        self.recent_done = sql(_RECENT_DONE.format(millis=_MILLIS[name]))
        self.printer = sql(_PRINTER.format(printer_id=_PRINTER_ID[name],
                                           for_update=" FOR UPDATE OF device" if self.pg else ""))
        self.take_number = sql(_TAKE_NUMBER)
        self.insert_ticket = sql(_INSERT_TICKET)
        # SQLAlchemy asks PostgreSQL for the new event's id, not SQLite
        self.insert_event = sql(_INSERT_EVENT.format(
            returning=" RETURNING ticket_event.id" if self.pg else ""))
        self.insert_print_job = sql(_INSERT_PRINT_JOB)
        self.counter_and_site = sql(_COUNTER_AND_SITE.format(
            for_update=" FOR UPDATE OF counter" if self.pg else ""))
        self.services_and_held = sql(_SERVICES_AND_HELD.format(true=true))
        self.call = sql(_CALL)
        self.ticket_and_site = sql(_TICKET_AND_SITE.format(
            for_update=" FOR UPDATE OF ticket" if self.pg else ""))
        self.finish = sql(_FINISH)
        self._lock = lock

    def sql(self, text: str) -> str:
        """``text`` in the driver's parameter style (sqlite3 takes ``:name`` as it is)."""
        return re.sub(r":(\w+)", r"%(\1)s", text) if self.pg else text

    @cache  # noqa: B019 - a few service sets, for the process's life
    def lock_days(self, n: int) -> str:
        return self.sql(_LOCK_DAYS.format(
            ids=", ".join(f":id_{i}" for i in range(n)), for_update=self._lock))

    @cache  # noqa: B019
    def new_days(self, n: int) -> str:
        rows = ", ".join(f"(:id_{i}, :day, 0, :rule_state)" for i in range(n))
        return self.sql(_NEW_DAYS.format(rows=rows))

    @cache  # noqa: B019
    def heads(self, n: int) -> str:
        """The oldest waiting regular and priority ticket of ``n`` services, as mpp's _heads."""
        parts = [_HEAD.format(n=2 * i + p + 1, service=f"service_id_{i}",
                              priority=self._true if p else self._false)
                 for i in range(n) for p in (0, 1)]
        return self.sql(" UNION ALL ".join(parts))

    def now(self) -> Any:
        """The time now, as mpp binds it (aware UTC; naive UTC text on SQLite)."""
        now = datetime.now(UTC)
        return now if self.pg else now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def day(self, timezone: str) -> Any:
        today: date = datetime.now(ZoneInfo(timezone)).date()
        return today if self.pg else today.isoformat()

    def json(self, value: Any) -> Any:
        if self.pg:
            from psycopg.types.json import Json

            return Json(value)
        return json.dumps(value)


class SqliteStore:
    """One connection, one writer at a time: mpp.db.Database's write lock and BEGIN IMMEDIATE."""

    def __init__(self, path: str):
        self.conn = sqlite3.connect(path, timeout=60, check_same_thread=False,
                                    isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                       "busy_timeout=60000"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.lock = threading.Lock()  # made in the worker, after gevent patched threading

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.lock:
            cur = self.conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
            cur.close()


class PgStore:
    """A pool of up to :data:`PG_POOL` psycopg connections (opened when first needed)."""

    def __init__(self, conninfo: str):
        import psycopg

        self.connect = lambda: psycopg.connect(conninfo)
        self.idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self.slots = threading.Semaphore(PG_POOL)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A transaction (psycopg sends BEGIN with the first statement)."""
        with self.slots:
            try:
                conn = self.idle.get_nowait()
            except queue.Empty:
                conn = self.connect()
            try:
                with conn.cursor() as cur:
                    yield cur
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                self.idle.put(conn)


def open_store(d: Dialect, target: str) -> SqliteStore | PgStore:
    """The database ``target`` as the floors use it (in the worker, after gevent patched:
    psycopg's waits made cooperative as mpp.db makes them)."""
    if d.pg:
        from mpp.db import psycopg_cooperates

        psycopg_cooperates()
        return PgStore(target)
    return SqliteStore(target)


def db_floor_app(kind: str, target: str) -> Any:
    """The database floor's Flask app on ``target``: a SQLite file (``kind`` "sqlite") or a
    libpq connection string ("postgresql"). Build it in the worker, after gevent patched."""
    from flask import Flask, jsonify, request

    d = Dialect(kind)
    store = open_store(d, target)
    app = Flask("db-floor")

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify({"status": "ok"})

    @app.get("/api/v1/services")
    def services() -> Any:
        return jsonify({"services": []})

    @app.post("/api/v1/tickets")
    def issue() -> Any:
        service_id = request.get_json()["service_id"]
        kiosk = int(request.headers["X-Kiosk"])
        with store.transaction() as cur:
            svc = cur.execute(d.service_and_site, {"service_id": service_id}).fetchone()
            day = d.day(svc[_SITE_TIMEZONE])
            cur.execute(d.recent_done, {"service_id": service_id, "status": "done", "day": day,
                                        "limit": 20}).fetchall()
            printer = cur.execute(d.printer, {"device_id": kiosk}).fetchone()
            seq = cur.execute(d.take_number, {"service_id": service_id, "business_date": day,
                                              "rule_state": NO_PRIORITY_YET}).fetchone()[0]
            now = d.now()
            number = f"{svc[_SERVICE_PREFIX]}{seq:03d}"
            ticket_id = cur.execute(d.insert_ticket, dict(
                site_id=svc[_SITE_ID], service_id=service_id,
                origin_service_id=service_id, business_date=day, sequence=seq, number=number,
                priority=False, priority_category=None, status="waiting",
                token=secrets.token_urlsafe(16), issued_at=now, arrived_at=now,
                issued_by_device_id=kiosk, issued_by_user_id=None, call_count=0,
                transfer_count=0, booked=False, phone=None, remote=False,
                lang=None)).fetchone()[0]
            cur.execute(d.insert_event, dict(
                ticket_id=ticket_id, kind="issued", from_status=None, to_status="waiting",
                at=now, user_id=None, device_id=kiosk, counter_id=None, service_id=service_id,
                detail=d.json({"priority": False, "priority_category": None})))
            if d.pg:
                cur.fetchone()
            now = d.now()
            cur.execute(d.insert_print_job, dict(
                ticket_id=ticket_id, device_id=printer[0], reason="issue", created_at=now,
                sent_at=now, attempts=1)).fetchone()
        return jsonify({"ticket": {"id": ticket_id, "number": number, "status": "waiting",
                                   "service_id": service_id}}), 201

    @app.post("/api/v1/counters/<int:counter_id>/call-next")
    def call_next(counter_id: int) -> Any:
        with store.transaction() as cur:
            counter = cur.execute(d.counter_and_site, {"counter_id": counter_id}).fetchone()
            staff = counter[_COUNTER_STAFF]
            ids = sorted(row[0] for row in cur.execute(d.services_and_held, {
                "counter_id": counter_id, "serving": "serving", "called": "called"}))
            day = d.day(counter[_COUNTER_TIMEZONE])
            params = {"day": day, **{f"id_{i}": sid for i, sid in enumerate(ids)}}
            if len(cur.execute(d.lock_days(len(ids)), params).fetchall()) < len(ids):
                cur.execute(d.new_days(len(ids)), {**params, "rule_state": NO_PRIORITY_YET})
                cur.execute(d.lock_days(len(ids)), params).fetchall()
            heads = cur.execute(d.heads(len(ids)), {
                "day": day, "waiting": "waiting",
                **{f"service_id_{i}": sid for i, sid in enumerate(ids)}}).fetchall()
            if not heads:
                return jsonify({"ticket": None})
            chosen = min(heads, key=lambda h: (h[2], h[0]))[0]
            now = d.now()
            ticket = cur.execute(d.call, {
                "status": "called", "now": now, "to_counter_id": counter_id,
                "by_user_id": staff, "one": 1, "ticket_id": chosen,
                "waiting": "waiting"}).fetchone()
            if ticket is None:
                raise RuntimeError(f"ticket {chosen} was called twice")
            cur.execute(d.insert_event, dict(
                ticket_id=chosen, kind="called", from_status="waiting", to_status="called",
                at=now, user_id=staff, device_id=None, counter_id=counter_id,
                service_id=ticket[_TICKET_SERVICE], detail=d.json({})))
            if d.pg:
                cur.fetchone()
        return jsonify({"ticket": {"id": chosen, "number": ticket[_TICKET_NUMBER],
                                   "status": "called", "counter_id": counter_id}})

    @app.post("/api/v1/tickets/<int:ticket_id>/finish")
    def finish(ticket_id: int) -> Any:
        with store.transaction() as cur:
            held = cur.execute(d.ticket_and_site, {"ticket_id": ticket_id}).fetchone()
            now = d.now()
            cur.execute(d.insert_event, dict(
                ticket_id=ticket_id, kind="finished", from_status=held[_HELD_STATUS],
                to_status="done", at=now, user_id=held[_HELD_STAFF], device_id=None,
                counter_id=held[_HELD_COUNTER], service_id=held[_HELD_SERVICE],
                detail=d.json({})))
            if d.pg:
                cur.fetchone()
            cur.execute(d.finish, {"status": "done", "finished_at": now, "ticket_id": ticket_id})
        return jsonify({"ticket": {"id": ticket_id, "status": "done"}})

    return app


def one_write(kind: str, target: str) -> Callable[[int], int]:
    """The least a durable answer costs on ``target``: a function running one transaction
    that holds one small write, the number's upsert (mpp.services.queue.TAKE_NUMBER) for a
    service on a fixed day, and giving back the number. bench/floor.py's write floor calls
    it once per request. Build it in the worker, after gevent patched."""
    d = Dialect(kind)
    store = open_store(d, target)
    day: Any = date(2000, 1, 1) if d.pg else "2000-01-01"  # no ticket of mpp's is that old

    def write(service_id: int) -> int:
        with store.transaction() as cur:
            return int(cur.execute(d.take_number, {
                "service_id": service_id, "business_date": day,
                "rule_state": NO_PRIORITY_YET}).fetchone()[0])

    return write


def driver_target(url: str) -> tuple[str, str]:
    """mpp's SQLAlchemy URL as the db floor takes it: ("sqlite", the file) or ("postgresql",
    a libpq connection string)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        return "sqlite", parsed.database
    return "postgresql", parsed.set(drivername="postgresql").render_as_string(
        hide_password=False)


@dataclass
class FloorHall:
    """What the loads need to drive the db floor: kiosk and counter headers, the service."""

    kiosks: list[dict[str, str]]
    service_id: int
    counters: list[tuple[int, dict[str, str]]]


def prepare(url: str, counters: int, kiosks: int) -> FloorHall:
    """The bench's counters (their staff at them, opened as mpp opens them) and kiosks (each
    with its printer) in the database ``url``, as bench/core_throughput.py's running_mpp
    makes them for mpp."""
    from core_throughput import SERVICE, add_counters
    from sqlalchemy import text

    from mpp.db import Database

    add_counters(url, counters, kiosks)
    db = Database(url)
    now = datetime.now(UTC)
    opened: list[tuple[int, dict[str, str]]] = []
    with db.write() as s:
        service_id = s.execute(text("SELECT id FROM service WHERE code = :c"),
                               {"c": SERVICE}).scalar_one()
        devices = dict(s.execute(text("SELECT name, id FROM device")).tuples().all())
        for i in range(counters):
            cid = s.execute(text("SELECT id FROM counter WHERE name = :n"),
                            {"n": f"Bench {i}"}).scalar_one()
            uid = s.execute(text("SELECT id FROM user_account WHERE username = :u"),
                            {"u": f"bench{i}"}).scalar_one()
            at: Any = (now if db.engine.dialect.name == "postgresql"
                       else now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f"))
            s.execute(text("UPDATE counter SET staff_user_id = :u, opened_at = :at"
                           " WHERE id = :c"), {"u": uid, "at": at, "c": cid})
            s.execute(text("INSERT INTO counter_session (counter_id, user_id, opened_at)"
                           " VALUES (:c, :u, :at)"), {"c": cid, "u": uid, "at": at})
            opened.append((cid, {}))
    db.dispose()
    return FloorHall([{"X-Kiosk": str(devices[f"bench-kiosk-{i}"])} for i in range(kiosks)],
                     service_id, opened)
