"""Blueprints, one per feature; views are thin: form → one service call → commit → redirect."""
from __future__ import annotations


def init_app(app) -> None:
    """Register every blueprint."""
    from . import auth, main

    for module in (auth, main):
        app.register_blueprint(module.bp)
