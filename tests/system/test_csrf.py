"""CSRF: every POST without a token, with another session's token, or an expired one is refused
with 400 and writes nothing; GETs write nothing."""

import pytest
from sqlalchemy import func, select

from ledger.models import AuditEvent, Entry, IdempotencyKey, Job, Receipt, User
from tests.conftest import form_tokens


def _counts(session):
    session.rollback()
    return tuple(
        session.exec(select(func.count()).select_from(m)).scalar_one()
        for m in (Receipt, Entry, User, AuditEvent, IdempotencyKey, Job)
    )


@pytest.fixture
def signed_in(make_user, make_receipt, session, login):
    make_user("quantri", "admin", "TT")
    receipt = make_receipt()
    session.commit()
    login("quantri")
    return receipt


def _post_routes(app, receipt):
    from flask import url_for

    with app.test_request_context():
        return [
            url_for(r.endpoint, **{a: _ids(receipt)[a] for a in r.arguments})
            for r in app.url_map.iter_rules()
            if "POST" in r.methods
        ]


def _ids(receipt):
    """A value for every URL argument any route takes."""
    return {
        "receipt_id": receipt.id,
        "user_id": 1,
        "unit_id": receipt.unit_id,
        "kind": "cash",
        "code": "en",
        "filename": "style.css",
        "beneficiary_id": 1,
        "disbursement_id": 1,
        "transfer_id": 1,
        "campaign_id": 1,
        "period_id": 1,
        "name": "progress",
        "token_id": 1,
        "job_id": 1,
        "count_id": 1,
        "account_id": 1,
        "reconciliation_id": 1,
        "line_id": 1,
        "match_id": 1,
        "year": 2018,
        "batch_id": 1,
        "donor_id": 1,
        "pledge_id": 1,
        "filing_id": 1,
        "message_id": 1,
        "owner_kind": "receipt",
        "owner_id": receipt.id,
        "attachment_id": 1,
    }


FORM = {
    "receipt_date": "01/06/2018",
    "amount": "1.000.000",
    "payer_name": "A",
    "method": "cash",
    "source": "donation",
    "donor_kind": "individual",
    "reason": "x",
    "username": "newuser",
    "password": "x" * 12,
    "role": "treasurer",
    "unit_id": "2",
    "credit_unit_id": "2",
}


def test_post_without_token_is_refused(app, client, signed_in, session):
    before = _counts(session)
    routes = _post_routes(app, signed_in)
    for url in routes:
        assert client.post(url, data=FORM).status_code == 400, url
    assert _counts(session) == before
    print(f"csrf: {len(routes)} POST routes refused without a token, 0 writes")


def test_post_with_another_sessions_token_is_refused(app, client, signed_in, session, make_user):
    other = app.test_client()
    foreign_token = form_tokens(other.get("/auth/login").text)["csrf_token"]
    before = _counts(session)
    for url in _post_routes(app, signed_in):
        assert client.post(url, data={**FORM, "csrf_token": foreign_token}).status_code == 400
    assert _counts(session) == before


def test_expired_token_is_refused(app, client, signed_in, session, monkeypatch):
    token = form_tokens(client.get("/receipts/new").text)["csrf_token"]
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 10)
    before = _counts(session)
    response = client.post("/receipts/new", data={**FORM, "csrf_token": token})
    assert response.status_code == 400
    assert _counts(session) == before


def test_get_requests_write_nothing(app, client, signed_in, session):
    before = _counts(session)
    with app.test_request_context():
        from flask import url_for

        urls = [
            url_for(r.endpoint, **{a: _ids(signed_in)[a] for a in r.arguments})
            for r in app.url_map.iter_rules()
            if "GET" in r.methods
        ]
    for url in urls:
        assert client.get(url).status_code < 500, url
    assert _counts(session) == before
