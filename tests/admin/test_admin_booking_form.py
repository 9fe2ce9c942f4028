"""The service form turns online booking on and sets its slots (issue 10)."""

from __future__ import annotations

from sqlalchemy import select

from mpp.models import Agency, Service

from ..support.factories import Factories
from ..support.sessions import flashes, post_form
from .test_admin_pages import HOURS_ALWAYS


def _new_service(app, admin_client, code: str, **booking: str):  # type: ignore[no-untyped-def]
    """A service made through the form in an agency of the test's own (UJI)."""
    Factories(app).staff()  # the agency
    with app.extensions["mpp"].db.read() as s:
        agency = s.scalar(select(Agency.id).where(Agency.code == "UJI"))
    return post_form(admin_client, "/admin/services/new", {
        "agency_id": agency, "code": code, "prefix": code[:1], "name": f"Layanan {code}",
        "fee": "0", "regular_per_priority": "2", "active": "on", **HOURS_ALWAYS, **booking})


def test_the_service_form_turns_booking_on_with_its_slots(app, admin_client):
    r = _new_service(app, admin_client, "WAKAF", booking_enabled="on",
                     booking_slot_minutes="20", booking_per_slot="6",
                     booking_days_ahead="", booking_grace_minutes="0")
    assert r.status_code == 302, flashes(r.get_data(as_text=True))
    with app.extensions["mpp"].db.read() as s:
        service = s.scalars(select(Service).where(Service.code == "WAKAF")).one()
        assert service.booking == {"slot_minutes": 20, "per_slot": 6, "days_ahead": 14,
                                   "grace_minutes": 0}
    page = admin_client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'name="booking_enabled" checked' in page and 'value="20"' in page


def test_booking_left_off_stays_off_and_a_wrong_value_is_refused(app, admin_client):
    assert _new_service(app, admin_client, "ZAKAT").status_code == 302
    with app.extensions["mpp"].db.read() as s:
        assert s.scalar(select(Service.booking).where(Service.code == "ZAKAT")) is None
    r = _new_service(app, admin_client, "INFAQ", booking_enabled="on", booking_per_slot="0")
    assert r.status_code == 422
    # worded at its field with the form's label, never the raw 'booking.per_slot'
    html = r.get_data(as_text=True)
    assert ('<small class="field-error" id="e-booking_per_slot">Tempat per slot harus '
            'bilangan bulat dari 1 sampai 1000.</small>') in html
    assert "per_slot&#39;" not in html and "Booking per_slot" not in html
