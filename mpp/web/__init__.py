"""Browser pages of the server: health, login, and the landing page."""

from flask import Blueprint

bp = Blueprint("web", __name__)

from . import routes, session  # noqa: E402,F401
