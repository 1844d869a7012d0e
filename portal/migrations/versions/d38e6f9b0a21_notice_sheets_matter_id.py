"""一次性告知单: notice_sheets.matter_id, the 便民服务事项 a sheet was issued for

Revision ID: d38e6f9b0a21
Revises: c27d5e8a9f10
Create Date: 2026-12-03 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd38e6f9b0a21'
down_revision = 'c27d5e8a9f10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notice_sheets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matter_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notice_sheets_matter_id'), ['matter_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notice_sheets_matter_id_matters'), 'matters', ['matter_id'], ['id'])


def downgrade():
    with op.batch_alter_table('notice_sheets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notice_sheets_matter_id_matters'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notice_sheets_matter_id'))
        batch_op.drop_column('matter_id')
