"""/metrics: Prometheus figures for the operator only."""

from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ..conftest import make_app


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_the_hall_figures_follow_what_happens(api, client, make):
    desk = make.desk()  # a service of the test's own, its counter and clerk
    other = make.service()
    for _ in range(3):
        api.issue(desk.code)
    api.issue(other)
    cid = api.open_counter(desk.staff, desk.counter)
    assert api.post(f"/counters/{cid}/call-next", token=api.login(desk.staff)).status == 200
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.content_type.startswith("text/plain; version=")
    got = _samples(r.get_data(as_text=True))
    assert got[("mpp_database_up", ())] == 1
    assert got[("mpp_tickets_issued_today", (("service", desk.code),))] == 3
    assert got[("mpp_tickets_issued_today", (("service", other),))] == 1
    assert got[("mpp_tickets_called_today", (("service", desk.code),))] == 1
    assert got[("mpp_tickets_called_today", (("service", other),))] == 0
    assert got[("mpp_tickets_waiting", (("service", desk.code),))] == 2
    assert got[("mpp_tickets_waiting", (("service", other),))] == 1
    assert got[("mpp_print_jobs_unanswered", ())] == 4  # kiosk-1 has a printer, none answered
    assert got[("mpp_print_job_oldest_unanswered_seconds", ())] >= 0


def test_requests_are_timed_by_endpoint_not_by_path(api, client, make):
    ticket = api.issue(make.service())
    client.get(f"/api/v1/tickets/by-token/{ticket['token']}")
    text = client.get("/metrics").get_data(as_text=True)
    assert re.search(r'mpp_http_request_duration_seconds_count\{endpoint="api.ticket_by_token",'
                     r'method="GET"\} [1-9]', text), text[:3000]
    assert 'endpoint="api.issue_ticket",method="POST",status="201"' in text
    assert ticket["token"] not in text
    assert re.search(r'mpp_event_publish_seconds_count\{event="[a-z_]+",namespace="/', text)


def test_other_addresses_are_refused_unless_they_bring_the_token(db_url, clock):
    app = make_app(db_url, clock)
    away = {"REMOTE_ADDR": "203.0.113.9"}
    r = app.test_client().get("/metrics", environ_base=away)
    assert r.status_code == 403
    assert r.get_json()["error"]["code"] == "metrics_forbidden"

    app = make_app(db_url, clock, METRICS_TOKEN="scrape-me")
    c = app.test_client()
    assert c.get("/metrics").status_code == 403  # a token set: loopback needs it too
    assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    r = c.get("/metrics", environ_base=away, headers={"Authorization": "Bearer scrape-me"})
    assert r.status_code == 200 and "mpp_tickets_waiting" in r.get_data(as_text=True)


def test_the_dashboard_and_the_alerts_use_only_figures_mpp_exposes(db_url, clock, tmp_path):
    import json
    from pathlib import Path

    import yaml

    import mpp.ops.redis_watch  # noqa: F401  (defines mpp_redis_up, as a server with Redis does)

    deploy = Path(__file__).resolve().parents[2] / "deploy"
    (tmp_path / "mpp-2026-11-23T15-30-00Z.sqlite3").write_bytes(b"SQLite format 3\0")
    app = make_app(db_url, clock, BACKUP_DIR=str(tmp_path))
    text = app.test_client().get("/metrics").get_data(as_text=True)
    exposed = {f.name for f in text_string_to_metric_families(text)}
    got = _samples(text)
    assert got[("mpp_backup_newest_timestamp_seconds", ())] == pytest.approx(
        (tmp_path / "mpp-2026-11-23T15-30-00Z.sqlite3").stat().st_mtime)

    def used(expr: str) -> set[str]:
        names = set(re.findall(r"\bmpp_[a-z_]+", expr))
        return {re.sub(r"_(bucket|count|sum|total)$", "", n) for n in names}

    dashboard = json.loads((deploy / "grafana-dashboard.json").read_text())
    in_dashboard = set().union(*(used(t["expr"]) for p in dashboard["panels"]
                                 for t in p["targets"]))
    rules = yaml.safe_load((deploy / "prometheus-alerts.yml").read_text())
    in_alerts = set().union(*(used(str(r["expr"])) for g in rules["groups"]
                              for r in g["rules"]))
    known = exposed | {n.removesuffix("_total") for n in exposed}
    assert in_dashboard - known == set()
    assert in_alerts - known == set()
    # every figure the issue asks for is on the dashboard
    assert {"mpp_tickets_issued_today", "mpp_tickets_called_today", "mpp_tickets_waiting",
            "mpp_http_request_duration_seconds", "mpp_live_sockets",
            "mpp_event_publish_seconds", "mpp_print_jobs_unanswered"} <= in_dashboard


def test_the_messages_to_citizens_not_yet_delivered_are_counted(app, client, clock):
    from datetime import timedelta

    from mpp.models import Notification

    db = app.extensions["mpp"].db
    with db.write() as s:
        for i, status in enumerate(["pending", "pending", "failed", "sent"]):
            s.add(Notification(id=f"n{i}", event_key=f"ticket.called:{i}", event="ticket.called",
                               phone="0812", body="{}", status=status,
                               created_at=clock.now() - timedelta(minutes=10 - i)))
    got = _samples(client.get("/metrics").get_data(as_text=True))
    assert got[("mpp_notifications_pending", ())] == 2
    assert got[("mpp_notifications_failed", ())] == 1
    # the oldest pending one was written ten minutes before the clock's now
    assert got[("mpp_notification_oldest_pending_seconds", ())] >= 600
