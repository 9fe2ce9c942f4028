"""Socket.IO connections from a foreign Origin are refused: a page on another site must not
open the hall with a staff member's cookie. The site's own origins (MPP_PUBLIC_URL, the
address the request was made to, MPP_ALLOWED_ORIGINS) and clients without an Origin (print
agents, python-socketio) connect as before."""

from __future__ import annotations

import pytest

from mpp.origins import same_site_origins

from ..support.sessions import sign_in

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def _handshake(client, origin: str | None, **headers: str):  # type: ignore[no-untyped-def]
    if origin is not None:
        headers["Origin"] = origin
    return client.get(HANDSHAKE, headers=headers)


@pytest.mark.parametrize("origin", ["https://evil.example", "http://mpp.test.evil.example",
                                    "null", "http://localhost:9999"])
def test_a_foreign_origin_is_refused_even_with_a_staff_session(app, origin):
    client = app.test_client()
    sign_in(client, "dukcapil1")
    r = _handshake(client, origin)
    assert r.status_code == 400
    assert b"Not an accepted origin" in r.data


@pytest.mark.parametrize("origin", [
    "http://mpp.test",      # MPP_PUBLIC_URL (TestConfig)
    "http://localhost",     # the Host the request was made to (Flask's test client)
    None,                   # no Origin: not a browser
])
def test_the_sites_own_origins_connect(client, origin):
    r = _handshake(client, origin)
    assert r.status_code == 200, r.data
    assert b'"sid"' in r.data


def test_extra_origins_can_be_allowed(db_url, clock):
    from ..conftest import make_app

    app = make_app(db_url, clock, ALLOWED_ORIGINS=["https://antrian.example.go.id"])
    client = app.test_client()
    assert _handshake(client, "https://antrian.example.go.id").status_code == 200
    assert _handshake(client, "https://evil.example").status_code == 400
    app.extensions["mpp"].db.dispose()


def test_forwarded_host_counts_only_behind_a_trusted_proxy():
    env = {"HTTP_HOST": "10.0.0.5:8080", "wsgi.url_scheme": "http",
           "HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "evil.example"}
    assert not same_site_origins("https://mpp.example")("https://evil.example", env)
    assert same_site_origins("https://mpp.example", trust_forwarded=True)(
        "https://evil.example", env)
    assert same_site_origins("https://mpp.example")("http://10.0.0.5:8080", env)
    assert same_site_origins("https://MPP.example/")("https://mpp.example", env)
