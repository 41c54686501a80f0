"""Text helpers shared by services, imports and exports: normalisation and search keys."""

from __future__ import annotations

import re
import unicodedata

_UNIT_PREFIXES = ("thị trấn", "xã", "phường", "huyện", "quận", "thị xã", "thành phố", "tỉnh")
_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")
#: the largest id a route or a form may name: PostgreSQL's INTEGER primary keys stop here
MAX_ID = 2**31 - 1
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]"
)


def parse_digits(text: object, *, maximum: int = MAX_ID) -> int | None:
    """``"42"`` → 42; None for anything but 1–18 ASCII digits (``²``, ``٣``, ``4e2``, ``-1``,
    spaces) or a value outside 1…``maximum``. The one parser for ids, pages and counts typed
    in a URL or a form: ``int()`` and ``str.isdigit()`` accept other Unicode digits."""
    value = text if isinstance(text, str) else ""
    if not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= maximum else None


def required_reason(text: object, *, max_length: int = 500) -> str:
    """The cleaned reason a rule asks for (void, reject, unlock, unmask); ``ReasonRequired``
    when nothing is left of it."""
    from .errors import ReasonRequired

    reason = clean(text, max_length=max_length)
    if not reason:
        raise ReasonRequired()
    return reason


def clean(text: object, *, max_length: int | None = None) -> str:
    """NFC, no control or zero-width characters, single spaces, trimmed (and cut)."""
    value = unicodedata.normalize("NFC", str(text or ""))
    value = _CONTROL.sub("", value)
    value = re.sub(r"\s+", " ", value).strip()
    return value[:max_length] if max_length else value


def fold(text: object) -> str:
    """Lower-case without accents, for search: "Nguyễn Văn A" → "nguyen van a"."""
    value = unicodedata.normalize("NFD", clean(text).casefold()).replace("đ", "d")
    return "".join(c for c in value if unicodedata.category(c) != "Mn")


def unit_key(name: object) -> str:
    """A unit name without case, normalisation or its level prefix: "XÃ HÀ HỒI" → "hà hồi"."""
    value = clean(name).casefold()
    for prefix in sorted(_UNIT_PREFIXES, key=len, reverse=True):
        if value.startswith(prefix + " "):
            return value[len(prefix) + 1 :].strip()
    return value
