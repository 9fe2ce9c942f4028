"""The HTTP API of the contract, under /api/v1."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Importing the modules registers their routes on ``bp``.
from . import bookings, errors, notifications, printing, reports, routes  # noqa: E402,F401
