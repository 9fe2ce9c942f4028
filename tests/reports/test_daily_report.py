"""The daily report's figures equal those computed independently from a simulated day."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import pytest
from openpyxl import load_workbook

from mpp.clock import FixedClock

from ..conftest import make_app
from ..support.api import Api
from ..support.databases import START
from .hallday import (
    DAY,
    WITA,
    avg_seconds,
    expected_hours,
    expected_row,
    ms,
    own_layout,
    p90_seconds,
    played_database,
    run_day,
    service_ms,
    wait_ms,
)

FIGURES = ("issued", "served", "no_show", "cancelled", "expired", "waiting",
           "avg_wait_seconds", "p90_wait_seconds", "avg_service_seconds",
           "p90_service_seconds")
HOUR_FIGURES = ("issued", "served", "no_show", "cancelled", "expired", "avg_wait_seconds",
                "p90_wait_seconds", "avg_service_seconds", "p90_service_seconds")
#: the CSV header as released before the hourly figures: it must not move
CSV_HEADER = ["section", "id", "code", "name", "hour", "issued", "served", "no_show",
              "cancelled", "expired", "waiting", "avg_wait_seconds", "p90_wait_seconds",
              "avg_service_seconds", "avg_visit_seconds", "sla_met", "sla_total", "sla_percent",
              "open_seconds", "busy_seconds", "idle_seconds", "served_per_hour", "ikm",
              "ikm_grade", "ikm_respondents", "p90_service_seconds",
              # the booking rows' day and figures (issue 10)
              "date", "booking_made", "booking_booked", "booking_cancelled",
              "booking_checked_in", "booking_checked_in_late", "booking_no_show",
              "booking_pending", "booking_called", "booking_called_within",
              "booking_punctual_percent", "booking_median_late_minutes",
              "remote_joined", "remote_checked_in", "remote_expired"]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hall(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One hall day played on SQLite and on PostgreSQL (once per module: the tests only read),
    on services, counters and clerks of its own (``own_layout``)."""
    with played_database(request, tmp_path_factory) as url:
        clock = FixedClock(START)
        app = make_app(url, clock)
        api = Api(app.test_client())
        day = run_day(api, clock, app, layout=own_layout(app))
        yield api, day
        app.extensions["mpp"].db.dispose()


def _pick(row: dict, keys=FIGURES) -> dict:  # type: ignore[no-untyped-def]
    return {k: row[k] for k in keys}


def _daily(api: Api, user: str = "manajer", extra: str = "") -> dict:  # type: ignore[type-arg]
    r = api.get(f"/reports/daily?date={DAY.date().isoformat()}{extra}", token=api.login(user))
    assert r.status == 200, r.body
    return r.body


