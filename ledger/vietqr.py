"""VietQR donations: the reference a donation QR code puts in the transfer's content, which the
statement matcher recognises (``parse_reference``), and (issue #16) the NAPAS VietQR payload.

A reference is ``QBTTE<fund id>C<campaign id>K<check>``: letters and digits only (banks drop
punctuation and accents from a transfer's content, and some upper-case it), at most 25
characters (the purpose field's length in VietQR), and closed by two check digits (ISO 7064
mod 97-10 over the numbers), so a donor's own "ung ho quy BTTE 2026" or a typo is never taken
for a reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
