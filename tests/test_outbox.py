"""E-mail: ``send-mail`` composes each reminder and summary once and delivers it through a
real SMTP server (aiosmtpd on a free port), retries after a failure, carries attachments
intact, keeps Vietnamese in headers, and never lets a name or address add a header or a
recipient; the outbox page lists messages of the admin's scope."""

from __future__ import annotations

import email
import socket
import threading
from datetime import date, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update
from sqlmodel import select

from ledger import mailer
from ledger.models import AuditEvent, OutboxMessage, User, utcnow
from ledger.services import mail_compose
from ledger.services.mail_settings import set_mail_settings
from ledger.services.outbox import Attachment, Draft, enqueue
from ledger.services.units import find_unit


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message) per delivery."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.received if rcpt == [address]]


@pytest.fixture
def smtp(app):
    """A real SMTP server on a free port, and the app configured to send through it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_FROM="Quỹ BTTE <quy@example.vn>"
    )
    yield inbox
    controller.stop()


def _staff(session, make_user, username, role, unit_code, address, language="vi", **more):
    user = make_user(username, role, unit_code, full_name=more.pop("full_name", username))
    set_mail_settings(
        session, user_id=user.id, actor_id=None, email=address, language=language, **more
    )
    session.commit()
    return user


def _fresh(session, model, key):
    """The row as the database holds it now (others committed since this session read it)."""
    session.rollback()
    session.expire_all()
    return session.get(model, key)


def _send(runner, *args):
    return runner.invoke(args=["send-mail", *args])


def test_each_reminder_is_delivered_once_even_when_send_mail_runs_twice(
    runner, session, make_user, smtp
):
    # the 2018 calendar: "Báo cáo 6 tháng" due 15/05/2018; the district holds the campaign,
    # every commune a quota: each owes the report
    _staff(session, make_user, "duyet.tt", "reviewer", "TT", "duyet@tt.example.vn")
    _staff(session, make_user, "thuquy.cd", "treasurer", "TT-CHUONGDUONG", "cd@example.vn", "en")
    _staff(session, make_user, "kiemtoan", "auditor", "TT", "kt@example.vn")  # not staff
    make_user("thuquy.dt", "treasurer", "TT-DUNGTIEN")  # no address: nothing to send to

    assert _send(runner, "--today", "01/05/2018").exit_code == 0  # 14 days before: nothing
    assert smtp.received == []
    for _ in range(2):
        result = _send(runner, "--today", "08/05/2018")
        assert result.exit_code == 0, result.output
    assert sorted(rcpt[0] for rcpt, _m in smtp.received) == ["cd@example.vn", "duyet@tt.example.vn"]
    [vi] = smtp.to("duyet@tt.example.vn")
    assert vi["Subject"] == (
        "Nhắc hạn nộp Báo cáo 6 tháng — Vận động Quỹ Bảo trợ trẻ em huyện Thường Tín năm 2018: "
        "hạn 15/05/2018"
    )
    body = vi.get_body(("plain",)).get_content()
    assert "Huyện Thường Tín cần nộp Báo cáo 6 tháng" in body and "Còn 7 ngày đến hạn." in body
    [en] = smtp.to("cd@example.vn")
    assert (
        en["Subject"].startswith("Reminder: Báo cáo 6 tháng") and "due 15/05/2018" in en["Subject"]
    )
    assert "7 days left" in en.get_body(("plain",)).get_content()

    # the day before: the 1-day reminder, once; run twice again
    for _ in range(2):
        assert _send(runner, "--today", "14/05/2018").exit_code == 0
    assert len(smtp.to("duyet@tt.example.vn")) == 2 and len(smtp.to("cd@example.vn")) == 2
    assert session.exec(select(OutboxMessage).where(OutboxMessage.status != "sent")).all() == []


def test_a_refused_connection_leaves_the_message_queued_and_a_later_run_delivers_it(
    app, runner, session, make_user, smtp
):
    user = _staff(session, make_user, "duyet.tt", "reviewer", "TT", "duyet@tt.example.vn")
    live_port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = _free_port()  # nothing listens there: connection refused

    result = _send(runner, "--today", "14/05/2018")
    assert result.exit_code == 1 and "lỗi 1" in result.output
    session.rollback()
    [message] = session.exec(select(OutboxMessage).where(OutboxMessage.user_id == user.id)).all()
    assert (message.status, message.attempts) == ("queued", 1)
    assert "ConnectionRefused" in message.last_error and message.next_attempt_at > utcnow()

    app.config["SMTP_PORT"] = live_port
    assert _send(runner, "--today", "14/05/2018").exit_code == 0
    assert smtp.received == []  # not due again yet: the wait after a failure holds
    session.execute(
        update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )  # time passes
    session.commit()
    assert _send(runner, "--today", "15/05/2018").exit_code == 0
    assert _send(runner, "--today", "15/05/2018").exit_code == 0
    assert len(smtp.to("duyet@tt.example.vn")) == 1
    message = _fresh(session, OutboxMessage, message.id)
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    assert message.sent_at is not None


def test_an_attachment_arrives_intact_with_vietnamese_headers_and_no_injected_header(
    runner, session, make_user, smtp, monkeypatch
):
    user = _staff(session, make_user, "thuquy.cd", "treasurer", "TT-CHUONGDUONG", "cd@example.vn")
    # a name typed with a line break and a header behind it (written past the service)
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(full_name="Nguyễn Thị Ánh\r\nBcc: victim@evil.example\r\n\r\nchèn")
    )
    session.commit()
    document = bytes(range(256)) * 300 + "Báo cáo đã nộp".encode()

    def filed(session, context):  # stands for the filing work's "filed report" composer
        for row in session.exec(select(User).where(User.email != "")):
            yield Draft(
                dedupe_key=f"filed:1:{row.id}",
                purpose="filed",
                user_id=row.id,
                to_address=row.email,
                to_name=row.full_name,
                subject="Báo cáo 6 tháng của Xã Chương Dương đã nộp\r\nBcc: victim@evil.example",
                body_text="Kính gửi Huyện Thường Tín,\nXã Chương Dương gửi báo cáo đính kèm.\n",
                body_html="<p>Xã Chương Dương gửi <b>báo cáo</b> đính kèm.</p>",
                attachments=(
                    Attachment("Báo cáo 6 tháng — Chương Dương.docx", "application/pdf", document),
                ),
            )

    monkeypatch.setitem(mail_compose.COMPOSERS, "filed", filed)
    assert _send(runner, "--today", "01/03/2018").exit_code == 0
    assert _send(runner, "--today", "01/03/2018").exit_code == 0
    [(rcpt, message)] = smtp.received
    assert rcpt == ["cd@example.vn"]  # the envelope: only the stored address
    assert "Bcc" not in message and message.get_all("To") == [message["To"]]
    assert message["To"].addresses[0].addr_spec == "cd@example.vn"
    shown = message["To"].addresses[0].display_name
    assert shown == "Nguyễn Thị Ánh Bcc: victim@evil.example chèn"  # one line, a name only
    assert message["Subject"] == (
        "Báo cáo 6 tháng của Xã Chương Dương đã nộp Bcc: victim@evil.example"
    )
    assert "Chương Dương gửi báo cáo" in message.get_body(("plain",)).get_content()
    assert "<b>báo cáo</b>" in message.get_body(("html",)).get_content()
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "Báo cáo 6 tháng — Chương Dương.docx"
    assert part.get_content_type() == "application/pdf"
    assert part.get_payload(decode=True) == document


def _queue(session, user, count: int) -> None:
    """``count`` plain test messages for ``user``, subjects "Thư 0", "Thư 1", …"""
    for n in range(count):
        enqueue(
            session,
            Draft(
                dedupe_key=f"test:{user.id}:{n}",
                purpose="test",
                user_id=user.id,
                to_address=user.email,
                subject=f"Thư {n}",
                body_text="Nội dung",
            ),
        )


def test_two_runs_at_once_send_each_queued_message_once(app, session, make_user, smtp):
    users = [
        _staff(session, make_user, f"u{i}", "treasurer", "TT-CHUONGDUONG", f"u{i}@example.vn")
        for i in range(3)
    ]
    for user in users:
        _queue(session, user, 4)
    session.commit()
    settings = mailer.SmtpSettings.from_config(app.config)
    context = mail_compose.Context(today=date(2018, 3, 1))
    start = threading.Barrier(2)
    reports = []

    def one_run():
        start.wait()
        reports.append(mailer.run(app.config["DATABASE_URL"], settings, context, compose=False))

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(smtp.received) == 12 and sum(r.sent for r in reports) == 12
    keys = sorted((rcpt[0], m["Subject"]) for rcpt, m in smtp.received)
    assert len(set(keys)) == 12


def test_the_weekly_summary_goes_once_a_week_to_those_who_asked(
    runner, session, make_user, make_receipt, smtp
):
    make_receipt(amount=10_000_000, on=date(2018, 1, 5))
    session.commit()
    _staff(
        session, make_user, "duyet.tt", "reviewer", "TT", "duyet@tt.example.vn", weekly_summary=True
    )
    _staff(
        session,
        make_user,
        "thuquy.cd",
        "treasurer",
        "TT-CHUONGDUONG",
        "cd@example.vn",
        "en",
        weekly_summary=True,
    )
    _staff(session, make_user, "other", "reviewer", "TT", "other@example.vn")  # did not ask

    assert _send(runner, "--today", "01/03/2018").exit_code == 0  # Thursday, week 9
    assert _send(runner, "--today", "04/03/2018").exit_code == 0  # Sunday, same week
    [district] = smtp.to("duyet@tt.example.vn")
    assert district["Subject"] == "Tóm tắt tiến độ vận động tuần 09/2018 — Huyện Thường Tín"
    text = district.get_body(("plain",)).get_content()
    assert "Đã thu: 10.000.000 đ / chỉ tiêu 200.000.000 đ (5,0%)" in text
    assert "- Xã Chương Dương: 10.000.000 đ / chỉ tiêu 10.000.000 đ (100,0%)" in text
    [commune] = smtp.to("cd@example.vn")
    assert commune["Subject"].startswith("Weekly campaign progress, week 09/2018")
    text = commune.get_body(("plain",)).get_content()  # its own figures against its quota
    assert "Collected: 10,000,000 đ of a target of 10,000,000 đ (100.0%)" in text
    assert smtp.to("other@example.vn") == []

    assert _send(runner, "--today", "05/03/2018").exit_code == 0  # Monday: a new week
    assert len(smtp.to("duyet@tt.example.vn")) == 2


def test_the_account_page_sets_a_checked_address_language_and_summary(
    client, login, submit, session, make_user
):
    user = make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.cd")
    bad = submit(
        "/account/mail",
        {"email": "cd@example.vn\r\nBcc: victim@evil.example", "language": "vi"},
    )
    assert bad.status_code == 200 and "Địa chỉ e-mail: Địa chỉ e-mail" in bad.text
    assert "victim@evil.example" in bad.text  # the typed value is kept on the form
    alone = submit("/account/mail", {"email": "", "language": "vi", "weekly_summary": "y"})
    assert alone.status_code == 400 and "hãy nhập địa chỉ e-mail" in alone.text
    assert _fresh(session, User, user.id).email == ""

    done = submit(
        "/account/mail",
        {"email": " Thuquy.CD@Example.VN ", "language": "en", "weekly_summary": "y"},
    )
    assert done.status_code == 302
    stored = _fresh(session, User, user.id)
    assert (stored.email, stored.language, stored.weekly_summary) == (
        "Thuquy.CD@example.vn",
        "en",
        True,
    )
    assert "E-mail settings saved." in client.get("/account/mail").text  # now in English
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.mail_settings")).one()
    assert event.object_id == user.id and "Thuquy.CD@example.vn" in event.after


def test_the_admin_sets_the_address_and_the_outbox_lists_only_the_scope(
    client, login, submit, session, make_user, runner, app
):
    make_user("qt.tt", "admin", "TT")
    make_user("qt.px", "admin", "HN")
    target = make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    login("qt.tt")
    url = f"/admin/users/{target.id}"
    form = {
        "role": "treasurer",
        "unit_id": str(find_unit(session, "TT-CHUONGDUONG").id),
        "active": "y",
        "language": "vi",
        "full_name": "Thủ quỹ",
    }
    bad = submit(url, {**form, "email": "khong-phai-dia-chi"})
    assert bad.status_code == 200 and "không hợp lệ" in bad.text
    assert submit(url, {**form, "email": "cd@example.vn"}).status_code == 302
    assert _fresh(session, User, target.id).email == "cd@example.vn"

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port(), SMTP_FROM="q@example.vn")
    assert runner.invoke(args=["send-mail", "--today", "14/05/2018"]).exit_code == 1
    session.rollback()
    session.execute(update(OutboxMessage).values(status="failed", claim=""))
    session.commit()
    page = client.get("/admin/outbox/")
    assert page.status_code == 200 and "cd@example.vn" in page.text
    assert "Gửi không được" in page.text and "ConnectionRefused" in page.text
    [message] = session.exec(select(OutboxMessage)).all()
    again = submit("/admin/outbox/", {}, post_url=f"/admin/outbox/{message.id}/requeue")
    assert again.status_code == 302
    assert _fresh(session, OutboxMessage, message.id).status == "queued"


def test_a_message_whose_run_died_while_sending_is_never_resent_by_itself(
    app, runner, session, make_user, smtp
):
    user = _staff(session, make_user, "duyet.tt", "reviewer", "TT", "duyet@tt.example.vn")
    host = app.config.pop("SMTP_HOST")
    result = _send(runner, "--today", "14/05/2018")  # no server configured: composed, kept
    assert result.exit_code == 1 and "LEDGER_SMTP_HOST" in result.output
    [message] = session.exec(select(OutboxMessage).where(OutboxMessage.user_id == user.id)).all()
    assert (message.status, message.attempts) == ("queued", 0)
    # a run claimed it and was killed while talking to the server, 31 minutes ago
    session.rollback()
    session.execute(
        update(OutboxMessage).values(
            status="sending", claim="dead", attempts=1, claimed_at=utcnow() - timedelta(minutes=31)
        )
    )
    session.commit()
    app.config["SMTP_HOST"] = host
    result = _send(runner, "--no-compose")
    assert "1 thư bị gián đoạn" in result.output and smtp.received == []
    message = _fresh(session, OutboxMessage, message.id)
    assert message.status == "failed" and "may have been delivered" in message.last_error
    assert _send(runner, "--no-compose").exit_code == 0 and smtp.received == []


def test_a_composer_that_fails_stops_nothing_already_queued(
    runner, session, make_user, smtp, monkeypatch
):
    user = _staff(session, make_user, "duyet.tt", "reviewer", "TT", "duyet@tt.example.vn")
    queued = Draft(
        dedupe_key="test:1",
        purpose="test",
        user_id=user.id,
        to_address=user.email,
        subject="Thư đã xếp hàng",
        body_text="…",
    )
    enqueue(session, queued)
    session.commit()

    def too_big(session, context):
        yield Draft(
            dedupe_key="test:2",
            purpose="test",
            user_id=user.id,
            to_address=user.email,
            subject="Quá lớn",
            body_text="…",
            attachments=(Attachment("a.pdf", "application/pdf", b"0" * (16 * 1024 * 1024)),),
        )

    monkeypatch.setitem(mail_compose.COMPOSERS, "too_big", too_big)
    result = _send(runner, "--today", "01/03/2018")
    assert result.exit_code == 1 and "vượt quá 15 MB" in result.output
    assert [m["Subject"] for _r, m in smtp.received] == ["Thư đã xếp hàng"]


def test_a_batch_sends_nothing_released_as_interrupted_meanwhile(app, session, make_user, smtp):
    """A run claims a batch; while it sends the first messages, a second run finds the last one's
    claim old and releases it as interrupted (an admin may requeue it): the first run must not
    send it after all."""
    from ledger.engine import session_scope
    from ledger.services import outbox

    user = _staff(session, make_user, "duyet.tt", "reviewer", "TT", "duyet@tt.example.vn")
    _queue(session, user, 2)
    session.commit()
    url = app.config["DATABASE_URL"]
    with session_scope(url) as claiming:
        claimed = outbox.claim_due(claiming, now=utcnow())
        claiming.execute(update(OutboxMessage).values(claimed_at=utcnow() - timedelta(minutes=29)))
    assert len(claimed) == 2
    (first, _), (second, _) = claimed
    with session_scope(url) as other_run:  # the second run, two minutes on
        other_run.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == second)
            .values(claimed_at=utcnow() - timedelta(minutes=31))
        )
        assert outbox.release_stale(other_run, now=utcnow()) == 1
    report = mailer.RunReport(queued={})
    settings = mailer.SmtpSettings.from_config(app.config)
    assert mailer._send_batch(url, settings, claimed, report)
    assert [m["Subject"] for _rcpt, m in smtp.received] == ["Thư 0"]
    assert (report.sent, report.skipped) == (1, 1)
    assert _fresh(session, OutboxMessage, first).status == "sent"
    left = _fresh(session, OutboxMessage, second)
    assert left.status == "failed" and "may have been delivered" in left.last_error
