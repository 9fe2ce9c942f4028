"""The hall's public pages, for anyone's phone or PC: ``/`` (the hall today: what is open,
how many wait, where to book or complain; the staff's screens below) and ``/layanan`` (every
service's published standard: requirements, procedure, time, fee, product, hours, legal
basis and complaint handling, with whether it takes tickets now).

Rendered on the server (no script), Indonesian first with an English switch; texts in the
``public`` section of the catalogues (mpp/i18n)."""

from flask import Blueprint

bp = Blueprint("public", __name__, template_folder="templates", static_folder="static",
               static_url_path="/public/static")

from . import routes  # noqa: E402,F401
