"""Cash counts (kiểm kê quỹ tiền mặt): the cash box counted by denomination, against the book.

A treasurer counts the box at the end of a day, with a witness, note by note; the count is
compared with the cash book's balance at the end of that day (every cash posting dated on or
before it: the day's later vouchers are counted too, which is why a count is made after the
day's last phiếu thu/chi). Equal, the count is *balanced* at once. Otherwise it waits, with
the reason the treasurer gives, for a reviewer above the fund (or an admin; never the person
who counted) to approve it, and approval posts the difference:

- **thiếu quỹ** (a shortage: less cash than the book): Dr ``cash_shortage`` / Cr ``cash``.
  ``cash_shortage`` is the fund's "thiếu quỹ chờ xử lý", what HCSN accounting keeps on
  TK 1388 "Phải thu khác" (TT 107/2017/TT-BTC and TT 24/2024/TT-BTC: tiền mặt thiếu khi
  kiểm kê chưa xác định nguyên nhân, Nợ TK 1388 / Có TK 111) until a decision charges it to
  the person responsible or writes it off;
- **thừa quỹ** (a surplus): Dr ``cash`` / Cr ``cash_surplus``, "thừa quỹ chờ xử lý", on
  TK 3388 "Phải trả khác" (Nợ TK 111 / Có TK 3388) until its owner or cause is found.

Both are ``clearing`` accounts of the fund (opened on first use): they hold no money, they
carry the difference until it is settled, and the fund's cash book then equals the box.

A settled count (balanced, or its difference posted) is a **balance assertion**: ``check``
verifies that the cash book at the end of the count's date still equals what was counted,
and ``ensure_cash_after_count`` (called where every entry is posted) refuses any cash posting
dated on or before the fund's latest settled count, a void of an older cash voucher
included: the box was counted and signed for; a correction is a new voucher after the count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..errors import (
    CountInFuture,
    CountNeedsReason,
    CountNotPending,
    CountOutdated,
    EmptyCashCount,
    InvalidCashQuantity,
    NotAllowedToApproveCount,
    NotFound,
    Phrase,
    ReasonRequired,
    UnknownDenomination,
    _l,
)
from ..models import Account, CashCount, Posting, utcnow
from ..text import clean, required_reason
from ..vocab import CashCountStatus, EntryKind
from .audit import record_event
from .journal import (
    SETTLED,
    Line,
    balance_from_postings,
    ensure_cash_after_count,
    ensure_dated,
    lock_fund,
    post_entry,
)
from .paging import Cursor, Page, bounded_count, numbered_or_keyset
from .regimes import regime_on
from .units import is_within

#: the fund's "thiếu quỹ chờ xử lý" (TK 1388) and "thừa quỹ chờ xử lý" (TK 3388)
SHORTAGE = "cash_shortage"
SURPLUS = "cash_surplus"
#: the most pieces of one denomination a count accepts (a box of 10 million notes is a typo)
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class Denomination:
    """One row of the count: a note (tờ) or a coin (xu) of ``value`` đồng."""

    key: str
    value: int
    coin: bool = False

    @property
    def label(self) -> str:
        kind = "Xu" if self.coin else "Tờ"
        return f"{kind} {self.value:,}".replace(",", ".") + " đ"

    @property
    def msgid(self) -> str:
        """The label as a msgid with ``%(value)s`` (the amount grouped), for the screen."""
        return _l("Xu %(value)s đ") if self.coin else _l("Tờ %(value)s đ")


#: Vietnamese money in circulation (State Bank of Vietnam): polymer notes 500.000–10.000 đ,
#: cotton-paper notes 5.000–100 đ, and the coins of 2003 (5.000–200 đ), no longer issued
#: since 2011 but still legal tender; largest first, as the form lists them
COTTON = (5_000, 2_000, 1_000, 500, 200, 100)
DENOMINATIONS: tuple[Denomination, ...] = (
    *(
        Denomination(str(v), v)
        for v in (500_000, 200_000, 100_000, 50_000, 20_000, 10_000, *COTTON)
    ),
    *(Denomination(f"xu{v}", v, coin=True) for v in (5_000, 2_000, 1_000, 500, 200)),
)
BY_KEY = {d.key: d for d in DENOMINATIONS}


@dataclass(frozen=True)
class CountInput:
    """What the treasurer typed: quantities by denomination key, the people, the reason."""

    count_date: date
    quantities: Mapping[Any, object]
    treasurer_name: str
    witness_name: str = ""
    reason: str = ""
    accountant_name: str = ""


def parse_quantities(quantities: Mapping[Any, object]) -> dict[str, int]:
    """``{key: pieces}`` as whole numbers ≥ 0, each refusal naming its row; an int key is the
    note of that value (``{500000: 3}``), a text key a ``DENOMINATIONS`` key (``"xu5000"``).
    Rows left empty are 0; a count with no row filled at all is refused."""
    found: dict[str, int] = {}
    filled = False
    for raw_key, raw in quantities.items():
        key = str(raw_key).strip()
        row = BY_KEY.get(key)
        if row is None:
            raise UnknownDenomination(row=key[:40])
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        filled = True
        pieces = _pieces(raw, row.label)
        if pieces:
            found[row.key] = pieces
    if not filled:
        raise EmptyCashCount()
    return {d.key: found[d.key] for d in DENOMINATIONS if d.key in found}


def _pieces(raw: object, label: str) -> int:
    """One row's pieces: a whole number ≥ 0 (``1.000`` read as a thousand, as Vietnamese
    group digits); "2,5", "-3", "abc", "1e3" each get the message that says why."""
    if isinstance(raw, bool):
        raise InvalidCashQuantity("not_a_number", row=label)
    if isinstance(raw, int):
        number = Decimal(raw)
    elif isinstance(raw, float | Decimal):
        number = Decimal(str(raw))
    else:
        text = str(raw).strip().replace(" ", "")
        if _GROUPED.fullmatch(text):
            text = text.replace(".", "")
        if not _NUMBER.fullmatch(text):
            raise InvalidCashQuantity("not_a_number", row=label)
        number = Decimal(text.replace(",", "."))
    if not number.is_finite():
        raise InvalidCashQuantity("not_a_number", row=label)
    if number < 0:
        raise InvalidCashQuantity("negative", row=label)
    if number != number.to_integral_value():
        raise InvalidCashQuantity("decimal", row=label)
    if number > MAX_QUANTITY:
        raise InvalidCashQuantity("too_large", row=label, limit=_grouped(MAX_QUANTITY))
    return int(number)


#: ASCII digits with an optional sign and decimal part; digits grouped by dots (1.000.000)
_NUMBER = re.compile(r"[+-]?[0-9]{1,30}([.,][0-9]{1,30})?")
_GROUPED = re.compile(r"[0-9]{1,3}(\.[0-9]{3})+")


def _grouped(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def total_of(quantities: Mapping[str, int]) -> int:
    """Σ denomination × pieces, exact."""
    return sum(BY_KEY[key].value * pieces for key, pieces in quantities.items())


def rows_of(count: CashCount) -> list[tuple[Denomination, int, int]]:
    """Every denomination with the pieces counted and their amount (0 rows included)."""
    stored = json.loads(count.denominations or "{}")
    return [
        (d, int(stored.get(d.key, 0)), d.value * int(stored.get(d.key, 0))) for d in DENOMINATIONS
    ]


def book_balance(session: Session, *, unit_id: int, on: date) -> int:
    """The fund's cash book at the end of ``on``: Σ cash postings dated on or before it."""
    return balance_from_postings(session, unit_id=unit_id, kinds=("cash",), through=on)


