"""attendance_settings: a change applies from a date (effective_from); history kept

A 街镇 may have several rows, one per date its hours changed, and a row that says
"from this date, follow the district default" (follows_default). Existing rows
apply from the beginning (2000-01-01).

Revision ID: e2b7c9d4a1f6
Revises: d8a4f0c3e6b1
Create Date: 2026-12-01 23:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e2b7c9d4a1f6'
down_revision = 'd8a4f0c3e6b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_from', sa.Date(), nullable=False,
                                      server_default='2000-01-01'))
        batch_op.add_column(sa.Column('follows_default', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.drop_constraint('uq_attendance_settings_street_id', type_='unique')
        batch_op.create_unique_constraint('uq_attendance_settings_street_effective', ['street_id', 'effective_from'])


def downgrade():
    op.execute("DELETE FROM attendance_settings WHERE id NOT IN (SELECT max(id) FROM attendance_settings "
               "GROUP BY street_id)")
    op.execute("DELETE FROM attendance_settings WHERE follows_default")
    with op.batch_alter_table('attendance_settings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_attendance_settings_street_effective', type_='unique')
        batch_op.create_unique_constraint('uq_attendance_settings_street_id', ['street_id'])
        batch_op.drop_column('follows_default')
        batch_op.drop_column('effective_from')
