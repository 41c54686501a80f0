"""Anchors: a fund's chain heads written down outside the database's reach.

A head is the last seq and hash of the fund's journal chain and of its audit chain. Heads are
printed on each period lock, workbook and period report and on the public page, and recorded
in the ``anchor`` table; ``check`` verifies the chains still pass through every anchor, the
recorded ones and those handed to it from a file (an earlier workbook or a list of lines), so
a rewrite of a whole chain shows even when every hash inside the database was recomputed.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col

from ..models import Anchor, AuditHead, ChainHead, Unit, select_rows

#: one anchor as printed: ``CODE E<seq>:<sha256> A<seq>:<sha256>``
ANCHOR_LINE = re.compile(r"(\S+) E(\d+):([0-9a-f]{64}|-) A(\d+):([0-9a-f]{64}|-)")


@dataclass(frozen=True)
class Head:
    """One fund's chain heads."""

    unit_id: int
    code: str
    entry_seq: int
    entry_hash: str
    audit_seq: int
    audit_hash: str

    def line(self) -> str:
        """The full printed form, which ``check --anchors`` reads back."""
        return (
            f"{self.code} E{self.entry_seq}:{self.entry_hash or '-'} "
            f"A{self.audit_seq}:{self.audit_hash or '-'}"
        )

    def short(self) -> str:
        """A short form for a voucher or a report's footer."""
        return f"E{self.entry_seq}:{self.entry_hash[:12]} A{self.audit_seq}:{self.audit_hash[:12]}"


def current_heads(session: Session, unit_ids) -> list[Head]:
    """The chain heads of the funds ``unit_ids``, by unit code."""
    rows = session.exec(
        select_rows(
            Unit.id,
            Unit.code,
            ChainHead.last_seq,
            ChainHead.last_hash,
            AuditHead.last_seq,
            AuditHead.last_hash,
        )
        .join(ChainHead, col(ChainHead.unit_id) == Unit.id)
        .outerjoin(AuditHead, col(AuditHead.chain_key) == Unit.id)
        .where(col(Unit.id).in_(list(unit_ids)))
        .order_by(col(Unit.code))
    ).all()
    return [
        Head(uid, code, eseq, ehash, aseq or 0, ahash or "")
        for uid, code, eseq, ehash, aseq, ahash in rows
    ]


def record_anchors(
    session: Session, *, unit_ids, kind: str, ref: str = "", user_id: int | None = None
) -> list[Head]:
    """Write the funds' current heads down as anchors of ``kind``; returns them to print."""
    heads = current_heads(session, unit_ids)
    session.add_all(
        Anchor(
            unit_id=h.unit_id,
            kind=kind,
            ref=ref[:200],
            made_by_id=user_id,
            entry_seq=h.entry_seq,
            entry_hash=h.entry_hash,
            audit_seq=h.audit_seq,
            audit_hash=h.audit_hash,
        )
        for h in heads
    )
    session.flush()
    return heads


def parse_anchors(text: str) -> list[tuple[str, int, str, int, str]]:
    """Every ``CODE E<seq>:<hash> A<seq>:<hash>`` in ``text``."""
    return [
        (code, int(eseq), "" if ehash == "-" else ehash, int(aseq), "" if ahash == "-" else ahash)
        for code, eseq, ehash, aseq, ahash in ANCHOR_LINE.findall(text)
    ]


def read_anchor_file(path: str | Path) -> list[tuple[str, int, str, int, str]]:
    """Anchors in a workbook (.xlsx: every sheet's text), a saved page or a text file."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            text = " ".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.endswith(".xml") and ("sharedStrings" in name or "worksheets/" in name)
            )
        return parse_anchors(re.sub(r"<[^>]+>", " ", text))
    # a saved page (the public page, a period report) prints them inside tags: strip those,
    # or the first code reads as 'class="anchors">CODE'
    return parse_anchors(
        re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8", errors="replace"))
    )
