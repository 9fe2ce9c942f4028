"""The hall display board: a web app for a TV, served at /display, with its announcement audio."""

from flask import Blueprint

bp = Blueprint("display", __name__, url_prefix="/display", template_folder="templates",
               static_folder="static")

from . import routes  # noqa: E402,F401
