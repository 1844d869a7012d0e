"""attendance_days: the day results of closed (封帐) months, stored at the lock

Revision ID: d8a4f0c3e6b1
Revises: c5e1d2a7b9f3
Create Date: 2026-12-01 23:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import portal.database

# revision identifiers, used by Alembic.
revision = 'd8a4f0c3e6b1'
down_revision = 'c5e1d2a7b9f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attendance_days',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('grid_number', sa.Integer(), nullable=True),
        sa.Column('position', sa.String(length=20), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('symbol', sa.String(length=8), nullable=False),
        sa.Column('workday', sa.Boolean(), nullable=False),
        sa.Column('day_name', sa.String(length=40), nullable=True),
        sa.Column('late_minutes', sa.Integer(), nullable=False),
        sa.Column('early_minutes', sa.Integer(), nullable=False),
        sa.Column('flags', sa.String(length=200), nullable=False),
        sa.Column('needs_review', sa.Boolean(), nullable=False),
        sa.Column('leave_type', sa.String(length=60), nullable=True),
        sa.Column('leave_halves', sa.String(length=8), nullable=False),
        sa.Column('present_days', sa.Numeric(precision=3, scale=1), nullable=False),
        sa.Column('absent_days', sa.Numeric(precision=3, scale=1), nullable=False),
        sa.Column('leave_days', sa.Numeric(precision=3, scale=1), nullable=False),
        sa.Column('worked_minutes', sa.Integer(), nullable=False),
        sa.Column('visit_minutes', sa.Integer(), nullable=False),
        sa.Column('patrol_required', sa.Integer(), nullable=False),
        sa.Column('patrol_done', sa.Integer(), nullable=False),
        sa.Column('patrol_min_minutes', sa.Integer(), nullable=False),
        sa.Column('patrol_short', sa.String(length=100), nullable=False),
        sa.Column('judged_at', portal.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_attendance_days_community_id_communities')),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_attendance_days_person_id_people')),
        sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_attendance_days_street_id_streets')),
        sa.PrimaryKeyConstraint('person_id', 'day', name=op.f('pk_attendance_days')),
    )
    with op.batch_alter_table('attendance_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_days_street_id'), ['street_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attendance_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_days_street_id'))
    op.drop_table('attendance_days')
