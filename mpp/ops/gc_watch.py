"""Garbage-collection pauses, for /metrics and the log.

CPython's collector stops the whole process while it runs; its full (generation 2) runs walk
every object the process holds, and a worker with thousands of live sockets holds millions.
Each collection's duration goes to ``mpp_gc_pause_seconds`` (by generation), and one that
stops the process for :data:`SLOW_SECONDS` or more is logged (logger ``mpp.gc``): a stall
that every board and kiosk of the process felt at once.

Measured (bench/full_hall.py, one process, 2,070 screens): full collections stopped the
worker for 117–254 ms, a few times a minute while screens connected and about once a
minute after; the app alone at start holds about 180,000 objects (a full collection of
them: about 55 ms). :func:`freeze_startup` takes those out of every later collection (then
121–135 ms pauses), and sets :data:`THRESHOLDS`: in two runs of the same bench after that,
no collection stopped the worker for 100 ms or more, and the boards' p99 was 23–27 ms.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

from prometheus_client import Histogram

log = logging.getLogger("mpp.gc")

#: a pause logged as a warning
SLOW_SECONDS = 0.1

GC_SECONDS = Histogram(
    "mpp_gc_pause_seconds", "Time the garbage collector stopped the process",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))

#: collect the youngest generation every 10,000 allocations (CPython: 700), the next one
#: every 50 of those, the whole heap every 100 of those at most: fewer in-flight objects
#: (requests, messages) are kept alive into the old generation, whose growth triggers the
#: full collections
THRESHOLDS = (10_000, 50, 100)

_started = [0.0]


def _watch(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    took = time.perf_counter() - _started[0]
    GC_SECONDS.labels(str(info["generation"])).observe(took)
    if took >= SLOW_SECONDS:
        log.warning("garbage collection (generation %d) stopped the process for %.0f ms; "
                    "%d objects collected", info["generation"], took * 1000,
                    info["collected"])


def watch_gc() -> None:
    """Time every collection of this process (once, however many apps it builds)."""
    if _watch not in gc.callbacks:
        gc.callbacks.append(_watch)


def freeze_startup() -> None:
    """In a server process, once its app is built: collect once, then move every object
    the process holds into the permanent generation, which no collection walks again
    (modules, classes, the app and its statements live as long as the process anyway), and
    collect less often from then on (:data:`THRESHOLDS`)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
