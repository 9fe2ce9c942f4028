"""The hall's ``queue`` payload: what waits per service and agency, and what a ticket taken
now would wait (the board's "Perkiraan tunggu").

The estimate is the status page's (mpp.domain.estimates): the people waiting × the median
of the service's last 20 service times today (else half its published time) ÷ its open
counters. Read in a fixed number of statements whatever the number of services, since the
queue feed sends it after every change of the hall (mpp.queue_feed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..domain import estimates
from ..domain.states import TicketStatus
from ..models import Agency, Counter, Service, Ticket
from ..sql_time import millis_between

if TYPE_CHECKING:
    from .presenter import Presenter


_RANK = func.row_number().over(partition_by=Ticket.service_id,
                                order_by=Ticket.finished_at.desc()).label("rank")
_DONE_TODAY = (select(Ticket.service_id,
                      millis_between(func.coalesce(Ticket.started_at, Ticket.called_at),
                                     Ticket.finished_at).label("millis"), _RANK)
               .where(Ticket.status == TicketStatus.DONE, Ticket.business_date == bindparam("day"))
               .subquery())
# Statements built once (SQLAlchemy then skips building them and their cache keys per round).
#: the last finished tickets of every service on one day, oldest first per service
_RECENT_DONE_ALL = (select(_DONE_TODAY)
                    .where(_DONE_TODAY.c.rank <= estimates.RECENT_SAMPLE)
                    .order_by(_DONE_TODAY.c.service_id, _DONE_TODAY.c.rank.desc()))
#: what an estimate and the hours need of every service of a site, without the standard's texts
_SERVICES = (select(Service.id, Service.code, Service.agency_id, Service.prefix,
                    Service.sla_minutes, Service.hours, Service.issue_cutoff_minutes,
                    Service.daily_quota, Service.active, Agency.active.label("agency_active"))
             .join(Agency).where(Agency.site_id == bindparam("site_id")).order_by(Service.id))
#: the open counters of each agency
_OPEN_BY_AGENCY = (select(Counter.agency_id, func.count(Counter.id))
                   .where(Counter.staff_user_id.is_not(None), Counter.active.is_(True))
                   .group_by(Counter.agency_id))


@dataclass(frozen=True)
class _AgencyFacts:
    active: bool


@dataclass(frozen=True)
class _ServiceFacts:
    """The fields of a Service that :meth:`Presenter.availability` reads."""

    id: int
    active: bool
    agency: _AgencyFacts
    hours: Any
    issue_cutoff_minutes: int | None
    daily_quota: int | None


def recent_service_seconds(session: Session, day: date) -> dict[int, list[float]]:
    """Service id -> the service times (seconds) of its last finished tickets of ``day``,
    oldest first (at most :data:`estimates.RECENT_SAMPLE` each), in one statement."""
    out: dict[int, list[float]] = defaultdict(list)
    for r in session.connection().execute(_RECENT_DONE_ALL, {"day": day}):
        if r.millis is not None:
            out[r.service_id].append(r.millis / 1000)
    return out


def open_counters_by_agency(session: Session) -> dict[int, int]:
    """Agency id -> its counters open now (staffed and in use)."""
    return {a: n for a, n in session.execute(_OPEN_BY_AGENCY)}


def queue_counts(p: Presenter) -> dict[str, Any]:
    """The ``queue`` event on /hall (and the snapshot's ``services``/``agency_waiting``).

    Each service row: ``service_id``, ``code``, ``agency_id``, ``prefix``, ``waiting``, and
    for a ticket taken now ``issuing`` (the kiosk issues it now), ``open_counters`` and
    ``estimated_wait_minutes`` (null when it does not issue or no counter serves it now).
    Each agency row: ``agency_id``, ``waiting``, ``open_counters``, ``issuing``,
    ``closed_reason`` (when no service of it issues: ``quota_reached``, ``break`` or
    ``closed``) and ``estimated_wait_minutes_min``/``estimated_wait_minutes`` (the shortest
    and longest estimate among its issuing services with an open counter; null: none).
    """
    s = p.session
    services = s.execute(_SERVICES, {"site_id": p.site.id}).all()
    recent = recent_service_seconds(s, p.today)
    by_agency: dict[int, list[estimates.ServiceOutlook]] = defaultdict(list)
    waiting_by_agency: dict[int, int] = defaultdict(int)
    rows = []
    for sv in services:
        n = p.waiting_count(sv.id)
        waiting_by_agency[sv.agency_id] += n
        facts = _ServiceFacts(sv.id, sv.active, _AgencyFacts(sv.agency_active), sv.hours,
                              sv.issue_cutoff_minutes, sv.daily_quota)
        avail = p.availability(facts)  # type: ignore[arg-type]  # reads only these fields
        outlook = estimates.ServiceOutlook(
            waiting=n,
            service_seconds=estimates.typical_service_seconds(recent.get(sv.id, []),
                                                              sv.sla_minutes),
            open_counters=p.open_counters(sv.id), issuing=avail.open,
            closed_reason=avail.reason)
        if avail.reason != "inactive":
            by_agency[sv.agency_id].append(outlook)
        rows.append({"service_id": sv.id, "code": sv.code, "agency_id": sv.agency_id,
                     "prefix": sv.prefix, "waiting": n, "issuing": avail.open,
                     "open_counters": outlook.open_counters,
                     "estimated_wait_minutes": outlook.wait_minutes})
    counters = open_counters_by_agency(s)
    agencies = []
    for agency_id in sorted(waiting_by_agency):
        a = estimates.agency_outlook(by_agency.get(agency_id, []), counters.get(agency_id, 0))
        agencies.append({"agency_id": agency_id, "waiting": waiting_by_agency[agency_id],
                         "open_counters": a.open_counters, "issuing": a.issuing,
                         "closed_reason": a.closed_reason,
                         "estimated_wait_minutes_min": a.low,
                         "estimated_wait_minutes": a.high})
    return {"services": rows, "agencies": agencies}
