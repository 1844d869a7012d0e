"""login_attempts.throttled: an attempt refused by the throttle is kept apart

A refused attempt is not a failed password: it must not extend the lockout it was
refused by.

Revision ID: f4c8a2e9b3d7
Revises: e2b7c9d4a1f6
Create Date: 2026-12-02 00:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f4c8a2e9b3d7'
down_revision = 'e2b7c9d4a1f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('throttled', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_column('throttled')
