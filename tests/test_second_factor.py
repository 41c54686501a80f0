"""The second factor (issue #18): payouts above the admin's limit need a valid TOTP code to be
approved and paid, codes are not accepted twice, wrong codes lock the factor, recovery codes
work once, admins pass the factor at sign-in, and every step is audited."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from ledger.errors import SecondFactorLocked, SecondFactorWrong
from ledger.models import AuditEvent, Category, Disbursement, SecondFactor, Setting, utcnow
from ledger.services import second_factor as factors
from ledger.services.disbursements import DisbursementInput, draft_disbursement
from tests.conftest import PASSWORD, form_tokens


def _code_for(session, user_id: int) -> str:
    """The authenticator's code for the next step the server will still accept (a step already
    used is refused, so a second code within 30 s is the next step's)."""
    session.rollback()
    factor = session.get(SecondFactor, user_id, populate_existing=True)
    while True:
        current = int(time.time()) // factors.STEP_SECONDS
        step = max(current - 1, factor.last_step + 1)
        if step <= current + 1:
            return pyotp.TOTP(factor.secret).generate_otp(step)
        time.sleep(1)


def _code_at(secret: str, now: datetime) -> str:
    """The code an authenticator shows at ``now`` (naive UTC, as the ledger stores it)."""
    step = int(now.replace(tzinfo=UTC).timestamp()) // factors.STEP_SECONDS
    return pyotp.TOTP(secret).generate_otp(step)


def _enrol(session, user) -> list[str]:
    factor = factors.start_enrolment(session, user_id=user.id)
    codes = factors.confirm_enrolment(
        session, user_id=user.id, code=pyotp.TOTP(factor.secret).now(), now=utcnow()
    )
    session.commit()
    return codes


def _draft(session, funded, amount: int) -> Disbursement:
    heart = session.exec(select(Category).where(Category.code == "heart_surgery")).scalar_one()
    item = draft_disbursement(
        session,
        unit_id=funded["fund"].id,
        user_id=funded["treasurer"].id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            payee_name="Trần Thị Mẹ",
            category_id=heart.id,
            amount=amount,
        ),
    )
    session.commit()
    return item


def _client(app, username: str):
    client = app.test_client()
    page = client.get("/auth/login")
    signed = client.post(
        "/auth/login",
        data={"username": username, "password": PASSWORD, **form_tokens(page.text)},
    )
    assert signed.status_code == 302
    return client


def _post(client, url: str, show: str, **data):
    return client.post(url, data={**form_tokens(client.get(show).text), **data})


def _status(session, item_id: int) -> str:
    session.rollback()
    return session.get(Disbursement, item_id, populate_existing=True).status


def _events(session, action: str) -> int:
    session.rollback()
    return session.exec(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    ).scalar_one()


def test_payout_above_the_limit_needs_a_valid_code_to_approve_and_to_pay(app, session, funded):
    """The issue's check: 6.000.000 đ > 5.000.000 đ (the default limit) is refused without a
    code, with a wrong code and with a replayed one, and passes with a valid one."""
    item = _draft(session, funded, 6_000_000)
    show, approve = f"/disbursements/{item.id}", f"/disbursements/{item.id}/approve"
    reviewer = _client(app, "duyet.tt")
    # not enrolled: told to enrol, on the page, nothing approved
    refused = _post(reviewer, approve, show)
    assert refused.status_code == 403
    assert (
        "tài khoản của bạn chưa bật" in refused.text and "/account/second-factor/" in refused.text
    )
    assert _status(session, item.id) == "draft"
    _enrol(session, funded["reviewer"])
    page = reviewer.get(show).text
    assert 'id="approve-code"' in page
    missing = _post(reviewer, approve, show)
    assert missing.status_code == 400
    assert "Phiếu chi trên 5.000.000 đ cần mã xác thực hai lớp" in missing.text
    assert 'id="approve-code"' in missing.text  # still on the page, the form offered again
    wrong = _post(reviewer, approve, show, factor_code="000000")
    assert "Mã xác thực không đúng" in wrong.text
    assert _status(session, item.id) == "draft"
    code = _code_for(session, funded["reviewer"].id)
    assert _post(reviewer, approve, show, factor_code=code).status_code == 302
    assert _status(session, item.id) == "approved"
    assert _events(session, "second_factor.use") == 1
    assert _events(session, "second_factor.fail") == 1
    # paying it: the treasurer's own factor; a code of another user's authenticator is not it
    treasurer = _client(app, "thuquy.a")
    _enrol(session, funded["treasurer"])
    pay = f"/disbursements/{item.id}/pay"
    reviewers_next = _code_for(session, funded["reviewer"].id)
    assert _post(treasurer, pay, show, paid_on="05/06/2018").status_code == 400
    assert _post(treasurer, pay, show, paid_on="05/06/2018", factor_code=reviewers_next)
    assert _status(session, item.id) == "approved"
    code = _code_for(session, funded["treasurer"].id)
    paid = _post(treasurer, pay, show, paid_on="05/06/2018", factor_code=code)
    assert paid.status_code == 302
    assert _status(session, item.id) == "paid"
    # the same code again (another payout, a replayed form with a new key) is refused
    second = _draft(session, funded, 1_000_000)
    second.amount = 5_000_001
    session.commit()
    other_show = f"/disbursements/{second.id}"
    again = _post(reviewer, f"{other_show}/approve", other_show, factor_code=code)
    assert again.status_code == 400 and _status(session, second.id) == "draft"


