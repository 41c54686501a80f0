"""The JSON API: a token, its scope, the OpenAPI description."""

from datetime import date

from sqlmodel import col, select

from ledger.services.campaigns import create_campaign
from ledger.services.units import find_unit


def test_api_with_token_and_scope(client, runner, demo, make_user, session):
    make_user("duyet.tt", "reviewer", "TT")
    make_user("xa.khac", "treasurer", "TT-DUNGTIEN")
    token = runner.invoke(args=["api-token", "duyet.tt"]).output.strip()
    other = runner.invoke(args=["api-token", "xa.khac"]).output.strip()
    assert client.get(f"/api/v1/campaigns/{demo.id}/progress").status_code == 401
    data = client.get(
        f"/api/v1/campaigns/{demo.id}/progress", headers={"Authorization": f"Bearer {token}"}
    ).json
    assert data["headroom"] == 90_000_000 and len(data["units"]) == 29
    assert data["collected"] == sum(u["collected"] for u in data["units"])
    # a commune holding a quota in the district's campaign sees its own figures only (#12)
    own = client.get(
        f"/api/v1/campaigns/{demo.id}/progress", headers={"Authorization": f"Bearer {other}"}
    ).json
    assert own["unit"]["code"] == "TT-DUNGTIEN" and own["target"] == 10_000_000
    assert own["units"] == [] and own["collected"] == next(
        u["collected"] for u in data["units"] if u["code"] == "TT-DUNGTIEN"
    )
    px = create_campaign(
        session, unit_id=find_unit(session, "TT-CHUONGDUONG").id, year=2018, target=1_000_000
    )
    session.commit()
    assert (
        client.get(
            f"/api/v1/campaigns/{px.id}/progress", headers={"Authorization": f"Bearer {other}"}
        ).status_code
        == 404
    )
    assert client.get("/api/v1/openapi.json").json["openapi"].startswith("3.")


def _get(client, path: str, token: str):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def test_the_remembered_scope_never_crosses_tokens(client, runner, demo, make_user, session):
    """Scopes are remembered per unit (not per token) and rechecked per call: calls from two
    communes' tokens, interleaved, each see their own commune only, and a revoked token stops
    at once although its unit's scope is remembered."""
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    make_user("thuquy.b", "treasurer", "TT-DUNGTIEN")
    first = runner.invoke(args=["api-token", "thuquy.a"]).output.strip()
    second = runner.invoke(args=["api-token", "thuquy.b"]).output.strip()
    own = create_campaign(
        session, unit_id=find_unit(session, "TT-CHUONGDUONG").id, year=2018, target=1_000_000
    )
    session.commit()
    path = f"/api/v1/campaigns/{demo.id}/progress"
    for _round in range(3):
        a, b = _get(client, path, first).json, _get(client, path, second).json
        assert a["unit"]["code"] == "TT-CHUONGDUONG" and b["unit"]["code"] == "TT-DUNGTIEN"
        assert _get(client, f"/api/v1/campaigns/{own.id}/progress", second).status_code == 404
        assert _get(client, f"/api/v1/campaigns/{own.id}/progress", first).status_code == 200
        listed = {c["id"] for c in _get(client, "/api/v1/campaigns", second).json}
        assert own.id not in listed and demo.id in listed
    from ledger.models import ApiToken
    from ledger.services.tokens import revoke_token

    first_token = session.exec(select(ApiToken).order_by(col(ApiToken.id))).first()
    revoke_token(session, token_id=first_token.id, actor_id=first_token.user_id)
    session.commit()
    assert _get(client, path, first).status_code == 401
    assert _get(client, path, second).json["unit"]["code"] == "TT-DUNGTIEN"


def test_a_moved_unit_leaves_the_remembered_scope_at_once(session, unit):
    """The per-process memo of subtrees is keyed by the tree's version: moving a commune from
    one district to another changes both districts' scopes on the next read."""
    from ledger.services.unit_setup import add_unit, update_unit
    from ledger.services.units import subtree_ids, subtree_scope

    district = unit("TT")
    assert unit("TT-CHUONGDUONG").id in subtree_ids(session, district.id)
    other = add_unit(
        session,
        code="TEST-HUYEN",
        name="Huyện Thử",
        unit_type="huyen",
        valid_from=district.valid_from,
        parent_id=district.parent_id,
    )
    session.commit()
    update_unit(session, unit_id=unit("TT-CHUONGDUONG").id, parent_id=other.id)
    session.commit()
    assert unit("TT-CHUONGDUONG").id not in subtree_ids(session, district.id)
    assert unit("TT-CHUONGDUONG").id in subtree_ids(session, other.id)
    moved = subtree_scope(session, other.id)
    assert moved.ids == frozenset({other.id, unit("TT-CHUONGDUONG").id})


def test_a_kept_progress_answer_moves_with_a_new_receipt(
    client, runner, demo, make_user, make_receipt, session
):
    """The progress answer is kept per data version: the same answer while nothing changed,
    a new one as soon as a receipt is posted under the unit."""
    make_user("duyet.tt", "reviewer", "TT")
    token = runner.invoke(args=["api-token", "duyet.tt"]).output.strip()
    path = f"/api/v1/campaigns/{demo.id}/progress"
    before = _get(client, path, token).json
    assert _get(client, path, token).json == before
    make_receipt("TT-CHUONGDUONG", amount=7_000_000, on=date(2018, 4, 2))
    session.commit()
    after = _get(client, path, token).json
    assert after["collected"] == before["collected"] + 7_000_000
