"""Report speed over a year of history: about 1.5 million tickets in PostgreSQL.

Makes its own database (dropped first if it exists), loads the demo MPP, generates a
year of tickets, counter sessions and SKM answers with COPY, then times the daily report,
a 30-day range, the IKM and the live view through ReportService and through the HTTP API,
and prints the figures.

    .venv/bin/python bench/report_history.py [--tickets 1500000] [--runs 5] [--keep]

The server is MPP_BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
the bench database is named mpp_bench_reports.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from mpp import create_app, migrate  # noqa: E402
from mpp.clock import FixedClock  # noqa: E402
from mpp.config import TestConfig  # noqa: E402
from mpp.db import Database  # noqa: E402
from mpp.models import Agency, Counter, Service, User  # noqa: E402
from mpp.services import accounts  # noqa: E402
from mpp.services.demo import load_demo  # noqa: E402
from mpp.services.reports import ReportService  # noqa: E402

SERVER = os.environ.get("MPP_BENCH_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NAME = "mpp_bench_reports"
ZONE = ZoneInfo("Asia/Makassar")
LAST_DAY = date(2026, 11, 23)  # the "today" of the bench: a Monday
SECRET = "bench-secret"
#: share of each hour 08..15 in a day's arrivals (a morning peak)
HOUR_WEIGHTS = [16, 20, 18, 14, 10, 10, 8, 4]


def _url(db: str) -> str:
    return make_url(SERVER).set(database=db).render_as_string(hide_password=False)


def _psycopg_dsn(url: str) -> str:
    u = make_url(url)
    return (f"host={u.host or '127.0.0.1'} port={u.port or 5432} user={u.username or 'postgres'}"
            f" dbname={u.database}" + (f" password={u.password}" if u.password else ""))


def create_database() -> str:
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{NAME}"'))
    admin.dispose()
    url = _url(NAME)
    db = Database(url)
    migrate.upgrade(db)
    accounts.HASH_METHOD = "pbkdf2:sha256:1000"
    with db.write() as s:
        load_demo(s, datetime.combine(LAST_DAY, datetime.min.time(), tzinfo=ZONE), SECRET)
    db.dispose()
    return url


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+00")


def generate(url: str, total: int, seed: int = 2026) -> dict[str, int]:
    """COPY a year of tickets, sessions and survey answers; returns the row counts."""
    rng = random.Random(seed)
    db = Database(url)
    with db.read() as s:
        site_id = s.execute(text("SELECT id FROM site ORDER BY id LIMIT 1")).scalar_one()
        services = list(s.scalars(select(Service)))
        counters = list(s.scalars(select(Counter)))
        staff = list(s.scalars(select(User).where(User.role == "staff")))
        agency_ids = [a.id for a in s.scalars(select(Agency))]
        serving: dict[int, list[int]] = {sv.id: [] for sv in services}
        for c in counters:
            for sv in c.services:
                serving[sv.id].append(c.id)
        counter_agency = {c.id: c.agency_id for c in counters}
    db.dispose()
    staff_by_agency: dict[int, list[int]] = {a: [] for a in agency_ids}
    for u in staff:
        if u.agency_id is not None:
            staff_by_agency[u.agency_id].append(u.id)
    # counters without a staff member of their agency among the demo users get a shared one
    fallback = [u.id for u in staff]
    svc_ids = [sv.id for sv in services if serving[sv.id]]
    svc_weights = [3 if i % 3 == 0 else 2 for i in range(len(svc_ids))]
    prefix = {sv.id: sv.prefix for sv in services}
    agency_of = {sv.id: sv.agency_id for sv in services}
    days = [LAST_DAY - timedelta(days=i) for i in range(364, -1, -1)]
    weights = [1.0 if d.weekday() < 5 else 0.5 for d in days]
    per_day = [round(total * w / sum(weights)) for w in weights]

    tickets = io.StringIO()
    surveys = io.StringIO()
    sessions = io.StringIO()
    counts = {"ticket": 0, "survey_response": 0, "counter_session": 0}
    tid = 0
    sid = 0
    for day, n in zip(days, per_day, strict=True):
        base = datetime(day.year, day.month, day.day, 8, tzinfo=ZONE).astimezone(UTC)
        seq: dict[int, int] = {}
        for c in counters:
            users = staff_by_agency.get(counter_agency[c.id]) or fallback
            sessions.write(f"{c.id}\t{users[c.id % len(users)]}\t{_ts(base)}\t"
                           f"{_ts(base + timedelta(hours=7, minutes=30))}\n")
            counts["counter_session"] += 1
        for _ in range(n):
            tid += 1
            svc = rng.choices(svc_ids, svc_weights)[0]
            seq[svc] = seq.get(svc, 0) + 1
            hour = rng.choices(range(8), HOUR_WEIGHTS)[0]
            issued = base + timedelta(hours=hour, seconds=rng.randrange(3600))
            roll = rng.random()
            status = ("done" if roll < 0.85 else "no_show" if roll < 0.91 else
                      "cancelled" if roll < 0.94 else "expired")
            cat = None
            if rng.random() < 0.08:
                cat = rng.choice(("elderly", "disabled", "pregnant", "child"))
            called = last = started = finished = None
            counter = user = "\\N"
            if status in ("done", "no_show"):
                called = issued + timedelta(seconds=rng.randrange(60, 3600))
                last = called
                cid = rng.choice(serving[svc])
                users = staff_by_agency.get(counter_agency[cid]) or fallback
                counter, user = str(cid), str(users[cid % len(users)])
                if status == "done":
                    if rng.random() < 0.7:
                        started = called + timedelta(seconds=rng.randrange(10, 90))
                    finished = (started or called) + timedelta(seconds=rng.randrange(120, 1500))
                else:
                    finished = called + timedelta(seconds=rng.randrange(60, 300))
            tickets.write("\t".join((
                str(tid), str(site_id), str(svc), str(svc), day.isoformat(), str(seq[svc]),
                f"{prefix[svc]}{seq[svc]:03d}", "t" if cat else "f", cat or "\\N", status,
                f"bench{tid:x}", _ts(issued),
                _ts(called) if called else "\\N", _ts(last) if last else "\\N",
                _ts(started) if started else "\\N", _ts(finished) if finished else "\\N",
                counter, user, "1" if called else "0", "0")) + "\n")
            if status == "done" and rng.random() < 0.12:
                sid += 1
                scores = [rng.choices((1, 2, 3, 4), (1, 4, 30, 20))[0] for _ in range(9)]
                surveys.write(f"{sid}\t{tid}\t{svc}\t{agency_of[svc]}\t{json.dumps(scores)}\t\t"
                              f"{_ts(finished + timedelta(minutes=2))}\tstatus_page\n")
        counts["ticket"] += n
    counts["survey_response"] = sid
    with psycopg.connect(_psycopg_dsn(url)) as conn, conn.cursor() as cur:
        for table, cols, buf in (
            ("ticket", "id, site_id, service_id, origin_service_id, business_date, sequence, "
                       "number, priority, priority_category, status, token, issued_at, "
                       "called_at, last_called_at, started_at, finished_at, counter_id, "
                       "staff_user_id, call_count, transfer_count", tickets),
            ("survey_response", "id, ticket_id, service_id, agency_id, scores, comment, "
                                "submitted_at, source", surveys),
            ("counter_session", "counter_id, user_id, opened_at, closed_at", sessions),
        ):
            buf.seek(0)
            with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                while chunk := buf.read(1 << 20):
                    copy.write(chunk)
        cur.execute("SELECT setval('ticket_id_seq', (SELECT max(id) FROM ticket))")
        cur.execute("SELECT setval('survey_response_id_seq', "
                    "(SELECT max(id) FROM survey_response))")
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    return counts


def timed(fn, runs: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """(first, median, max) in milliseconds over ``runs`` calls after the first."""
    t0 = time.perf_counter()
    fn()
    first = (time.perf_counter() - t0) * 1000
    times = [first] if runs == 0 else []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return first, statistics.median(times), max(times)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_500_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="time an existing bench database without generating it again")
    args = parser.parse_args()

    url = _url(NAME)
    if not args.reuse:
        t0 = time.perf_counter()
        url = create_database()
        counts = generate(url, args.tickets)
        print(f"generated {counts['ticket']:,} tickets, {counts['survey_response']:,} survey "
              f"answers, {counts['counter_session']:,} counter sessions over 365 days "
              f"in {time.perf_counter() - t0:.1f} s")
    db = Database(url)
    with db.read() as s:
        n = s.execute(text("SELECT count(*) FROM ticket")).scalar_one()
        heads = s.execute(text("SELECT version_num FROM alembic_version ORDER BY 1")).scalars()
        print(f"database {NAME}: {n:,} tickets; migrations {', '.join(heads)}")
    now = datetime(2026, 11, 23, 14, 0, tzinfo=ZONE)
    clock = FixedClock(now)
    reports = ReportService(db, clock)
    month_start = LAST_DAY - timedelta(days=29)
    cases = [
        ("daily report, one day (service)", lambda: reports.daily(LAST_DAY), args.runs),
        ("30-day range (service)", lambda: reports.report(month_start, LAST_DAY), args.runs),
        ("365-day range, once (service)",
         lambda: reports.report(LAST_DAY - timedelta(days=364), LAST_DAY, compare=False), 0),
        ("IKM, 30 days (service)", lambda: reports.ikm(month_start, LAST_DAY), args.runs),
        ("live view (service)", lambda: reports.live(), args.runs),
    ]
    app = create_app(TestConfig(url, SECRET_KEY=SECRET), clock=clock)
    client = app.test_client()
    token = client.post("/api/v1/auth/login",
                        json={"username": "manajer", "password": "manajer-mpp"}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}

    def http(path: str):  # type: ignore[no-untyped-def]
        def call() -> None:
            r = client.get(path, headers=auth)
            assert r.status_code == 200, r.data[:300]
        return call

    cases += [
        ("GET /reports/daily json", http(f"/api/v1/reports/daily?date={LAST_DAY}"), args.runs),
        ("GET /reports/daily xlsx", http(f"/api/v1/reports/daily?date={LAST_DAY}&format=xlsx"),
         args.runs),
        ("GET /reports/range 30 days json",
         http(f"/api/v1/reports/range?from={month_start}&to={LAST_DAY}"), args.runs),
    ]
    day = reports.daily(LAST_DAY)
    month = reports.report(month_start, LAST_DAY)
    print(f"one day: {day['totals']['issued']:,} tickets; 30 days: "
          f"{month['totals']['issued']:,} tickets; 30-day IKM "
          f"{(month['ikm']['total'] or {}).get('ikm')} from "
          f"{(month['ikm']['total'] or {}).get('respondents')} answers")
    print(f"machine: {os.cpu_count()} CPUs, load average {_load()} before timing")
    print(f"{'query':36} {'first ms':>9} {'median ms':>10} {'max ms':>8}  (runs={args.runs} "
          "after the first)")
    for label, fn, runs in cases:
        first, median, worst = timed(fn, runs)
        print(f"{label:36} {first:9.1f} {median:10.1f} {worst:8.1f}")
    print(f"load average {_load()} after timing")
    db.dispose()
    app.extensions["mpp"].db.dispose()
    if not args.keep:
        admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
