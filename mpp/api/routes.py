"""The contract's endpoints: each parses, calls a service, and renders JSON."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request

from ..device_sockets import device_sockets
from ..domain.errors import DomainError
from ..domain.states import Action
from ..extensions import login_limit
from ..hall import current_hall
from ..services import accounts
from ..ticket_privacy import without_ticket_secrets
from . import bp
from .auth import ALL_ROLES, bearer_token, current_actor, requires
from .openapi import openapi_document
from .schemas import IssueBody, LoginBody, TransferBody, parse_body

STAFF_ACTIONS = {
    "recall": Action.RECALL,
    "start": Action.START,
    "finish": Action.FINISH,
    "no-show": Action.NO_SHOW,
}


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document(current_app))


@bp.post("/auth/login")
@login_limit
def login() -> Any:
    """Exchange a username and password for a bearer token."""
    body = parse_body(LoginBody)
    hall = current_hall()
    with hall.db.write() as s:
        token, user = accounts.login(s, hall.clock.now(), body.username, body.password)
        data = {"token": token, "user": accounts.user_dict(user),
                "expires_in": int(accounts.TOKEN_LIFETIME.total_seconds())}
    return jsonify(data)


@bp.post("/auth/logout")
@requires("admin", "manager", "staff")
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
@requires(*ALL_ROLES)
def me() -> Any:
    """Who the token or session belongs to."""
    actor = current_actor()
    assert actor is not None
    return jsonify({"role": actor.role, "user_id": actor.user_id, "device_id": actor.device_id,
                    "agency_id": actor.agency_id, "name": actor.name})


@bp.get("/services")
def services() -> Any:
    """Every service with its standard, whether it is open now and how many wait."""
    agency = request.args.get("agency")
    return jsonify({"services": current_hall().queue.services(agency)})


@bp.get("/counters")
def counters() -> Any:
    """Every counter, its services and whether it is open."""
    return jsonify({"counters": current_hall().queue.counters()})


@bp.get("/queue")
def queue() -> Any:
    """The hall snapshot: waiting per service, each counter's ticket, the recent calls
    (tickets' tokens are null for every caller: mpp.ticket_privacy)."""
    return jsonify(current_hall().queue.snapshot(with_ticket_tokens=False))


@bp.post("/tickets")
@requires("kiosk", "staff", "admin")
def issue_ticket() -> Any:
    """Issue a ticket; 409 service_closed or quota_reached."""
    body = parse_body(IssueBody)
    actor = current_actor()
    assert actor is not None
    ticket = current_hall().queue.issue(actor, body.service_id, body.priority,
                                        body.priority_category)
    return jsonify({"ticket": ticket}), 201


@bp.get("/tickets/by-token/<token>")
def ticket_by_token(token: str) -> Any:
    """A ticket, for whoever holds its token (the citizen's QR code)."""
    return jsonify({"ticket": current_hall().queue.ticket_by_token(token)})


@bp.get("/tickets/<int:ticket_id>")
@requires("admin", "manager", "staff")
def get_ticket(ticket_id: int) -> Any:
    """A ticket by id, for staff (of its agency, when tied to one)."""
    ticket = current_hall().queue.get_ticket(ticket_id, current_actor())
    return jsonify({"ticket": without_ticket_secrets(ticket)})


@bp.post("/counters/<int:counter_id>/open")
@requires("staff")
def open_counter(counter_id: int) -> Any:
    """The staff member takes the counter."""
    actor = current_actor()
    assert actor is not None
    return jsonify({"counter": current_hall().queue.open_counter(actor, counter_id)})


@bp.post("/counters/<int:counter_id>/close")
@requires("staff")
def close_counter(counter_id: int) -> Any:
    """The staff member at the counter closes it."""
    actor = current_actor()
    assert actor is not None
    return jsonify({"counter": current_hall().queue.close_counter(actor, counter_id)})


@bp.post("/counters/<int:counter_id>/call-next")
@requires("staff")
def call_next(counter_id: int) -> Any:
    """Call the next ticket to this counter; ``{"ticket": null}`` when nothing waits."""
    actor = current_actor()
    assert actor is not None
    ticket = current_hall().queue.call_next(actor, counter_id)
    return jsonify({"ticket": without_ticket_secrets(ticket)})


@bp.get("/counters/<int:counter_id>/queue")
@requires("staff", "admin", "manager")
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
@requires("staff")
def ticket_action(ticket_id: int, action: str) -> Any:
    """Recall, start, finish or mark no-show a ticket held by the caller's counter."""
    return _act(ticket_id, STAFF_ACTIONS[action])


@bp.post("/tickets/<int:ticket_id>/transfer")
@requires("staff")
def transfer(ticket_id: int) -> Any:
    """Send a held ticket back to waiting, in another service, keeping its number and place;
    409 ``service_closed`` when that service is closed for the rest of the day."""
    body = parse_body(TransferBody)
    return _act(ticket_id, Action.TRANSFER, body.service_id)


@bp.post("/tickets/<int:ticket_id>/cancel")
@requires("staff", "admin")
def cancel(ticket_id: int) -> Any:
    """Cancel a waiting ticket."""
    actor = current_actor()
    assert actor is not None
    ticket = current_hall().queue.cancel(actor, ticket_id)
    return jsonify({"ticket": without_ticket_secrets(ticket)})
