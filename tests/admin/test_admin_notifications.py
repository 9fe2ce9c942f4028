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


def _settings(app):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from mpp.models import Site

    with app.extensions["mpp"].db.read() as s:
        return s.scalars(select(Site)).one().settings.get("notifications")


def test_site_settings_set_keep_the_secret_and_turn_off_the_webhook(app, admin_client):
    from ..support.sessions import post_form

    base = {"name": "Mal Pelayanan Publik Kota Kendari", "timezone": "Asia/Makassar"}
    r = post_form(admin_client, "/admin/settings", {
        **base, "notify_webhook_url": "https://gw.example/hook", "notify_secret": "s3cret",
        "notify_ahead": "2"})
    assert r.status_code == 302
    assert _settings(app) == {"webhook_url": "https://gw.example/hook", "secret": "s3cret",
                              "ahead": 2}
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert "https://gw.example/hook" in page and "s3cret" not in page
    r = post_form(admin_client, "/admin/settings", {
        **base, "notify_webhook_url": "https://gw2.example/hook", "notify_secret": "",
        "notify_ahead": ""})
    assert r.status_code == 302
    assert _settings(app) == {"webhook_url": "https://gw2.example/hook", "secret": "s3cret",
                              "ahead": 3}
    r = post_form(admin_client, "/admin/settings", {**base, "notify_webhook_url": "ftp://x"})
    assert r.status_code == 422
    # worded in Indonesian at its field, not the site file's "[notifications]: 'webhook_url'"
    html = r.get_data(as_text=True)
    assert ('<small class="field-error" id="e-notify_webhook_url">URL webhook gateway harus '
            'alamat http(s)') in html and "webhook_url&#39;" not in html
    r = post_form(admin_client, "/admin/settings", {**base, "notify_webhook_url": ""})
    assert r.status_code == 302 and _settings(app) is None
