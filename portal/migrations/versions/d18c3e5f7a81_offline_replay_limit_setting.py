"""离线补传's time limit as a schedule setting: attendance_settings.offline_replay_max_hours

Revision ID: d18c3e5f7a81
Revises: c18b2d4e6f70
Create Date: 2026-12-03 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd18c3e5f7a81'
down_revision = 'c18b2d4e6f70'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offline_replay_max_hours', sa.Integer(), server_default='12', nullable=False))


def downgrade():
    with op.batch_alter_table('attendance_settings', schema=None) as batch_op:
        batch_op.drop_column('offline_replay_max_hours')
