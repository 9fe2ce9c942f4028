"""Estimated waiting time from recent service times and open counters."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

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
