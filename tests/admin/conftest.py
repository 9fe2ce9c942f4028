"""Fixtures for the admin area: the AdminService over the test app's database and clock,
the demo admin as an actor, and a test client signed in as the admin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mpp.domain.actor import Actor
from mpp.models import User
from mpp.services.accounts import actor_for_user
from mpp.services.admin import AdminService

from ..support.sessions import sign_in


@pytest.fixture
def admin_svc(app) -> AdminService:  # type: ignore[no-untyped-def]
    hall = app.extensions["mpp"]
    return AdminService(hall.db, hall.clock, hall.queue)


def actor_named(app, username: str) -> Actor:  # type: ignore[no-untyped-def]
    with app.extensions["mpp"].db.read() as s:
        return actor_for_user(s.scalars(select(User).where(User.username == username)).one())


@pytest.fixture
def admin(app) -> Actor:  # type: ignore[no-untyped-def]
    return actor_named(app, "admin")


@pytest.fixture
def admin_client(app):  # type: ignore[no-untyped-def]
    """A test client with a browser session of the demo admin."""
    client = app.test_client()
    assert sign_in(client, "admin").status_code == 302
    return client
