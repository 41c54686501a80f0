"""The figures and the document of a unit's report for a period: what filing freezes, and the
check that the books still give the same figures."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from ..exports.filed_docx import filed_docx
from ..exports.filed_pdf import filed_pdf
from ..exports.filed_report import Paperwork, filed_document, report_figures
from ..models import Account, Entry, FiledReport, Posting, Receipt, ReportPeriod, Unit
from ..vocab import EntryKind, Source
from .reports import PeriodReport, period_report
from .units import subtree_ids

#: entries whose document is a receipt (its source names the line)
_RECEIPT_KINDS = (EntryKind.RECEIPT, EntryKind.RECEIPT_VOID, EntryKind.RECEIPT_CORRECTION)
#: the source an income account stands for when no receipt names it
_ACCOUNT_SOURCE = {
    "donations": Source.DONATION.value,
    "income:budget": Source.BUDGET.value,
    "income:interest": Source.INTEREST.value,
}


def collected_by_source(
    session: Session, *, root_id: int, start: date, end: date
) -> list[tuple[str, int]]:
    """(source, amount) of the money credited to ``root_id``'s subtree between two dates, in
    the order of ``vocab.Source``: the same postings the collected figure sums, so the lines
    add up to it to the đồng."""
    units = sorted(subtree_ids(session, root_id))
    rows = session.exec(
        select(Account.kind, Receipt.source, func.sum(Posting.amount))
        .join(Account, col(Account.id) == Posting.account_id)
        .join(Entry, col(Entry.id) == Posting.entry_id)
        .outerjoin(
            Receipt,
            and_(col(Receipt.id) == Entry.document_id, col(Entry.kind).in_(_RECEIPT_KINDS)),
        )
        .where(
            col(Posting.credit_unit_id).in_(units),
            col(Posting.entry_date).between(start, end),
        )
        .group_by(Account.kind, Receipt.source)
    ).all()
    found: dict[str, int] = {}
    for kind, source, amount in rows:
        name = source or _ACCOUNT_SOURCE.get(kind, Source.OTHER.value)
        found[name] = found.get(name, 0) - int(amount)  # income is credited (negative)
    return [(s.value, found[s.value]) for s in Source if found.get(s.value)]


@dataclass(frozen=True)
class Filed:
    """A report's documents and the figures printed in them."""

    docx: bytes
    pdf: bytes
    figures: dict


def report_of(session: Session, *, period: ReportPeriod, unit_id: int) -> PeriodReport:
    """The period report of ``unit_id`` (a quota holder of the period's campaign)."""
    return period_report(
        session, campaign_id=period.campaign_id, period_id=period.id, focus_id=unit_id
    )


def sources_of(session: Session, report: PeriodReport) -> list[tuple[str, int]]:
    return collected_by_source(
        session,
        root_id=report.progress.unit.id,
        start=report.progress.campaign.starts_on,
        end=report.period.cutoff,
    )


def make_documents(
    session: Session, *, period: ReportPeriod, unit: Unit, paper: Paperwork
) -> Filed:
    """The .docx and .pdf of ``unit``'s report for ``period`` as ``paper`` describes it."""
    report = report_of(session, period=period, unit_id=unit.id)
    sources = sources_of(session, report)
    document = filed_document(report, sources, paper)
    return Filed(filed_docx(document), filed_pdf(document), report_figures(report, sources))


def figures_changed(session: Session, filing: FiledReport) -> list[str]:
    """The figures of a filed report that the books no longer give (none: still the same)."""
    period = session.get_one(ReportPeriod, filing.period_id)
    report = report_of(session, period=period, unit_id=filing.unit_id)
    now = report_figures(report, sources_of(session, report))
    then = json.loads(filing.figures)
    return sorted(key for key in then if then[key] != json.loads(json.dumps(now.get(key))))


def figures_json(figures: dict) -> str:
    return json.dumps(figures, sort_keys=True, ensure_ascii=False)


__all__ = [
    "Filed",
    "collected_by_source",
    "figures_changed",
    "make_documents",
]
