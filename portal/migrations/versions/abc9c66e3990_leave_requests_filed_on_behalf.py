"""leave_requests: 代请假, filed for the person by their 书记 or 站长 (who, and why)

filed_by_id is the filer's account, NULL for leave the person filed themself (every
existing request); behalf_reason says why the person could not file (in hospital …).

Revision ID: abc9c66e3990
Revises: 7d3e9a1c5b20
Create Date: 2026-12-03 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'abc9c66e3990'
down_revision = '7d3e9a1c5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('behalf_reason', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_leave_requests_filed_by_id_accounts'),
                                    'accounts', ['filed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_leave_requests_filed_by_id_accounts'), type_='foreignkey')
        batch_op.drop_column('behalf_reason')
        batch_op.drop_column('filed_by_id')
