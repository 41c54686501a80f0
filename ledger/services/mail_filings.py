"""The e-mail the filing workflow sends: a filed report to the level above with its .docx and
PDF attached, and the "not filed" summary the level above gets once a report's due date has
passed. Both are composers of ``send-mail`` (see ``mail_compose``): each message once per
filing or period and recipient, in the recipient's language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlmodel import Session, col, select

from ..dates import format_date
from ..errors import _l
from ..models import Campaign, FiledReport, ReportPeriod, Unit, User
from ..vocab import Role
from .filing_status import LATE, RETURNED, filed_documents, period_filings
from .mail_compose import GREETING, Context, Writer, _recipients, _signature, composer, writer
from .outbox import Attachment, Draft

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: filings this recent are mailed (a filing is mailed on the first run after it; the window
#: only bounds what a run reads)
FILED_WINDOW = timedelta(days=14)
#: the "not filed" summary goes out on the first run within this many days after the due date
LATE_WINDOW = timedelta(days=30)
#: who at the level above receives filings and summaries: those who may return a report
RECEIVERS = (Role.ADMIN, Role.REVIEWER)

FILED_SUBJECT = _l("%(unit)s đã nộp %(report)s (số %(number)s)")
FILED_BODY = _l(
    "%(unit)s đã nộp %(report)s của %(campaign)s, số %(number)s, ngày %(day)s. Văn bản "
    "(.docx và PDF) được gửi kèm thư này."
)
FILED_LATE = _l("Báo cáo nộp sau hạn %(due)s.")
FILED_LINK = _l("Xem và trả lại báo cáo (nếu cần): %(url)s")
NOT_FILED_SUBJECT = _l("Đơn vị chưa nộp %(report)s — %(campaign)s (hạn %(due)s)")
NOT_FILED_BODY = _l("Đến hết hạn %(due)s, các đơn vị sau chưa nộp %(report)s của %(campaign)s:")
NOT_FILED_ROW = _l("%(unit)s: chưa nộp")
RETURNED_ROW = _l("%(unit)s: bị trả lại, chưa nộp lại")
STATUS_LINK = _l("Tình hình nộp báo cáo: %(url)s")


def receivers(session: Session, unit_id: int) -> list[User]:
    """Active admins and reviewers of the receiving unit who gave an address."""
    return _recipients(session, [unit_id], roles=[r.value for r in RECEIVERS])


@composer("filed")
def filed_reports(session: Session, context: Context) -> Iterator[Draft]:
    """Each standing filing of the last two weeks, to each receiver at the level above, with
    the frozen documents attached."""
    since = context.today - FILED_WINDOW
    filings = session.exec(
        select(FiledReport, ReportPeriod, Campaign)
        .join(ReportPeriod, col(ReportPeriod.id) == FiledReport.period_id)
        .join(Campaign, col(Campaign.id) == ReportPeriod.campaign_id)
        .where(FiledReport.status == "filed", FiledReport.filed_on >= since)
        .where(FiledReport.filed_on <= context.today)
        .order_by(col(FiledReport.id))
    ).all()
    for filing, period, campaign in filings:
        people = receivers(session, filing.to_unit_id)
        if not people:
            continue
        files = filed_documents(session, filing.id)
        assert files is not None  # the row was just read
        attachments = (
            Attachment(files.docx_name, DOCX, files.docx),
            Attachment(files.pdf_name, "application/pdf", files.pdf),
        )
        for user in people:
            yield _filed(user, filing, period, campaign, files.from_unit, attachments, context)


def _filed(
    user: User,
    filing: FiledReport,
    period: ReportPeriod,
    campaign: Campaign,
    unit: Unit,
    attachments: tuple[Attachment, ...],
    ctx: Context,
) -> Draft:
    w = writer(user.language)
    names = {"unit": unit.name, "report": period.name, "number": filing.number}
    lines = [
        w(GREETING, name=user.full_name or user.username),
        "",
        w(FILED_BODY, campaign=campaign.name, day=format_date(filing.filed_on), **names),
    ]
    if filing.late:
        lines.append(w(FILED_LATE, due=format_date(period.due)))
    if ctx.base_url:
        lines.append(w(FILED_LINK, url=f"{ctx.base_url.rstrip('/')}/filings/{filing.id}"))
    return Draft(
        dedupe_key=f"filed:{filing.id}:{user.id}",
        purpose="filed",
        user_id=user.id,
        to_address=user.email,
        to_name=user.full_name,
        subject=w(FILED_SUBJECT, **names),
        body_text="\n".join([*lines, *_signature(w, ctx)]) + "\n",
        language=w.lang,
        attachments=attachments,
    )


@composer("not_filed")
def not_filed_summaries(session: Session, context: Context) -> Iterator[Draft]:
    """Once a period's due date has passed: to each receiver of the campaign's unit, the units
    that have not filed (or were returned and have not refiled); nothing when all filed."""
    periods = session.exec(
        select(ReportPeriod, Campaign)
        .join(Campaign, col(Campaign.id) == ReportPeriod.campaign_id)
        .where(ReportPeriod.due < context.today)
        .where(ReportPeriod.due >= context.today - LATE_WINDOW)
        .order_by(col(ReportPeriod.due), col(ReportPeriod.id))
    ).all()
    for period, campaign in periods:
        missing = [
            f
            for f in period_filings(session, period=period, today=context.today)
            if f.state in (LATE, RETURNED)
        ]
        if not missing:
            continue
        for user in receivers(session, campaign.unit_id):
            yield _not_filed(user, period, campaign, missing, context)


def _not_filed(user: User, period: ReportPeriod, campaign: Campaign, missing, ctx) -> Draft:
    w: Writer = writer(user.language)
    names = {"report": period.name, "campaign": campaign.name, "due": format_date(period.due)}
    lines = [w(GREETING, name=user.full_name or user.username), "", w(NOT_FILED_BODY, **names)]
    for row in missing:
        template = RETURNED_ROW if row.state == RETURNED else NOT_FILED_ROW
        lines.append("  - " + w(template, unit=row.unit.name))
    if ctx.base_url:
        url = f"{ctx.base_url.rstrip('/')}/filings/periods/{period.id}"
        lines.append(w(STATUS_LINK, url=url))
    return Draft(
        dedupe_key=f"not_filed:{period.id}:{user.id}",
        purpose="not_filed",
        user_id=user.id,
        to_address=user.email,
        to_name=user.full_name,
        subject=w(NOT_FILED_SUBJECT, **names),
        body_text="\n".join([*lines, *_signature(w, ctx)]) + "\n",
        language=w.lang,
    )
