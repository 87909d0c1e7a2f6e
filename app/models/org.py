"""Organisation tree (党组织)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import ts_column, utcnow


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=20)  # committee | general_branch | branch
    parent_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    # Materialised path "/1/4/9/": a subtree is every row whose path starts with its own.
    path: str = Field(default="", max_length=400, index=True)
    archived_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    __table_args__ = (
        sa.CheckConstraint("kind in ('committee','general_branch','branch')", name="kind"),
    )
