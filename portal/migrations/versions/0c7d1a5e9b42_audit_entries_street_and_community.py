"""audit_entries.street_id / community_id: where an entry belongs, stored by the writer

The 街镇 leader's viewer used to find its street's entries by following every
entry's object through the features' tables (an OR over subqueries, the activity
log's among them); it now filters these columns. Older entries are filled here by
the rules the viewer used (portal.audit.rules.links() as of this revision), from
the lowest precedence to the highest, as portal.audit.log.scope decides for new
ones: the object's street; the object's community (an inspection's answers and
photos: the inspection's) and its street; the person acted for; the person the
object belongs to (the person, their account, events, leave, 补卡 …).

Revision ID: 0c7d1a5e9b42
Revises: 1437df6424b9
Create Date: 2026-12-02 05:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0c7d1a5e9b42'
down_revision = '1437df6424b9'
branch_labels = None
depends_on = None

STREET_OBJECTS = ("attendance_settings", "month_locks", "assessment_settings", "assessment_locks",
                  "bulletins", "sampling_draws")
COMMUNITY_OBJECTS = {  # table → the FROM that reaches its community as `c`, the object as `o`
    "inspections": "inspections o JOIN communities c ON c.id = o.community_id",
    "corrective_actions": "corrective_actions o JOIN communities c ON c.id = o.community_id",
    "objections": "objections o JOIN communities c ON c.id = o.community_id",
    "hall_display_links": "hall_display_links o JOIN communities c ON c.id = o.community_id",
    "inspection_answers": "inspection_answers o JOIN inspections i ON i.id = o.inspection_id"
                          " JOIN communities c ON c.id = i.community_id",
    "inspection_photos": "inspection_photos o JOIN inspections i ON i.id = o.inspection_id"
                         " JOIN communities c ON c.id = i.community_id",
}
PERSON_OBJECTS = {  # table → the FROM that reaches its person as `p`, the object as `o`
    "people": "people o JOIN people p ON p.id = o.id",
    **{table: f"{table} o JOIN people p ON p.id = o.person_id"
       for table in ("accounts", "activity_events", "leave_requests", "leave_entitlements",
                     "attendance_corrections", "inspection_answers", "assessment_adjustments")},
}


def _object(table: str) -> str:
    """The entry's object id as a number, only for entries naming that table: other
    kinds may carry ids that are no number (a calendar day), which PostgreSQL would
    refuse to cast however the query is planned."""
    return (f"CASE WHEN audit_entries.object_type = '{table}' "
            f"THEN CAST(audit_entries.object_id AS INTEGER) END")


def _backfill():
    for table in STREET_OBJECTS:
        op.execute(f"UPDATE audit_entries SET street_id = "
                   f"(SELECT o.street_id FROM {table} o WHERE o.id = {_object(table)}) "
                   f"WHERE object_type = '{table}'")
    for table, source in COMMUNITY_OBJECTS.items():
        op.execute(f"UPDATE audit_entries SET "
                   f"community_id = (SELECT c.id FROM {source} WHERE o.id = {_object(table)}), "
                   f"street_id = (SELECT c.street_id FROM {source} WHERE o.id = {_object(table)}) "
                   f"WHERE object_type = '{table}'")
    op.execute("UPDATE audit_entries SET "
               "community_id = (SELECT p.community_id FROM people p WHERE p.id = audit_entries.on_behalf_of_id), "
               "street_id = (SELECT p.street_id FROM people p WHERE p.id = audit_entries.on_behalf_of_id) "
               "WHERE on_behalf_of_id IS NOT NULL")
    for table, source in PERSON_OBJECTS.items():
        op.execute(f"UPDATE audit_entries SET "
                   f"community_id = (SELECT p.community_id FROM {source} WHERE o.id = {_object(table)}), "
                   f"street_id = (SELECT p.street_id FROM {source} WHERE o.id = {_object(table)}) "
                   f"WHERE object_type = '{table}' "
                   f"AND EXISTS (SELECT 1 FROM {source} WHERE o.id = {_object(table)})")


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('community_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_audit_entries_street_id_streets'),
                                    'streets', ['street_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_audit_entries_community_id_communities'),
                                    'communities', ['community_id'], ['id'])
    _backfill()
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_street_at', ['street_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entries_street_action', ['street_id', 'action'], unique=False)
        batch_op.create_index('ix_audit_entries_action', ['action'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_action')
        batch_op.drop_index('ix_audit_entries_street_action')
        batch_op.drop_index('ix_audit_entries_street_at')
        batch_op.drop_constraint(batch_op.f('fk_audit_entries_community_id_communities'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_audit_entries_street_id_streets'), type_='foreignkey')
        batch_op.drop_column('community_id')
        batch_op.drop_column('street_id')
