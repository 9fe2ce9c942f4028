"""The citizen's live status page behind a ticket's QR code: ``/t/<token>``."""

from flask import Blueprint

bp = Blueprint("status", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401
