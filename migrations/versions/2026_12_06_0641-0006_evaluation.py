"""the quarterly evaluation: rounds, codes for the masses, peer receipts, anonymous ratings

Revision ID: 0006_evaluation
Revises: 0005_reminders
Create Date: 2026-12-06 06:41:24.176946
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may reference sqlmodel.sql.sqltypes.AutoString)
from alembic import op

import app.models.base  # noqa: F401  (UTCDateTime)

revision: str = '0006_evaluation'
down_revision: str | Sequence[str] | None = '0005_reminders'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('evaluation_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status in ('open','closed')", name=op.f('ck_evaluation_round_status')),
    sa.CheckConstraint('opens_on <= closes_on', name=op.f('ck_evaluation_round_window')),
    sa.CheckConstraint('quarter between 1 and 4', name=op.f('ck_evaluation_round_quarter')),
    sa.ForeignKeyConstraint(['branch_id'], ['organisation.id'], name=op.f('fk_evaluation_round_branch_id_organisation')),
    sa.ForeignKeyConstraint(['closed_by_user_id'], ['user_account.id'], name=op.f('fk_evaluation_round_closed_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'], name=op.f('fk_evaluation_round_created_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_round')),
    sa.UniqueConstraint('branch_id', 'year', 'quarter', name=op.f('uq_evaluation_round_branch_id_year_quarter'))
    )
    with op.batch_alter_table('evaluation_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_round_branch_id'), ['branch_id'], unique=False)

    op.create_table('evaluation_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('batch', sa.Integer(), nullable=False),
    sa.Column('spent', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_round.id'], name=op.f('fk_evaluation_code_round_id_evaluation_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_evaluation_code_code_hash'))
    )
    with op.batch_alter_table('evaluation_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_code_round_id'), ['round_id'], unique=False)

    op.create_table('evaluation_rating',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('rating', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.CheckConstraint("rating in ('good','fair','poor','skip')", name=op.f('ck_evaluation_rating_rating')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_evaluation_rating_member_id_member')),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_round.id'], name=op.f('fk_evaluation_rating_round_id_evaluation_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_rating')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('evaluation_rating', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_rating_round_member', ['round_id', 'member_id'], unique=False)

    op.create_table('evaluation_receipt',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_evaluation_receipt_member_id_member')),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_round.id'], name=op.f('fk_evaluation_receipt_round_id_evaluation_round')),
    sa.PrimaryKeyConstraint('round_id', 'member_id', name=op.f('pk_evaluation_receipt'))
    )


def downgrade() -> None:
    op.drop_table('evaluation_receipt')
    with op.batch_alter_table('evaluation_rating', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_rating_round_member')

    op.drop_table('evaluation_rating')
    with op.batch_alter_table('evaluation_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_code_round_id'))

    op.drop_table('evaluation_code')
    with op.batch_alter_table('evaluation_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_round_branch_id'))

    op.drop_table('evaluation_round')
