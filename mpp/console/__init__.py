"""The counter console for staff: ``/console`` (page) and its script, static/console.js."""

from flask import Blueprint

bp = Blueprint("console", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401
