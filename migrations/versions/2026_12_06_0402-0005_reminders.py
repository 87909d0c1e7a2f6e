"""in-app reminders to members who have not declared

Revision ID: 0005_reminders
Revises: 0004_corrections
Create Date: 2026-12-06 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0005_reminders"
down_revision: str | Sequence[str] | None = "0004_corrections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("sender_user_id", sa.Integer(), nullable=False),
        sa.Column("sender_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "sender_role in ('reviewer','secretary','org_admin','superadmin')",
            name=op.f("ck_reminder_sender_role"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["organisation.id"], name=op.f("fk_reminder_branch_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_reminder_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["sender_user_id"],
            ["user_account.id"],
            name=op.f("fk_reminder_sender_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint(
            "member_id", "period", "sent_on", name=op.f("uq_reminder_member_id_period_sent_on")
        ),
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_index("ix_reminder_branch_period", ["branch_id", "period"], unique=False)
        batch_op.create_index("ix_reminder_member_read", ["member_id", "read_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_member_read")
        batch_op.drop_index("ix_reminder_branch_period")
    op.drop_table("reminder")
