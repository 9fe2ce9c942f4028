"""Serving the app with gunicorn's threaded worker (what `mpp run` and deploy/ use).

Flask-SocketIO runs in threading mode: every WebSocket holds one thread, and blocking
database and printer I/O need no monkey-patching. See deploy/README.md for the sizing.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def serve(app: Flask, host: str, port: int, threads: int = 200) -> None:
    """Serve ``app`` in this process until interrupted (one gthread worker)."""
    _Gunicorn(app, {
        "bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread",
        "threads": threads, "timeout": 0, "graceful_timeout": 5, "keepalive": 30,
        "accesslog": None, "errorlog": "-", "loglevel": "warning",
        "control_socket_disable": True,
    }).run()
