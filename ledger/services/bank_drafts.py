"""Statement lines the books do not hold yet, turned into documents (issue #16): a credit into a
prefilled receipt (a VietQR donation into one with its fund and campaign), a fee into a bank-fee
entry, any other debit into a draft payout. Nothing posts until the treasurer confirms; what
does post is matched to its line in the same transaction.

Transfers arrive with the sender's name in the content, without accents and in capitals:
"MBVCB.123456.NGUYEN VAN A chuyen tien ung ho quy BTTE", "IBFT NGUYEN THI B CK ung ho". The
name is read from there and given a Vietnamese-looking capitalisation ("Nguyen Van A"); its
accents cannot be restored, so the treasurer corrects it on the form when they know it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from sqlmodel import Session, select

from ..errors import LedgerError, _l
from ..models import BankAccount, Campaign, Disbursement, Entry, Receipt, StatementLine
from ..text import clean, fold
from ..vietqr import Reference, donation_reference, parse_reference
from ..vocab import EntryKind, MatchKind, Method, Source
from .audit import record_event
from .bank_book import matched_line_ids
from .bank_matching import MatchRefused, confirm_match
from .disbursements import DisbursementInput, draft_disbursement
from .journal import Line, post_entry
from .receipts import ReceiptInput, record_receipt
from .units import is_within, subtree_ids

#: Bank fees are a cost of running the fund's account, not support paid to a child: they go to
#: the management category "Chi phí quản lý quỹ" (``mgmt_admin`` in seed/categories.csv,
#: ``is_management``), so they count toward the management-cost cap (``services.costs``) like
#: any other administration cost, and ``check``'s expense rollups carry them without a new kind.
FEE_CATEGORY = "mgmt_admin"

#: words that end the sender's name in a transfer's content (folded: no accents, lower case)
_NAME_ENDS = (
    "chuyen tien",
    "chuyen khoan",
    "ck",
    "ung ho",
    "gui",
    "nop tien mat",
    "nop",
    "tra",
    "ho tro",
    "dong gop",
    "quy",
)
#: bank prefixes and transaction markers before the name
_PREFIX = re.compile(
    r"^(?:[A-Z0-9]+\.\d+\.|IBFT\s+|REM\s+Tfr\s+Ac:\s*\S+\s+|TKThe\s*:\s*\S+,\s*tai\s+\S+\.\s*"
    r"|CT\s+DEN:?\s*\S+\s+|MBVCB\.\d+\.\d*\.?|TRF\s+|FT\d+\s+)",
    re.IGNORECASE,
)
#: capitals in a transfer's content that are not a person's name
_NOT_NAMES = {"IBFT", "MBVCB", "VCB", "REM", "TFR", "AC", "CT", "DEN", "TKTHE", "BTTE", "QBTTE"}
_INTEREST = re.compile(r"\b(lai tien gui|tra lai|tien lai|lai nhap goc|interest)\b")
_FEE = re.compile(r"\b(phi|sms|fee|charge|phi quan ly tai khoan|thu phi|phi dich vu|phi duy tri)\b")


@dataclass(frozen=True)
class ParsedLine:
    """What a statement line's description tells about the money."""

    payer_name: str
    reference: Reference | None
    interest: bool
    fee: bool


def parse_description(text: str) -> ParsedLine:
    """The sender's name (capitalised, accents not restorable), a VietQR reference, and
    whether the line is interest or a bank fee."""
    folded = fold(text)
    return ParsedLine(
        payer_name=sender_name(text),
        reference=parse_reference(text),
        interest=bool(_INTEREST.search(folded)),
        fee=bool(_FEE.search(folded)) and not _INTEREST.search(folded),
    )


def sender_name(text: str) -> str:
    """The upper-case words before "chuyen tien" / "CK" / "ung ho"…, prefixes and numbers
    stripped, as "Nguyen Van A"; "" when none is found."""
    # a transaction number glued to the name ("000000.NGUYEN VAN AN") is its own word
    words = [w for w in re.split(r"[\s.]+", _PREFIX.sub("", clean(text))) if w]
    name: list[str] = []
    at = 0
    while at < len(words):
        rest = fold(" ".join(words[at:]))
        end = next((e for e in _NAME_ENDS if rest == e or rest.startswith(e + " ")), None)
        if end is not None:
            if name:
                break
            at += len(end.split())
            continue
        bare = words[at].strip(".,:;-")
        if bare.isalpha() and bare.isupper() and len(bare) <= 10 and bare not in _NOT_NAMES:
            name.append(bare)
        elif name:
            break
        at += 1
    if not 2 <= len(name) <= 6:
        return ""
    return " ".join(part.capitalize() for part in name)


