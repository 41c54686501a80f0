"""Filing a period's report with the level above, returning it, refiling it.

A unit holding a quota in a campaign (a commune in the province's, a district in the city's
before July 2025) files each of the campaign's period reports with the campaign's unit (the
level above). Filing closes the unit's books (and those of the units under it) through the
period's cut-off, so the figures filed cannot change behind the document, writes the chain
heads down as anchors, prints them in the document, and freezes the .docx and .pdf. The level
above may return a filing with a comment; the unit then files a new version (history kept).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..errors import (
    FilingFieldMissing,
    InvalidReportNumber,
    NotAReportingUnit,
    NotFound,
    NotTheLevelAbove,
    NotYourUnitsReport,
    PeriodNotOver,
    Phrase,
    ReportAlreadyFiled,
    ReportAlreadyReturned,
    ReportNumberTaken,
    _l,
)
from ..exports.filed_report import Paperwork
from ..exports.letters import place
from ..models import Campaign, FiledReport, PeriodLock, ReportPeriod, Unit, utcnow
from ..text import clean, required_reason
from ..vocab import AnchorKind
from .anchors import record_anchors
from .audit import record_event
from .campaigns import quota_holder
from .filing_documents import figures_json, make_documents
from .locks import lock_period
from .units import get_unit, subtree_ids

#: số, ký hiệu of a report: a number, "/BC-", the issuer's abbreviation (NĐ 30/2020 Phụ lục VI)
NUMBER = re.compile(r"^\d{1,6}/BC-[A-ZĐ0-9]{1,20}(-[A-ZĐ0-9]{1,20}){0,3}$")


@dataclass(frozen=True)
class FilingInput:
    """What the unit types on the filing form."""

    number: str
    recipient: str
    signer_title: str
    signer_name: str
    place: str = ""
    difficulties: str = ""
    proposals: str = ""
    copies_to: str = ""


def report_number(text: str) -> str:
    """The typed số, ký hiệu cleaned ("15/bc-ubnd" → "15/BC-UBND"), or InvalidReportNumber."""
    number = clean(text, max_length=60).replace(" ", "").upper()
    if not NUMBER.match(number):
        raise InvalidReportNumber()
    return number


def reporting_period(
    session: Session, *, period_id: int, unit_id: int
) -> tuple[ReportPeriod, Campaign]:
    """The period and its campaign when ``unit_id`` reports in it (holds a quota in the
    campaign), else NotAReportingUnit (NotFound when there is no such period)."""
    period = session.get(ReportPeriod, period_id)
    if period is None:
        raise NotFound()
    campaign = session.get_one(Campaign, period.campaign_id)
    if quota_holder(session, campaign=campaign, unit_id=unit_id) is None:
        raise NotAReportingUnit()
    return period, campaign


def current_filing(session: Session, *, unit_id: int, period_id: int) -> FiledReport | None:
    """The unit's filing of the period that stands (not returned), if any."""
    return session.exec(
        select(FiledReport).where(
            FiledReport.unit_id == unit_id,
            FiledReport.period_id == period_id,
            FiledReport.status == "filed",
        )
    ).first()


def locks_needed(session: Session, *, unit_id: int, through: date) -> list[Unit]:
    """The units under ``unit_id`` (itself included) whose books are not yet closed through
    ``through``: filing closes them (the confirmation form names them)."""
    ids = sorted(subtree_ids(session, unit_id))
    locked: dict[int, date] = {
        lock.unit_id: lock.locked_through
        for lock in session.exec(select(PeriodLock).where(col(PeriodLock.unit_id).in_(ids)))
    }
    # a unit formed after the cut-off is closed too: nothing of it can be dated before then
    units = session.exec(select(Unit).where(col(Unit.id).in_(ids))).all()
    return [u for u in units if locked.get(u.id) is None or locked[u.id] < through]


