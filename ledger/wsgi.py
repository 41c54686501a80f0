"""WSGI entry point for gunicorn: ``gunicorn ledger.wsgi:app``."""

from . import create_app

app = create_app()