def record_count(
    session: Session, *, unit_id: int, data: CountInput, user_id: int | None
) -> CashCount:
    """Record a count: balanced when it equals the cash book at the end of its date, else
    pending a reviewer's approval, with its reason (required)."""
    lock_fund(session, unit_id)
    if data.count_date > date.today():
        raise CountInFuture(date=data.count_date.strftime("%d/%m/%Y"))
    ensure_dated(session, unit_id=unit_id, first=data.count_date)
    quantities = parse_quantities(data.quantities)
    counted = total_of(quantities)
    book = book_balance(session, unit_id=unit_id, on=data.count_date)
    difference = counted - book
    reason = clean(data.reason, max_length=500)
    if difference and not reason:
        raise CountNeedsReason(
            side=Phrase(_l("thừa") if difference > 0 else _l("thiếu")), amount=abs(difference)
        )
    if difference:  # it could never post: say so now, not at approval
        ensure_cash_after_count(session, unit_id=unit_id, on=data.count_date)
    treasurer = required_name(data.treasurer_name)
    count = CashCount(
        unit_id=unit_id,
        count_date=data.count_date,
        denominations=json.dumps(quantities, separators=(",", ":")),
        counted=counted,
        book_balance=book,
        difference=difference,
        reason=reason,
        status=CashCountStatus.PENDING if difference else CashCountStatus.BALANCED,
        treasurer_name=treasurer,
        witness_name=clean(data.witness_name, max_length=200),
        accountant_name=clean(data.accountant_name, max_length=200),
        counted_by_id=user_id,
    )
    session.add(count)
    session.flush()
    record_event(
        session,
        action="cash_count.record",
        user_id=user_id,
        unit_id=unit_id,
        object_type="cash_count",
        object_id=count.id,
        after={
            "count_date": data.count_date.isoformat(),
            "counted": counted,
            "book_balance": book,
            "difference": difference,
            "status": count.status,
            "reason": reason,
            "denominations": quantities,
        },
    )
    return count


