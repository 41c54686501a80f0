"""The filing workflow's e-mail, through a real SMTP server: a filed report reaches the level
above with its .docx and PDF attached, a unit that filed is no longer reminded, and once the
due date has passed the level above learns which units have not filed, each message once."""

from __future__ import annotations

from datetime import date

from ledger.services.mail_settings import set_mail_settings
from tests.conftest import PASSWORD, form_tokens
from tests.test_evidence import PDF, _files, _upload
from tests.test_filings import _file, world  # noqa: F401 - fixture
from tests.test_outbox import _send, smtp  # noqa: F401 - fixture


def _address(session, user, address: str, language: str = "vi") -> None:
    set_mail_settings(session, user_id=user.id, actor_id=None, email=address, language=language)


def test_a_filed_report_is_mailed_up_with_its_documents_and_the_late_units_are_named_once(
    runner, session, world, smtp, make_user
):
    _address(session, world["reviewer"], "duyet@tt.example.vn")  # the district: receives
    _address(session, world["treasurer"], "cd@example.vn", "en")  # Chương Dương: files
    _address(session, make_user("thuquy.dt", "treasurer", "TT-DUNGTIEN"), "dt@example.vn")
    session.commit()
    filing = _file(session, world, today=date(2018, 5, 10))
    session.commit()

    for _ in range(2):  # the day before the due date, twice
        result = _send(runner, "--today", "14/05/2018")
        assert result.exit_code == 0, result.output
    # Chương Dương filed: no reminder for it; Dũng Tiến has not: reminded
    assert smtp.to("cd@example.vn") == []
    assert len(smtp.to("dt@example.vn")) == 1
    up = [m for m in smtp.to("duyet@tt.example.vn") if "đã nộp" in m["Subject"]]
    assert len(up) == 1
    [mail] = up
    assert mail["Subject"] == f"Xã Chương Dương đã nộp Báo cáo 6 tháng (số {filing.number})"
    attached = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    assert sorted(name.rsplit(".", 1)[1] for name in attached) == ["docx", "pdf"]
    assert filing.docx in attached.values() and filing.pdf in attached.values()

    # after the due date: the district learns who has not filed, once, without Chương Dương
    for _ in range(2):
        assert _send(runner, "--today", "16/05/2018").exit_code == 0
    late = [m for m in smtp.to("duyet@tt.example.vn") if "chưa nộp" in m["Subject"]]
    assert len(late) == 1
    body = late[0].get_body(("plain",)).get_content()
    assert "Xã Dũng Tiến: chưa nộp" in body
    assert "Chương Dương" not in body


def test_the_signed_copy_of_a_filed_report_is_kept_as_evidence_within_scope(
    app, client, session, world, login
):
    filing = _file(session, world, today=date(2018, 5, 10))
    session.commit()
    login("thuquy.a")
    page = f"/filings/{filing.id}"
    assert "Chứng từ gốc đính kèm" in client.get(page).text
    sent = _upload(client, page, PDF, "ban-ky-dong-dau.pdf", kind="filed_report")
    assert sent.status_code == 302
    [kept] = _files(session, filing.id, kind="filed_report")
    assert kept.media_type == "application/pdf"
    assert client.get(f"/evidence/{kept.id}").data == PDF
    other = app.test_client()  # another commune's reviewer: neither the report nor its file
    form = form_tokens(other.get("/auth/login").text)
    signed = other.post("/auth/login", data={"username": "duyet.px", "password": PASSWORD, **form})
    assert signed.status_code == 302
    assert other.get(f"/evidence/{kept.id}").status_code == 404
    assert other.get(page).status_code == 404
