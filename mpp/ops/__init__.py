"""Operating the server: health and readiness, structured logs with request ids, Prometheus
metrics, clear answers while the database is unreachable, backups (see docs/operations.md)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask

bp = Blueprint("ops", __name__)

from . import health  # noqa: E402,F401  (registers /readyz on bp)


def init_ops(app: Flask) -> None:
    """Request ids and logs, metrics, the 503 answers of a database fault, /readyz."""
    from .faults import init_faults
    from .logs import init_logging
    from .metrics import init_metrics

    init_logging(app)
    init_metrics(app)
    init_faults(app)
    app.register_blueprint(bp)
    if app.config.get("REDIS_URL") and not app.testing:
        app.wsgi_app = _WatchRedisOnFirstRequest(  # type: ignore[method-assign]
            app.wsgi_app, app.config["REDIS_URL"])


class _WatchRedisOnFirstRequest:
    """WSGI middleware: the first request of any kind (a page, an API call, a socket) starts
    this process's Redis watch (mpp.ops.redis_watch), inside the worker that serves it:
    the app factory itself starts nothing."""

    def __init__(self, app: Any, url: str):
        self.app = app
        self.url = url
        self.started = False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not self.started:
            self.started = True
            from ..extensions import socketio
            from .redis_watch import start_redis_watch

            start_redis_watch(self.url, socketio)
        return self.app(environ, start_response)
