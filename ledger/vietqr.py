"""VietQR donations: the reference a donation QR code puts in the transfer's content, which the
statement matcher recognises (``parse_reference``), and (issue #16) the NAPAS VietQR payload.

A reference is ``QBTTE<fund id>C<campaign id>K<check>``: letters and digits only (banks drop
punctuation and accents from a transfer's content, and some upper-case it), at most 25
characters (the purpose field's length in VietQR), and closed by two check digits (ISO 7064
mod 97-10 over the numbers), so a donor's own "ung ho quy BTTE 2026" or a typo is never taken
for a reference.

The payload (``build_payload``) is NAPAS's VietQR on EMVCo's merchant-presented QR code: payload
format 01; point of initiation 11 (static, no amount) or 12 (dynamic, with one); merchant account
information 38 (NAPAS's GUID, the beneficiary bank's BIN and account number, the service
QRIBFTTA: transfer to an account); currency 704; amount 54 in whole đồng; country VN;
additional data 62 (bill number 01, purpose 08: the transfer's content, at most 25 characters,
ASCII); CRC-16/CCITT-FALSE (63). ``parse_payload`` reads one back and checks its CRC.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import ClassVar

from .banks import BY_BIN
from .errors import LedgerError, _l

_REFERENCE = re.compile(r"QBTTE(\d{1,7})C(\d{1,8})K(\d{2})", re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    unit_id: int
    #: 0 when the code is for the fund, not one campaign
    campaign_id: int


def _check(unit_id: int, campaign_id: int) -> str:
    return f"{98 - (unit_id * 10**9 + campaign_id) * 100 % 97:02d}"


def donation_reference(unit_id: int, campaign_id: int | None = None) -> str:
    """The reference a donation to ``unit_id``'s fund (for ``campaign_id``) carries."""
    campaign = campaign_id or 0
    return f"QBTTE{unit_id}C{campaign}K{_check(unit_id, campaign)}"


def parse_reference(text: str) -> Reference | None:
    """The first valid reference in a statement line's content, spaces the bank inserted
    ignored; None when there is none (or its check digits are wrong)."""
    squeezed = re.sub(r"[^0-9A-Za-z]", "", text or "")
    for found in _REFERENCE.finditer(squeezed):
        unit_id, campaign_id, check = int(found[1]), int(found[2]), found[3]
        if _check(unit_id, campaign_id) == check:
            return Reference(unit_id, campaign_id)
    return None


# --- the NAPAS VietQR payload (EMVCo merchant-presented QR, NAPAS QR Switching v1.5.2) ---

#: NAPAS's globally unique identifier in the merchant account information (ID 38)
NAPAS_GUID = "A000000727"
#: "chuyển tiền nhanh 24/7 bằng QR đến tài khoản": inter-bank fund transfer to an account
SERVICE_TO_ACCOUNT = "QRIBFTTA"
#: point of initiation: a static code serves many transfers and carries no amount; a dynamic
#: one is for one transfer of the amount it carries
STATIC, DYNAMIC = "11", "12"
#: the longest account number (ID 38/01/01), amount (ID 54) and additional datum (ID 62/xx)
MAX_ACCOUNT, MAX_AMOUNT_DIGITS, MAX_ADDITIONAL = 19, 13, 25
#: the short text after the reference in a donation's transfer content
DONATION_TEXT = "ung ho quy BTTE"


class InvalidQR(LedgerError):
    """A VietQR code that cannot be made from these values (the field is named)."""

    reasons: ClassVar[dict[str, str]] = {
        "bin": _l("Ngân hàng không có trong danh sách NAPAS (mã BIN 6 chữ số)."),
        "account": _l("Số tài khoản trong mã VietQR chỉ gồm chữ số hoặc chữ cái, tối đa 19 ký tự."),
        "amount": _l("Số tiền trong mã VietQR là số nguyên đồng, từ 1 đến 13 chữ số."),
        "purpose": _l("Nội dung chuyển khoản tối đa 25 ký tự, chữ không dấu, chữ số và dấu cách."),
        "bill": _l("Số hóa đơn trong mã VietQR tối đa 25 ký tự không dấu."),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.reasons[reason])


@dataclass(frozen=True)
class Payload:
    """A VietQR payload read back: its top-level fields and the ones a transfer needs."""

    fields: dict[str, str]
    bank_bin: str
    account_number: str
    service: str
    amount: int | None
    purpose: str
    bill_number: str


