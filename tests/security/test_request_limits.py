"""The app itself refuses request bodies above MPP_MAX_REQUEST_BYTES (default 1 MB) with a
413, before reading them: an anonymous 200 MB POST must not fill a worker's memory."""

from __future__ import annotations

import pytest

from ..support.api import ADMIN_PASSWORD

BIG = 2_000_000  # above the default limit


@pytest.mark.parametrize(("path", "headers"), [
    ("/api/v1/tickets", {"Content-Type": "application/json"}),
    ("/api/v1/auth/login", {"Content-Type": "application/json"}),
    ("/api/v1/complaints", {"Content-Type": "application/json"}),
    ("/api/v1/nothing-here", {"Content-Type": "application/octet-stream"}),
])
def test_a_large_api_body_is_a_413_in_the_error_shape(client, path, headers):
    r = client.post(path, data=b"{" + b" " * BIG + b"}", headers=headers)
    assert r.status_code == 413
    error = r.get_json()["error"]
    assert error["code"] == "request_entity_too_large"
    assert "1,000,000" in error["message"]


def test_a_large_form_post_is_a_413(client):
    r = client.post("/login", data={"username": "admin", "password": "x" * BIG})
    assert r.status_code == 413


def test_a_body_within_the_limit_is_read_as_usual(api):
    r = api.post("/auth/login", {"username": "admin", "password": ADMIN_PASSWORD,
                                 "padding": "x" * 900_000})
    assert r.status in (200, 422), r.body  # read and judged, not refused for its size


def test_the_limit_is_configurable(db_url, clock):
    from ..conftest import make_app

    app = make_app(db_url, clock, MAX_CONTENT_LENGTH=1000)
    r = app.test_client().post("/api/v1/auth/login", data=b"x" * 1001,
                               headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    app.extensions["mpp"].db.dispose()
