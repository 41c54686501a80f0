"""Blueprints, one per feature; views are thin: form → one service call → commit → redirect."""
from __future__ import annotations


def init_app(app) -> None:
    """Register every blueprint."""
    from . import (admin, auth, beneficiaries, books, disbursements, imports, main, receipts,
                   transfers)

    for module in (auth, main, receipts, books, imports, admin, beneficiaries, disbursements,
                   transfers):
        app.register_blueprint(module.bp)