def test_below_the_limit_no_code_is_asked(app, session, funded):
    item = _draft(session, funded, 5_000_000)  # the limit itself: not above it
    show = f"/disbursements/{item.id}"
    reviewer = _client(app, "duyet.tt")
    assert 'id="approve-code"' not in reviewer.get(show).text
    assert _post(reviewer, f"{show}/approve", show).status_code == 302
    treasurer = _client(app, "thuquy.a")
    assert _post(treasurer, f"{show}/pay", show, paid_on="05/06/2018").status_code == 302
    assert _status(session, item.id) == "paid"


def test_the_admin_sets_the_limit_and_the_change_is_audited(app, session, funded, make_user):
    make_user("quantri", "admin", "HN")
    admin = _client(app, "quantri")
    page = admin.get("/admin/settings").text
    assert 'name="second_factor_above"' in page and 'value="5000000"' in page
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page))
    fields.update(words_linh="linh", second_factor_above="20.000.000 đ")
    assert admin.post("/admin/settings", data=fields).status_code == 302
    session.rollback()
    assert session.get(Setting, "second_factor_above").value == "20000000"
    assert _events(session, "settings.update") == 1
    item = _draft(session, funded, 6_000_000)
    show = f"/disbursements/{item.id}"
    assert _post(_client(app, "duyet.tt"), f"{show}/approve", show).status_code == 302


def test_wrong_codes_lock_the_factor_in_the_database(app, session, funded):
    item = _draft(session, funded, 6_000_000)
    show, approve = f"/disbursements/{item.id}", f"/disbursements/{item.id}/approve"
    _enrol(session, funded["reviewer"])
    reviewer = _client(app, "duyet.tt")
    for _ in range(factors.MAX_FAILURES):
        assert _post(reviewer, approve, show, factor_code="123456").status_code == 400
    session.rollback()
    factor = session.get(SecondFactor, funded["reviewer"].id, populate_existing=True)
    assert factor.locked_until is not None and factor.locked_until > utcnow()
    assert _events(session, "second_factor.fail") == factors.MAX_FAILURES
    assert _events(session, "second_factor.locked_out") == 1
    code = _code_for(session, funded["reviewer"].id)
    locked = _post(reviewer, approve, show, factor_code=code)
    assert locked.status_code == 429 and "quá nhiều lần" in locked.text
    assert _status(session, item.id) == "draft"


def test_lock_out_window_and_expiry(session, funded):
    """Failures older than the window start a new count; a lock ends after its 15 minutes."""
    user = funded["reviewer"]
    _enrol(session, user)
    start = utcnow()
    for minute in (0, 5, 10, 16, 20):  # the fourth is outside the first's window
        factors.record_failure(
            session, user_id=user.id, now=start + timedelta(minutes=minute), purpose="t"
        )
    factor = session.get(SecondFactor, user.id)
    assert factor.locked_until is None and factor.failures == 2
    for minute in (21, 22, 23):
        factors.record_failure(
            session, user_id=user.id, now=start + timedelta(minutes=minute), purpose="t"
        )
    assert factor.locked_until == start + timedelta(minutes=23 + 15)
    after = factor.locked_until + timedelta(seconds=1)
    with pytest.raises(SecondFactorLocked):
        factors.verify_code(
            session, user_id=user.id, code="000000", now=after - timedelta(seconds=2), purpose="t"
        )
    right = _code_at(factor.secret, after)
    assert factors.verify_code(session, user_id=user.id, code=right, now=after, purpose="t")


