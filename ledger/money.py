"""Money in integer đồng: parse what treasurers type, format it, and say it in words.

VND has no minor unit, so every amount is a Python ``int`` (``BigInteger`` in the database).
"""

from __future__ import annotations

import re
import unicodedata

from .errors import InvalidAmount, InvalidQuantity

#: the largest amount one document may carry: 1.000.000.000.000 đ
MAX_AMOUNT = 10**12

_CURRENCY = re.compile(r"(?:đồng|đ|vnđ|vnd|dong|d)\.?$", re.IGNORECASE)
_GROUPED = re.compile(r"^[0-9]{1,3}(?:[.,  ][0-9]{3})+$")
_PLAIN = re.compile(r"^[0-9]+$")


def parse_amount(text: object, *, maximum: int = MAX_AMOUNT) -> int:
    """Parse ``10.000.000``, ``10.000.000 đ``, ``10000000`` or ``10.000.000 VND`` to int đồng."""
    if isinstance(text, bool):
        raise InvalidAmount("not_a_number")
    if isinstance(text, int):
        return _checked(text, maximum)
    if isinstance(text, float):
        if not text.is_integer():
            raise InvalidAmount("decimal")
        return _checked(int(text), maximum)
    raw = unicodedata.normalize("NFC", str(text or "")).strip()
    if not raw:
        raise InvalidAmount("empty")
    if raw.startswith("-"):
        raise InvalidAmount("negative")
    digits = _CURRENCY.sub("", raw).strip()
    if _PLAIN.match(digits):
        return _checked(_whole(digits, maximum), maximum)
    if _GROUPED.match(digits) and len({c for c in digits if c not in "0123456789"}) == 1:
        return _checked(_whole(re.sub(r"[^0-9]", "", digits), maximum), maximum)
    if re.match(r"^[0-9]+[.,][0-9]{1,2}$", digits):
        raise InvalidAmount("decimal")
    raise InvalidAmount("not_a_number")


def _whole(digits: str, maximum: int) -> int:
    """ASCII digits to int, refusing before ``int()`` a length no allowed amount has (Python
    refuses to convert more than 4,300 digits, with a message of its own)."""
    if len(digits.lstrip("0")) > len(str(maximum)):
        raise InvalidAmount("too_large")
    return int(digits)


def _checked(value: int, maximum: int) -> int:
    if value < 0:
        raise InvalidAmount("negative")
    if value == 0:
        raise InvalidAmount("zero")
    if value > maximum:
        raise InvalidAmount("too_large")
    return value


#: the thousands separator per language: Vietnamese groups with dots, English with commas
_GROUP_SEPARATOR = {"vi": ".", "en": ","}


def group_digits(amount: int, *, lang: str = "vi") -> str:
    """``10000000`` → ``10.000.000`` (``10,000,000`` in English; the sign is kept)."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(int(amount)):,}".replace(",", _GROUP_SEPARATOR.get(lang, "."))


def format_vnd(amount: int | None, *, lang: str = "vi") -> str:
    """``10000000`` → ``10.000.000 đ`` (``10,000,000 đ`` in English: still đồng)."""
    if amount is None:
        return ""
    return f"{group_digits(amount, lang=lang)} đ"


_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
_SCALES = ["", "nghìn", "triệu"]


def _scale_name(index: int) -> str:
    """Name of the 3-digit group ``index`` from the right: nghìn, triệu, tỷ, nghìn tỷ, …"""
    return " ".join(filter(None, [_SCALES[index % 3]] + ["tỷ"] * (index // 3)))


def _read_triple(number: int, *, full: bool, linh: str) -> list[str]:
    """Read 0–999; ``full`` says "không trăm" and "linh" as a non-leading group must."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words: list[str] = []
    if full or hundreds:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append(linh)
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 5 and tens >= 1:
        words.append("lăm")
    elif units:
        words.append(_DIGITS[units])
    return words


def number_to_words(number: int, *, linh: str = "linh") -> str:
    """Vietnamese words, accounting style: 1050 → "một nghìn không trăm năm mươi"."""
    number = int(number)
    if number == 0:
        return "không"
    if number < 0:
        return "âm " + number_to_words(-number, linh=linh)
    groups = []
    while number:
        groups.append(number % 1000)
        number //= 1000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        if groups[index] == 0:
            continue
        leading = index == len(groups) - 1
        words += _read_triple(groups[index], full=not leading, linh=linh)
        words.append(_scale_name(index))
    return " ".join(w for w in words if w)


def amount_in_words(amount: int, *, linh: str = "linh", even: bool = False) -> str:
    """The voucher line: 1050000 → "Một triệu không trăm năm mươi nghìn đồng"."""
    text = number_to_words(amount, linh=linh) + " đồng" + (" chẵn" if even else "")
    return text[0].upper() + text[1:]


#: a quantity is stored in thousandths of its unit
MILLI = 1000
#: no goods item counts more than this many units on one document
MAX_QUANTITY = 10_000_000
#: ASCII digits only (int() would take "٣" or thousands of digits), at most 10.000.000,000
_QUANTITY = re.compile(r"^([0-9]{1,3}(?:\.[0-9]{3}){1,3}|[0-9]{1,9})(?:,([0-9]{1,3}))?$")
#: longest quantity text looked at (the longest allowed is "10.000.000,000")
_MAX_QUANTITY_TEXT = 20


def parse_quantity(text: object) -> int:
    """``10`` → 10000, ``2,5`` → 2500, ``1.200`` → 1200000 (thousandths; comma decimal)."""
    if isinstance(text, int) and not isinstance(text, bool):
        milli = text * MILLI
    else:
        raw = re.sub(r"\s+", "", unicodedata.normalize("NFC", str(text or "")))
        found = _QUANTITY.match(raw) if len(raw) <= _MAX_QUANTITY_TEXT else None
        if not found:
            raise InvalidQuantity(value=raw[:40])
        whole, fraction = found.group(1).replace(".", ""), (found.group(2) or "").ljust(3, "0")
        milli = int(whole) * MILLI + int(fraction)
    if not 0 < milli <= MAX_QUANTITY * MILLI:
        raise InvalidQuantity(value=format_quantity(milli) if milli > 0 else str(text))
    return milli


def format_quantity(milli: int | None) -> str:
    """2500 → ``2,5``; 1200000 → ``1.200`` (Vietnamese style, exact)."""
    if milli is None:
        return ""
    whole, fraction = divmod(abs(milli), MILLI)
    text = f"{whole:,}".replace(",", ".")
    if fraction:
        text += "," + f"{fraction:03d}".rstrip("0")
    return ("-" if milli < 0 else "") + text
