"""supervision_rules: the optional 考核 deduction for a 包社区 leader's missing supervision

Revision ID: c3e9a7d51f20
Revises: b18a0f1c2d3e
Create Date: 2026-12-03 08:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.database


revision = 'c3e9a7d51f20'
down_revision = 'b18a0f1c2d3e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('supervision_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('follows_default', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('missing_points', sa.Numeric(precision=4, scale=1), server_default='0', nullable=False),
    sa.Column('updated_at', portal.database.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_supervision_rules_street_id_streets')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['accounts.id'], name=op.f('fk_supervision_rules_updated_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_rules')),
    sa.UniqueConstraint('street_id', 'effective_from', name='uq_supervision_rules_street_effective')
    )


def downgrade():
    op.drop_table('supervision_rules')
