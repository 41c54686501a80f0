"""API tokens: they expire, die with the owner's sessions (sign-out everywhere, password change,
deactivation), and their owner and an admin above them can list and revoke them."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ledger.models import ApiToken, AuditEvent, utcnow
from tests.conftest import PASSWORD, form_tokens


def _issue(runner, username, *args):
    result = runner.invoke(args=["api-token", username, *args])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _works(client, token) -> bool:
    status = client.get(
        "/api/v1/campaigns", headers={"Authorization": f"Bearer {token}"}
    ).status_code
    assert status in (200, 401)
    return status == 200


@pytest.fixture
def reviewer(make_user):
    return make_user("duyet.tt", "reviewer", "TT")


def test_a_token_expires_after_its_days_default_90(app, runner, reviewer, session):
    token = _issue(runner, "duyet.tt")
    short = _issue(runner, "duyet.tt", "--days", "7", "--name", "bảng tính")
    session.rollback()
    rows = {t.name: t for t in session.exec(select(ApiToken)).scalars()}
    assert abs(rows[""].expires_at - (utcnow() + timedelta(days=90))) < timedelta(minutes=5)
    assert abs(rows["bảng tính"].expires_at - (utcnow() + timedelta(days=7))) < timedelta(minutes=5)
    client = app.test_client()
    assert _works(client, token) and _works(client, short)
    session.exec(
        update(ApiToken)
        .where(ApiToken.name == "bảng tính")
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    assert not _works(client, short) and _works(client, token)
    assert runner.invoke(args=["api-token", "duyet.tt", "--days", "0"]).exit_code != 0
    assert runner.invoke(args=["api-token", "duyet.tt", "--days", "10000"]).exit_code != 0


def test_signing_out_everywhere_revokes_the_tokens(app, client, runner, reviewer, login):
    token = _issue(runner, "duyet.tt")
    login("duyet.tt")
    assert _works(app.test_client(), token)
    page = client.get("/account/tokens")
    client.post("/auth/logout", data=form_tokens(page.text))
    assert not _works(app.test_client(), token)


@pytest.mark.parametrize("change", ["password", "deactivate", "role"])
def test_a_password_change_or_deactivation_revokes_the_tokens(
    app, client, runner, reviewer, make_user, login, unit, change
):
    token = _issue(runner, "duyet.tt")
    make_user("quantri", "admin", "HN")
    login("quantri")
    page = client.get(f"/admin/users/{reviewer.id}")
    form = {
        **form_tokens(page.text),
        "username": "duyet.tt",
        "full_name": "",
        "role": "reviewer",
        "unit_id": str(unit("TT").id),
        "active": "y",
        "password": "",
    }
    form.update(
        {
            "password": {"password": "a-new-password-123"},
            "deactivate": {"active": ""},
            "role": {"role": "auditor"},
        }[change]
    )
    if change == "deactivate":
        form.pop("active")
    assert client.post(f"/admin/users/{reviewer.id}", data=form).status_code == 302
    assert not _works(app.test_client(), token)


def test_renaming_a_user_keeps_their_tokens(app, client, runner, reviewer, make_user, login, unit):
    token = _issue(runner, "duyet.tt")
    make_user("quantri", "admin", "HN")
    login("quantri")
    page = client.get(f"/admin/users/{reviewer.id}")
    client.post(
        f"/admin/users/{reviewer.id}",
        data={
            **form_tokens(page.text),
            "username": "duyet.tt",
            "full_name": "Nguyễn Duyệt",
            "role": "reviewer",
            "unit_id": str(unit("TT").id),
            "active": "y",
        },
    )
    assert _works(app.test_client(), token)


def _revoke_form(page_html: str, token_id: int) -> dict:
    html = page_html.split(f'/account/tokens/{token_id}/revoke"')[1]
    return form_tokens(html)


def test_the_owner_lists_and_revokes_their_tokens(app, client, runner, reviewer, login, session):
    token = _issue(runner, "duyet.tt", "--name", "Báo cáo tỉnh")
    login("duyet.tt")
    page = client.get("/account/tokens")
    assert page.status_code == 200 and "Báo cáo tỉnh" in page.text and token not in page.text
    session.rollback()
    row = session.exec(select(ApiToken)).scalars().one()
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 400  # no CSRF
    assert _works(app.test_client(), token)
    done = client.post(f"/account/tokens/{row.id}/revoke", data=_revoke_form(page.text, row.id))
    assert done.status_code == 302 and done.headers["Location"].endswith("/account/tokens")
    assert not _works(app.test_client(), token)
    assert "Đã thu hồi" in client.get("/account/tokens").text
    session.rollback()
    assert (
        session.exec(select(AuditEvent).where(AuditEvent.action == "api_token.revoke"))
        .scalars()
        .one()
        .object_id
        == row.id
    )


@pytest.mark.parametrize(
    "who, role, code, allowed",
    [
        ("quantri.hn", "admin", "HN", True),
        ("quantri.tt", "admin", "TT", True),
        ("quantri.xa", "admin", "TT-DUNGTIEN", False),
        ("thuquy.a", "treasurer", "TT", False),
    ],
)
def test_an_admin_above_the_owner_revokes_and_no_one_else_does(
    app, client, runner, make_user, login, session, two_districts, who, role, code, allowed
):
    owner = make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    token = _issue(runner, "thuquy.cd")
    make_user(who, role, code)
    login(who)
    session.rollback()
    row = session.exec(select(ApiToken)).scalars().one()
    page = client.get(f"/admin/users/{owner.id}")
    form = (
        _revoke_form(page.text, row.id)
        if allowed
        else form_tokens(client.get("/account/tokens").text)
    )
    response = client.post(f"/account/tokens/{row.id}/revoke", data=form)
    if allowed:
        assert (
            response.status_code == 302
            and f"/admin/users/{owner.id}" in response.headers["Location"]
        )
        assert not _works(app.test_client(), token)
    else:
        assert response.status_code == 404 and _works(app.test_client(), token)


def test_other_users_tokens_are_not_listed(client, runner, reviewer, make_user, login):
    _issue(runner, "duyet.tt", "--name", "Của người khác")
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a", PASSWORD)
    assert "Của người khác" not in client.get("/account/tokens").text
