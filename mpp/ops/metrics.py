"""Prometheus metrics at ``/metrics``, for the operator only.

Per process (summed over gunicorn's workers in multiprocess mode, see below):
``mpp_http_request_duration_seconds`` (histogram by endpoint and method),
``mpp_http_requests_total`` (by endpoint, method and status), ``mpp_live_sockets`` (by
namespace), ``mpp_event_publish_seconds`` (event fan-out: the time to hand one event to
every client of this process, or to Redis, by namespace and event), ``mpp_gc_pause_seconds``
(the garbage collector stopping the process, by generation: mpp.ops.gc_watch).

Read from the database at each scrape, so they agree across processes and restarts:
``mpp_tickets_issued_today``, ``mpp_tickets_called_today``, ``mpp_tickets_waiting`` (by
service), ``mpp_print_jobs_unanswered`` and ``mpp_print_job_oldest_unanswered_seconds`` (the
print backlog), ``mpp_notifications_pending``, ``mpp_notifications_failed`` and
``mpp_notification_oldest_pending_seconds`` (the messages to citizens not yet delivered),
``mpp_database_up``; with MPP_BACKUP_DIR set,
``mpp_backup_newest_timestamp_seconds``. ``mpp_redis_up`` comes from mpp.ops.redis_watch.

Access: with ``MPP_METRICS_TOKEN`` set, a request must send ``Authorization: Bearer TOKEN``;
without it only loopback clients (Prometheus on the same host) are answered. Behind nginx
with ``MPP_TRUSTED_PROXIES`` set, the address is the real client's, so the public cannot
read it through nginx either way.

Several gunicorn workers: set ``PROMETHEUS_MULTIPROC_DIR`` (deploy/gunicorn.conf.py does) to
an empty folder before the workers start; each worker writes its figures there and any
worker answers a scrape with the sum.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterable, Iterator
from datetime import UTC
from ipaddress import ip_address
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from ..db import Database
from ..domain.numbering import business_date
from ..events import Event
from ..models import Notification, PrintJob, Service, Site, Ticket, TicketEvent
from ..socket_guard import SocketGuard
from . import bp
from .gc_watch import watch_gc

HTTP_SECONDS = Histogram(
    "mpp_http_request_duration_seconds", "Time to answer an HTTP request",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
HTTP_REQUESTS = Counter("mpp_http_requests_total", "HTTP requests answered",
                        ["endpoint", "method", "status"])
LIVE_SOCKETS = Gauge("mpp_live_sockets", "Socket.IO connections held", ["namespace"],
                     multiprocess_mode="livesum")
PUBLISH_SECONDS = Histogram(
    "mpp_event_publish_seconds",
    "Time to hand one event to every client of this process (or to Redis)",
    ["namespace", "event"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class MeasuredPublisher:
    """Wraps a publisher; times each event it sends (``mpp_event_publish_seconds``)."""

    def __init__(self, inner: Any):
        self.inner = inner

    def publish(self, events: list[Event]) -> None:
        for e in events:
            started = time.perf_counter()
            self.inner.publish([e])
            PUBLISH_SECONDS.labels(e.namespace, e.name).observe(time.perf_counter() - started)


class CountedSocketGuard(SocketGuard):
    """The socket guard, also counting this process's live sockets per namespace."""

    def admit(self, namespace: str, sid: str, address: str,
              ticket: str | None = None) -> str | None:
        refused = super().admit(namespace, sid, address, ticket)
        if refused is None:
            LIVE_SOCKETS.labels(namespace).inc()
        return refused

    def release(self, namespace: str, sid: str) -> None:
        held = (namespace, sid) in self._held
        super().release(namespace, sid)
        if held:
            LIVE_SOCKETS.labels(namespace).dec()


