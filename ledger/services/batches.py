"""Receipt batches (nhập theo lô): a round of envelopes typed as one grid and posted only when
the filled rows agree with the count and total typed first.

All receipts of a batch are recorded in one call of ``record_receipts`` (one lock, consecutive
voucher numbers, one entry each); a refusal of the journal's date guards (locked period,
counted cash, reconciled bank) refuses the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..errors import (
    BatchCountMismatch,
    BatchEmpty,
    BatchRefused,
    BatchRowInvalid,
    BatchTooLarge,
    BatchTotalMismatch,
    InvalidAmount,
    LedgerError,
    Phrase,
    _l,
)
from ..models import Receipt, ReceiptBatch, ReceiptBatchItem
from ..money import parse_amount
from ..text import clean, fold
from .audit import record_event
from .donors import resolve_donors
from .paging import Cursor, Page, bounded_count, numbered_or_keyset
from .receipts import ReceiptInput, record_receipts
from .units import in_units

#: the most receipts one batch holds (a grid a person types in one sitting)
MAX_ROWS = 500
DEFAULT_REASON = "Ủng hộ Quỹ Bảo trợ trẻ em"


@dataclass
class BatchHeader:
    """What the treasurer types first: the round's name, shared values and control totals."""

    name: str
    receipt_date: date
    expected_count: int
    expected_total: int
    method: str = "cash"
    source: str = "donation"
    credit_unit_id: int | None = None
    book_no: str = ""


@dataclass
class BatchLine:
    """One row of the grid as typed (the amount still text)."""

    payer_name: str = ""
    amount: str = ""
    address: str = ""
    reason: str = ""

    @property
    def blank(self) -> bool:
        return not any(clean(v) for v in (self.payer_name, self.amount, self.address, self.reason))


@dataclass
class CheckedLine:
    """A filled row that can be a receipt: its row number and amount in đồng."""

    line_no: int
    line: BatchLine
    amount: int


def check_batch(
    header: BatchHeader, lines: list[BatchLine]
) -> tuple[list[CheckedLine], list[LedgerError]]:
    """The filled rows that parse, and every reason the batch cannot post: each bad row by
    number, then the count and the total against those typed first. Blank rows are skipped."""
    good: list[CheckedLine] = []
    problems: list[LedgerError] = []
    filled = [(n, line) for n, line in enumerate(lines, start=1) if not line.blank]
    for line_no, line in filled:
        checked = _check_line(line_no, line, problems)
        if checked is not None:
            good.append(checked)
    if not filled:
        problems.append(BatchEmpty())
    elif len(filled) > MAX_ROWS:
        problems.append(BatchTooLarge(limit=str(MAX_ROWS)))
    if filled and len(filled) != header.expected_count:
        problems.append(
            BatchCountMismatch(count=str(len(filled)), expected=str(header.expected_count))
        )
    total = sum(c.amount for c in good)
    if good and len(good) == len(filled) and total != header.expected_total:
        problems.append(
            BatchTotalMismatch(
                total=total,
                difference=abs(total - header.expected_total),
                expected=header.expected_total,
            )
        )
    return good, problems


def _check_line(line_no: int, line: BatchLine, problems: list[LedgerError]) -> CheckedLine | None:
    before = len(problems)
    if not clean(line.payer_name):
        problems.append(
            BatchRowInvalid(row=str(line_no), problem=Phrase(_l("Chưa ghi tên người nộp.")))
        )
    amount = None
    try:
        amount = parse_amount(clean(line.amount))
    except InvalidAmount as error:
        problems.append(BatchRowInvalid(row=str(line_no), problem=Phrase(error.message)))
    if len(problems) > before or amount is None:
        return None
    return CheckedLine(line_no=line_no, line=line, amount=amount)


