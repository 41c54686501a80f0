"""Dates as the ledger reads and writes them: dd/mm/yyyy typed, printed and spelled out.

Plain Python (no Flask, no WTForms): the services, the exports and the command line use it;
``fields.py`` (forms) and ``i18n.py`` (Jinja filters) build on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy or yyyy-mm-dd; None when not a real date in 1900–2100."""
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            value = datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
        return value if 1900 <= value.year <= 2100 else None
    return None


def format_date(value: date | str | None) -> str:
    """dd/mm/yyyy."""
    if isinstance(value, date):  # a datetime is a date too
        return value.strftime("%d/%m/%Y")
    return value or ""


def format_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM (UTC as stored)."""
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def _vietnam() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Ho_Chi_Minh")
    except (ImportError, KeyError, ValueError):  # no tz database: Vietnam keeps UTC+7 all year
        return timezone(timedelta(hours=7), "ICT")


#: where the users are: times stored in UTC are shown in it
VIETNAM = _vietnam()


def format_local_datetime(value: datetime | None) -> str:
    """A UTC time as stored (no tzinfo), shown dd/mm/yyyy HH:MM in Vietnam's time."""
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def long_date(value: date | None) -> str:
    """The voucher's "ngày 15 tháng 05 năm 2018"."""
    return f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}" if value else ""
