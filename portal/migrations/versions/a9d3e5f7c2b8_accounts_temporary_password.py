"""accounts: a password set by someone else is temporary (must be changed, expires)

Revision ID: a9d3e5f7c2b8
Revises: f4c8a2e9b3d7
Create Date: 2026-12-02 00:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import portal.database

# revision identifiers, used by Alembic.
revision = 'a9d3e5f7c2b8'
down_revision = 'f4c8a2e9b3d7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('temporary_until', portal.database.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('temporary_until')
        batch_op.drop_column('must_change_password')