def post_batch(
    session: Session,
    *,
    unit_id: int,
    header: BatchHeader,
    lines: list[BatchLine],
    user_id: int | None = None,
) -> ReceiptBatch:
    """Record every filled row as a receipt of ``unit_id``'s fund, in one go with consecutive
    numbers, donors found or created by name; refused whole (``BatchRefused``) unless every
    row is good and the count and total match those typed first."""
    checked, problems = check_batch(header, lines)
    if problems:
        raise BatchRefused(problems)
    name = clean(header.name, max_length=200)
    donors = resolve_donors(session, unit_id=unit_id, names=[c.line.payer_name for c in checked])
    ids = record_receipts(
        session,
        unit_id=unit_id,
        items=[_receipt_input(header, c, donors) for c in checked],
        user_id=user_id,
    )
    batch = ReceiptBatch(
        unit_id=unit_id,
        name=name,
        receipt_date=header.receipt_date,
        book_no=clean(header.book_no, max_length=20),
        method=header.method,
        source=header.source,
        credit_unit_id=header.credit_unit_id or unit_id,
        expected_count=header.expected_count,
        expected_total=header.expected_total,
        created_by_id=user_id,
    )
    session.add(batch)
    session.flush()
    session.add_all(
        ReceiptBatchItem(batch_id=batch.id, receipt_id=receipt_id, line_no=n)
        for n, receipt_id in enumerate(ids, start=1)
    )
    record_event(
        session,
        action="receipt_batch.create",
        user_id=user_id,
        unit_id=unit_id,
        object_type="receiptbatch",
        object_id=batch.id,
        after={"name": name, "count": len(ids), "amount": header.expected_total},
    )
    session.flush()
    return batch


def _receipt_input(header: BatchHeader, checked: CheckedLine, donors: dict) -> ReceiptInput:
    line = checked.line
    return ReceiptInput(
        receipt_date=header.receipt_date,
        amount=checked.amount,
        method=header.method,
        source=header.source,
        donor_id=donors[fold(line.payer_name)[:200]],
        payer_name=line.payer_name,
        payer_address=line.address,
        credit_unit_id=header.credit_unit_id,
        reason=clean(line.reason) or DEFAULT_REASON,
        book_no=header.book_no,
    )


def batch_receipts(session: Session, batch_id: int) -> list[Receipt]:
    """The receipts of a batch in the order they were typed."""
    query = (
        select(Receipt)
        .join(ReceiptBatchItem, col(ReceiptBatchItem.receipt_id) == col(Receipt.id))
        .where(ReceiptBatchItem.batch_id == batch_id)
        .order_by(col(ReceiptBatchItem.line_no))
    )
    return list(session.exec(query))


@dataclass(frozen=True)
class BatchFigures:
    """A batch's receipts as the journal has them: how many, and the total of the valid ones."""

    count: int
    total: int
    voided: int


def batch_figures(session: Session, batch_ids: list[int]) -> dict[int, BatchFigures]:
    """{batch id: its figures} summed over its receipts."""
    if not batch_ids:
        return {}
    valid = col(Receipt.voided_at).is_(None)
    query = (
        select(
            ReceiptBatchItem.batch_id,
            func.count(col(Receipt.id)),
            func.coalesce(func.sum(Receipt.amount).filter(valid), 0),
            func.count(col(Receipt.id)).filter(col(Receipt.voided_at).is_not(None)),
        )
        .join(Receipt, col(Receipt.id) == col(ReceiptBatchItem.receipt_id))
        .where(col(ReceiptBatchItem.batch_id).in_(batch_ids))
        .group_by(col(ReceiptBatchItem.batch_id))
    )
    return {
        batch_id: BatchFigures(int(count), int(total), int(voided))
        for batch_id, count, total, voided in session.exec(query)
    }


def list_batches(
    session: Session,
    *,
    unit_ids: Any,
    page: int = 1,
    per_page: int = 50,
    cursor: Cursor | None = None,
) -> Page[ReceiptBatch]:
    """One page of the batches of ``unit_ids`` (ids, or a select of them), newest first."""
    query = select(ReceiptBatch).where(in_units(col(ReceiptBatch.unit_id), unit_ids))
    count = bounded_count(
        session, select(col(ReceiptBatch.id)).where(in_units(col(ReceiptBatch.unit_id), unit_ids))
    )
    return numbered_or_keyset(
        session,
        query,
        order=(col(ReceiptBatch.receipt_date), col(ReceiptBatch.id)),
        key_of=lambda b: (b.receipt_date, b.id),
        cursor=cursor,
        page=page,
        per_page=per_page,
        count=count,
    )
