"""Printing endpoints: reprint, print jobs, printer states, the ticket preview and QR code."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Response, current_app, jsonify, request

from printer.layout import TicketPrint, paper
from printer.preview import ticket_png

from ..hall import current_hall
from ..services.printing import PrintingService, check_paper
from . import bp
from .auth import current_actor, requires
from .openapi import ANSWERS, BODIES, MEDIA, SCHEMAS, _obj, _ref
from .schemas import Body, Id, parse_body


class ReprintBody(Body):
    printer_device_id: Id | None = None


def printing() -> PrintingService:
    return current_app.extensions["mpp_printing"]


@bp.post("/tickets/<int:ticket_id>/reprint")
@requires("staff", "admin")
def reprint_ticket(ticket_id: int) -> Any:
    """Print a ticket again (on the printer of the kiosk that issued it, or the one named)."""
    body = parse_body(ReprintBody)
    actor = current_actor()
    assert actor is not None
    return jsonify({"job": printing().reprint(actor, ticket_id, body.printer_device_id)})


@bp.get("/tickets/<int:ticket_id>/print-jobs")
@requires("staff", "admin", "manager")
def ticket_print_jobs(ticket_id: int) -> Any:
    """Every print job of a ticket: pending, failed (to be retried), printed or given up."""
    current_hall().queue.get_ticket(ticket_id, current_actor())  # 403 for another agency's
    return jsonify({"jobs": printing().jobs_of_ticket(ticket_id)})


@bp.get("/tickets/<int:ticket_id>/preview.png")
@requires("staff", "admin", "manager")
def ticket_preview(ticket_id: int) -> Any:
    """A PNG picture of the printed ticket (``?paper=58`` or ``80``, default 80)."""
    size = check_paper(request.args.get("paper"))
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
def sample_preview() -> Any:
    """A PNG of a sample ticket with the site's name, logo and footer (``?paper=58|80``)."""
    size = check_paper(request.args.get("paper"))
    png = ticket_png(TicketPrint.from_job(printing().sample_for_print()), paper(size))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.get("/tickets/by-token/<token>/qr.svg")
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
def ticket_print_status(token: str) -> Any:
    """Whether the ticket was printed, and its printer's state (the kiosk shows it)."""
    return jsonify(printing().print_status_by_token(token))


@bp.get("/devices/printers")
@requires("admin", "manager", "staff", "display", "kiosk")
def printers() -> Any:
    """Printer devices and their state (a kiosk sees only its own printer)."""
    actor = current_actor()
    assert actor is not None
    return jsonify({"printers": printing().printers(actor)})


_job = _obj({"id": {"type": "integer"}, "ticket_id": {"type": "integer"},
             "printer_device_id": {"type": ["integer", "null"]},
             "reason": {"type": "string", "enum": ["issue", "reprint"]},
             "state": {"type": "string", "enum": ["pending", "failed", "printed", "given_up"]},
             "ok": {"type": ["boolean", "null"]}, "error": {"type": ["string", "null"]},
             "attempts": {"type": "integer"}})
_printer = _obj({"id": {"type": "integer"}, "name": {"type": "string"},
                 "connected": {"type": "boolean"}, "ready": {"type": ["boolean", "null"]},
                 "online": {"type": ["boolean", "null"]},
                 "paper": {"type": "string", "enum": ["ok", "low", "out", "unknown"]},
                 "error": {"type": ["string", "null"]},
                 "pending_jobs": {"type": "integer"}})
SCHEMAS.update({"PrintJob": _job, "Printer": _printer})
BODIES["api.reprint_ticket"] = ReprintBody
MEDIA.update({"api.ticket_preview": "image/png", "api.sample_preview": "image/png",
              "api.ticket_qr": "image/svg+xml"})
ANSWERS.update({
    "api.reprint_ticket": _obj({"job": _ref("PrintJob")}),
    "api.ticket_print_jobs": _obj({"jobs": {"type": "array", "items": _ref("PrintJob")}}),
    "api.ticket_preview": {"type": "string", "format": "binary"},
    "api.sample_preview": {"type": "string", "format": "binary"},
    "api.ticket_qr": {"type": "string"},
    "api.ticket_print_status": _obj({
        "job": {"oneOf": [_obj({"state": _job["properties"]["state"],
                                "reason": _job["properties"]["reason"],
                                "attempts": {"type": "integer"}}), {"type": "null"}]},
        "printer": {"oneOf": [_obj({
            "connected": {"type": "boolean"}, "ready": {"type": ["boolean", "null"]},
            "paper": _printer["properties"]["paper"],
            "problem": {"type": ["string", "null"],
                        "enum": ["agent_offline", "printer_offline", "out_of_paper",
                                 "printer_error", None]}}), {"type": "null"}]}}),
    "api.printers": _obj({"printers": {"type": "array", "items": _ref("Printer")}}),
})
