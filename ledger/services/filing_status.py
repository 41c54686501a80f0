"""Who filed what: a period's reporting units with their filings (the level above's list and
its workbook), a unit's filed reports, a filing's versions, and a filing as e-mail sends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from ..models import Campaign, FiledReport, Quota, ReportPeriod, Unit
from .unit_order import official_order

#: a reporting unit's state for a period, as the level above's list shows it
FILED, FILED_LATE, RETURNED, NOT_FILED, LATE = (
    "filed",
    "filed_late",
    "returned",
    "not_filed",
    "late",
)


@dataclass(frozen=True)
class UnitFiling:
    """One reporting unit of a period and its latest filing (None: never filed)."""

    unit: Unit
    latest: FiledReport | None
    due: date
    today: date

    @property
    def state(self) -> str:
        if self.latest is None:
            return LATE if self.today > self.due else NOT_FILED
        if self.latest.status == "returned":
            return RETURNED
        return FILED_LATE if self.latest.late else FILED

    @property
    def on_time(self) -> bool | None:
        """For year-end scoring: filed (and standing) by the due date; None while the unit
        may still file on time."""
        if self.state == FILED:
            return True
        if self.state == NOT_FILED:
            return None
        if self.state == RETURNED and self.today <= self.due:
            return None
        return False


def period_filings(session: Session, *, period: ReportPeriod, today: date) -> list[UnitFiling]:
    """The units holding a quota in the period's campaign, in the official order, each with
    its latest filing of the period."""
    units = session.exec(
        select(Unit)
        .join(Quota, col(Quota.unit_id) == Unit.id)
        .where(Quota.campaign_id == period.campaign_id)
        .order_by(*official_order())
    ).all()
    latest: dict[int, FiledReport] = {}
    for filing in session.exec(
        select(FiledReport)
        .where(FiledReport.period_id == period.id)
        .order_by(col(FiledReport.version))
    ).all():
        latest[filing.unit_id] = filing
    return [UnitFiling(u, latest.get(u.id), period.due, today) for u in units]


def standing_filers(session: Session, period_id: int) -> set[int]:
    """The units whose report for the period is filed and not sent back."""
    return set(
        session.exec(
            select(FiledReport.unit_id).where(
                FiledReport.period_id == period_id, FiledReport.status == "filed"
            )
        ).all()
    )


@dataclass(frozen=True)
class FiledItem:
    """A filing with its period and campaign, as a unit's page lists it."""

    filing: FiledReport
    period: ReportPeriod
    campaign: Campaign


def unit_filings(session: Session, unit_id: int, *, limit: int = 50) -> list[FiledItem]:
    """The unit's filings, newest first (every version: returned ones are history)."""
    rows = session.exec(
        select(FiledReport, ReportPeriod, Campaign)
        .join(ReportPeriod, col(ReportPeriod.id) == FiledReport.period_id)
        .join(Campaign, col(Campaign.id) == ReportPeriod.campaign_id)
        .where(FiledReport.unit_id == unit_id)
        .order_by(col(FiledReport.filed_at).desc(), col(FiledReport.id).desc())
        .limit(limit)
    ).all()
    return [FiledItem(f, p, c) for f, p, c in rows]


def filing_versions(session: Session, filing: FiledReport) -> list[FiledReport]:
    """Every version of the same unit's report for the same period, newest first."""
    return list(
        session.exec(
            select(FiledReport)
            .where(FiledReport.unit_id == filing.unit_id, FiledReport.period_id == filing.period_id)
            .order_by(col(FiledReport.version).desc())
        ).all()
    )


@dataclass(frozen=True)
class FiledDocuments:
    """A filed report as it is sent: its files and the unit that receives it."""

    filing_id: int
    number: str
    docx: bytes
    pdf: bytes
    docx_name: str
    pdf_name: str
    from_unit: Unit
    to_unit: Unit


def filed_documents(session: Session, filing_id: int) -> FiledDocuments | None:
    """The frozen .docx and .pdf of a filing and the level above it was filed with (for the
    e-mail that sends it); None when there is no such filing."""
    filing = session.get(FiledReport, filing_id)
    if filing is None:
        return None
    name = file_stem(session, filing)
    return FiledDocuments(
        filing_id=filing.id,
        number=filing.number,
        docx=filing.docx,
        pdf=filing.pdf,
        docx_name=f"{name}.docx",
        pdf_name=f"{name}.pdf",
        from_unit=session.get_one(Unit, filing.unit_id),
        to_unit=session.get_one(Unit, filing.to_unit_id),
    )


def file_stem(session: Session, filing: FiledReport) -> str:
    """ "bao-cao-h1-2026-HN-THUONGTIN-v2": the downloaded file's name without its extension."""
    period = session.get_one(ReportPeriod, filing.period_id)
    unit = session.get_one(Unit, filing.unit_id)
    return f"bao-cao-{period.code}-{period.cutoff.year}-{unit.code}-v{filing.version}"
