"""Who is acting: a signed-in user or a registered device."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The authenticated caller. ``role`` is admin, manager or staff for users; for devices
    it is the device kind (kiosk, display, printer)."""

    role: str
    user_id: int | None = None
    device_id: int | None = None
    agency_id: int | None = None
    name: str = ""

    @property
    def is_user(self) -> bool:
        return self.user_id is not None

    @property
    def is_device(self) -> bool:
        return self.device_id is not None


SYSTEM = Actor(role="system", name="system")
