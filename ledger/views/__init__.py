"""Blueprints, one per feature; views are thin: form → one service call → commit → redirect."""
from __future__ import annotations


def init_app(app) -> None:
    """Register every blueprint."""
    from . import admin, auth, books, imports, main, receipts

    for module in (auth, main, receipts, books, imports, admin):
        app.register_blueprint(module.bp)
