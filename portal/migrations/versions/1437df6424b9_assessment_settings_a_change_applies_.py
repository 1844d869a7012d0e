"""assessment_settings: a change applies from a date (effective_from); history kept

Revision ID: 1437df6424b9
Revises: 82c969213edb
Create Date: 2026-12-02 02:05:23.894266

"""
import sqlalchemy as sa
from alembic import op

import portal.database


# revision identifiers, used by Alembic.
revision = '1437df6424b9'
down_revision = '82c969213edb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_from', sa.Date(), server_default='2000-01-01', nullable=False))
        batch_op.add_column(sa.Column('follows_default', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_assessment_settings_street_id'), type_='unique')
        batch_op.create_unique_constraint('uq_assessment_settings_street_effective', ['street_id', 'effective_from'])


def downgrade():
    # One row per street again: the latest of each.
    op.execute("DELETE FROM assessment_settings WHERE id NOT IN "
               "(SELECT max(id) FROM assessment_settings GROUP BY street_id)")
    with op.batch_alter_table('assessment_settings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_assessment_settings_street_effective', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_assessment_settings_street_id'), ['street_id'])
        batch_op.drop_column('follows_default')
        batch_op.drop_column('effective_from')