class HallCollector:
    """Figures read from the database at each scrape (the same whichever process answers)."""

    def __init__(self, db: Database, now: Any):
        self.db = db
        self.now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("mpp_database_up", "1 when the database answered the scrape")
        try:
            families = list(self._read())
        except Exception:  # noqa: BLE001 - the scrape still answers, saying the database is down
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self) -> Iterable[GaugeMetricFamily]:
        issued = GaugeMetricFamily("mpp_tickets_issued_today",
                                   "Tickets issued today (site time), by service",
                                   labels=["service"])
        called = GaugeMetricFamily("mpp_tickets_called_today",
                                   "Tickets called today (first calls, not recalls), by service",
                                   labels=["service"])
        waiting = GaugeMetricFamily("mpp_tickets_waiting", "Tickets waiting now, by service",
                                    labels=["service"])
        pending = GaugeMetricFamily("mpp_print_jobs_unanswered",
                                    "Print jobs no print agent has answered yet")
        oldest = GaugeMetricFamily("mpp_print_job_oldest_unanswered_seconds",
                                   "Age of the oldest unanswered print job (0: none)")
        notes = GaugeMetricFamily("mpp_notifications_pending",
                                  "Messages to citizens not yet delivered to the gateway")
        notes_failed = GaugeMetricFamily("mpp_notifications_failed",
                                         "Messages to citizens given up on")
        notes_oldest = GaugeMetricFamily("mpp_notification_oldest_pending_seconds",
                                         "Age of the oldest undelivered message (0: none)")
        now = self.now()
        with self.db.read() as s:
            tz = s.scalar(select(Site.timezone).limit(1)) or "UTC"
            today = business_date(now, tz)
            codes = dict(s.execute(select(Service.id, Service.code)).all())
            by_issue = dict(s.execute(
                select(Ticket.origin_service_id, func.count())
                .where(Ticket.business_date == today).group_by(Ticket.origin_service_id)).all())
            by_call = dict(s.execute(
                select(TicketEvent.service_id, func.count()).join(
                    Ticket, Ticket.id == TicketEvent.ticket_id)
                .where(Ticket.business_date == today, TicketEvent.kind == "called")
                .group_by(TicketEvent.service_id)).all())
            by_wait = dict(s.execute(
                select(Ticket.service_id, func.count()).where(Ticket.status == "waiting")
                .group_by(Ticket.service_id)).all())
            jobs, first = s.execute(select(func.count(), func.min(PrintJob.created_at))
                                    .where(PrintJob.answered_at.is_(None))).one()
            waiting_notes, first_note = s.execute(
                select(func.count(), func.min(Notification.created_at))
                .where(Notification.status == "pending")).one()
            failed_notes = s.scalar(select(func.count()).where(Notification.status == "failed"))
        for service_id, code in sorted(codes.items(), key=lambda kv: kv[1]):
            issued.add_metric([code], by_issue.get(service_id, 0))
            called.add_metric([code], by_call.get(service_id, 0))
            waiting.add_metric([code], by_wait.get(service_id, 0))
        pending.add_metric([], jobs)
        age = 0.0
        if first is not None:
            age = max(0.0, (now.astimezone(UTC) - first.astimezone(UTC)).total_seconds())
        oldest.add_metric([], age)
        notes.add_metric([], waiting_notes)
        notes_failed.add_metric([], failed_notes or 0)
        note_age = 0.0
        if first_note is not None:
            note_age = max(0.0, (now.astimezone(UTC) - first_note.astimezone(UTC))
                           .total_seconds())
        notes_oldest.add_metric([], note_age)
        return [issued, called, waiting, pending, oldest, notes, notes_failed, notes_oldest]


class BackupCollector:
    """``mpp_backup_newest_timestamp_seconds``: when the newest backup in MPP_BACKUP_DIR was
    written (the folder the nightly timer fills), so a missed night raises an alert."""

    def __init__(self, folder: Path):
        self.folder = folder

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from .backup import PREFIX

        newest = GaugeMetricFamily("mpp_backup_newest_timestamp_seconds",
                                   "Unix time of the newest backup in MPP_BACKUP_DIR (0: none)")
        try:
            times = [p.stat().st_mtime for p in self.folder.glob(f"{PREFIX}*")
                     if p.suffix in (".sqlite3", ".dump")]
        except OSError:
            times = []
        newest.add_metric([], max(times, default=0))
        yield newest


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        return ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics() -> Any:
    """Prometheus text exposition, for the operator only (see the module's docstring)."""
    if not _allowed():
        response = jsonify({"error": {
            "code": "metrics_forbidden",
            "message": "Metrics are for the operator: send the MPP_METRICS_TOKEN, or scrape "
                       "from this host."}})
        response.status_code = 403
        return response
    if multiprocess_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    hall_registry = CollectorRegistry()
    hall = current_app.extensions["mpp"]
    hall_registry.register(HallCollector(hall.db, hall.clock.now))
    if current_app.config.get("BACKUP_DIR"):
        hall_registry.register(BackupCollector(Path(current_app.config["BACKUP_DIR"])))
    return Response(body + generate_latest(hall_registry), content_type=CONTENT_TYPE_LATEST)


def init_metrics(app: Flask) -> None:
    """Time every request, count live sockets and time event fan-out and garbage
    collection for /metrics."""
    watch_gc()
    app.config.setdefault("METRICS_TOKEN", os.environ.get("MPP_METRICS_TOKEN", ""))
    app.config.setdefault("BACKUP_DIR", os.environ.get("MPP_BACKUP_DIR", ""))
    guard = app.extensions["mpp_sockets"]
    app.extensions["mpp_sockets"] = CountedSocketGuard(guard.limits, guard.clock)
    # time the sending itself, under the guard that strips ticket secrets from /hall events
    privacy = app.extensions["mpp"].publisher
    if hasattr(privacy, "inner") and not isinstance(privacy.inner, MeasuredPublisher):
        privacy.inner = MeasuredPublisher(privacy.inner)

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Any) -> Any:
        started = g.pop("metrics_started", None)
        if started is not None and request.endpoint != "ops.metrics":
            # the route's name, never the raw path: ids and tokens would make a series each
            endpoint = request.endpoint or "unmatched"
            HTTP_SECONDS.labels(endpoint, request.method).observe(time.perf_counter() - started)
            HTTP_REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        return response
