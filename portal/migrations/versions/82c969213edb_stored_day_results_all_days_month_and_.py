"""stored day results: every judged day (not only closed months), month and week
tallies, the day-close fill state, and what a month lock saw

Rows already stored (closed months) get their week's Monday here; their tallies
and the other days are filled by the first day-close (`flask close-days`).

Revision ID: 82c969213edb
Revises: a9d3e5f7c2b8
Create Date: 2026-12-02 00:45:20.930869

"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import portal.database

# revision identifiers, used by Alembic.
revision = '82c969213edb'
down_revision = 'a9d3e5f7c2b8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance_fill',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('closed_through', sa.Date(), nullable=False),
    sa.Column('updated_at', portal.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_attendance_fill_community_id_communities')),
    sa.PrimaryKeyConstraint('community_id', 'month', name=op.f('pk_attendance_fill'))
    )
    op.create_table('attendance_months',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('grid_number', sa.Integer(), nullable=True),
    sa.Column('position', sa.String(length=20), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('workdays', sa.Integer(), nullable=False),
    sa.Column('present_days', sa.Float(), nullable=False),
    sa.Column('absent_days', sa.Float(), nullable=False),
    sa.Column('leave_days', sa.Float(), nullable=False),
    sa.Column('late_count', sa.Integer(), nullable=False),
    sa.Column('early_count', sa.Integer(), nullable=False),
    sa.Column('review_count', sa.Integer(), nullable=False),
    sa.Column('visit_minutes', sa.Integer(), nullable=False),
    sa.Column('patrol_days', sa.Integer(), nullable=False),
    sa.Column('patrol_ratio_bp', sa.Integer(), nullable=False),
    sa.Column('logged_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_attendance_months_community_id_communities')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_attendance_months_person_id_people')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_attendance_months_street_id_streets')),
    sa.PrimaryKeyConstraint('person_id', 'month', 'community_id', name=op.f('pk_attendance_months'))
    )
    with op.batch_alter_table('attendance_months', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_months_community_month', ['community_id', 'month'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_months_street_id'), ['street_id'], unique=False)

    op.create_table('attendance_weeks',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('duty_days', sa.Integer(), nullable=False),
    sa.Column('visit_minutes', sa.Integer(), nullable=False),
    sa.Column('visit_target', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_attendance_weeks_person_id_people')),
    sa.PrimaryKeyConstraint('person_id', 'week', name=op.f('pk_attendance_weeks'))
    )
    with op.batch_alter_table('attendance_days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('week', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('settings_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('visit_target', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('patrol_minutes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('patrol_ratio_bp', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('logged', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('clock_in', portal.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('clock_out', portal.database.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_attendance_days_community_day', ['community_id', 'day'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attendance_days_settings_id_attendance_settings'), 'attendance_settings', ['settings_id'], ['id'])

    days = sa.table('attendance_days', sa.column('day', sa.Date()), sa.column('week', sa.Date()))
    connection = op.get_bind()
    for (day,) in connection.execute(sa.select(days.c.day).distinct()).all():
        connection.execute(days.update().where(days.c.day == day).values(week=day - timedelta(days=day.weekday())))
    with op.batch_alter_table('attendance_days', schema=None) as batch_op:
        batch_op.alter_column('week', existing_type=sa.Date(), nullable=False)

    with op.batch_alter_table('month_locks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('snapshot', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('month_locks', schema=None) as batch_op:
        batch_op.drop_column('snapshot')

    with op.batch_alter_table('attendance_days', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attendance_days_settings_id_attendance_settings'), type_='foreignkey')
        batch_op.drop_index('ix_attendance_days_community_day')
        batch_op.drop_column('clock_out')
        batch_op.drop_column('clock_in')
        batch_op.drop_column('logged')
        batch_op.drop_column('patrol_ratio_bp')
        batch_op.drop_column('patrol_minutes')
        batch_op.drop_column('visit_target')
        batch_op.drop_column('settings_id')
        batch_op.drop_column('week')
        batch_op.drop_column('final')

    op.drop_table('attendance_weeks')
    with op.batch_alter_table('attendance_months', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_months_street_id'))
        batch_op.drop_index('ix_attendance_months_community_month')

    op.drop_table('attendance_months')
    op.drop_table('attendance_fill')
