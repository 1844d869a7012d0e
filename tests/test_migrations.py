"""Schema changes go through migrations, on both databases."""
import uuid

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from portal.extensions import db
from tests.conftest import BACKENDS, make_app, pg_admin_engine, pg_url_for


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"portal_m_{uuid.uuid4().hex[:12]}"
    engine = pg_admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield pg_url_for(name)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def test_upgrade_downgrade_upgrade(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"streets", "communities", "grids", "people", "accounts", "audit_entries"} <= tables
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        assert set(inspect(db.engine).get_table_names()) == tables
        db.engine.dispose()


def test_migrations_match_the_models(empty_database_url):
    """A model changed without a migration shows up here as a difference."""
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def test_the_notice_kinds_check_admits_the_matter_kinds(empty_database_url):
    """notice_kind is a CHECK constraint: the migration that added the matters' kinds
    widened it, and it still refuses a kind nobody knows."""
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.begin() as conn:
            names = [c["name"] for c in inspect(conn).get_check_constraints("notices")]
            assert "ck_notices_notice_kind" in names
            sql = next(c["sqltext"] for c in inspect(conn).get_check_constraints("notices")
                       if c["name"] == "ck_notices_notice_kind")
        db.engine.dispose()
    assert "matter_assigned" in sql and "matter_overdue" in sql and "away_overdue" in sql
