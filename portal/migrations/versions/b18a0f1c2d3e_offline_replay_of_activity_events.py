"""离线补传: activity_events.client_id (unique per person) and .offline

Revision ID: b18a0f1c2d3e
Revises: 75f7e48dea28
Create Date: 2026-12-03 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b18a0f1c2d3e'
down_revision = '75f7e48dea28'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('offline', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_unique_constraint('uq_activity_events_person_client', ['person_id', 'client_id'])


def downgrade():
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_activity_events_person_client', type_='unique')
        batch_op.drop_column('offline')
        batch_op.drop_column('client_id')
