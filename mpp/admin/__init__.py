"""The admin area (/admin): server-rendered forms to set up the hall, and /account/password."""

from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates", static_folder="static",
               static_url_path="/admin/static")

from . import routes  # noqa: E402,F401
