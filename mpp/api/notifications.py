"""The notification log for admins: what was sent to whom (masked), every try and answer."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from flask import current_app, jsonify
from pydantic import BaseModel, Field

from . import bp
from .auth import requires
from .openapi import answers, api


class NotificationTryRow(BaseModel):
    at: dt.datetime
    status_code: int | None = Field(description="the gateway's HTTP status; null: no answer")
    duration_ms: int
    answer: str = Field(description="the start of the gateway's answer")
    error: str


class NotificationRow(BaseModel):
    id: str = Field(description="the payload's id, the same on every try")
    event: Literal["ticket.near", "ticket.called", "booking.created", "booking.reminder"]
    phone_masked: str
    status: Literal["pending", "sent", "failed"]
    tries: int
    created_at: dt.datetime
    sent_at: dt.datetime | None
    next_try_at: dt.datetime | None
    message: str
    log: list[NotificationTryRow]


class NotificationsAnswer(BaseModel):
    notifications: list[NotificationRow]


@bp.get("/notifications")
@requires("admin")
@api.validate(resp=answers(NotificationsAnswer))
def notification_log() -> Any:
    """The latest 100 notifications, newest first, each with its delivery tries."""
    return jsonify({"notifications": current_app.extensions["mpp_outbox"].log()})
