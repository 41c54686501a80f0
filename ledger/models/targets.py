"""Targets a campaign sets in children as well as money (so many heart surgeries, scholarships)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel


class ChildrenTarget(SQLModel, table=True):
    """How many children a campaign means to help through one disbursement category
    (chỉ tiêu số lượt trẻ em được hỗ trợ), e.g. 5 heart surgeries, 120 scholarships."""

    __table_args__ = (
        UniqueConstraint("campaign_id", "category_id"),
        CheckConstraint("children > 0", name="children_positive"),
    )
    id: int = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    category_id: int = Field(foreign_key="category.id")
    #: children to help through this category over the campaign
    children: int
