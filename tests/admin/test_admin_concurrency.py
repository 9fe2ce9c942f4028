"""Two admins saving at the same moment: the checks hold under concurrency, on SQLite and
PostgreSQL (a prefix is never given twice, a username never causes a server error)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from mpp.domain.errors import Conflict
from mpp.models import Service
from mpp.services.admin import AdminService

from .conftest import actor_named


def _race(*jobs: Any) -> list[Any]:
    """Run the jobs in threads released together; their results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each got
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_services_never_share_a_prefix(any_app):
    hall = any_app.extensions["mpp"]
    svc = AdminService(hall.db, hall.clock)
    admin = actor_named(any_app, "admin")
    agency = svc.save_agency(admin, None, code="KEMENAG", name="Kemenag")
    for prefix in ("M", "N", "P", "Q", "R"):
        results = _race(*[
            (lambda code=code, prefix=prefix: svc.save_service(admin, None, {
                "agency_id": agency, "code": code, "name": code, "prefix": prefix}))
            for code in (f"{prefix}1", f"{prefix}2", f"{prefix}3")])
        ok = [r for r in results if isinstance(r, int)]
        refused = [r for r in results if isinstance(r, Conflict)]
        assert len(ok) == 1 and len(refused) == 2, results
        assert {r.code for r in refused} == {"duplicate_prefix"}
        with hall.db.read() as s:
            assert s.scalar(select(func.count(Service.id))
                            .where(Service.prefix == prefix)) == 1


@pytest.mark.parametrize("attempts", [3])
def test_concurrent_users_with_one_name_get_a_clear_conflict(any_app, attempts):
    hall = any_app.extensions["mpp"]
    svc = AdminService(hall.db, hall.clock)
    admin = actor_named(any_app, "admin")
    results = _race(*[
        (lambda: svc.create_user(admin, username="kembar", password="kata-sandi-1",
                                 role="manager"))
        for _ in range(attempts)])
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert [r.code for r in results if not isinstance(r, int)] == ["user_exists"] * (
        attempts - 1)
