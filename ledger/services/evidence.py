"""Evidence files (chứng từ gốc): attach a scan or photo to a document, list, remove, verify.

What may be attached to is the registry ``OWNERS``: a kind of document, how to find one and its
unit (the scope a download is decided by), its page, the permission that edits it and the
audit log's name for it. A new kind (a filed report) is one entry there.

A file is accepted by what its bytes are (``filetype`` reads the magic numbers), never by its
name or the browser's type: PDF, JPEG, PNG, HEIC (phone cameras) and .xlsx, at most the
configured size. The bytes go to the blob store (``ledger/blobs.py``) under their sha256 before
the row is flushed; a transaction that then rolls back leaves an unreferenced blob, never a
row without its bytes.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cache
from typing import Any

import filetype
from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from ..blobs import BlobStore, sha256_of
from ..errors import (
    EvidenceAlreadyRemoved,
    EvidenceEmpty,
    EvidenceRemovalReason,
    EvidenceTooLarge,
    EvidenceTypeRefused,
    NotFound,
)
from ..memo import read_once
from ..models import (
    Attachment,
    CashCount,
    Disbursement,
    FiledReport,
    Receipt,
    Transfer,
    utcnow,
)
from .audit import record_event

#: the media types accepted, as ``filetype`` names what it reads from the bytes
ACCEPTED = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/heic",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Owner:
    """A kind of document files may be attached to."""

    #: the owner's row, or None when there is no such document (or none that takes files)
    find: Callable[[Session, int], Any]
    #: the unit whose scope covers the owner and its files
    unit_of: Callable[[Any], int]
    #: the owner's page: endpoint and its arguments (``url_for(endpoint, **args(owner))``)
    endpoint: str
    args: Callable[[Any], dict[str, int]]
    #: the role permission (``auth.PERMISSIONS``) that may attach and remove files
    permission: str
    #: the owner's ``object_type`` in the audit log
    audit_type: str
    #: the child the document is about, if any: its files (a hospital's bill, a discharge
    #: paper) carry the child's data, so only who sees the child in full reads them
    child_of: Callable[[Any], int | None] = lambda _owner: None
    #: the other unit whose scope covers it too: a transfer's receiving fund reads (and adds
    #: to) the sender's bank slip, and the sender the receiver's credit advice
    other_unit_of: Callable[[Any], int | None] = lambda _owner: None

    def units_of(self, owner: Any) -> set[int]:
        """Every unit whose staff (and the levels above them) reach the document's files."""
        return {u for u in (self.unit_of(owner), self.other_unit_of(owner)) if u is not None}


OWNERS: dict[str, Owner] = {
    "receipt": Owner(
        find=lambda s, i: s.get(Receipt, i),
        unit_of=lambda o: o.unit_id,
        endpoint="receipts.show",
        args=lambda o: {"receipt_id": o.id},
        permission="write_receipts",
        audit_type="receipt",
    ),
    "disbursement": Owner(
        find=lambda s, i: s.get(Disbursement, i),
        unit_of=lambda o: o.unit_id,
        endpoint="disbursements.show",
        args=lambda o: {"disbursement_id": o.id},
        permission="draft_payouts",
        audit_type="disbursement",
        child_of=lambda o: o.beneficiary_id,
    ),
    "transfer": Owner(
        find=lambda s, i: s.get(Transfer, i),
        unit_of=lambda o: o.from_unit_id,
        other_unit_of=lambda o: o.to_unit_id,
        endpoint="transfers.show",
        args=lambda o: {"transfer_id": o.id},
        permission="transfer",
        audit_type="transfer",
    ),
    "cash_count": Owner(
        find=lambda s, i: s.get(CashCount, i),
        unit_of=lambda o: o.unit_id,
        endpoint="cash_counts.show",
        args=lambda o: {"unit_id": o.unit_id, "count_id": o.id},
        permission="write_receipts",
        audit_type="cash_count",
    ),
    # the signed, stamped copy of a filed report (or what the level above asked for)
    "filed_report": Owner(
        find=lambda s, i: s.get(FiledReport, i),
        unit_of=lambda o: o.unit_id,
        endpoint="filings.show",
        args=lambda o: {"filing_id": o.id},
        permission="file_reports",
        audit_type="filed_report",
    ),
}


def find_owner(session: Session, kind: str, owner_id: int) -> tuple[Owner, Any]:
    """The registry entry and the document, or ``NotFound`` (an unknown kind too)."""
    entry = OWNERS.get(kind)
    found = entry.find(session, owner_id) if entry is not None else None
    if entry is None or found is None:
        raise NotFound()
    return entry, found


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sniff(data: bytes) -> str | None:
    """The accepted media type the bytes are, or None. ``filetype`` reads the first 8 KB; a
    zip it cannot place there is a workbook only if its directory holds ``xl/workbook.xml``."""
    kind = filetype.guess(data[:8192])
    if kind is not None and kind.mime == "application/zip":
        return XLSX if _is_workbook(data) else None
    return kind.mime if kind is not None and kind.mime in ACCEPTED else None


def _is_workbook(data: bytes) -> bool:
    """Whether a zip's directory (read without inflating anything) is an .xlsx workbook's."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return {"[Content_Types].xml", "xl/workbook.xml"} <= names


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def clean_name(name: str, media_type: str) -> str:
    """The uploader's file name without folders, control or reserved characters, at most 150
    characters, its extension the sniffed type's (``../../x.jpg.html`` → ``x.jpg.jpg``)."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = _UNSAFE.sub("_", base.rsplit(".", 1)[0] if "." in base else base)
    stem = stem.strip(" ._")[:150] or "chung-tu"
    return f"{stem}.{extension_of(media_type)}"


