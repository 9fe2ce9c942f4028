"""The Redis watch, without a server: it tells the screens to reconnect once, after an
outage, and only when the Socket.IO manager listens again."""

from __future__ import annotations

from types import SimpleNamespace

from mpp.ops.redis_watch import RedisWatch, close_live_sockets

from .netfault import refusing_port


class FakeSocket:
    def __init__(self, closed: bool = False):
        self.closed = closed
        self.closing = False
        self.aborted = False

    def close(self, wait: bool, abort: bool) -> None:
        self.aborted = abort and not wait
        self.closed = True


def _watch(manager: object, answers: list[bool]) -> tuple[RedisWatch, list[str]]:
    happened: list[str] = []
    with refusing_port() as port:
        watch = RedisWatch(f"redis://127.0.0.1:{port}/0", manager,
                           lambda: happened.append("recovered"), sleep=lambda s: None)
    watch.ping = lambda: answers.pop(0)  # type: ignore[method-assign]
    return watch, happened


def test_screens_reconnect_once_after_an_outage_when_the_manager_listens_again():
    manager = SimpleNamespace(pubsub=SimpleNamespace(subscribed=True))
    watch, happened = _watch(manager, [True, False, False, True, True])
    watch.step()  # up: nothing
    watch.step()  # down: noted
    watch.step()  # still down
    assert happened == [] and watch.down_since is not None
    manager.pubsub = SimpleNamespace(subscribed=True)  # the manager reconnected and listens
    watch.step()
    assert happened == ["recovered"] and watch.down_since is None
    watch.step()  # up again: nothing more
    assert happened == ["recovered"]


def test_the_watch_waits_for_the_manager_but_not_forever():
    manager = SimpleNamespace(pubsub=SimpleNamespace(subscribed=True))
    watch, happened = _watch(manager, [False, True])
    naps: list[float] = []
    watch.sleep = naps.append  # type: ignore[method-assign]
    watch.step()
    watch.step()  # Redis answers but the manager never listens again: give up waiting
    assert happened == ["recovered"]
    assert sum(naps) == 70.0


def test_every_open_socket_is_closed_so_that_its_client_reconnects():
    sockets = {str(i): FakeSocket() for i in range(250)} | {"gone": FakeSocket(closed=True)}
    naps: list[float] = []
    assert close_live_sockets(SimpleNamespace(sockets=sockets), naps.append) == 250
    assert all(s.aborted for k, s in sockets.items() if k != "gone")
    assert naps == [0.1, 0.1]  # a hundred at a time
