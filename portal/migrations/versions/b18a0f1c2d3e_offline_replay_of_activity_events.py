"""离线补传: activity_events.client_id (unique per person) and .offline; 消息: notices, notice_prefs

Revision ID: b18a0f1c2d3e
Revises: 01238d87f954
Create Date: 2026-12-03 04:20:00

"""
from alembic import op
import sqlalchemy as sa

import portal.database


# revision identifiers, used by Alembic.
revision = 'b18a0f1c2d3e'
down_revision = '01238d87f954'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('offline', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_unique_constraint('uq_activity_events_person_client', ['person_id', 'client_id'])
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('leave_waiting', 'leave_decided', 'leave_overdue', 'action_assigned', 'action_due',
                              'action_overdue', 'away_overdue', name='notice_kind', native_enum=False,
                              create_constraint=True, length=20), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
    sa.Column('read_at', portal.database.UTCDateTime(), nullable=True),
    sa.Column('emailed_at', portal.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notices_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('person_id', 'key', name='uq_notices_person_key')
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_person_read', ['person_id', 'read_at'], unique=False)
    op.create_table('notice_prefs',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('muted', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notice_prefs_person_id_people')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_notice_prefs'))
    )


def downgrade():
    op.drop_table('notice_prefs')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_person_read')
    op.drop_table('notices')
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_activity_events_person_client', type_='unique')
        batch_op.drop_column('offline')
        batch_op.drop_column('client_id')