def extension_of(media_type: str) -> str:
    found = filetype.get_type(mime=media_type)
    return str(found.extension) if found is not None else "bin"


def attach_file(
    session: Session,
    store: BlobStore,
    *,
    owner_kind: str,
    owner_id: int,
    data: bytes,
    file_name: str,
    user_id: int,
    max_bytes: int,
    side: int | None = None,
) -> Attachment:
    """Keep ``data`` as evidence of the document (refused: empty, too large, not an accepted
    type); the blob is stored once per content, the row and an audit event are flushed.
    ``side``: which of the document's units the file belongs to (a transfer's receiver adds
    the credit advice; None: the document's own unit)."""
    entry, owner = find_owner(session, owner_kind, owner_id)
    if side is not None and side not in entry.units_of(owner):
        raise NotFound()
    shown = (file_name or "")[:100]
    if not data:
        raise EvidenceEmpty(name=shown)
    if len(data) > max_bytes:
        raise EvidenceTooLarge(name=shown, limit=max_bytes // (1024 * 1024))
    media_type = sniff(data)
    if media_type is None:
        raise EvidenceTypeRefused(name=shown)
    row = Attachment(
        owner_kind=owner_kind,
        owner_id=owner_id,
        unit_id=entry.unit_of(owner) if side is None else side,
        sha256=store.put(data),
        size=len(data),
        media_type=media_type,
        file_name=clean_name(file_name, media_type),
        uploaded_by_id=user_id,
    )
    session.add(row)
    session.flush()
    _audit(session, "evidence.attach", row, entry, user_id)
    return row


def remove_file(session: Session, *, attachment_id: int, user_id: int, reason: str) -> Attachment:
    """Take a file off its document (the row and the blob stay; an audit event says who and
    why)."""
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound()
    if row.removed_at is not None:
        raise EvidenceAlreadyRemoved(name=row.file_name)
    if not reason.strip():
        raise EvidenceRemovalReason()
    row.removed_at, row.removed_by_id = utcnow(), user_id
    row.removed_reason = reason.strip()[:500]
    session.add(row)
    session.flush()
    _audit(session, "evidence.remove", row, OWNERS[row.owner_kind], user_id)
    return row


def _audit(session: Session, action: str, row: Attachment, entry: Owner, user_id: int) -> None:
    after = {
        "file_name": row.file_name,
        "sha256": row.sha256,
        "size": row.size,
        "media_type": row.media_type,
        "attachment": row.id,
    }
    if row.removed_at is not None:
        after["reason"] = row.removed_reason
    record_event(
        session,
        action=action,
        user_id=user_id,
        unit_id=row.unit_id,
        object_type=entry.audit_type,
        object_id=row.owner_id,
        after=after,
    )


def files_of(session: Session, owner_kind: str, owner_id: int) -> list[Attachment]:
    """The files attached to a document and not removed, oldest first (read once a
    transaction: a voucher's page counts them on the voucher, then lists them)."""

    def read() -> tuple[Attachment, ...]:
        return tuple(session.exec(_files(), params={"kind": owner_kind, "owner": owner_id}))

    return list(read_once(session, f"files:{owner_kind}:{owner_id}", read))


# Built once (every document's page lists and counts its files): see ``journal._chain_head``.
@cache
def _files():
    return (
        select(Attachment)
        .where(
            Attachment.owner_kind == bindparam("kind"),
            Attachment.owner_id == bindparam("owner"),
            col(Attachment.removed_at).is_(None),
        )
        .order_by(col(Attachment.id))
    )


@cache
def _counts():
    return (
        select(Attachment.owner_id, func.count())
        .where(
            Attachment.owner_kind == bindparam("kind"),
            col(Attachment.owner_id).in_(bindparam("owners", expanding=True)),
            col(Attachment.removed_at).is_(None),
        )
        .group_by(col(Attachment.owner_id))
    )


def file_count(session: Session, owner_kind: str, owner_id: int) -> int:
    """How many files a document has (what its voucher counts): its list's length, which its
    page shows next."""
    return len(files_of(session, owner_kind, owner_id))


def file_counts(session: Session, owner_kind: str, owner_ids: Collection[int]) -> dict[int, int]:
    """``file_count`` for many documents of one kind in one query (a batch print)."""
    if not owner_ids:
        return {}
    rows = session.exec(_counts(), params={"kind": owner_kind, "owners": list(owner_ids)}).all()
    return {int(owner_id): int(count) for owner_id, count in rows}


def damaged_files(
    session: Session, store: BlobStore, funds: Collection[int] | None = None
) -> list[tuple[Attachment, str]]:
    """Every file (removed ones too: their blobs are kept) whose bytes are gone or no longer
    hash to the name they were stored under, with what is wrong."""
    query = select(Attachment).order_by(col(Attachment.id))
    if funds is not None:
        query = query.where(col(Attachment.unit_id).in_(list(funds)))
    found = []
    for row in session.exec(query):
        data = store.get(row.sha256)
        if data is None:
            found.append((row, "the file is missing from the store"))
        elif sha256_of(data) != row.sha256:
            found.append((row, "the file was altered: its sha256 no longer matches"))
    return found


def referenced_blobs(session: Session) -> set[str]:
    """Every blob a row names (what a backup must hold)."""
    return set(session.exec(select(Attachment.sha256)).all())
