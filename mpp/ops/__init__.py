"""Operating the server: health and readiness, structured logs with request ids, Prometheus
metrics, clear answers while the database is unreachable, backups (see docs/operations.md)."""

from __future__ import annotations

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
