"""people.community_start (入职本社区时间); roster_uploads (a roster between preview and confirmation)

Revision ID: a489d5c9ae56
Revises: abc9c66e3990
Create Date: 2026-12-03 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import portal.database

# revision identifiers, used by Alembic.
revision = 'a489d5c9ae56'
down_revision = 'abc9c66e3990'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('community_start', sa.Date(), nullable=True))
    op.create_table(
        'roster_uploads',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=100), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('plan_digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_roster_uploads_account_id_accounts')),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_roster_uploads')),
    )
    with op.batch_alter_table('roster_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_uploads_account_id'), ['account_id'], unique=False)


def downgrade():
    with op.batch_alter_table('roster_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_uploads_account_id'))
    op.drop_table('roster_uploads')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('community_start')
