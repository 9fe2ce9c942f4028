"""The booking figures of the manager's report, and punctuality. Plain Python.

Definitions (docs/reports.md explains them for managers):

- A booking belongs to the day of its slot and to the service it was made for.
- ``made``: bookings for those days, cancelled ones too; ``booked``: those not cancelled
  (the contract's ``booked``); ``cancelled``; ``checked_in`` (on time or late);
  ``checked_in_late``: checked in after the slot's start and its grace, so queued as an
  ordinary walk-in; ``no_show``: never checked in by the day's close; ``pending``: not
  checked in yet, the day not closed.
- Punctuality is the hall's keeping of its appointments: for each booking checked in on
  time whose ticket was called, how late the first call came after the slot's start
  (0 when called at or before it). ``called``: such bookings; ``called_within``: those
  called no later than ``within_minutes`` (PUNCTUAL_MINUTES) after the slot's start;
  ``punctual_percent`` = called_within / called (half-up to 0.1); ``median_late_minutes``:
  the nearest-rank median of the lateness (the value at rank ceil(n / 2) of the n sorted
  values, one that occurred), in minutes, half-up to 0.1.
- Remote join (tickets taken from a phone for today, mpp.domain.remote_join), by the
  ticket's day and service: ``remote_joined`` (all), ``remote_checked_in`` (checked in at
  the hall) and ``remote_expired`` (not checked in in time: cancelled, never called).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .ikm import round_half_up

#: a booked citizen called no later than this after the slot's start was served on time
PUNCTUAL_MINUTES = 15
#: the booking statuses (mpp.domain.booking.BookingStatus) and the figure each counts in
STATUS_FIGURES = {"booked": "pending", "checked_in": "checked_in", "cancelled": "cancelled",
                  "no_show": "no_show"}
FIGURES = ("made", "booked", "cancelled", "checked_in", "checked_in_late", "no_show",
           "pending", "called", "called_within", "punctual_percent", "median_late_minutes")
#: the remote-join figures beside them, and the remote statuses each counts
REMOTE_FIGURES = ("remote_joined", "remote_checked_in", "remote_expired")
REMOTE_STATUS_FIGURES = {"checked_in": "remote_checked_in", "expired": "remote_expired"}


def median_rank(n: int) -> int:
    """1-based rank of the nearest-rank median among n sorted values: ceil(n / 2)."""
    return max(1, (n + 1) // 2)


@dataclass
class BookingTally:
    """The bookings of one group (a service, a day, a service on a day, or all)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("made", "cancelled", "checked_in", "checked_in_late", "no_show", "pending",
         *REMOTE_FIGURES), 0))
    #: milliseconds from the slot's start to the first call, 0 when called before it
    late_ms: list[int] = field(default_factory=list)

    def add_status(self, status: str, n: int) -> None:
        self.counts["made"] += n
        figure = STATUS_FIGURES.get(status)
        if figure is not None:
            self.counts[figure] += n

    def add_remote(self, status: str, n: int) -> None:
        """``n`` remote tickets whose remote-join status is ``status``."""
        self.counts["remote_joined"] += n
        figure = REMOTE_STATUS_FIGURES.get(status)
        if figure is not None:
            self.counts[figure] += n

    def add_late_check_ins(self, n: int) -> None:
        self.counts["checked_in_late"] += n

    def add_call(self, late_ms: int) -> None:
        self.late_ms.append(max(0, int(late_ms)))

    def figures(self, within_minutes: int = PUNCTUAL_MINUTES) -> dict[str, Any]:
        c = self.counts
        late = sorted(self.late_ms)
        called = len(late)
        within = sum(1 for ms in late if ms <= within_minutes * 60_000)
        return {
            "made": c["made"], "booked": c["made"] - c["cancelled"],
            "cancelled": c["cancelled"], "checked_in": c["checked_in"],
            "checked_in_late": c["checked_in_late"], "no_show": c["no_show"],
            "pending": c["pending"], "called": called, "called_within": within,
            "punctual_percent": None if not called else float(
                round_half_up(Fraction(100 * within, called), 1)),
            "median_late_minutes": None if not called else float(
                round_half_up(Fraction(late[median_rank(called) - 1], 60_000), 1)),
            **{f: c[f] for f in REMOTE_FIGURES},
        }
