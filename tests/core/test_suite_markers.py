"""The `postgres` and `redis` markers follow the fixtures a test uses (tests/conftest.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def collected(marker: str, *paths: str) -> list[str]:
    """The ids pytest selects with ``-m marker`` among ``paths``."""
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "-p", "no:cacheprovider", "-m", marker, *paths],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    return [line for line in run.stdout.splitlines() if "::" in line]


def test_the_postgres_half_of_a_both_databases_test_is_marked_postgres() -> None:
    assert collected("postgres", "tests/core/test_restart.py", "tests/core/test_cli.py") == [
        "tests/core/test_restart.py::test_restart_keeps_tickets_sequences_and_events[postgres]"]


def test_a_test_using_the_redis_fixture_is_marked_redis() -> None:
    ids = collected("redis", "tests/security/test_login_security.py")
    assert ("tests/security/test_login_security.py::"
            "test_two_server_processes_share_the_login_count_through_redis") in ids
    assert "tests/security/test_login_security.py::test_login_redirect_never_leaves_the_site" \
        not in ids
