"""data versions, so a worker can cache the month 考勤表 without serving it stale

A value per scope, changed in the same transaction as every write to its data
(portal/versions.py).

Revision ID: a7c3d9e2f410
Revises: e4593792e3bd
Create Date: 2026-11-30 12:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c3d9e2f410'
down_revision = 'e4593792e3bd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_versions',
        sa.Column('scope', sa.String(length=100), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_data_versions')),
    )


def downgrade():
    op.drop_table('data_versions')
