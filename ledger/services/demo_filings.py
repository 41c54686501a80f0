"""The demo's filed reports: Xã Thường Tín filed its 6-month 2026 report with Hà Nội on time;
the other three xã have not (late once past 15/07/2026). Running it twice changes nothing."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from ..models import FiledReport, ReportPeriod, Unit, User
from .campaigns import find_campaign
from .demo_2026 import CITY, YEARLY
from .filings import FilingInput, file_report

FILER = "treasurer.xathuongtin"
FILED_ON = date(2026, 7, 10)


def seed_demo_filings(session: Session, *, today: date | None = None) -> int:
    """File Xã Thường Tín's h1 2026 report (1 when filed now, 0 when there is nothing to do)."""
    today = today or date.today()
    city = session.exec(select(Unit).where(Unit.code == CITY)).first()
    user = session.exec(select(User).where(User.username == FILER)).first()
    campaign = city and find_campaign(session, unit_id=city.id, code=YEARLY[0])
    if not (campaign and user) or today <= FILED_ON:
        return 0
    period = session.exec(
        select(ReportPeriod).where(
            ReportPeriod.campaign_id == campaign.id, ReportPeriod.code == "h1"
        )
    ).first()
    if (
        period is None
        or session.exec(
            select(col(FiledReport.id)).where(
                FiledReport.unit_id == user.unit_id, FiledReport.period_id == period.id
            )
        ).first()
    ):
        return 0
    file_report(
        session,
        period_id=period.id,
        unit_id=user.unit_id,
        user_id=user.id,
        user_unit_id=user.unit_id,
        data=FilingInput(
            number="12/BC-UBND",
            recipient="Ủy ban nhân dân thành phố Hà Nội",
            signer_title="Chủ tịch",
            signer_name="Nguyễn Văn Tín",
            difficulties="Sau sắp xếp đơn vị hành chính, danh sách nhà hảo tâm của các xã cũ "
            "đang được tổng hợp lại.",
            proposals="Đề nghị thành phố hỗ trợ kinh phí phẫu thuật tim cho 2 trẻ em.",
            copies_to="Sở Y tế thành phố Hà Nội",
        ),
        today=FILED_ON,
    )
    return 1
