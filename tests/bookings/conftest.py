"""Helpers for the booking tests: a service of the test's own that takes bookings."""

from __future__ import annotations

from typing import Any

from ..support.api import Api
from ..support.factories import Factories

#: weekdays 08:00-14:00, closed at the weekend (the clock starts on a Monday at 09:00)
OFFICE = {"mon-fri": "08:00-14:00", "sat": "closed", "sun": "closed"}
TOMORROW = "2026-11-24"


def booking_service(app: Any, booking: dict[str, int] | None = None,
                    hours: Any = None, **fields: Any) -> int:
    """A service taking bookings (two places a slot unless told); its id."""
    make = Factories(app)
    code = make.service(hours=hours or OFFICE,
                        booking=booking or {"slot_minutes": 30, "per_slot": 2,
                                            "days_ahead": 14, "grace_minutes": 15}, **fields)
    return make.service_id(code)


def book(api: Api, service_id: int, start: str = f"{TOMORROW}T09:00:00+08:00",
         phone: str = "0812 3456 7890", name: str = "Siti Nurhaliza") -> Any:
    """``POST /bookings``; the Response."""
    return api.post("/bookings", {"service_id": service_id, "start": start, "name": name,
                                  "phone": phone})
