"""Serving the app with gunicorn's gevent worker (what `mpp run` and deploy/ use).

Every request and every live socket is a greenlet: an idle WebSocket (a citizen's status
page, a board) costs memory, not a thread, so one process holds thousands of them while
kiosks and counters keep getting answers. docs/serving.md gives the measurements behind the
choice and the rules that keep the worker cooperative (no blocking call inside an open SQLite
write transaction, build the app after gevent has patched the standard library).
"""

from __future__ import annotations

import resource
import warnings
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from .ops.gc_watch import freeze_startup

#: the most sockets (live pages and requests) one worker holds at once; gunicorn's default
#: of 1,000 would refuse the 1,001st status page of a busy hall
DEFAULT_CONNECTIONS = 10_000


def gunicorn_options(host: str, port: int, connections: int = DEFAULT_CONNECTIONS,
                     workers: int = 1) -> dict[str, Any]:
    """The gunicorn settings of `mpp run` (deploy/gunicorn.conf.py sets the same)."""
    return {
        "bind": f"{host}:{port}", "workers": workers, "worker_class": "gevent",
        "worker_connections": connections,
        # the worker's heartbeat; a live socket is not a request that can time out
        "timeout": 60, "graceful_timeout": 3, "keepalive": 30,
        "accesslog": None, "errorlog": "-", "loglevel": "warning",
        "control_socket_disable": True,
    }


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """A gunicorn application that builds the Flask app inside the worker, after gevent has
    patched it: locks and threads made before `monkey.patch_all()` would not cooperate."""

    def __init__(self, factory: Callable[[], Flask], options: dict[str, Any]):
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        app = self.factory()
        freeze_startup()  # later full collections walk only what came after (ops.gc_watch)
        return app


def raise_open_file_limit(wanted: int) -> int:
    """Raise this process's open-file limit toward ``wanted`` (each socket is a file; the
    usual soft limit of 1,024 would stop a hall at about a thousand screens); the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


def serve(factory: Callable[[], Flask], host: str, port: int,
          connections: int = DEFAULT_CONNECTIONS, listener_fd: int | None = None) -> None:
    """Serve the app that ``factory`` builds, in this process until interrupted; on the
    listening socket ``listener_fd`` (already bound, then owned by gunicorn) when given."""
    # The worker patches after `mpp` (and so urllib3 and redis.asyncio, through
    # python-socketio's client) was imported here; gevent then warns that those modules
    # hold unpatched SSL names. The worker makes no TLS connection through either (PostgreSQL
    # uses libpq's TLS, the Redis client the patched ssl module), so the warning is noise.
    warnings.filterwarnings("ignore", message="Monkey-patching ssl after ssl")
    raise_open_file_limit(connections + 1024)  # the sockets, plus database and log files
    options = gunicorn_options(host, port, connections)
    if listener_fd is not None:
        options["bind"] = f"fd://{listener_fd}"
    _Gunicorn(factory, options).run()
