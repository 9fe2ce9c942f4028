"""What a /hall connection may receive beyond the public hall: a rating tablet's survey
offers, and how a user's socket is re-checked (mpp.device_sockets).

A rating tablet is a display device registered to one counter (device setting
``counter_id``, set by the admin). Only it joins that counter's room, where finished tickets
come with their token for the survey (``survey_offer``); no other display, kiosk or user
can follow a counter.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_socketio import ConnectionRefusedError

from .domain.actor import Actor
from .domain.ids import parse_id
from .hall import current_hall
from .models import Counter, Device
from .services import accounts

#: the device setting that makes a display the rating tablet of one counter
TABLET_SETTING = "counter_id"


def bound_counter(settings: dict[str, Any] | None) -> int | None:
    """The counter a display's settings bind it to as a rating tablet, if any."""
    return parse_id((settings or {}).get(TABLET_SETTING))


def tablet_counter(actor: Actor, auth: Any) -> int | None:
    """The counter whose survey offers this connection gets: the one its display device is
    registered to. A connection asking for a counter (``auth.counter``) that is not its own
    is refused with a reason the tablet shows."""
    asked = auth.get("counter") if isinstance(auth, dict) else None
    bound = None
    if actor.role == "display" and actor.device_id is not None:
        with current_hall().db.read() as s:
            device = s.get(Device, actor.device_id)
            bound = bound_counter(device.settings if device is not None else None)
            if bound is not None and s.get(Counter, bound) is None:
                bound = None
    if asked is not None and asked != bound:
        raise ConnectionRefusedError(
            "not_this_counter: perangkat ini tidak terdaftar sebagai tablet penilaian loket "
            "tersebut; admin mengaturnya di Admin → Perangkat. / This device is not registered "
            "as that counter's rating tablet; an admin sets it in Admin → Devices.")
    return bound


def user_token_hash(auth: Any) -> str:
    """The hash of the token a user's socket was opened with: the login token sent in
    ``auth``, else the browser session's own token."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str) and token:
        return accounts.token_digest(token)
    return current_user.token_hash  # type: ignore[no-any-return]
