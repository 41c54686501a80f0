"""A donor verifies their own gift on a fund's public page (tra cứu khoản ủng hộ).

The donor gives the voucher number ("17/2026") or the bank reference of their transfer (the
receipt's own reference, or the bank's transaction number on the statement line matched to
it) together with the amount. Only when both match a receipt of that fund is anything shown,
and then only date, amount, fund, campaign and whether it was voided: never a name. Every
guess runs the same single query, so an unknown reference and a known one with another amount
look alike; look-ups are counted per fund and client address in the database and refused past
the limit (``TooManyLookups``)."""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, func, not_, or_, text
from sqlmodel import Session, col, select

from ..errors import TooManyLookups
from ..models import (
    BankMatchEntry,
    BankMatchLine,
    GiftLookupAttempt,
    Receipt,
    StatementLine,
    Unit,
)
from ..text import clean
from .campaigns import covering_campaign
from .standing import receipt_stands, still_stands

#: look-ups allowed per fund and client address within the window
LOOKUP_LIMIT = 10
LOOKUP_WINDOW = timedelta(minutes=10)
#: "17/2026", "số 17/2026", "0017 / 2026"
_VOUCHER = re.compile(r"^(?:số\s*)?0*(\d{1,9})\s*/\s*(\d{4})$")
#: longest reference compared (a statement's bank_ref column)
_MAX_REFERENCE = 100


@dataclass(frozen=True)
class FoundGift:
    """What a donor may see of their own gift (no name, no reason, no note)."""

    number: int
    year: int
    receipt_date: date
    amount: int
    fund_name: str
    campaign_name: str | None
    voided: bool


def client_key(address: str) -> str:
    """The digest kept for a client address (the address itself is not stored). An IPv6
    client is keyed by its /64 prefix: one host is handed a whole /64 and could otherwise
    rotate through addresses to escape the limit."""
    return hashlib.sha256(client_scope(address).encode()).hexdigest()


def client_scope(address: str) -> str:
    """What is counted as one client: an IPv4 address, an IPv6 address's /64 (an IPv4 address
    mapped into IPv6 as that IPv4 address), anything else as given."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _lock_key(unit_id: int, key: str) -> int:
    """A stable 63-bit advisory lock key for one fund and client (positive bigint)."""
    digest = hashlib.sha256(f"gift-lookup:{unit_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1)


def _serialise(session: Session, unit_id: int, key: str) -> None:
    """Make concurrent look-ups of one client at one fund count one after another until the
    transaction ends: on PostgreSQL a transaction-scoped advisory lock (without it, workers
    all counted 9 and all inserted); SQLite already runs one write transaction at a time, and
    the pruning DELETE that follows takes its write lock before the count."""
    if session.get_bind().dialect.name == "postgresql":
        lock = text("SELECT pg_advisory_xact_lock(:k)")
        session.connection().execute(lock, {"k": _lock_key(unit_id, key)})


def admit_lookup(
    session: Session,
    *,
    unit_id: int,
    client: str,
    now: datetime,
    limit: int = LOOKUP_LIMIT,
    window: timedelta = LOOKUP_WINDOW,
) -> None:
    """Count one look-up of ``client`` at ``unit_id``'s fund, or raise ``TooManyLookups``
    (with the minutes to wait) when ``limit`` were made within ``window``; older attempts of
    every fund are pruned on the way."""
    since = now - window
    key = client_key(client)
    _serialise(session, unit_id, key)
    session.exec(delete(GiftLookupAttempt).where(col(GiftLookupAttempt.attempted_at) < since))
    count, oldest = session.exec(
        select(func.count(), func.min(GiftLookupAttempt.attempted_at)).where(
            GiftLookupAttempt.unit_id == unit_id,
            GiftLookupAttempt.client_key == key,
            col(GiftLookupAttempt.attempted_at) >= since,
        )
    ).one()
    if count >= limit:
        wait = (oldest + window - now).total_seconds()
        raise TooManyLookups(minutes=str(max(1, math.ceil(wait / 60))))  # a count, not đồng
    session.add(GiftLookupAttempt(unit_id=unit_id, client_key=key, attempted_at=now))
    session.flush()


def parse_voucher_number(text: str) -> tuple[int, int] | None:
    """(number, year) from "17/2026"; None when the text is not a voucher number."""
    match = _VOUCHER.match(text.strip().casefold())
    return (int(match.group(1)), int(match.group(2))) if match else None


def find_gift(session: Session, *, unit_id: int, query: str, amount: int) -> FoundGift | None:
    """The receipt of ``unit_id``'s fund with this amount whose voucher number, reference or
    matched bank transaction is ``query``; None for every other case alike."""
    text = clean(query, max_length=_MAX_REFERENCE)  # no NUL: PostgreSQL refuses it
    reference = text.casefold()
    number, year = parse_voucher_number(text) or (-1, -1)
    matched = (
        select(BankMatchEntry.entry_id)
        .join(BankMatchLine, col(BankMatchLine.match_id) == BankMatchEntry.match_id)
        .join(StatementLine, col(StatementLine.id) == BankMatchLine.statement_line_id)
        .where(StatementLine.bank_ref != "", func.lower(StatementLine.bank_ref) == reference)
    )
    receipt = session.exec(
        select(Receipt)
        .where(
            Receipt.unit_id == unit_id,
            Receipt.amount == amount,
            or_(
                and_(col(Receipt.number) == number, col(Receipt.year) == year),
                and_(col(Receipt.reference) != "", func.lower(Receipt.reference) == reference),
                col(Receipt.entry_id).in_(matched),
            ),
        )
        .order_by(not_(receipt_stands()), col(Receipt.id))
        .limit(1)
    ).first()
    return _shown(session, receipt) if receipt is not None else None


def _shown(session: Session, receipt: Receipt) -> FoundGift:
    fund = session.get(Unit, receipt.unit_id)
    campaign = covering_campaign(session, unit_id=receipt.credit_unit_id, on=receipt.receipt_date)
    return FoundGift(
        number=receipt.number,
        year=receipt.year,
        receipt_date=receipt.receipt_date,
        amount=receipt.amount,
        fund_name=fund.name if fund else "",
        campaign_name=campaign.name if campaign else None,
        voided=not still_stands(session, receipt),
    )