def test_a_code_is_not_accepted_twice_and_a_recovery_code_works_once(session, funded):
    user = funded["reviewer"]
    codes = _enrol(session, user)
    assert len(codes) == factors.RECOVERY_CODES and len(set(codes)) == len(codes)
    factor = session.get(SecondFactor, user.id)
    now = utcnow() + timedelta(seconds=60)  # a step after the one enrolment used
    code = _code_at(factor.secret, now)
    assert factors.verify_code(session, user_id=user.id, code=code, now=now, purpose="t")
    with pytest.raises(SecondFactorWrong):
        factors.verify_code(session, user_id=user.id, code=code, now=now, purpose="t")
    # stored hashed, never as typed
    stored = session.exec(select(factors.RecoveryCode.code_hash)).scalars().all()
    assert all(h.startswith("$argon2") for h in stored)
    assert not any(c.replace("-", "") in h for c in codes for h in stored)
    typed = codes[3].upper().replace("-", " ")  # read aloud, typed without care
    assert factors.verify_code(session, user_id=user.id, code=typed, now=now, purpose="t") == (
        "recovery"
    )
    with pytest.raises(SecondFactorWrong):
        factors.verify_code(session, user_id=user.id, code=codes[3], now=now, purpose="t")
    assert factors.recovery_codes_left(session, user.id) == factors.RECOVERY_CODES - 1


def test_admin_sign_in_needs_the_factor(app, session, make_user):
    app.config["ADMIN_SECOND_FACTOR"] = True
    admin_user = make_user("quantri", "admin", "HN")
    make_user("duyet.hn", "reviewer", "HN")
    client = app.test_client()
    page = client.get("/auth/login")
    form = {"username": "quantri", "password": PASSWORD, **form_tokens(page.text)}
    signed = client.post("/auth/login?next=/admin/users", data=form)
    assert signed.headers["Location"].endswith("/auth/second-factor/")
    # the password alone opens nothing
    assert client.get("/admin/users").headers["Location"].startswith("/auth/login")
    # no factor yet: the QR code and the secret, confirmed by a first code
    step = client.get("/auth/second-factor/").text
    assert "<svg" in step and "otpauth" not in step
    secret = re.search(r'id="factor-secret">([A-Z2-7 ]+)<', step).group(1).replace(" ", "")
    wrong = client.post("/auth/second-factor/", data={**form_tokens(step), "code": "000000"})
    assert wrong.status_code == 400 and "Mã xác thực không đúng" in wrong.text
    code = pyotp.TOTP(secret).now()
    done = client.post("/auth/second-factor/", data={**form_tokens(step), "code": code})
    assert done.status_code == 200 and done.text.count("<code>") == factors.RECOVERY_CODES
    assert 'href="/admin/users"' in done.text
    assert client.get("/admin/users").status_code == 200
    assert _events(session, "second_factor.enrol") == 1
    # the next sign-in asks for a code (a replayed one is refused)
    again = app.test_client()
    page = again.get("/auth/login")
    again.post("/auth/login", data={**form, **form_tokens(page.text)})
    step = again.get("/auth/second-factor/").text
    assert "<svg" not in step
    replay = again.post("/auth/second-factor/", data={**form_tokens(step), "code": code})
    assert replay.status_code == 400
    assert again.get("/").headers["Location"].startswith("/auth/login")
    fresh = _code_for(session, admin_user.id)
    ok = again.post("/auth/second-factor/", data={**form_tokens(step), "code": fresh})
    assert ok.status_code == 302 and again.get("/").status_code == 200
    # a reviewer signs in with the password alone
    assert _client(app, "duyet.hn").get("/").status_code == 200


def test_switching_off_needs_a_code_and_an_admin_reset_is_audited(app, session, funded, make_user):
    _enrol(session, funded["reviewer"])
    reviewer = _client(app, "duyet.tt")
    page = reviewer.get("/account/second-factor/").text
    assert 'id="factor-status"' in page and "Còn 10 mã khôi phục" in page
    off = reviewer.post("/account/second-factor/disable", data={**form_tokens(page), "code": "1"})
    assert off.status_code == 400 and session.get(SecondFactor, funded["reviewer"].id)
    # an admin of another district cannot see or reset it; the district's admin can
    make_user("quantri.px", "admin", "TT-DUNGTIEN")
    make_user("quantri.tt", "admin", "TT")
    url = f"/admin/users/{funded['reviewer'].id}/second-factor/reset"
    outsider = _client(app, "quantri.px")
    assert outsider.post(url, data=form_tokens(outsider.get("/").text)).status_code == 404
    admin = _client(app, "quantri.tt")
    edit = admin.get(f"/admin/users/{funded['reviewer'].id}").text
    assert url in edit
    assert admin.post(url, data=form_tokens(edit)).status_code == 302
    session.rollback()
    assert session.get(SecondFactor, funded["reviewer"].id, populate_existing=True) is None
    reset = session.exec(
        select(AuditEvent).where(AuditEvent.action == "second_factor.reset")
    ).scalar_one()
    assert reset.object_id == funded["reviewer"].id and reset.user_id != reset.object_id