def tlv(tag: str, value: str) -> str:
    """One EMVCo data object: the two-digit id, the two-digit length, the value."""
    if not 1 <= len(value) <= 99:
        raise ValueError(f"EMVCo value of {tag} has {len(value)} characters")
    return f"{tag}{len(value):02d}{value}"


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (ISO/IEC 13239: polynomial 1021, initial FFFF) as four upper-case
    hex digits, over the payload's bytes up to and including "6304"."""
    crc = 0xFFFF
    for byte in data.encode("ascii"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def ascii_text(text: str) -> str:
    """Vietnamese without accents, case kept ("Ủng hộ Quỹ" → "Ung ho Quy"), spaces squeezed:
    what a transfer's content may carry."""
    value = unicodedata.normalize("NFD", text or "").replace("đ", "d").replace("Đ", "D")
    value = "".join(c for c in value if unicodedata.category(c) != "Mn")
    return " ".join(value.split())


def build_payload(
    *,
    bank_bin: str,
    account_number: str,
    amount: int | None = None,
    purpose: str = "",
    bill_number: str = "",
) -> str:
    """The VietQR payload of a transfer to ``account_number`` at the bank ``bank_bin``: static
    without an amount, dynamic with one; ``purpose`` is the transfer's content (ID 62/08),
    ``bill_number`` an optional bill number (ID 62/01). Raises ``InvalidQR``."""
    account = _checked_account(account_number)
    bank = _checked_bin(bank_bin)
    additional = _checked_text(bill_number, "bill"), _checked_text(purpose, "purpose")
    merchant = tlv("00", NAPAS_GUID) + tlv("01", tlv("00", bank) + tlv("01", account))
    parts = [
        tlv("00", "01"),
        tlv("01", STATIC if amount is None else DYNAMIC),
        tlv("38", merchant + tlv("02", SERVICE_TO_ACCOUNT)),
        tlv("53", "704"),
        tlv("54", _checked_amount(amount)) if amount is not None else "",
        tlv("58", "VN"),
        _additional_data(*additional),
        "6304",
    ]
    body = "".join(parts)
    return body + crc16(body)


def donation_purpose(reference: str, *, extra: str = "", text: str = DONATION_TEXT) -> str:
    """A donation's transfer content: the reference, then ``extra`` (a further part the
    reference needs, e.g. a pledge's number once pledges exist: issue #17), then as much of
    ``text`` as the 25 characters leave room for (words are not cut)."""
    words = " ".join(part for part in (reference, ascii_text(extra)) if part)
    if len(words) > MAX_ADDITIONAL:
        raise InvalidQR("purpose")
    for word in ascii_text(text).split():
        if len(words) + 1 + len(word) > MAX_ADDITIONAL:
            break
        words += " " + word
    return words


def parse_tlv(data: str) -> dict[str, str]:
    """The data objects of an EMVCo string, by id; ValueError when it does not split cleanly."""
    fields, at = {}, 0
    while at < len(data):
        tag, length = data[at : at + 2], data[at + 2 : at + 4]
        if not (tag.isdigit() and length.isdigit()) or at + 4 + int(length) > len(data):
            raise ValueError(f"broken data object at {at}")
        fields[tag] = data[at + 4 : at + 4 + int(length)]
        at += 4 + int(length)
    return fields


def parse_payload(payload: str) -> Payload:
    """Check a VietQR payload's CRC and split it; ValueError names what is wrong."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise ValueError("no CRC at the end")
    if crc16(payload[:-4]) != payload[-4:].upper():
        raise ValueError("CRC does not match")
    fields = parse_tlv(payload)
    merchant = parse_tlv(fields.get("38", ""))
    if merchant.get("00") != NAPAS_GUID:
        raise ValueError("not a NAPAS VietQR code")
    beneficiary = parse_tlv(merchant.get("01", ""))
    extra = parse_tlv(fields.get("62", ""))
    return Payload(
        fields=fields,
        bank_bin=beneficiary.get("00", ""),
        account_number=beneficiary.get("01", ""),
        service=merchant.get("02", ""),
        amount=int(fields["54"]) if "54" in fields else None,
        purpose=extra.get("08", ""),
        bill_number=extra.get("01", ""),
    )


def _additional_data(bill_number: str, purpose: str) -> str:
    inner = (tlv("01", bill_number) if bill_number else "") + (
        tlv("08", purpose) if purpose else ""
    )
    return tlv("62", inner) if inner else ""


def _checked_bin(bank_bin: str) -> str:
    if (bank_bin or "") not in BY_BIN:
        raise InvalidQR("bin")
    return bank_bin


def _checked_account(number: str) -> str:
    if not _ACCOUNT.fullmatch(number or ""):
        raise InvalidQR("account")
    return number


def _checked_amount(amount: int) -> str:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidQR("amount")
    if amount <= 0 or len(str(amount)) > MAX_AMOUNT_DIGITS:
        raise InvalidQR("amount")
    return str(amount)


def _checked_text(text: str, reason: str) -> str:
    value = ascii_text(text)
    if len(value) > MAX_ADDITIONAL or not _PRINTABLE.fullmatch(value):
        raise InvalidQR(reason)
    return value


_ACCOUNT = re.compile(rf"[0-9A-Za-z]{{1,{MAX_ACCOUNT}}}")
_PRINTABLE = re.compile(r"[ -~]*")
