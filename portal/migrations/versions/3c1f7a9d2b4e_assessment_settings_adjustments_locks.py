"""assessment: settings, adjustments, locked periods

Revision ID: 3c1f7a9d2b4e
Revises: 95eac6659e6c
Create Date: 2026-11-30 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.database


# revision identifiers, used by Alembic.
revision = '3c1f7a9d2b4e'
down_revision = '95eac6659e6c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('weight_attendance', sa.Integer(), nullable=False),
    sa.Column('weight_patrol', sa.Integer(), nullable=False),
    sa.Column('weight_visits', sa.Integer(), nullable=False),
    sa.Column('weight_inspection', sa.Integer(), nullable=False),
    sa.Column('late_points', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('early_points', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('absent_points', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('overdue_return_points', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('overdue_action_points', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('excellent_from', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('pass_from', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('basic_from', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('updated_at', portal.database.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_assessment_settings_street_id_streets')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['accounts.id'], name=op.f('fk_assessment_settings_updated_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_settings')),
    sa.UniqueConstraint('street_id', name=op.f('uq_assessment_settings_street_id'))
    )
    op.create_table('assessment_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('points', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['accounts.id'], name=op.f('fk_assessment_adjustments_created_by_id_accounts')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_assessment_adjustments_person_id_people')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_assessment_adjustments_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_adjustments'))
    )
    op.create_index('ix_assessment_adjustments_person_period', 'assessment_adjustments', ['person_id', 'period'], unique=False)
    op.create_table('assessment_locks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('locked_at', portal.database.UTCDateTime(), nullable=False),
    sa.Column('locked_by_id', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['locked_by_id'], ['accounts.id'], name=op.f('fk_assessment_locks_locked_by_id_accounts')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_assessment_locks_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_locks')),
    sa.UniqueConstraint('street_id', 'period', name='uq_assessment_locks_street_period')
    )


def downgrade():
    op.drop_table('assessment_locks')
    op.drop_index('ix_assessment_adjustments_person_period', table_name='assessment_adjustments')
    op.drop_table('assessment_adjustments')
    op.drop_table('assessment_settings')
