"""The contract's endpoints: each parses, calls a service, and renders JSON."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from ..device_sockets import device_sockets
from ..domain.errors import DomainError
from ..domain.states import Action
from ..extensions import login_limit, no_rate_limit
from ..hall import current_hall
from ..services import accounts
from ..ticket_privacy import without_ticket_secrets
from . import bp
from .answers import (
    CounterAnswer,
    CountersAnswer,
    CounterView,
    LoginAnswer,
    LogoutAnswer,
    MaybeTicketAnswer,
    Me,
    ServicesAnswer,
    Snapshot,
    TicketAnswer,
)
from .auth import ALL_ROLES, bearer_token, current_actor, requires
from .openapi import answers, api, openapi_document
from .schemas import IssueBody, LoginBody, ServicesQuery, TransferBody

STAFF_ACTIONS = {
    "recall": Action.RECALL,
    "start": Action.START,
    "finish": Action.FINISH,
    "no-show": Action.NO_SHOW,
}


@bp.get("/openapi.json")
@api.validate(resp=answers(media={"application/json": {"type": "object"}}))
def openapi() -> Any:
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document(current_app))


@bp.post("/auth/login")
@login_limit
@api.validate(resp=answers(LoginAnswer, limited=True))
def login(json: LoginBody) -> Any:
    """Exchange a username and password for a bearer token."""
    hall = current_hall()
    with hall.db.write() as s:
        token, user = accounts.login(s, hall.clock.now(), json.username, json.password)
        data = {"token": token, "user": accounts.user_dict(user),
                "expires_in": int(accounts.TOKEN_LIFETIME.total_seconds())}
    return jsonify(data)


@bp.post("/auth/logout")
@requires("admin", "manager", "staff")
@api.validate(resp=answers(LogoutAnswer))
def logout() -> Any:
    """Revoke the bearer token used for this request (its live sockets are closed too)."""
    token = bearer_token()
    if token is None:
        raise DomainError("Log out of a browser session at /logout.", "no_bearer_token")
    hall = current_hall()
    with hall.db.write() as s:
        accounts.revoke_token(s, hall.clock.now(), token)
    actor = current_actor()
    device_sockets().check(user_ids={actor.user_id} if actor and actor.user_id else set())
    return jsonify({"ok": True})


@bp.get("/auth/me")
@no_rate_limit
@requires(*ALL_ROLES)
@api.validate(resp=answers(Me))
def me() -> Any:
    """Who the token or session belongs to."""
    actor = current_actor()
    assert actor is not None
    return jsonify({"role": actor.role, "user_id": actor.user_id, "device_id": actor.device_id,
                    "agency_id": actor.agency_id, "name": actor.name})


@bp.get("/services")
@no_rate_limit
@api.validate(resp=answers(ServicesAnswer))
def services(query: ServicesQuery) -> Any:
    """Every service with its standard, whether it is open now and how many wait."""
    return jsonify({"services": current_hall().queue.services(query.agency)})


@bp.get("/counters")
@no_rate_limit
@api.validate(resp=answers(CountersAnswer))
def counters() -> Any:
    """Every counter, its services and whether it is open."""
    return jsonify({"counters": current_hall().queue.counters()})


@bp.get("/queue")
@no_rate_limit
@api.validate(resp=answers(Snapshot))
def queue() -> Any:
    """The hall snapshot: waiting per service, each counter's ticket, the recent calls
    (tickets' tokens are null for every caller: mpp.ticket_privacy)."""
    return jsonify(current_hall().queue.snapshot(with_ticket_tokens=False))


@bp.post("/tickets")
@no_rate_limit
@requires("kiosk", "staff", "admin")
@api.validate(resp=answers(TicketAnswer, status=201))
def issue_ticket(json: IssueBody) -> Any:
    """Issue a ticket; 409 service_closed or quota_reached."""
    actor = current_actor()
    assert actor is not None
    ticket = current_hall().queue.issue(actor, json.service_id, json.priority,
                                        json.priority_category, phone=json.phone,
                                        lang=json.lang)
    return jsonify({"ticket": ticket}), 201


@bp.get("/tickets/by-token/<token>")
@no_rate_limit
@api.validate(resp=answers(TicketAnswer))
def ticket_by_token(token: str) -> Any:
    """A ticket, for whoever holds its token (the citizen's QR code)."""
    return jsonify({"ticket": current_hall().queue.ticket_by_token(token)})


@bp.get("/tickets/<int:ticket_id>")
@no_rate_limit
@requires("admin", "manager", "staff")
@api.validate(resp=answers(TicketAnswer))
def get_ticket(ticket_id: int) -> Any:
    """A ticket by id, for staff (of its agency, when tied to one)."""
    ticket = current_hall().queue.get_ticket(ticket_id, current_actor())
    return jsonify({"ticket": without_ticket_secrets(ticket)})


@bp.post("/counters/<int:counter_id>/open")
@no_rate_limit
@requires("staff")
@api.validate(resp=answers(CounterAnswer))
def open_counter(counter_id: int) -> Any:
    """The staff member takes the counter."""
    actor = current_actor()
    assert actor is not None
    return jsonify({"counter": current_hall().queue.open_counter(actor, counter_id)})


@bp.post("/counters/<int:counter_id>/close")
@no_rate_limit
@requires("staff")
@api.validate(resp=answers(CounterAnswer))
def close_counter(counter_id: int) -> Any:
    """The staff member at the counter closes it."""
    actor = current_actor()
    assert actor is not None
    return jsonify({"counter": current_hall().queue.close_counter(actor, counter_id)})


@bp.post("/counters/<int:counter_id>/call-next")
@no_rate_limit
@requires("staff")
@api.validate(resp=answers(MaybeTicketAnswer))
def call_next(counter_id: int) -> Any:
    """Call the next ticket to this counter; ``{"ticket": null}`` when nothing waits."""
    actor = current_actor()
    assert actor is not None
    ticket = current_hall().queue.call_next(actor, counter_id)
    return jsonify({"ticket": without_ticket_secrets(ticket)})


@bp.get("/counters/<int:counter_id>/queue")
@no_rate_limit
@requires("staff", "admin", "manager")
@api.validate(resp=answers(CounterView))
def counter_queue(counter_id: int) -> Any:
    """What the counter console shows: the counter, its ticket, who waits for it."""
    actor = current_actor()
    assert actor is not None
    return jsonify(without_ticket_secrets(current_hall().queue.counter_view(actor, counter_id)))


def _act(ticket_id: int, action: Action, service_id: int | None = None) -> Any:
    actor = current_actor()
    assert actor is not None
    ticket = current_hall().queue.act(actor, ticket_id, action, service_id)
    return jsonify({"ticket": without_ticket_secrets(ticket)})


@bp.post("/tickets/<int:ticket_id>/<any(recall, start, finish, 'no-show'):action>")
@no_rate_limit
@requires("staff")
@api.validate(resp=answers(TicketAnswer))
def ticket_action(ticket_id: int, action: str) -> Any:
    """Recall, start, finish or mark no-show a ticket held by the caller's counter."""
    return _act(ticket_id, STAFF_ACTIONS[action])


@bp.post("/tickets/<int:ticket_id>/transfer")
@no_rate_limit
@requires("staff")
@api.validate(resp=answers(TicketAnswer))
def transfer(ticket_id: int, json: TransferBody) -> Any:
    """Send a held ticket back to waiting, in another service, keeping its number and place;
    409 ``service_closed`` when that service is closed for the rest of the day."""
    return _act(ticket_id, Action.TRANSFER, json.service_id)


@bp.post("/tickets/<int:ticket_id>/cancel")
@no_rate_limit
@requires("staff", "admin")
@api.validate(resp=answers(TicketAnswer))
def cancel(ticket_id: int) -> Any:
    """Cancel a waiting ticket."""
    actor = current_actor()
    assert actor is not None
    ticket = current_hall().queue.cancel(actor, ticket_id)
    return jsonify({"ticket": without_ticket_secrets(ticket)})