def test_simulated_day_has_every_outcome(hall):  # type: ignore[no-untyped-def]
    _, day = hall
    statuses = {r.status for r in day.tickets}
    assert statuses == {"done", "no_show", "cancelled", "expired"}
    assert any(r.started is None and r.status == "done" for r in day.tickets)
    assert any(r.last_call != r.first_call for r in day.tickets if r.first_call)
    assert len(day.tickets) > 60
    # durations differ to the millisecond and spread over many whole minutes, so the
    # percentiles are ranked within a minute, not just picked from one
    serves = [v for r in day.tickets if (v := service_ms(r)) is not None]
    assert len({v // 60_000 for v in serves}) >= 8
    assert len(set(serves)) > 0.8 * len(serves)
    assert any(v % 1000 for v in serves)


def test_daily_totals_and_rows_match_the_record(hall):  # type: ignore[no-untyped-def]
    api, day = hall
    report = _daily(api)
    assert report["date"] == "2026-11-23"
    assert _pick(report["totals"]) == _pick(expected_row(day.tickets) | {})

    services = {s["code"]: s for s in api.get("/services").body["services"]}
    by_service = {r["code"]: r for r in report["by_service"]}
    for code, sv in services.items():
        recs = [r for r in day.tickets if r.service == code]
        want = expected_row(recs, sv["sla_minutes"])
        got = by_service[code]
        assert _pick(got) == _pick(want), code
        assert (got["sla_met"], got["sla_total"]) == (want.get("sla_met", 0),
                                                       want.get("sla_total", 0))

    by_agency = {r["code"]: r for r in report["by_agency"]}
    assert set(day.layout.service_agency.values()) < set(by_agency)
    for code, row in by_agency.items():  # the demo's agencies took no ticket
        recs = [r for r in day.tickets if day.layout.service_agency.get(r.service) == code]
        assert _pick(row) == _pick(expected_row(recs)), code


def test_transferred_ticket_counts_once_in_the_service_where_it_ended(hall):  # type: ignore
    api, day = hall
    report = _daily(api)
    target = day.layout.transfer[1]
    moved = [r for r in day.tickets if r.service == target and r.status != "cancelled"]
    assert sum(r["issued"] for r in report["by_service"]) == len(day.tickets)
    assert report["totals"]["issued"] == len(day.tickets)
    kk = next(r for r in report["by_service"] if r["code"] == target)
    assert kk["issued"] >= len(moved)


def test_counter_and_staff_rows_match_the_record(hall):  # type: ignore[no-untyped-def]
    api, day = hall
    report = _daily(api)
    by_counter = {r["name"]: r for r in report["by_counter"]}
    by_staff = {r["username"]: r for r in report["by_staff"]}
    for name, desk in day.desks.items():
        recs = [r for r in day.tickets if r.counter == name]
        want = expected_row(recs)
        assert _pick(by_counter[name]) == _pick(want), name
        # staff rows count the tickets each one held last (a transfer included)
        staff_recs = [r for r in day.tickets if r.staff == desk.staff]
        assert _pick(by_staff[desk.staff]) == _pick(expected_row(staff_recs)), desk.staff
        # productivity: open stretch, busy time on held tickets, served per open hour
        open_ms = ms(desk.opened, desk.closed)
        busy_ms = sum(ms(r.last_call, r.finished) for r in staff_recs
                      if r.status in ("done", "no_show"))
        row = by_staff[desk.staff]
        assert row["open_seconds"] == open_ms // 1000
        assert row["busy_seconds"] == busy_ms // 1000
        assert row["idle_seconds"] == (open_ms - busy_ms) // 1000
        served = sum(1 for r in staff_recs if r.status == "done")
        assert row["served_per_hour"] == round(served * 3_600_000 / open_ms, 2)
    # a counter never opened: a zero row, no averages
    (unopened,) = day.layout.unopened
    assert by_counter[unopened]["issued"] == 0
    assert by_counter[unopened]["avg_wait_seconds"] is None


def test_by_hour_counts_issue_and_finish_by_local_hour(hall):  # type: ignore[no-untyped-def]
    api, day = hall
    report = _daily(api)
    issued = defaultdict(int)
    served = defaultdict(int)
    for r in day.tickets:
        issued[r.issued.astimezone(WITA).hour] += 1
        if r.status == "done":
            served[r.finished.astimezone(WITA).hour] += 1
    assert [h["hour"] for h in report["by_hour"]] == list(range(24))
    assert {h["hour"]: h["issued"] for h in report["by_hour"] if h["issued"]} == dict(issued)
    assert {h["hour"]: h["served"] for h in report["by_hour"] if h["served"]} == dict(served)
    assert sum(issued.values()) == len(day.tickets)
    assert len(issued) >= 5  # the day spans several hours


def _service_ms_by_finish_hour(tickets) -> dict[int, list[int]]:  # type: ignore
    """Each finished ticket's service time, by the local hour it was finished in."""
    serves: dict[int, list[int]] = defaultdict(list)
    for r in tickets:
        if (v := service_ms(r)) is not None:
            serves[r.finished.astimezone(WITA).hour].append(v)
    return serves


def test_by_hour_gives_the_p90_service_time_by_hour_of_finish(hall):  # type: ignore
    api, day = hall
    report = _daily(api)
    serves = _service_ms_by_finish_hour(day.tickets)
    got = {h["hour"]: h["p90_service_seconds"] for h in report["by_hour"]}
    assert got == {h: p90_seconds(serves.get(h, [])) for h in range(24)}
    assert sum(1 for v in got.values() if v is not None) >= 5
    # and it is over the tickets counted as served in that hour
    assert {h["hour"]: h["served"] for h in report["by_hour"]} == {
        h: len(serves.get(h, [])) for h in range(24)}


def test_by_hour_gives_arrivals_outcomes_and_waits_by_hour_of_issue(hall):  # type: ignore
    api, day = hall
    report = _daily(api)
    want = expected_hours(day.tickets)
    assert report["by_hour"] == want
    assert all(set(h) == {"hour", *HOUR_FIGURES} for h in report["by_hour"])
    # the day exercises every figure in several hours, not just one
    filled = {f: sum(1 for h in want if h[f]) for f in HOUR_FIGURES}
    assert filled["avg_wait_seconds"] >= 5 and filled["p90_wait_seconds"] >= 5
    assert filled["no_show"] >= 2 and filled["cancelled"] >= 2 and filled["expired"] >= 1
    # the waits of one hour spread over several minutes, so its p90 is ranked within a minute
    for h in range(24):
        waits = [w for r in day.tickets if r.issued.astimezone(WITA).hour == h
                 and (w := wait_ms(r)) is not None]
        if len(waits) >= 10:
            assert len({w // 60_000 for w in waits}) >= 3, h
    # an hour's arrivals and its finished tickets are different tickets, but the outcome
    # counts of the 24 rows add up to the day's
    for f in ("issued", "served", "no_show", "cancelled", "expired"):
        assert sum(h[f] for h in report["by_hour"]) == report["totals"][f], f


def test_by_hour_gives_service_times_by_hour_of_finish(hall):  # type: ignore[no-untyped-def]
    api, day = hall
    report = _daily(api)
    serves = _service_ms_by_finish_hour(day.tickets)
    got = {h["hour"]: h["avg_service_seconds"] for h in report["by_hour"]}
    want = {h: avg_seconds(serves.get(h, [])) for h in range(24)}
    assert got == want
    assert sum(1 for v in got.values() if v is not None) >= 5


def test_priority_categories_are_counted(hall):  # type: ignore[no-untyped-def]
    api, day = hall
    report = _daily(api)
    got = {p["category"]: (p["issued"], p["served"]) for p in report["by_priority"]}
    for cat in ("elderly", "disabled", "pregnant", "child"):
        recs = [r for r in day.tickets if r.priority_category == cat]
        assert got[cat] == (len(recs), sum(1 for r in recs if r.status == "done")), cat
    regular = [r for r in day.tickets if r.priority_category is None]
    assert got["regular"][0] == len(regular)


def test_csv_export_reads_back_equal_to_json(hall):  # type: ignore[no-untyped-def]
    api, _ = hall
    report = _daily(api)
    r = api.client.get("/api/v1/reports/daily?date=2026-11-23&format=csv",
                       headers={"Authorization": f"Bearer {api.login('manajer')}"})
    assert r.status_code == 200
    assert r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"] == \
        'attachment; filename="laporan-harian-2026-11-23.csv"'
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig"))))
    total = next(x for x in rows if x["section"] == "total")
    assert int(total["issued"]) == report["totals"]["issued"]
    assert float(total["p90_wait_seconds"]) == report["totals"]["p90_wait_seconds"]
    assert float(total["p90_service_seconds"]) == report["totals"]["p90_service_seconds"]
    # a new column goes at the end, so that readers by position keep working; the hourly
    # figures fill columns every other row already had
    header = r.data.decode("utf-8-sig").splitlines()[0].split(",")
    assert header == CSV_HEADER

    def num(text: str) -> float | None:
        return float(text) if text else None

    for section, key in (("agency", "by_agency"), ("service", "by_service"),
                         ("counter", "by_counter"), ("staff", "by_staff")):
        for want in report[key]:
            line = next(x for x in rows if x["section"] == section and x["id"] == str(want["id"]))
            assert int(line["served"]) == want["served"]
            for f in ("avg_wait_seconds", "p90_wait_seconds", "avg_service_seconds",
                      "p90_service_seconds"):
                assert num(line[f]) == want[f], (section, want["id"], f)
    hours = {int(x["hour"]): x for x in rows if x["section"] == "hour"}
    assert sorted(hours) == list(range(24))
    counts = ("issued", "served", "no_show", "cancelled", "expired")
    for want in report["by_hour"]:
        line = hours[want["hour"]]
        for f in HOUR_FIGURES:
            assert (int(line[f]) if f in counts else num(line[f])) == want[f], (want["hour"], f)
        assert line["waiting"] == line["id"] == line["name"] == ""
    assert any(num(x["p90_wait_seconds"]) for x in hours.values())


def test_xlsx_export_reads_back_equal_to_json(hall):  # type: ignore[no-untyped-def]
    api, _ = hall
    report = _daily(api)
    r = api.client.get("/api/v1/reports/daily?date=2026-11-23&format=xlsx",
                       headers={"Authorization": f"Bearer {api.login('manajer')}"})
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].endswith('filename="laporan-harian-2026-11-23.xlsx"')
    wb = load_workbook(io.BytesIO(r.data), read_only=True)
    assert {"Ringkasan", "Instansi", "Layanan", "Loket", "Petugas", "Per jam",
            "IKM"} <= set(wb.sheetnames)
    for title, key in (("Instansi", "by_agency"), ("Layanan", "by_service"),
                       ("Loket", "by_counter"), ("Petugas", "by_staff")):
        sheet = list(wb[title].iter_rows(values_only=True))
        header = list(sheet[0])
        assert header.index("p90_service_seconds") == header.index("avg_service_seconds") + 1
        assert len(sheet) == len(report[key]) + 1
        for line in sheet[1:]:
            rec = dict(zip(header, line, strict=True))
            want = next(x for x in report[key] if x["id"] == rec["id"])
            for f in ("issued", "served", "no_show", "avg_wait_seconds", "p90_wait_seconds",
                      "avg_service_seconds", "p90_service_seconds"):
                assert rec[f] == want[f], (title, rec["id"], f)
    summary = dict(list(wb["Ringkasan"].iter_rows(values_only=True))[1:])
    assert summary["p90_service_seconds"] == report["totals"]["p90_service_seconds"]
    hours = list(wb["Per jam"].iter_rows(values_only=True))
    assert list(hours[0]) == ["hour", *HOUR_FIGURES]
    assert [dict(zip(hours[0], line, strict=True)) for line in hours[1:]] == report["by_hour"]


def test_agency_manager_sees_only_their_agency(hall):  # type: ignore[no-untyped-def]
    api, day = hall
    layout = day.layout
    ours, other = layout.service_agency[layout.issue_mix[0]], layout.service_agency[
        layout.issue_mix[-1]]
    report = _daily(api, layout.manager)
    assert [a["code"] for a in report["by_agency"]] == [ours]
    assert {s["code"] for s in report["by_service"]} == {
        code for code, agency in layout.service_agency.items() if agency == ours}
    recs = [r for r in day.tickets if layout.service_agency[r.service] == ours]
    assert _pick(report["totals"]) == _pick(expected_row(recs))
    assert report["by_hour"] == expected_hours(recs)
    ours_opened = list(layout.counters)[:2]  # own_layout: the first agency's two, then UJB's
    assert {c["name"] for c in report["by_counter"]} == {*ours_opened, *layout.unopened}
    r = api.get(f"/reports/daily?date=2026-11-23&agency={other}",
                token=api.login(layout.manager))
    assert (r.status, r.error) == (403, "other_agency")
    # a site-wide manager may narrow to one agency
    narrowed = _daily(api, "manajer", f"&agency={other}")
    assert [a["code"] for a in narrowed["by_agency"]] == [other]
    assert narrowed["by_hour"] == expected_hours(
        [r for r in day.tickets if layout.service_agency[r.service] == other])


def test_range_report_compares_with_the_previous_period(hall):  # type: ignore
    api, day = hall
    r = api.get("/reports/range?from=2026-11-23&to=2026-11-24", token=api.login("manajer"))
    assert r.status == 200, r.body
    body = r.body
    assert body["previous"]["from"] == "2026-11-21" and body["previous"]["to"] == "2026-11-22"
    assert body["previous"]["totals"]["issued"] == 0
    assert body["totals"]["issued"] == len(day.tickets)
    assert [d["date"] for d in body["by_day"]] == ["2026-11-23", "2026-11-24"]
    assert body["by_day"][0]["issued"] == len(day.tickets)
    assert body["by_day"][1]["issued"] == 0
    assert _pick(body["totals"]) == _pick(expected_row(day.tickets))
    assert body["by_hour"] == expected_hours(day.tickets)
    later = api.get("/reports/range?from=2026-11-24&to=2026-11-25", token=api.login("manajer"))
    assert later.body["previous"]["totals"]["issued"] == len(day.tickets)
    # the previous period's figures are computed the same way (its own path on PostgreSQL)
    assert _pick(later.body["previous"]["totals"]) == _pick(expected_row(day.tickets))
    assert later.body["totals"]["p90_service_seconds"] is None
    assert later.body["by_hour"] == expected_hours([])
