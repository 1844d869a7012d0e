"""leave by community, status and start (a board's leave of today, found by make bench)

Revision ID: 7d3e9a1c5b20
Revises: 5b1e0c7f2a93
Create Date: 2026-12-02 19:55:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7d3e9a1c5b20'
down_revision = '5b1e0c7f2a93'
branch_labels = None
depends_on = None


def upgrade():
    # Every board card and the dashboards' counts ask for approved leave begun by today.
    # With (community, status) alone SQLite chose (community, start_date) and walked
    # every past leave of the community: the district dashboard grew with the years.
    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_leave_requests_community_status')
        batch_op.create_index('ix_leave_requests_community_status', ['community_id', 'status', 'start_date'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_leave_requests_community_status')
        batch_op.create_index('ix_leave_requests_community_status', ['community_id', 'status'], unique=False)
