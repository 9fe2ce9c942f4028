"""Redis goes away and comes back: the hall carries on, and every screen catches up.

While Redis is unreachable, issuing and calling go on (they need only the database), but the
live events sent meanwhile are lost: they travel through Redis, also to this process's own
screens. So each server process watches Redis; once it answers again and this process is
listening to it again, the process closes its live sockets, a few at a time. Every board,
console and status page reconnects by itself and redraws from a fresh snapshot, whose recent
calls include those made while Redis was away (no call is lost from a board's history).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import Gauge

log = logging.getLogger("mpp.ops.redis")

REDIS_UP = Gauge("mpp_redis_up", "1 when this process reaches Redis (absent without Redis)",
                 multiprocess_mode="livemin")
#: how often Redis is pinged
CHECK_SECONDS = 2.0
#: the most to wait for the Socket.IO manager to listen again (its own retries back off to
#: 60 s) before the screens are told to reconnect anyway
RELISTEN_SECONDS = 70.0
#: sockets closed per step, and the pause between steps, so a hall does not reconnect at once
CLOSE_BATCH, CLOSE_PAUSE = 100, 0.1


class RedisWatch:
    """Pings Redis every ``check_every`` seconds. After an outage, once ``manager`` (the
    Socket.IO Redis manager) listens again, calls ``recovered()``."""

    def __init__(self, url: str, manager: Any, recovered: Callable[[], Any],
                 sleep: Callable[[float], Any] = time.sleep, check_every: float = CHECK_SECONDS):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.manager = manager
        self.recovered = recovered
        self.sleep = sleep
        self.check_every = check_every
        self.down_since: float | None = None
        self._listening: Callable[[], bool] = lambda: True

    def ping(self) -> bool:
        try:
            self.client.ping()
            return True
        except Exception:  # noqa: BLE001 - refused, reset, timed out: all mean down
            return False

    def step(self) -> None:
        """One check (the loop's body; tests call it directly)."""
        up = self.ping()
        REDIS_UP.set(1 if up else 0)
        if not up:
            if self.down_since is None:
                self.down_since = time.monotonic()
                self._listening = manager_listening(self.manager)
                log.error("Redis unreachable: issuing and calling go on; live events are "
                          "paused until it is back")
            return
        if self.down_since is None:
            return
        away = time.monotonic() - self.down_since
        waited = 0.0
        while not self._listening() and waited < RELISTEN_SECONDS:
            self.sleep(0.5)
            waited += 0.5
        self.down_since = None
        log.warning("Redis is back after %.0f s: live screens reconnect for a fresh snapshot",
                    away)
        self.recovered()

    def run(self) -> None:
        while True:
            try:
                self.step()
            except Exception:  # noqa: BLE001 - the watch must outlive any one failure
                log.exception("Redis watch failed")
            self.sleep(self.check_every)


def close_live_sockets(eio: Any, sleep: Callable[[float], Any]) -> int:
    """Close this process's Engine.IO sockets a batch at a time; each client reconnects (a
    closed transport, unlike a Socket.IO disconnect, is retried) and gets a fresh snapshot."""
    closed = 0
    for sock in list(eio.sockets.values()):
        if sock.closed or sock.closing:
            continue
        sock.close(wait=False, abort=True)
        closed += 1
        if closed % CLOSE_BATCH == 0:
            sleep(CLOSE_PAUSE)
    return closed


def manager_listening(manager: Any) -> Callable[[], bool]:
    """Whether python-socketio's Redis manager has subscribed again since this was made: it
    makes a new pubsub object each time it reconnects."""
    before = getattr(manager, "pubsub", None)

    def listening() -> bool:
        current = getattr(manager, "pubsub", None)
        return current is not before and bool(getattr(current, "subscribed", False))
    return listening


def start_redis_watch(url: str, socketio: Any) -> RedisWatch:
    """Start this process's watch (a greenlet under the gevent worker)."""
    server = socketio.server

    def recovered() -> None:
        n = close_live_sockets(server.eio, socketio.sleep)
        log.warning("closed %d live sockets so that they reconnect to a fresh snapshot", n)

    watch = RedisWatch(url, server.manager, recovered, sleep=socketio.sleep)
    socketio.start_background_task(watch.run)
    return watch
