"""Filed reports: a unit's period report as the signed document it sent to the level above."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel, col

from ..vocab import FilingStatus
from .base import one_of, timestamp

#: a filing's life: filed (the current one) or returned by the level above (kept as history)
FILING_STATUSES = tuple(FilingStatus)


class FiledReport(SQLModel, table=True):
    """One version of a unit's report for a report period, frozen as filed (never edited: a
    return only sets the return columns; a refiling is a new version)."""

    __table_args__ = (
        UniqueConstraint("unit_id", "period_id", "version"),
        # a number (số/ký hiệu) is given once in the unit's register of a year
        UniqueConstraint("unit_id", "number_year", "number"),
        one_of("status", FILING_STATUSES),
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint(
            "status <> 'returned' OR (returned_at IS NOT NULL AND length(return_comment) > 0)",
            name="returned_with_comment",
        ),
    )
    id: int = Field(default=None, primary_key=True)
    #: the unit that files (a quota holder of the period's campaign)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    period_id: int = Field(foreign_key="reportperiod.id", index=True)
    #: the level above that receives it (the campaign's unit, when filed)
    to_unit_id: int = Field(foreign_key="unit.id", index=True)
    version: int = 1
    status: str = Field(default="filed", max_length=20)
    #: số, ký hiệu as printed after "Số:", e.g. ``15/BC-UBND``
    number: str = Field(max_length=60)
    number_year: int
    place: str = Field(max_length=100)
    #: Kính gửi
    recipient: str = Field(max_length=300)
    difficulties: str = Field(default="", sa_type=Text)
    proposals: str = Field(default="", sa_type=Text)
    #: Nơi nhận: one line each, besides "Như trên" and "Lưu: VT"
    copies_to: str = Field(default="", sa_type=Text)
    signer_title: str = Field(max_length=100)
    signer_name: str = Field(max_length=100)
    filed_on: date
    #: filed after the period's due date
    late: bool = False
    filed_by_id: int = Field(foreign_key="user.id")
    filed_at: datetime = timestamp()
    #: the chain heads of the funds at filing time, as printed in the document
    anchors: str = Field(default="", sa_type=Text)
    #: the document's figures as JSON (what the page compares with the books today)
    figures: str = Field(default="{}", sa_type=Text)
    #: the books were closed through this day when filed (the period's cut-off or later)
    locked_through: date
    docx: bytes = Field(sa_type=LargeBinary)
    pdf: bytes = Field(sa_type=LargeBinary)
    #: sha256 of the .docx and of the .pdf, hex
    docx_sha256: str = Field(max_length=64)
    pdf_sha256: str = Field(max_length=64)
    returned_by_id: int | None = Field(default=None, foreign_key="user.id")
    returned_at: datetime | None = timestamp(nullable=True)
    return_comment: str = Field(default="", sa_type=Text)


#: one current (not returned) filing per unit and period
Index(
    "uq_filedreport_current",
    col(FiledReport.unit_id),
    col(FiledReport.period_id),
    unique=True,
    sqlite_where=text("status = 'filed'"),
    postgresql_where=text("status = 'filed'"),
)
