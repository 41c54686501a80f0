"""Public gift look-ups (tra cứu khoản ủng hộ): one row per attempt, to slow enumeration.

Kept in the database, not in a worker's memory, so the limit holds across gunicorn workers
and app servers; the client is kept only as a digest of its address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel, col

from .base import timestamp


class GiftLookupAttempt(SQLModel, table=True):
    """A donor's look-up on a fund's public page (found or not), pruned after the window."""

    id: int = Field(default=None, primary_key=True)
    #: the fund whose receipts were searched
    unit_id: int = Field(foreign_key="unit.id")
    #: SHA-256 of the client's address (the address itself is not kept)
    client_key: str = Field(max_length=64)
    attempted_at: datetime = timestamp()


Index(
    "ix_giftlookupattempt_client",
    col(GiftLookupAttempt.unit_id),
    col(GiftLookupAttempt.client_key),
    col(GiftLookupAttempt.attempted_at),
)
Index("ix_giftlookupattempt_attempted_at", col(GiftLookupAttempt.attempted_at))
