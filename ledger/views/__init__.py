"""Blueprints, one per feature; views are thin: form → one service call → commit → redirect."""
from __future__ import annotations


def init_app(app) -> None:
    """Register every blueprint."""
    from .. import api
    from . import (admin, audit, auth, beneficiaries, books, dashboard, disbursements, imports,
                   main, public, receipts, setup, transfers)

    for module in (auth, main, receipts, books, imports, admin, beneficiaries, disbursements,
                   transfers, dashboard, public, audit, setup):
        app.register_blueprint(module.bp)
    api.init_app(app)