# --- a credit → a receipt ---------------------------------------------------------------


class LineRefused(LedgerError):
    """A statement line that cannot become the document asked for."""

    reasons: ClassVar[dict[str, str]] = {
        "not_credit": _l("Chỉ dòng tiền vào (ghi có) mới lập phiếu thu được."),
        "not_debit": _l("Chỉ dòng tiền ra (ghi nợ) mới ghi phí hoặc lập phiếu chi được."),
        "matched": _l("Dòng sao kê này đã được khớp với sổ sách."),
        "no_reference": _l("Nội dung dòng này không có mã ủng hộ QR của quỹ."),
        "fee_posted": _l("Phí của dòng sao kê này đã được ghi sổ; hãy khớp lại bút toán phí."),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.reasons[reason])


def _unmatched(session: Session, line: StatementLine) -> None:
    if line.id in matched_line_ids(session, [line.id]):
        raise LineRefused("matched")


@dataclass(frozen=True)
class QrDonation:
    """A VietQR reference of this fund found in a line: the unit credited and the campaign."""

    code: str
    credit_unit_id: int
    campaign: Campaign | None


def qr_donation(session: Session, account: BankAccount, text: str) -> QrDonation | None:
    """The fund's VietQR reference in ``text`` (its unit in the fund's tree), else None."""
    reference = parse_reference(text)
    if reference is None or reference.unit_id not in subtree_ids(session, account.unit_id):
        return None
    campaign = session.get(Campaign, reference.campaign_id) if reference.campaign_id else None
    if campaign is not None and not is_within(
        session, unit_id=reference.unit_id, scope_id=campaign.unit_id
    ):
        campaign = None  # a campaign of another tree: the code names the fund only
    return QrDonation(
        code=donation_reference(reference.unit_id, reference.campaign_id or None),
        credit_unit_id=reference.unit_id,
        campaign=campaign,
    )


def receipt_prefill(session: Session, account: BankAccount, line: StatementLine) -> ReceiptInput:
    """The receipt a credit line describes: its date and amount, by bank, the sender, the
    whole description as the reason, the bank's reference, and a QR code's unit and campaign."""
    if line.amount <= 0:
        raise LineRefused("not_credit")
    parsed = parse_description(line.description)
    qr = qr_donation(session, account, line.description)
    return ReceiptInput(
        receipt_date=line.line_date,
        amount=line.amount,
        method=Method.BANK,
        source=Source.INTEREST if parsed.interest else Source.DONATION,
        payer_name=account.bank_name
        if parsed.interest
        else parsed.payer_name or clean(line.counterparty, max_length=200),
        credit_unit_id=qr.credit_unit_id if qr else account.unit_id,
        purpose=qr.campaign.name if qr and qr.campaign else "",
        reason=clean(line.description, max_length=500) or "Ủng hộ Quỹ Bảo trợ trẻ em",
        reference=clean(line.bank_ref, max_length=60),
    )


def record_receipt_for_line(
    session: Session,
    *,
    account: BankAccount,
    line_id: int,
    data: ReceiptInput,
    user_id: int | None = None,
    reason: str = "",
) -> Receipt:
    """Record the receipt (as the treasurer saved it) and match it to the line at once; a
    receipt whose amount is not the line's is refused by the match, and nothing is kept."""
    line = _line(session, account, line_id)
    if line.amount <= 0:
        raise LineRefused("not_credit")
    _unmatched(session, line)
    data.method = Method.BANK
    receipt = record_receipt(session, unit_id=account.unit_id, data=data, user_id=user_id)
    if not account.is_primary:
        receipt.bank_account_id = account.id  # not sealed: which account, not what was received
        session.flush()
    confirm_match(
        session,
        account=account,
        line_ids=[line.id],
        entry_ids=[receipt.entry_id],
        kind=MatchKind.MANUAL,
        reason=reason or "Lập phiếu thu từ dòng sao kê",
        user_id=user_id,
    )
    return receipt


