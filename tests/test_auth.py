"""Sign-in: argon2id, lock-out counted in the database, one message, sessions that really end,
no redirect off site."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from ledger.models import User
from tests.conftest import PASSWORD, form_tokens

FAILED = "Tên đăng nhập hoặc mật khẩu không đúng"


def _try(client, username, password):
    page = client.get("/auth/login")
    return client.post(
        "/auth/login", data={"username": username, "password": password, **form_tokens(page.text)}
    )


def test_same_message_for_unknown_user_and_wrong_password(client, make_user):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    unknown, wrong = _try(client, "khong.co", "x" * 12), _try(client, "thuquy.a", "x" * 12)
    assert unknown.status_code == wrong.status_code == 200
    assert FAILED in unknown.text and FAILED in wrong.text


def test_lockout_after_ten_failures_is_counted_in_the_database(client, make_user, session):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    for _ in range(10):
        assert FAILED in _try(client, "thuquy.a", "wrong-password").text
    locked = _try(client, "thuquy.a", PASSWORD)
    assert FAILED in locked.text, "the right password must not open a locked account"
    session.rollback()
    user = session.exec(select(User).where(User.username == "thuquy.a")).scalars().one()
    assert user.locked_until is not None


def test_password_is_stored_as_argon2id(make_user):
    assert make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG").password_hash.startswith(
        "$argon2id$"
    )


def test_session_cookie_changes_at_login_and_dies_at_logout(app, client, make_user, login):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    client.get("/auth/login")
    before = client.get_cookie("session").value
    login("thuquy.a")
    after = client.get_cookie("session").value
    assert before != after
    assert client.get("/receipts/").status_code == 200
    stolen = after
    page = client.get("/receipts/")
    client.post("/auth/logout", data=form_tokens(page.text))
    thief = app.test_client()
    thief.set_cookie("session", stolen, domain="localhost")
    response = thief.get("/receipts/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_deactivated_user_is_refused_on_next_request(client, make_user, login, session):
    user = make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    assert client.get("/receipts/").status_code == 200
    session.get(User, user.id).active = False
    session.commit()
    assert client.get("/receipts/").status_code == 302


def test_idle_timeout_ends_the_session(app, client, make_user, login):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    with client.session_transaction() as cookie:
        cookie["seen"] = int(time.time()) - 31 * 60
    assert client.get("/receipts/").status_code == 302


def test_absolute_timeout_ends_the_session(app, client, make_user, login):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    with client.session_transaction() as cookie:
        cookie["started"] = int(time.time()) - 11 * 3600
    assert client.get("/receipts/").status_code == 302


def test_cookies_are_httponly_and_lax(client, make_user, login):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    response = login("thuquy.a")
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil"])
def test_login_never_redirects_off_site(client, make_user, target):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    page = client.get("/auth/login")
    response = client.post(
        f"/auth/login?next={target}",
        data={"username": "thuquy.a", "password": PASSWORD, **form_tokens(page.text)},
    )
    assert response.headers["Location"].endswith("/")


def test_admin_manages_users_in_the_ui(client, make_user, login, submit, session, unit):
    make_user("quantri", "admin", "HN")
    login("quantri")
    response = submit(
        "/admin/users/new",
        {
            "username": "thuquy.hahoi",
            "full_name": "Thủ quỹ Hà Hồi",
            "role": "treasurer",
            "unit_id": str(unit("TT-HAHOI").id),
            "password": "mat-khau-moi-123",
            "active": "y",
        },
    )
    assert response.status_code == 302
    session.rollback()
    created = session.exec(select(User).where(User.username == "thuquy.hahoi")).scalars().one()
    assert created.role == "treasurer"
    response = submit(
        f"/admin/users/{created.id}",
        {
            "username": "thuquy.hahoi",
            "full_name": "Thủ quỹ Hà Hồi",
            "role": "treasurer",
            "unit_id": str(created.unit_id),
            "password": "",
        },
    )
    assert response.status_code == 302
    session.rollback()
    assert session.get(User, created.id).active is False


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/phish",
        "//evil.example",
        "/\\evil.example",
        "/%0a/x",
        "https://evil.example/",
        "/%0d%0aSet-Cookie:x=1",
        "/\u200b/evil.example",
        " //evil.example",
        "/ /evil.example",
    ],
)
def test_sign_in_never_redirects_off_site(client, make_user, target):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    page = client.get("/auth/login")
    response = client.post(
        f"/auth/login?next={target}",
        data={
            "username": "thuquy.a",
            "password": "correct-horse-battery",
            **form_tokens(page.text),
        },
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).netloc in ("", "localhost") and not location.startswith("//")
    assert (
        "evil" not in location
        and "\n" not in location
        and "Set-Cookie" not in response.headers.get_all("Set-Cookie")
    )


def test_sign_in_keeps_a_same_site_next(client, make_user):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    page = client.get("/auth/login")
    response = client.post(
        "/auth/login?next=/receipts/%3Fpage%3D2",
        data={
            "username": "thuquy.a",
            "password": "correct-horse-battery",
            **form_tokens(page.text),
        },
    )
    assert response.headers["Location"].endswith("/receipts/?page=2")
