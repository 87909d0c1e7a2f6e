"""Accounts, role assignments, service accounts, refresh tokens and the sign-in throttle."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import ts_column, utcnow


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=100)
    password_hash: str = Field(max_length=255)
    must_change_password: bool = Field(default=True)
    is_active: bool = Field(default=True)
    is_superadmin: bool = Field(default=False)
    locale: str = Field(default="zh-CN", max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    password_changed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    last_login_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    # Carried in access tokens as "ver"; moving it on refuses every access token issued before.
    token_version: int = Field(
        default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0")
    )


class RoleAssignment(SQLModel, table=True):
    __tablename__ = "role_assignment"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "role", "organisation_id"),
        sa.CheckConstraint(
            "role in ('member','reviewer','secretary','org_admin','superadmin')", name="role"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    role: str = Field(max_length=20)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ServiceAccount(SQLModel, table=True):
    __tablename__ = "service_account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    client_id: str = Field(max_length=64, unique=True)
    secret_hash: str = Field(max_length=255)
    scopes: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    is_active: bool = Field(default=True)
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    last_used_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    family_id: str = Field(max_length=36, index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    expires_at: datetime = Field(sa_column=ts_column())
    used_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class AuthThrottle(SQLModel, table=True):
    """Failure counters for sign-in, shared by every server process through the database."""

    __tablename__ = "auth_throttle"

    key: str = Field(primary_key=True, max_length=200)
    failures: int = Field(default=0)
    window_started_at: datetime = Field(sa_column=ts_column())
    locked_until: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