def record_qr_donation(
    session: Session, *, account: BankAccount, line_id: int, user_id: int | None = None
) -> Receipt:
    """ "Ghi phiếu thu": a line carrying the fund's VietQR code becomes its receipt, with the
    parsed values, in one confirmation."""
    line = _line(session, account, line_id)
    qr = qr_donation(session, account, line.description)
    if qr is None:
        raise LineRefused("no_reference")
    data = receipt_prefill(session, account, line)
    if not data.payer_name:
        data.payer_name = "Nhà hảo tâm chuyển khoản"
    return record_receipt_for_line(
        session,
        account=account,
        line_id=line.id,
        data=data,
        user_id=user_id,
        reason=f"Mã ủng hộ QR: {qr.code}",
    )


def _line(session: Session, account: BankAccount, line_id: int) -> StatementLine:
    line = session.get(StatementLine, line_id)
    if line is None or line.bank_account_id != account.id:
        raise MatchRefused("line_elsewhere")
    return line


# --- a debit → a bank fee, or a draft payout --------------------------------------------


def post_bank_fee(
    session: Session, *, account: BankAccount, line_id: int, user_id: int | None = None
) -> Entry:
    """ "Ghi phí ngân hàng": Dr the management cost, Cr the bank, dated as the line, matched
    to it. The line is the fee's document (``check`` finds it by ``document_id``)."""
    line = _line(session, account, line_id)
    if line.amount >= 0:
        raise LineRefused("not_debit")
    _unmatched(session, line)
    if session.exec(
        select(Entry.id).where(
            Entry.kind == EntryKind.BANK_FEE,
            Entry.document_id == line.id,
            Entry.unit_id == account.unit_id,
        )
    ).first():
        raise LineRefused("fee_posted")
    fee = -line.amount
    entry = post_entry(
        session,
        unit_id=account.unit_id,
        entry_date=line.line_date,
        kind=EntryKind.BANK_FEE,
        document_id=line.id,
        memo=clean(f"Phí ngân hàng: {line.description}", max_length=500),
        user_id=user_id,
        lines=[Line(kind=f"expense:{FEE_CATEGORY}", amount=fee), Line(kind="bank", amount=-fee)],
    )
    record_event(
        session,
        action="bank_fee.post",
        user_id=user_id,
        unit_id=account.unit_id,
        object_type="statement_line",
        object_id=line.id,
        after={"entry": entry.id, "amount": fee, "account": account.id},
    )
    confirm_match(
        session,
        account=account,
        line_ids=[line.id],
        entry_ids=[entry.id],
        kind=MatchKind.MANUAL,
        reason="Phí ngân hàng",
        user_id=user_id,
    )
    return entry


def fee_category_id(session: Session) -> int | None:
    """The category bank fees are booked under (None when it was not seeded)."""
    from ..models import Category

    return session.exec(select(Category.id).where(Category.code == FEE_CATEGORY)).first()


def disbursement_prefill(line: StatementLine, category_id: int) -> DisbursementInput:
    """The draft payout a debit line describes: by bank, its date, amount and payee."""
    if line.amount >= 0:
        raise LineRefused("not_debit")
    return DisbursementInput(
        disbursement_date=line.line_date,
        category_id=category_id,
        payee_name=sender_name(line.description) or clean(line.counterparty, max_length=200),
        amount=-line.amount,
        reason=clean(line.description, max_length=500),
        method=Method.BANK,
    )


def draft_payout_for_line(
    session: Session,
    *,
    account: BankAccount,
    line_id: int,
    data: DisbursementInput,
    user_id: int | None = None,
) -> Disbursement:
    """A draft payout from a debit line; it goes through approval like any payout and is
    matched to the line once paid (the suggestion offers it)."""
    line = _line(session, account, line_id)
    if line.amount >= 0:
        raise LineRefused("not_debit")
    _unmatched(session, line)
    data.method = Method.BANK
    item = draft_disbursement(session, unit_id=account.unit_id, data=data, user_id=user_id)
    if not account.is_primary:
        item.bank_account_id = account.id
        session.flush()
    return item


def line_offers(session: Session, account: BankAccount, line: StatementLine) -> dict[str, object]:
    """What the page offers for an unmatched line: the parsed values and the buttons."""
    parsed = parse_description(line.description)
    qr = qr_donation(session, account, line.description) if line.amount > 0 else None
    return {
        "parsed": parsed,
        "qr": qr,
        "receipt": line.amount > 0,
        "fee": line.amount < 0 and parsed.fee,
        "payout": line.amount < 0,
    }