def file_report(
    session: Session,
    *,
    period_id: int,
    unit_id: int,
    user_id: int,
    user_unit_id: int,
    data: FilingInput,
    today: date,
) -> FiledReport:
    """File ``unit_id``'s report for the period (see the module's docstring); late when filed
    after the due date."""
    if unit_id != user_unit_id:
        raise NotYourUnitsReport()
    period, campaign = reporting_period(session, period_id=period_id, unit_id=unit_id)
    if today <= period.cutoff:
        raise PeriodNotOver(date=period.cutoff.strftime("%d/%m/%Y"))
    number = report_number(data.number)
    standing = current_filing(session, unit_id=unit_id, period_id=period_id)
    if standing is not None:
        raise ReportAlreadyFiled(number=standing.number)
    _number_free(session, unit_id=unit_id, number=number, year=today.year)
    unit = get_unit(session, unit_id)
    paper = _paperwork(unit, number, data, today)
    for closing in locks_needed(session, unit_id=unit_id, through=period.cutoff):
        lock_period(session, unit_id=closing.id, through=period.cutoff, user_id=user_id)
    heads = record_anchors(
        session,
        unit_ids=sorted(subtree_ids(session, unit_id)),
        kind=AnchorKind.REPORT.value,
        ref=f"báo cáo {number} {period.name}",
        user_id=user_id,
    )
    paper = replace(paper, anchors=tuple(h.line() for h in heads))
    made = make_documents(session, period=period, unit=unit, paper=paper)
    filing = FiledReport(
        unit_id=unit_id,
        period_id=period.id,
        to_unit_id=campaign.unit_id,
        version=_next_version(session, unit_id, period.id),
        number=number,
        number_year=today.year,
        place=paper.place,
        recipient=paper.recipient,
        difficulties=paper.difficulties,
        proposals=paper.proposals,
        copies_to="\n".join(paper.copies_to),
        signer_title=paper.signer_title,
        signer_name=paper.signer_name,
        filed_on=today,
        late=today > period.due,
        filed_by_id=user_id,
        anchors="\n".join(paper.anchors),
        figures=figures_json(made.figures),
        locked_through=max(period.cutoff, _locked(session, unit_id)),
        docx=made.docx,
        pdf=made.pdf,
        docx_sha256=hashlib.sha256(made.docx).hexdigest(),
        pdf_sha256=hashlib.sha256(made.pdf).hexdigest(),
    )
    session.add(filing)
    session.flush()
    _audit(session, filing, "report.file", user_id)
    return filing


def return_report(
    session: Session, *, filing_id: int, user_id: int, user_unit_id: int, comment: str
) -> FiledReport:
    """The level above sends a filing back with a comment; the unit may then refile."""
    filing = session.get(FiledReport, filing_id)
    if filing is None:
        raise NotFound()
    if user_unit_id != filing.to_unit_id:
        raise NotTheLevelAbove()
    if filing.status != "filed":
        raise ReportAlreadyReturned()
    filing.return_comment = required_reason(comment, max_length=1000)
    filing.status, filing.returned_by_id, filing.returned_at = "returned", user_id, utcnow()
    session.flush()
    _audit(session, filing, "report.return", user_id)
    return filing


def _paperwork(unit: Unit, number: str, data: FilingInput, today: date) -> Paperwork:
    copies = tuple(
        line
        for line in (clean(x, max_length=200) for x in (data.copies_to or "").splitlines())
        if line
    )
    return Paperwork(
        unit_name=unit.name,
        number=number,
        place=clean(data.place or "", max_length=100) or place(unit),
        day=today,
        recipient=_required(data.recipient, 300, _l("Kính gửi")),
        signer_title=_required(data.signer_title, 100, _l("Chức vụ người ký")),
        signer_name=_required(data.signer_name, 100, _l("Họ và tên người ký")),
        difficulties=_paragraphs(data.difficulties),
        proposals=_paragraphs(data.proposals),
        copies_to=copies[:10],
    )


def _required(text: str, length: int, label: str) -> str:
    value = clean(text, max_length=length)
    if not value:
        raise FilingFieldMissing(field=Phrase(label))
    return value


def _paragraphs(text: str) -> str:
    """Typed text cleaned line by line (at most 4.000 characters)."""
    lines = (clean(line, max_length=2000) for line in (text or "")[:4000].splitlines())
    return "\n".join(line for line in lines if line)


def _number_free(session: Session, *, unit_id: int, number: str, year: int) -> None:
    taken = session.exec(
        select(FiledReport.id).where(
            FiledReport.unit_id == unit_id,
            FiledReport.number_year == year,
            FiledReport.number == number,
        )
    ).first()
    if taken is not None:
        raise ReportNumberTaken(number=number, year=year)


def _next_version(session: Session, unit_id: int, period_id: int) -> int:
    last = session.exec(
        select(func.max(FiledReport.version)).where(
            FiledReport.unit_id == unit_id, FiledReport.period_id == period_id
        )
    ).one()
    return (last or 0) + 1


def _locked(session: Session, unit_id: int) -> date:
    lock = session.get_one(PeriodLock, unit_id)
    return lock.locked_through


def _audit(session: Session, filing: FiledReport, action: str, user_id: int) -> None:
    record_event(
        session,
        action=action,
        user_id=user_id,
        unit_id=filing.unit_id,
        object_type="filedreport",
        object_id=filing.id,
        after={
            "number": filing.number,
            "period_id": filing.period_id,
            "version": filing.version,
            "status": filing.status,
            "late": filing.late,
            "docx_sha256": filing.docx_sha256,
            "pdf_sha256": filing.pdf_sha256,
            "return_comment": filing.return_comment,
        },
    )
