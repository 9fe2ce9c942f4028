"""Estimated waiting time from recent service times and open counters."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: Service times (seconds) considered for the estimate: the most recent this many.
RECENT_SAMPLE = 20
#: Used when no ticket of the service has been finished yet today and it has no SLA.
DEFAULT_SERVICE_SECONDS = 300.0


def typical_service_seconds(recent: Sequence[float], sla_minutes: int | None) -> float:
    """Median of the recent service times, else half the published time, else a default."""
    sample = [s for s in recent[-RECENT_SAMPLE:] if s > 0]
    if sample:
        return float(statistics.median(sample))
    if sla_minutes:
        return sla_minutes * 60 / 2
    return DEFAULT_SERVICE_SECONDS


def estimated_wait_minutes(people_ahead: int, service_seconds: float, open_counters: int) -> int:
    """Minutes until a ticket with ``people_ahead`` is called, rounded up.

    With no counter open yet, one counter is assumed (the hall is about to open).
    """
    if people_ahead <= 0:
        return 0
    counters = max(open_counters, 1)
    return math.ceil(people_ahead * service_seconds / counters / 60)


@dataclass(frozen=True)
class ServiceOutlook:
    """What a new ticket of one service would face now."""

    waiting: int
    service_seconds: float
    open_counters: int
    #: the kiosk issues tickets of the service now (hours, break, cut-off, quota)
    issuing: bool
    #: why not, when it does not (hours.Availability.reason)
    closed_reason: str | None = None

    @property
    def wait_minutes(self) -> int | None:
        """The estimated wait of a ticket taken now (None: no counter serves it now)."""
        if not self.issuing or self.open_counters <= 0:
            return None
        return estimated_wait_minutes(self.waiting, self.service_seconds, self.open_counters)


@dataclass(frozen=True)
class AgencyOutlook:
    """An agency's estimated wait for a ticket taken now, as the hall board shows it.

    ``low``/``high``: the shortest and longest estimate among its services that issue
    tickets and have a counter open (None when none does); ``issuing``: one of its services
    issues tickets now; ``closed_reason`` when none does: ``quota_reached`` (every one is
    full), ``break`` (one is on its break) or ``closed``.
    """

    open_counters: int
    issuing: bool
    low: int | None
    high: int | None
    closed_reason: str | None


def agency_outlook(services: Sequence[ServiceOutlook], open_counters: int) -> AgencyOutlook:
    """Combine an agency's services (inactive ones left out) into what its board row says."""
    issuing = [s for s in services if s.issuing]
    waits = [w for w in (s.wait_minutes for s in issuing) if w is not None]
    reason = None
    if not issuing:
        reasons = {s.closed_reason for s in services}
        if reasons and reasons <= {"quota_reached"}:
            reason = "quota_reached"
        elif "break" in reasons:
            reason = "break"
        else:
            reason = "closed"
    return AgencyOutlook(open_counters, bool(issuing), min(waits) if waits else None,
                         max(waits) if waits else None, reason)
