"""The WSGI entry point for gunicorn (`mpp.wsgi:app`); settings come from MPP_* variables."""

from . import create_app
from .ops.gc_watch import freeze_startup

app = create_app()
freeze_startup()  # later full collections walk only what came after (mpp.ops.gc_watch)
