"""Standard versions (积分标准) and their items."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import ts_column, utcnow

POINTS = sa.Numeric(7, 1)


class StandardVersion(SQLModel, table=True):
    __tablename__ = "standard_version"
    __table_args__ = (sa.CheckConstraint("status in ('draft','published')", name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    year: int = Field(index=True)
    name: str = Field(max_length=100)
    status: str = Field(default="draft", max_length=10)
    base_score: Decimal = Field(sa_column=sa.Column(POINTS, nullable=False))
    dimension_caps: dict[str, float] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    evaluation_points: Decimal = Field(sa_column=sa.Column(POINTS, nullable=False))
    threshold_excellent: Decimal = Field(sa_column=sa.Column(POINTS, nullable=False))
    threshold_qualified: Decimal = Field(sa_column=sa.Column(POINTS, nullable=False))
    threshold_basically_qualified: Decimal = Field(sa_column=sa.Column(POINTS, nullable=False))
    excellent_quota: str = Field(max_length=16)  # a fraction such as "1/3" or "0.2"
    deadline_day: int = Field(default=5)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    min_ratings: int = Field(default=3)
    based_on_id: int | None = Field(default=None, foreign_key="standard_version.id")
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    published_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class StandardItem(SQLModel, table=True):
    __tablename__ = "standard_item"
    __table_args__ = (
        sa.UniqueConstraint("standard_id", "code"),
        sa.CheckConstraint("kind in ('bonus','deduction')", name="kind"),
        sa.CheckConstraint("source in ('self','branch')", name="source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    standard_id: int = Field(
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("standard_version.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    code: str = Field(max_length=16)
    dimension: str = Field(max_length=20)
    title: str = Field(max_length=100)
    description: str = Field(default="", max_length=1000)
    kind: str = Field(max_length=10)
    points: Decimal = Field(sa_column=sa.Column(POINTS, nullable=False))
    max_per_month: Decimal | None = Field(default=None, sa_column=sa.Column(POINTS, nullable=True))
    max_per_year: Decimal | None = Field(default=None, sa_column=sa.Column(POINTS, nullable=True))
    source: str = Field(max_length=10)
    requires_evidence: bool = Field(default=False)
    categories: list[str] | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))
    grade_ceiling: str | None = Field(default=None, max_length=30)
    ceiling_trigger_count: int = Field(default=1)
    position: int = Field(default=0)
