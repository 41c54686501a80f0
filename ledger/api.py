"""Read-only JSON API: campaign progress and per-unit figures, for a signed-in user or a token."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for
from flask_login import current_user

from .db import get_session
from .filecache import cached, key_of
from .services.campaigns import campaign_rows, visible_focus
from .services.children import children_helped
from .services.norms import norm_figures
from .services.progress import campaign_progress
from .services.reports import same_period_rows
from .services.tokens import user_for_token
from .services.units import subtree_ids, subtree_scope, tree_version
from .services.versions import unit_version

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _user_scope() -> set[int]:
    """Scope of the bearer token's user, else of the signed-in user; 401 otherwise (the
    user's own unit is kept on ``g`` for the campaigns in which it holds a quota, and the
    scope as a query takes it on ``g.api_members``). The token is checked on every call (a
    revoked token stops at once); the walk of the unit's subtree is remembered per process
    while the tree is unchanged (``units.subtree_ids``), keyed by the unit, never the token."""
    if "api_scope" in g:
        return g.api_scope
    header = request.headers.get("Authorization", "")
    session = get_session()
    if header.startswith("Bearer "):
        user = user_for_token(session, header[7:].strip())
        if user is None:  # unknown, expired, revoked, or its owner deactivated
            abort(401)
        unit_id = user.unit_id
    elif current_user.is_authenticated:
        unit_id = current_user.unit_id
    else:
        abort(401)
    g.api_unit_id = unit_id
    version = tree_version(session)
    g.api_scope = subtree_ids(session, unit_id, version=version)
    g.api_members = subtree_scope(session, unit_id, version=version)
    return g.api_scope


@bp.route("/campaigns")
def campaigns():
    """Campaigns in scope."""
    _user_scope()
    base = url_for("api.campaigns")
    return jsonify(
        [
            {
                "id": c.id,
                "year": c.year,
                "code": c.code,
                "name": c.name,
                "unit": c.unit_name,
                "unit_code": c.unit_code,
                "target": c.target,
                "progress": f"{base}/{c.id}/progress",
            }
            for c in campaign_rows(get_session(), g.api_members, holder_id=g.api_unit_id)
        ]
    )


@bp.route("/campaigns/<int:campaign_id>/progress")
def progress(campaign_id: int):
    """Target, Σ quotas, headroom, collected, spent, balance and every child unit's figures:
    computed once per data version of the unit they are about (``services.versions``: any
    posting, void, quota or name under it moves it) and day, kept on disk, shared by every
    caller who may see that unit."""
    session = get_session()
    found = visible_focus(session, campaign_id, scope=_user_scope(), unit_id=g.api_unit_id)
    if found is None:
        abort(404)
    campaign, focus = found
    key = key_of(
        "api-progress",
        campaign.id,
        focus,
        date.today(),
        unit_version(session, focus or campaign.unit_id),
    )
    body = cached(
        Path(current_app.instance_path) / "cache" / "api",
        key,
        lambda: current_app.json.dumps(_progress_body(campaign, focus)).encode(),
    )
    return current_app.response_class(body, mimetype="application/json")


def _progress_body(campaign, focus: int | None) -> dict:
    p = campaign_progress(get_session(), campaign_id=campaign.id, focus_id=focus)
    same, same_rows = same_period_rows(get_session(), p)
    norms = norm_figures(get_session(), p)
    return {
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
        "pledges": _pledges_body(p.pledges),
        "same_period_last_year": same.as_dict(),
        "expected_by_norms": norms.total.expected,
        "children_helped": children_helped(
            get_session(), campaign=campaign, as_of=p.as_of, focus_id=focus
        ).as_dict(),
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
                "expected_by_norms": norms.by_unit.get(r.unit_id, 0),
            }
            for r in p.rows
        ],
    }


def _pledges_body(totals) -> dict:
    """Pledged but unpaid money, beside (never inside) ``collected``."""
    return {
        "count": totals.count,
        "pledged": totals.pledged,
        "settled": totals.settled,
        "outstanding": totals.outstanding,
        "overdue": totals.overdue,
    }


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    money = {"type": "integer", "description": "đồng (VND has no minor unit)"}
    expected = {
        "type": "integer",
        "description": "đồng a unit is expected to raise by the campaign's mobilisation norms "
        "(Σ amount per head × (heads − exempt)): a planning figure, never part of collected",
    }
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
    pledges = {
        "type": "object",
        "description": "The campaign's pledges (cam kết ủng hộ) to as_of: pledged, settled "
        "by receipts not voided, outstanding (not part of collected) and its overdue part",
        "properties": {
            "count": {"type": "integer"},
            "pledged": money,
            "settled": money,
            "outstanding": money,
            "overdue": money,
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
            "expected_by_norms": expected,
        },
    }
    count = {"type": "integer", "description": "children"}
    children = {
        "type": "object",
        "description": "Children helped per disbursement category to as_of: each named child "
        "once per category, plus the children of group gifts; against the campaign's targets "
        "(none on a focused unit's view). Figures only, never a name.",
        "properties": {
            "as_of": {"type": "string", "format": "date"},
            "total": count,
            "target_total": count,
            "categories": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        "named": count,
                        "group": count,
                        "count": count,
                        "target": {"type": ["integer", "null"]},
                        "rate_percent": {"type": ["number", "null"]},
                    },
                },
            },
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
                                                "expected_by_norms": expected,
                                                "children_helped": children,
                                                "pledges": pledges,
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
