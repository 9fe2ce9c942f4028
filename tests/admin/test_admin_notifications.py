"""The admin's notification log page: each message, its tries and the gateway's answers,
phone numbers masked (issue 10)."""

from __future__ import annotations

from ..bookings.conftest import book, booking_service
from ..notifications.conftest import configure, receiver  # noqa: F401 - the fixture
from ..support.api import Api


def test_the_log_page_says_when_notifications_are_off(app, admin_client):
    html = admin_client.get("/admin/notifications").get_data(as_text=True)
    assert "Notifikasi belum diaktifkan" in html and "Belum ada notifikasi." in html


def test_the_log_page_shows_each_try_and_masks_the_phone(app, admin_client, receiver):  # noqa: F811
    configure(app, receiver.url)
    receiver.answers = [503]
    book(Api(app.test_client()), booking_service(app), phone="0812 3456 7890")
    app.extensions["mpp_outbox"].deliver_due()
    html = admin_client.get("/admin/notifications").get_data(as_text=True)
    assert "booking.created" in html and "0812*****890" in html and "3456" not in html
    assert "menunggu" in html and "HTTP 503" in html and receiver.url in html
