"""包社区/包网格 terms, their books, the supervision log, leave covers (代班), people.public_office_phone

Revision ID: b7d3e1f0c9a2
Revises: 5e70eefd424f
Create Date: 2026-12-03 04:30:00

"""
from alembic import op
import sqlalchemy as sa

import portal.database


revision = 'b7d3e1f0c9a2'
down_revision = '5e70eefd424f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('responsibility_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('community', 'grid', name='assignment_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_responsibility_assignments_community_id_communities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['accounts.id'], name=op.f('fk_responsibility_assignments_created_by_id_accounts')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_responsibility_assignments_grid_id_grids')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_responsibility_assignments_person_id_people')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_responsibility_assignments_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responsibility_assignments'))
    )
    with op.batch_alter_table('responsibility_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_responsibility_assignments_community', ['community_id', 'kind', 'valid_from'], unique=False)
        batch_op.create_index('ix_responsibility_assignments_person', ['person_id', 'valid_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_responsibility_assignments_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_responsibility_assignments_street_id'), ['street_id'], unique=False)

    op.create_table('responsibility_books',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responsibility_books')),
    sa.UniqueConstraint('scope', name=op.f('uq_responsibility_books_scope'))
    )

    op.create_table('supervision_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('training', 'guidance', 'urging', 'check', 'assessment', name='supervision_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('covered', sa.Text(), nullable=False),
    sa.Column('present', sa.String(length=200), nullable=True),
    sa.Column('follow_ups', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_supervision_entries_community_id_communities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['accounts.id'], name=op.f('fk_supervision_entries_created_by_id_accounts')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_supervision_entries_person_id_people')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_supervision_entries_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_entries'))
    )
    with op.batch_alter_table('supervision_entries', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_entries_community_day', ['community_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_entries_person_id'), ['person_id'], unique=False)

    op.create_table('leave_covers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('leave_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('named_by_id', sa.Integer(), nullable=True),
    sa.Column('named_at', portal.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_leave_covers_community_id_communities')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_leave_covers_grid_id_grids')),
    sa.ForeignKeyConstraint(['leave_id'], ['leave_requests.id'], name=op.f('fk_leave_covers_leave_id_leave_requests')),
    sa.ForeignKeyConstraint(['named_by_id'], ['accounts.id'], name=op.f('fk_leave_covers_named_by_id_accounts')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_leave_covers_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leave_covers')),
    sa.UniqueConstraint('leave_id', name=op.f('uq_leave_covers_leave_id'))
    )
    with op.batch_alter_table('leave_covers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leave_covers_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leave_covers_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_office_phone', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('public_office_phone')
    with op.batch_alter_table('leave_covers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leave_covers_person_id'))
        batch_op.drop_index(batch_op.f('ix_leave_covers_community_id'))
    op.drop_table('leave_covers')
    with op.batch_alter_table('supervision_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_entries_person_id'))
        batch_op.drop_index('ix_supervision_entries_community_day')
    op.drop_table('supervision_entries')
    op.drop_table('responsibility_books')
    with op.batch_alter_table('responsibility_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responsibility_assignments_street_id'))
        batch_op.drop_index(batch_op.f('ix_responsibility_assignments_grid_id'))
        batch_op.drop_index('ix_responsibility_assignments_person')
        batch_op.drop_index('ix_responsibility_assignments_community')
    op.drop_table('responsibility_assignments')
