"""Manager pages: the dashboard, complaints follow-up, the Ombudsman evidence report; and
the citizen's complaint form and satisfaction survey (included in the status page)."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, template_folder="templates", static_folder="static",
               static_url_path="/dashboard/static")

from . import routes  # noqa: E402,F401
