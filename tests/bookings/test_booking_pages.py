"""The booking pages over Flask's test client: the forms' refusals shown in the page, in the
reader's language, and the pages' privacy headers."""

from __future__ import annotations

import re

from .conftest import TOMORROW, booking_service


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_booking_form_shows_a_refusal_in_the_readers_language(app):
    client = app.test_client()
    sid = booking_service(app, {"per_slot": 1})
    page = client.get(f"/booking/{sid}?date={TOMORROW}").get_data(as_text=True)
    assert f'value="{TOMORROW}T09:00:00+08:00"' in page
    form = {"csrf_token": csrf(page), "date": TOMORROW, "start": f"{TOMORROW}T09:00:00+08:00",
            "name": "Siti", "phone": "081234567890"}
    r = client.post(f"/booking/{sid}", data=form)
    assert r.status_code == 303 and "/b/" in r.headers["Location"]
    r = client.post(f"/booking/{sid}?lang=en", data={**form, "phone": "081299999999"})
    assert r.status_code == 409
    assert "This slot is full." in r.get_data(as_text=True)
    r = client.post(f"/booking/{sid}?lang=id", data={**form, "start": ""})
    assert r.status_code == 422 and "Pilih salah satu jam" in r.get_data(as_text=True)
    r = client.post(f"/booking/{sid}", data={**form, "phone": "0812abc"})
    assert r.status_code == 422 and "Nomor HP tidak valid" in r.get_data(as_text=True)
    assert client.post(f"/booking/{sid}", data={**form, "csrf_token": "x"}).status_code == 400


def test_the_booking_page_is_private_and_an_unknown_token_is_a_404(app):
    client = app.test_client()
    sid = booking_service(app)
    page = client.get(f"/booking/{sid}?date={TOMORROW}").get_data(as_text=True)
    r = client.post(f"/booking/{sid}", data={
        "csrf_token": csrf(page), "date": TOMORROW, "start": f"{TOMORROW}T09:00:00+08:00",
        "name": "Siti", "phone": "0812 3456 7890"})
    follow = client.get(r.headers["Location"])
    assert follow.status_code == 200
    assert follow.headers["Cache-Control"] == "no-store"
    assert follow.headers["Referrer-Policy"] == "no-referrer"
    html = follow.get_data(as_text=True)
    assert "3456" not in html and "Terjadwal" in html
    qr = client.get(r.headers["Location"].split("?")[0] + "/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert client.get("/b/not-a-token").status_code == 404
    assert client.get("/b/not-a-token/qr.svg").status_code == 404
    assert client.get("/booking/999999").status_code == 404


def test_the_page_and_the_api_share_one_booking_budget_per_address(db_url, clock):
    from ..conftest import make_app
    from ..support.api import Api
    from .conftest import book

    app = make_app(db_url, clock, BOOKING_RATE_LIMIT="2 per hour")
    try:
        client = app.test_client()
        sid = booking_service(app, {"per_slot": 10})
        assert book(Api(client), sid, phone="081200000001").status == 201
        page = client.get(f"/booking/{sid}?date={TOMORROW}").get_data(as_text=True)
        form = {"csrf_token": csrf(page), "date": TOMORROW,
                "start": f"{TOMORROW}T10:00:00+08:00", "name": "Siti", "phone": "081200000002"}
        assert client.post(f"/booking/{sid}", data=form).status_code == 303
        assert book(Api(client), sid, phone="081200000003").status == 429
        assert client.post(f"/booking/{sid}", data=form).status_code == 429
    finally:
        app.extensions["mpp"].db.dispose()