def required_name(text: object) -> str:
    """The treasurer's name (the form's signature line): required."""
    name = clean(text, max_length=200)
    if not name:
        raise ReasonRequired(_l("Phải ghi họ tên thủ quỹ."))
    return name


def get_count(session: Session, count_id: int) -> CashCount:
    found = session.get(CashCount, count_id)
    if found is None:
        raise NotFound()
    return found


def may_decide(
    session: Session,
    *,
    count: CashCount,
    user_id: int,
    role: str,
    user_unit_id: int,
    same_level_max: int = 0,
) -> bool:
    """As for a payout: a reviewer (or admin) above the fund, or of the same unit for a
    difference within the configured amount; never the person who counted."""
    if role not in ("reviewer", "admin") or user_id == count.counted_by_id:
        return False
    if not is_within(session, unit_id=count.unit_id, scope_id=user_unit_id):
        return False
    return user_unit_id != count.unit_id or abs(count.difference) <= same_level_max


def approve_count(
    session: Session,
    *,
    count_id: int,
    user_id: int,
    role: str,
    user_unit_id: int,
    same_level_max: int = 0,
    comment: str = "",
) -> CashCount:
    """Approve a pending count: post its difference on its date (Dr cash_shortage / Cr cash,
    or Dr cash / Cr cash_surplus); the period must be open and the book unchanged since."""
    count = _decidable(session, count_id, user_id, role, user_unit_id, same_level_max)
    now = book_balance(session, unit_id=count.unit_id, on=count.count_date)
    if now != count.book_balance:
        raise CountOutdated(
            date=count.count_date.strftime("%d/%m/%Y"), then=count.book_balance, now=now
        )
    other = SURPLUS if count.difference > 0 else SHORTAGE
    entry = post_entry(
        session,
        unit_id=count.unit_id,
        entry_date=count.count_date,
        kind=EntryKind.CASH_COUNT,
        document_id=count.id,
        memo=f"{'Thừa' if count.difference > 0 else 'Thiếu'} quỹ khi kiểm kê: {count.reason}",
        user_id=user_id,
        lines=[
            Line(kind="cash", amount=count.difference),
            Line(kind=other, amount=-count.difference),
        ],
    )
    count.entry_id = entry.id
    return _decide(session, count, CashCountStatus.POSTED, user_id, comment)


def reject_count(
    session: Session,
    *,
    count_id: int,
    user_id: int,
    role: str,
    user_unit_id: int,
    comment: str,
    same_level_max: int = 0,
) -> CashCount:
    """Send a pending count back with the reason (the treasurer counts again)."""
    comment = required_reason(comment)
    count = _decidable(session, count_id, user_id, role, user_unit_id, same_level_max)
    return _decide(session, count, CashCountStatus.REJECTED, user_id, comment)


def _decidable(
    session: Session, count_id: int, user_id: int, role: str, user_unit_id: int, same_level_max: int
) -> CashCount:
    """The pending count ``user_id`` may decide (approve or reject), else refused."""
    count = _pending(session, count_id)
    if not may_decide(
        session,
        count=count,
        user_id=user_id,
        role=role,
        user_unit_id=user_unit_id,
        same_level_max=same_level_max,
    ):
        raise NotAllowedToApproveCount()
    return count


def _pending(session: Session, count_id: int) -> CashCount:
    count = get_count(session, count_id)
    lock_fund(session, count.unit_id)
    session.refresh(count)
    if count.status != CashCountStatus.PENDING:
        raise CountNotPending(status=Phrase(STATUS_LABELS.get(count.status, count.status)))
    return count


def _decide(session: Session, count: CashCount, status: str, user_id: int, comment: str):
    count.status, count.decided_by_id, count.decided_at = status, user_id, utcnow()
    count.decision_comment = clean(comment, max_length=500)
    session.flush()
    record_event(
        session,
        action=f"cash_count.{'approve' if status == CashCountStatus.POSTED else 'reject'}",
        user_id=user_id,
        unit_id=count.unit_id,
        object_type="cash_count",
        object_id=count.id,
        after={"status": status, "comment": count.decision_comment, "entry_id": count.entry_id},
    )
    return count


