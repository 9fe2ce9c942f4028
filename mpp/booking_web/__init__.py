"""The citizen's booking pages, for a phone: ``/booking`` (choose a service, a day and a slot,
book) and ``/b/<token>`` (the booking's code and QR, follow, cancel or move it).

Rendered on the server as plain forms (no script needed), Indonesian first with an English
switch; texts in the ``booking`` section of the catalogues (mpp/i18n)."""

from flask import Blueprint

bp = Blueprint("booking", __name__, template_folder="templates", static_folder="static",
               static_url_path="/booking/static")

from . import routes  # noqa: E402,F401
