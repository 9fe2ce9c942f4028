"""The database layer under gevent: psycopg must wait cooperatively in the server's worker."""

from __future__ import annotations

import subprocess
import sys

#: what `mpp run` does: psycopg is imported (migrations) before the worker patches, then the
#: worker's app makes its engine
SCRIPT = """
import psycopg.waiting
assert psycopg.waiting.wait is psycopg.waiting.wait_c, "psycopg without its C wait"
from gevent import monkey
monkey.patch_all()
from mpp.db import make_engine
make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
assert psycopg.waiting.wait is psycopg.waiting.wait_poll, psycopg.waiting.wait
print("cooperative")
"""


def test_psycopg_imported_before_gevent_patches_waits_through_gevent():
    """Imported before the worker patched the process, psycopg would keep a C wait that
    blocks every greenlet while one waits for PostgreSQL; the engine switches it."""
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "cooperative"
