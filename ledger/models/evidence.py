"""Evidence files (chứng từ gốc): a scan or photo attached to a document.

One row per file attached to one owner (a receipt, a payout, a transfer, a cash count…), named
by ``owner_kind`` and ``owner_id``. The kinds are a registry in ``services/evidence.py`` (how
to find the owner's unit and its page), not a CHECK list, so a new kind of owner is one entry
there. The bytes live in the blob store under ``sha256`` (``ledger/blobs.py``); a removed file
keeps its row (``removed_at``) and its blob.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index
from sqlmodel import Field, SQLModel

from .base import timestamp


class Attachment(SQLModel, table=True):
    """A file attached to a document, kept by its content's hash."""

    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint("owner_kind <> ''", name="owner_kind_named"),
        CheckConstraint(
            "(removed_at IS NULL) = (removed_by_id IS NULL)", name="removed_by_someone"
        ),
        Index("ix_attachment_owner", "owner_kind", "owner_id"),
    )
    id: int = Field(default=None, primary_key=True)
    #: what it is attached to: a key of ``services.evidence.OWNERS`` ("receipt", …)
    owner_kind: str = Field(max_length=20)
    owner_id: int
    #: the owner's unit, copied at upload: who may download it is decided by it
    unit_id: int = Field(foreign_key="unit.id", index=True)
    #: the blob's name in the store: sha256 of the bytes, hex
    sha256: str = Field(max_length=64)
    size: int = Field(sa_type=BigInteger)
    #: the type sniffed from the bytes ("image/jpeg"), never the browser's word for it
    media_type: str = Field(max_length=100)
    #: the name the uploader's file had, sanitised (no folders, no control characters)
    file_name: str = Field(max_length=200)
    uploaded_by_id: int = Field(foreign_key="user.id")
    uploaded_at: datetime = timestamp()
    removed_at: datetime | None = timestamp(nullable=True)
    removed_by_id: int | None = Field(default=None, foreign_key="user.id")
    removed_reason: str = Field(default="", max_length=500)
