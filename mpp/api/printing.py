"""Printing endpoints: reprint, print jobs, printer states, the ticket preview and QR code."""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

import qrcode
import qrcode.image.svg
from flask import Response, current_app, jsonify
from pydantic import BaseModel, BeforeValidator

from printer.layout import TicketPrint, paper
from printer.preview import ticket_png

from ..hall import current_hall
from ..services.printing import PrintingService, check_paper
from . import bp
from .answers import JobAnswer, JobsAnswer, PrintersAnswer, PrintStatus
from .auth import current_actor, requires
from .openapi import BINARY, answers, api
from .schemas import Body, Id


class ReprintBody(Body):
    printer_device_id: Id | None = None


class PaperQuery(BaseModel):
    #: 422 ``invalid_paper`` for any other width (check_paper raises it)
    paper: Annotated[Literal["58", "80"], BeforeValidator(check_paper)] = "80"


def printing() -> PrintingService:
    return current_app.extensions["mpp_printing"]


@bp.post("/tickets/<int:ticket_id>/reprint")
@requires("staff", "admin")
@api.validate(resp=answers(JobAnswer))
def reprint_ticket(ticket_id: int, json: ReprintBody) -> Any:
    """Print a ticket again (on the printer of the kiosk that issued it, or the one named)."""
    actor = current_actor()
    assert actor is not None
    return jsonify({"job": printing().reprint(actor, ticket_id, json.printer_device_id)})


@bp.get("/tickets/<int:ticket_id>/print-jobs")
@requires("staff", "admin", "manager")
@api.validate(resp=answers(JobsAnswer))
def ticket_print_jobs(ticket_id: int) -> Any:
    """Every print job of a ticket: pending, failed (to be retried), printed or given up."""
    current_hall().queue.get_ticket(ticket_id, current_actor())  # 403 for another agency's
    return jsonify({"jobs": printing().jobs_of_ticket(ticket_id)})


@bp.get("/tickets/<int:ticket_id>/preview.png")
@requires("staff", "admin", "manager")
@api.validate(resp=answers(media={"image/png": BINARY}))
def ticket_preview(ticket_id: int, query: PaperQuery) -> Any:
    """A PNG picture of the printed ticket (``?paper=58`` or ``80``, default 80)."""
    size = query.paper
    actor = current_actor()
    assert actor is not None
    current_hall().queue.get_ticket(ticket_id, actor)  # 403 for another agency's ticket
    job = printing().ticket_for_print(ticket_id, actor)
    # a staff screen never holds the citizen's token: the preview's QR code points nowhere
    job["ticket"] = {**job["ticket"], "token": None,
                     "status_url": f"{current_app.config['PUBLIC_URL']}/t/pratinjau"}
    png = ticket_png(TicketPrint.from_job(job), paper(size))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.get("/print/sample.png")
@requires("admin", "manager")
@api.validate(resp=answers(media={"image/png": BINARY}))
def sample_preview(query: PaperQuery) -> Any:
    """A PNG of a sample ticket with the site's name, logo and footer (``?paper=58|80``)."""
    size = query.paper
    png = ticket_png(TicketPrint.from_job(printing().sample_for_print()), paper(size))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.get("/tickets/by-token/<token>/qr.svg")
@api.validate(resp=answers(media={"image/svg+xml": {"type": "string"}}))
def ticket_qr(token: str) -> Any:
    """The ticket's QR code (its status URL) as SVG, for whoever holds the token."""
    ticket = current_hall().queue.ticket_by_token(token)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=qrcode.image.svg.SvgPathFillImage)
    code.add_data(ticket["status_url"])
    code.make(fit=True)
    buf = io.BytesIO()
    code.make_image().save(buf)
    return Response(buf.getvalue(), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=3600"})


@bp.get("/tickets/by-token/<token>/print")
@api.validate(resp=answers(PrintStatus))
def ticket_print_status(token: str) -> Any:
    """Whether the ticket was printed, and its printer's state (the kiosk shows it)."""
    return jsonify(printing().print_status_by_token(token))


@bp.get("/devices/printers")
@requires("admin", "manager", "staff", "display", "kiosk")
@api.validate(resp=answers(PrintersAnswer))
def printers() -> Any:
    """Printer devices and their state (a kiosk sees only its own printer)."""
    actor = current_actor()
    assert actor is not None
    return jsonify({"printers": printing().printers(actor)})

