"""current_statuses.clocked_in_on: the day of the person's latest 签到

A 签到 during a patrol or 入户 now leaves the card on the work, so whether today is
clocked in can no longer be read from the card's kind. Filled here from each
person's latest 签到 in the log (its local date, Qingshan being UTC+8 all year).

Revision ID: 5b1e0c7f2a93
Revises: 0c7d1a5e9b42
Create Date: 2026-12-02 10:40:00.000000

"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5b1e0c7f2a93'
down_revision = '0c7d1a5e9b42'
branch_labels = None
depends_on = None

QINGSHAN = timedelta(hours=8)


def _local_date(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value.astimezone(UTC) + QINGSHAN).date()


def upgrade():
    with op.batch_alter_table('current_statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clocked_in_on', sa.Date(), nullable=True))
    bind = op.get_bind()
    latest = bind.execute(sa.text(
        "SELECT person_id, MAX(at) FROM activity_events WHERE kind = 'clock_in' GROUP BY person_id")).all()
    update = sa.text("UPDATE current_statuses SET clocked_in_on = :day WHERE person_id = :person")
    rows = [{"day": _local_date(at), "person": person} for person, at in latest if at is not None]
    if rows:
        bind.execute(update, rows)


def downgrade():
    with op.batch_alter_table('current_statuses', schema=None) as batch_op:
        batch_op.drop_column('clocked_in_on')
