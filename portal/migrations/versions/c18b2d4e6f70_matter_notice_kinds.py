"""消息: two more kinds, a matter assigned to me (matter_assigned) and overdue (matter_overdue)

Revision ID: c18b2d4e6f70
Revises: c3e9a7d51f20
Create Date: 2026-12-03 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c18b2d4e6f70'
down_revision = 'c3e9a7d51f20'
branch_labels = None
depends_on = None

OLD = ('leave_waiting', 'leave_decided', 'leave_overdue', 'action_assigned', 'action_due', 'action_overdue',
       'away_overdue')
NEW = OLD + ('matter_assigned', 'matter_overdue')


def _kind(values):
    return sa.Enum(*values, name='notice_kind', native_enum=False, create_constraint=True, length=20)


def upgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(OLD), type_=_kind(NEW), existing_nullable=False)


def downgrade():
    op.execute(sa.text("DELETE FROM notices WHERE kind IN ('matter_assigned', 'matter_overdue')"))
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(NEW), type_=_kind(OLD), existing_nullable=False)
