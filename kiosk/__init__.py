"""The touch kiosk where citizens take a ticket: a web app served at /kiosk."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", template_folder="templates",
               static_folder="static")

from . import routes  # noqa: E402,F401