#: the printed form by the day it takes effect: code, title, subtitle. HCSN accounting prints
#: "Biên bản kiểm kê quỹ (Dùng cho VND)" as Mẫu số C34-HD under TT 107/2017/TT-BTC, a
#: guidance form (hướng dẫn) kept by TT 24/2024/TT-BTC from 01/01/2025; the circular printed
#: beside it is the voucher regime's of the count's date (``regimes.regime_on``)
COUNT_FORMS: tuple[tuple[date, str, str], ...] = (
    (date(2000, 1, 1), "Mẫu số C34-HD", "BIÊN BẢN KIỂM KÊ QUỸ"),
    (date(2025, 1, 1), "Mẫu số C34-HD", "BIÊN BẢN KIỂM KÊ QUỸ"),
)


def count_form(session: Session, day: date) -> dict[str, str]:
    """The form code, title and circular a count dated ``day`` prints."""
    _start, code, title = max((f for f in COUNT_FORMS if f[0] <= day), default=COUNT_FORMS[0])
    return {
        "form_code": code,
        "title": title,
        "subtitle": "(Dùng cho đồng Việt Nam)",
        "form_circular": regime_on(session, day)["form_circular"],
    }


def conclusion(count: CashCount) -> str:
    """The form's "Kết luận sau khi kiểm kê quỹ" (Vietnamese: it is a legal form)."""
    side = "thừa" if count.difference > 0 else "thiếu"
    amount = _grouped(abs(count.difference)) + " đ"
    comment = f" Ý kiến: {count.decision_comment}." if count.decision_comment else ""
    if count.status == CashCountStatus.BALANCED:
        return "Tiền mặt tồn quỹ khớp với sổ quỹ."
    if count.status == CashCountStatus.POSTED:
        account = "3388" if count.difference > 0 else "1388"
        return (
            f"Quỹ {side} {amount}; chênh lệch đã được duyệt và ghi sổ vào {side} quỹ chờ xử lý "
            f"(TK {account}).{comment}"
        )
    if count.status == CashCountStatus.REJECTED:
        return f"Bảng kiểm kê bị từ chối, phải kiểm kê lại.{comment}"
    return f"Quỹ {side} {amount}; chênh lệch chờ cán bộ duyệt xử lý."


#: how a count's status reads (msgids)
STATUS_LABELS = {
    CashCountStatus.BALANCED.value: _l("Khớp sổ"),
    CashCountStatus.PENDING.value: _l("Chờ duyệt chênh lệch"),
    CashCountStatus.POSTED.value: _l("Đã ghi sổ chênh lệch"),
    CashCountStatus.REJECTED.value: _l("Bị từ chối"),
}


def counts_page(
    session: Session,
    *,
    unit_id: int,
    page: int = 1,
    per_page: int = 50,
    cursor: Cursor | None = None,
) -> Page[Any]:
    """The fund's counts, newest first, one page (from ``cursor`` or by number)."""
    return numbered_or_keyset(
        session,
        select(CashCount).where(CashCount.unit_id == unit_id),
        order=(col(CashCount.count_date), col(CashCount.id)),
        key_of=lambda row: (row.count_date, row.id),
        cursor=cursor,
        page=page,
        per_page=per_page,
        count=bounded_count(session, select(col(CashCount.id)).where(CashCount.unit_id == unit_id)),
    )


def with_book_now(session: Session, funds, start: date, end: date) -> list[tuple[CashCount, int]]:
    """The counts of ``funds`` dated from ``start`` to ``end`` (any status), by fund and date,
    each with the cash book at the end of its date as it stands now."""
    query = _with_book().where(
        col(CashCount.unit_id).in_(funds),
        CashCount.count_date >= start,
        CashCount.count_date <= end,
    )
    rows = session.exec(
        query.order_by(col(CashCount.unit_id), col(CashCount.count_date), col(CashCount.id))
    ).all()
    return [(count, int(now)) for count, now in rows]


def broken_counts(session: Session, funds=None) -> list[tuple[CashCount, int]]:
    """Settled counts whose cash book at the end of their date no longer equals what was
    counted, with the book's figure now (one query: each count's book as a subquery)."""
    query = _with_book().where(col(CashCount.status).in_(SETTLED))
    if funds is not None:
        query = query.where(col(CashCount.unit_id).in_(funds))
    rows = session.exec(query.order_by(col(CashCount.id))).all()
    return [(count, int(now)) for count, now in rows if int(now) != count.counted]


def _with_book():
    """Counts with their fund's cash book at the end of their date (a correlated subquery)."""
    book = (
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(Account, col(Account.id) == Posting.account_id)
        .where(
            Account.unit_id == CashCount.unit_id,
            Account.kind == "cash",
            Posting.entry_date <= CashCount.count_date,
        )
        .correlate(CashCount)
        .scalar_subquery()
    )
    return select(CashCount, book)
