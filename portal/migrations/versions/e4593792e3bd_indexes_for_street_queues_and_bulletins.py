"""indexes for street leave queues and the 通报 list (found by make bench)

Revision ID: e4593792e3bd
Revises: 3c1f7a9d2b4e
Create Date: 2026-11-30 09:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e4593792e3bd'
down_revision = '3c1f7a9d2b4e'
branch_labels = None
depends_on = None


def upgrade():
    # A 街镇领导's queue and 逾期未销假 list (on every page, via the navigation badge)
    # filter leave by street: without this, a full scan of all the years of leave.
    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.create_index('ix_leave_requests_street_status', ['street_id', 'status'], unique=False)
    # The 通报 page lists the latest 200 by publication time.
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.create_index('ix_bulletins_published_at', ['published_at'], unique=False)


def downgrade():
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.drop_index('ix_bulletins_published_at')
    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_leave_requests_street_status')
