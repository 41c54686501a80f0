"""The JSON API: a token, its scope, the OpenAPI description."""

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
