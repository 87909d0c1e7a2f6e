"""Member imports from a spreadsheet: the job, its rows, and the activation codes it issues."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import ts_column, utcnow


class MemberImport(SQLModel, table=True):
    """One uploaded sheet: dry run, then (once) applied in the background."""

    __tablename__ = "member_import"
    __table_args__ = (
        sa.CheckConstraint("status in ('dry_run','applying','applied','failed')", name="status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor_user_id: int = Field(foreign_key="user_account.id", index=True)
    filename: str = Field(max_length=200)
    file_format: str = Field(max_length=10)  # xlsx | csv
    status: str = Field(default="dry_run", max_length=10)
    total_rows: int = Field(default=0)
    create_count: int = Field(default=0)
    update_count: int = Field(default=0)
    unchanged_count: int = Field(default=0)
    refuse_count: int = Field(default=0)
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    applied_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    credentials_issued_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class MemberImportRow(SQLModel, table=True):
    """A data row of the sheet as the dry run judged it. Typed columns hold the values that
    apply writes (valid rows); `cells` holds the row's text as uploaded, to show back."""

    __tablename__ = "member_import_row"
    __table_args__ = (
        sa.UniqueConstraint("import_id", "row_no"),
        sa.CheckConstraint("action in ('create','update','unchanged','refuse')", name="action"),
    )

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="member_import.id", index=True)
    row_no: int
    action: str = Field(max_length=10)
    name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=20)
    gender: str | None = Field(default=None, max_length=10)
    category: str | None = Field(default=None, max_length=20)
    branch_id: int | None = Field(default=None, foreign_key="organisation.id")
    joined_on: date | None = None
    is_probationary: bool | None = None
    member_id: int | None = Field(default=None, foreign_key="member.id")
    cells: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    reasons: list[dict[str, Any]] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON, nullable=True)
    )


class ActivationCode(SQLModel, table=True):
    """A one-time code an imported member redeems to set their own password. Only a keyed
    digest (app.security.keyed_digest) is stored; the code itself is shown once, in the
    importer's credentials sheet."""

    __tablename__ = "activation_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", unique=True)
    import_id: int = Field(foreign_key="member_import.id", index=True)
    code_digest: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    expires_at: datetime = Field(sa_column=ts_column())
    used_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
