"""The fund ledger of Vietnam's Child Protection Fund (Quỹ Bảo trợ trẻ em)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the domain's modules are imported without loading Flask (README "Layers")
    from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, then one named setup step per concern."""
    from flask import Flask

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    from . import auth, cli, db, i18n, security, views
    from .config import load_config

    load_config(app, test_config)
    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    views.init_app(app)
    cli.init_app(app)
    return app
