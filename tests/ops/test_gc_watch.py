"""Garbage-collection pauses (mpp.ops.gc_watch): timed for /metrics, a slow one logged, and
a server's start-up objects kept out of later collections."""

from __future__ import annotations

import gc
import logging
import subprocess
import sys

import pytest
from prometheus_client import REGISTRY

from mpp.ops import gc_watch


def _full_collections() -> float:
    """The generation-2 collections timed so far (what /metrics shows)."""
    return REGISTRY.get_sample_value("mpp_gc_pause_seconds_count", {"generation": "2"}) or 0


def test_every_collection_is_timed_and_a_slow_one_is_logged(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture):
    gc_watch.watch_gc()
    gc_watch.watch_gc()  # once per process, however many apps it builds
    assert gc.callbacks.count(gc_watch._watch) == 1
    before = _full_collections()
    monkeypatch.setattr(gc_watch, "SLOW_SECONDS", 0.0)
    with caplog.at_level(logging.WARNING, logger="mpp.gc"):
        gc.collect()
    assert _full_collections() == before + 1
    assert "garbage collection (generation 2) stopped the process for" in caplog.text


FREEZE = """
import gc
from mpp.ops.gc_watch import THRESHOLDS, freeze_startup
assert gc.get_freeze_count() == 0
freeze_startup()
assert gc.get_threshold() == THRESHOLDS
print(gc.get_freeze_count())
"""


def test_a_server_keeps_its_start_up_objects_out_of_later_collections():
    """...and collects less often (mpp.ops.gc_watch.THRESHOLDS), so that fewer objects in
    flight reach the old generation, whose growth triggers the full collections."""
    done = subprocess.run([sys.executable, "-c", FREEZE], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 10_000
