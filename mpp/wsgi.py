"""The WSGI entry point for gunicorn (`mpp.wsgi:app`); settings come from MPP_* variables."""

from . import create_app

app = create_app()
