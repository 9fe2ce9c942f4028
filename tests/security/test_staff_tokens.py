"""A staff member's bearer token (POST /auth/login) lasts 12 hours, and logging out with it
revokes it, and only it. The staff are the test's own (support/factories.py)."""

from __future__ import annotations

from ..support.api import STAFF_PASSWORD


def _sign_in(api, username: str) -> str:  # type: ignore[no-untyped-def]
    r = api.post("/auth/login", {"username": username, "password": STAFF_PASSWORD})
    assert r.status == 200, r.body
    assert r.body["expires_in"] == 12 * 3600
    return r.body["token"]


def test_a_staff_token_works_for_twelve_hours_and_not_a_second_more(api, make, clock):
    token = _sign_in(api, make.staff())
    clock.advance(hours=12, seconds=-1)
    assert api.get("/auth/me", token=token).status == 200
    clock.advance(seconds=1)
    r = api.get("/auth/me", token=token)
    assert (r.status, r.error) == (401, "invalid_token")
    staff = api.login(make.staff())  # signed in now: a fresh token works
    assert api.get("/auth/me", token=staff).status == 200


def test_logging_out_revokes_that_token_and_no_other(api, make):
    clerk = make.staff()
    token, other = _sign_in(api, clerk), _sign_in(api, clerk)
    assert api.post("/auth/logout", token=token).status == 200
    r = api.get("/auth/me", token=token)
    assert (r.status, r.error) == (401, "invalid_token")
    assert api.post("/counters/1/open", token=token).status == 401
    assert api.get("/auth/me", token=other).status == 200
