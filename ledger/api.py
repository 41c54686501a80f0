"""Read-only JSON API: campaign progress and per-unit figures, for a signed-in user or a token."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request, url_for
from flask_login import current_user

from .db import get_session
from .services.campaigns import campaigns_for, visible_focus
from .services.progress import campaign_progress
from .services.reports import same_period_rows
from .services.tokens import user_for_token
from .services.units import subtree_ids

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _user_scope() -> set[int]:
    """Scope of the bearer token's user, else of the signed-in user; 401 otherwise (the
    user's own unit is kept on ``g`` for the campaigns in which it holds a quota)."""
    header = request.headers.get("Authorization", "")
    session = get_session()
    if header.startswith("Bearer "):
        user = user_for_token(session, header[7:].strip())
        if user is None:  # unknown, expired, revoked, or its owner deactivated
            abort(401)
        g.api_unit_id = user.unit_id
        return subtree_ids(session, user.unit_id)
    if current_user.is_authenticated:
        g.api_unit_id = current_user.unit_id
        return subtree_ids(session, current_user.unit_id)
    abort(401)
    return set()  # not reached: abort raises


@bp.route("/campaigns")
def campaigns():
    """Campaigns in scope."""
    scope = _user_scope()
    return jsonify(
        [
            {
                "id": c.id,
                "year": c.year,
                "code": c.code,
                "name": c.name,
                "unit": u.name,
                "unit_code": u.code,
                "target": c.target,
                "progress": url_for("api.progress", campaign_id=c.id),
            }
            for c, u in campaigns_for(get_session(), scope, holder_id=g.api_unit_id)
        ]
    )


@bp.route("/campaigns/<int:campaign_id>/progress")
def progress(campaign_id: int):
    """Target, Σ quotas, headroom, collected, spent, balance and every child unit's figures."""
    found = visible_focus(get_session(), campaign_id, scope=_user_scope(), unit_id=g.api_unit_id)
    if found is None:
        abort(404)
    campaign, focus = found
    p = campaign_progress(get_session(), campaign_id=campaign.id, focus_id=focus)
    same, same_rows = same_period_rows(get_session(), p)
    return jsonify(
        {
            "campaign": {
                "id": campaign.id,
                "year": campaign.year,
                "code": campaign.code,
                "name": campaign.name,
            },
            "unit": {"code": p.unit.code, "name": p.unit.name},
            "as_of": p.as_of.isoformat(),
            "target": p.target,
            "quota_total": p.quota_total,
            "headroom": p.headroom,
            "collected": p.collected,
            "rate_percent": p.rate,
            "disbursed": p.disbursed,
            "balance": p.balance,
            "same_period_last_year": same.as_dict(),
            "units": [
                {
                    "code": r.code,
                    "name": r.name,
                    "quota": r.quota,
                    "collected": r.collected,
                    "rate_percent": r.rate,
                    "difference": r.difference,
                    "disbursed": r.disbursed,
                    "balance": r.balance,
                    "last_receipt": r.last_receipt.isoformat() if r.last_receipt else None,
                    "same_period_last_year": same_rows[r.unit_id].as_dict(),
                }
                for r in p.rows
            ],
        }
    )


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    money = {"type": "integer", "description": "đồng (VND has no minor unit)"}
    same_period = {
        "type": "object",
        "description": "Mobilised money in the same span a year "
        "earlier; for a unit created by a reorganisation, Σ predecessor × share "
        "(each product rounded down to the đồng), 'estimated' when a share < 100 %",
        "properties": {
            "collected": money,
            "estimated": {"type": "boolean"},
            "predecessors": {"type": "array"},
        },
    }
    unit_row = {
        "type": "object",
        "properties": {
            "same_period_last_year": same_period,
            "code": {"type": "string"},
            "name": {"type": "string"},
            "quota": money,
            "collected": money,
            "rate_percent": {"type": ["number", "null"]},
            "difference": money,
            "disbursed": money,
            "balance": money,
            "last_receipt": {"type": ["string", "null"], "format": "date"},
        },
    }
    return jsonify(
        {
            "openapi": "3.1.0",
            "info": {
                "title": "Quỹ Bảo trợ trẻ em — API",
                "version": "1.0.0",
                "description": "Read-only figures. Authenticate with a session cookie or "
                "'Authorization: Bearer <token>' (flask --app ledger api-token USERNAME "
                "--days N; tokens expire, default 90 days).",
            },
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"bearer": []}, {"cookie": []}],
            "paths": {
                "/api/v1/campaigns": {
                    "get": {
                        "summary": "Campaigns in the caller's scope",
                        "responses": {
                            "200": {"description": "list"},
                            "401": {"description": "not signed in"},
                        },
                    }
                },
                "/api/v1/campaigns/{campaign_id}/progress": {
                    "get": {
                        "summary": "A campaign's progress and per-unit figures",
                        "parameters": [
                            {
                                "name": "campaign_id",
                                "in": "path",
                                "required": True,
                                "schema": {"type": "integer"},
                            }
                        ],
                        "responses": {
                            "200": {
                                "description": "progress",
                                "content": {
                                    "application/json": {
                                        "schema": {
                                            "type": "object",
                                            "properties": {
                                                "target": money,
                                                "quota_total": money,
                                                "headroom": money,
                                                "collected": money,
                                                "disbursed": money,
                                                "balance": money,
                                                "rate_percent": {"type": "number"},
                                                "units": {"type": "array", "items": unit_row},
                                            },
                                        }
                                    }
                                },
                            },
                            "401": {"description": "not signed in"},
                            "404": {"description": "not found or outside scope"},
                        },
                    }
                },
            },
        }
    )


def init_app(app) -> None:
    """Register the API (GET only, so CSRF does not apply)."""
    app.register_blueprint(bp)
