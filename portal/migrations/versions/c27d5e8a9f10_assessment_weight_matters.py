"""考核: assessment_settings.weight_matters (便民服务事项 in the 考核, 0 by default), in place
of matter_settings.assessment_weight (district-wide, not dated, never read)

Revision ID: c27d5e8a9f10
Revises: d18c3e5f7a81
Create Date: 2026-12-03 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c27d5e8a9f10'
down_revision = 'd18c3e5f7a81'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight_matters', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('matter_settings', schema=None) as batch_op:
        batch_op.drop_column('assessment_weight')


def downgrade():
    with op.batch_alter_table('matter_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assessment_weight', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('assessment_settings', schema=None) as batch_op:
        batch_op.drop_column('weight_matters')
