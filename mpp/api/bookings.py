"""The contract's bookings: a service's slots, book, read, cancel and move (issue 10)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from flask import current_app, jsonify, request
from pydantic import BaseModel, Field, StringConstraints

from ..extensions import limiter
from ..hall import current_hall
from . import bp
from .answers import Agency, Ticket, TicketAnswer
from .auth import current_actor, requires
from .openapi import answers, api
from .schemas import Body, Id

#: what a client sees after too many bookings from its address (HTTP 429)
BOOKING_LIMIT_MESSAGE = ("Terlalu banyak booking dari alamat ini; coba lagi nanti. / Too many "
                         "bookings from this address; try again later.")


def _booking_rate() -> str:
    return current_app.config["BOOKING_RATE_LIMIT"]


#: bookings made per client address (MPP_BOOKING_RATE_LIMIT), one budget shared by the API and
#: the booking page; reading, cancelling and moving are not counted
booking_limit = limiter.shared_limit(_booking_rate, scope="booking",
                                     key_func=lambda: request.remote_addr or "?",
                                     methods=["POST"], error_message=BOOKING_LIMIT_MESSAGE)


# -- what requests carry ---------------------------------------------------------------------
class SlotsQuery(BaseModel):
    date: dt.date | None = Field(default=None, description="the day, YYYY-MM-DD; default today")


SlotStart = Annotated[str, StringConstraints(min_length=10, max_length=40),
                      Field(description="a slot's start, ISO 8601 (the site's local time when "
                                        "no offset is given)",
                            examples=["2026-11-24T09:00:00+08:00"])]


class BookBody(Body):
    service_id: Id
    start: SlotStart
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=200)]
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=6,
                                            max_length=40),
                     Field(description="stored as written; shown masked anywhere public",
                           examples=["0812 3456 7890"])]


class MoveBody(Body):
    start: SlotStart


class CheckInBody(Body):
    code: Annotated[str, StringConstraints(min_length=1, max_length=20),
                    Field(description="the booking's code as typed (case, spaces and dashes "
                                      "do not matter)", examples=["K7MX3P"])]
    lang: str | None = Field(default=None, min_length=2, max_length=16,
                             description="the language the citizen used at the kiosk (a "
                                         "catalogue's code, e.g. id or en): the printed "
                                         "ticket's; default the site's (docs/translations.md)")


# -- what it answers -------------------------------------------------------------------------
class SlotRow(BaseModel):
    start: dt.datetime
    end: dt.datetime
    capacity: int
    available: int = Field(description="places left (0 once the slot has ended)")


class SlotsAnswer(BaseModel):
    service_id: int
    date: dt.date
    slots: list[SlotRow]


class BookedService(BaseModel):
    id: int
    code: str
    name: str


class Booking(BaseModel):
    id: int
    code: str = Field(description="6 characters typed at the kiosk (no 0/O, no 1/I)",
                      examples=["K7MX3P"])
    token: str
    service: BookedService
    agency: Agency
    start: dt.datetime
    end: dt.datetime
    status: Literal["booked", "checked_in", "cancelled", "no_show"]
    status_url: str = Field(json_schema_extra={"format": "uri"})
    ticket: Ticket | None
    name: str
    phone_masked: str = Field(examples=["0812*****890"])
    check_in_opens_at: dt.datetime


class BookingAnswer(BaseModel):
    booking: Booking


# -- the endpoints ---------------------------------------------------------------------------
@bp.get("/services/<int:service_id>/slots")
@api.validate(resp=answers(SlotsAnswer))
def slots(service_id: int, query: SlotsQuery) -> Any:
    """A day's slots of a service with the places left; ``[]`` when it takes no bookings,
    is closed that day, or the day is outside its booking window."""
    return jsonify(current_hall().bookings.slots(service_id, query.date))


@bp.post("/bookings")
@booking_limit
@api.validate(resp=answers(BookingAnswer, status=201, limited=True))
def book(json: BookBody) -> Any:
    """Book a slot; 409 ``slot_full``, ``quota_reached``, ``service_closed``,
    ``booking_limit`` (too many bookings of one phone number that day), ``slot_past``,
    ``too_far_ahead``, ``booking_not_offered``; 422 ``invalid_slot`` or ``invalid_phone``;
    429 past ``MPP_BOOKING_RATE_LIMIT`` from one address."""
    booking = current_hall().bookings.book(json.service_id, json.start, json.name, json.phone)
    return jsonify({"booking": booking}), 201


@bp.get("/bookings/<token>")
@api.validate(resp=answers(BookingAnswer))
def get_booking(token: str) -> Any:
    """A booking, for whoever holds its token."""
    return jsonify({"booking": current_hall().bookings.get(token)})


@bp.post("/bookings/<token>/cancel")
@api.validate(resp=answers(BookingAnswer))
def cancel_booking(token: str) -> Any:
    """Cancel a booking not checked in yet; its place is free again (409
    ``already_checked_in``, ``booking_cancelled``, ``booking_no_show``)."""
    return jsonify({"booking": current_hall().bookings.cancel(token)})


@bp.post("/bookings/<token>/move")
@api.validate(resp=answers(BookingAnswer))
def move_booking(token: str, json: MoveBody) -> Any:
    """Move a booking not checked in yet to another slot of its service, keeping its code;
    refused like a new booking when that slot is full."""
    return jsonify({"booking": current_hall().bookings.move(token, json.start)})


@bp.post("/bookings/check-in")
@requires("kiosk", "staff")
@api.validate(resp=answers(TicketAnswer, status=201))
def check_in(json: CheckInBody) -> Any:
    """Check a booking in by its code: 201 its ticket, ``booked`` and queued at the slot's
    start when checked in by ``grace_minutes`` after it, else an ordinary walk-in; 409
    ``too_early`` (check-in opens 60 minutes before the slot), ``already_checked_in``,
    ``booking_cancelled``, ``booking_no_show``; 404 ``booking_not_found``. A remote ticket's
    code checks that ticket in: 201 the ticket, now called in its place; 409
    ``check_in_expired`` (past ``check_in_by``: cancelled), ``already_checked_in``,
    ``ticket_not_waiting``."""
    actor = current_actor()
    assert actor is not None
    return jsonify({"ticket": current_hall().bookings.check_in(actor, json.code,
                                                                  json.lang)}), 201


# -- remote join (beyond the contract) -------------------------------------------------------
class RemoteJoinBody(Body):
    service_id: Id
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=6,
                                            max_length=40),
                     Field(description="stored as written; one number takes at most the "
                                       "site's [remote_join] per_phone remote tickets a day",
                           examples=["0812 3456 7890"])]
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class RemoteCheckIn(BaseModel):
    code: str = Field(description="typed (or scanned from its QR) at a kiosk to check in, "
                      "like a booking's code", examples=["K7MX3P"])
    check_in_by: dt.datetime = Field(description="not checked in by then, the ticket is "
                                     "cancelled (reason remote_not_checked_in)")
    status: Literal["awaiting_check_in", "checked_in", "expired", "cancelled"]


class RemoteJoinAnswer(BaseModel):
    ticket: Ticket
    remote: RemoteCheckIn


@bp.post("/tickets/remote")
@booking_limit
@api.validate(resp=answers(RemoteJoinAnswer, status=201, limited=True))
def remote_join(json: RemoteJoinBody) -> Any:
    """Take a ticket for today from a phone, for a service with ``remote_join``: its number
    and place at once, counted in the quota, but call-next passes over it until it is
    checked in (``POST /bookings/check-in`` with ``remote.code``) by ``check_in_by``; then it
    is called in its place. 409 ``remote_join_not_offered``, ``remote_join_limit`` (the
    phone's daily limit), ``service_closed``, ``quota_reached``; 422 ``invalid_phone``; 429
    past ``MPP_BOOKING_RATE_LIMIT`` from one address (shared with bookings)."""
    answer = current_hall().remote.join(json.service_id, json.phone, json.name)
    return jsonify(answer), 201


class DayBooking(BaseModel):
    id: int
    code: str
    start: dt.datetime
    end: dt.datetime
    status: Literal["booked", "checked_in", "cancelled", "no_show"]
    name: str
    phone_masked: str
    checked_in_at: dt.datetime | None
    ticket_number: str | None


class DayBookingsAnswer(BaseModel):
    service_id: int
    date: dt.date
    bookings: list[DayBooking]


@bp.get("/services/<int:service_id>/bookings")
@requires("staff", "manager", "admin")
@api.validate(resp=answers(DayBookingsAnswer))
def day_bookings(service_id: int, query: SlotsQuery) -> Any:
    """A day's bookings of a service by slot (default today) with who has checked in, for
    the counter (staff and managers of its agency, admins); phone numbers masked."""
    actor = current_actor()
    assert actor is not None
    return jsonify(current_hall().bookings.day_list(actor, service_id, query.date))
