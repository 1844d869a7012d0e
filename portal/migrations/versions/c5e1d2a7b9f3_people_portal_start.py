"""people.portal_start: the first day the portal judges a person's attendance

Days before go-live or before a new hire was added are "not yet in the portal",
not 缺勤. Existing people keep being judged as before (NULL: from the beginning).

Revision ID: c5e1d2a7b9f3
Revises: a7c3d9e2f410
Create Date: 2026-12-01 22:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c5e1d2a7b9f3'
down_revision = 'a7c3d9e2f410'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('portal_start', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('portal_start')
