"""Migrations up → down → up on a database in use, on SQLite and PostgreSQL.

tests/test_migrations.py runs the round trip on an empty database and compares
table names. Here the database is the seeded district with leave and board rows
in it, the walk goes one revision at a time, and at every revision the schema
on the way up (columns, keys, indexes, constraints) must equal the one on the
way down.
"""
import flask_migrate
import pytest
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from portal.activity import rules as activity
from portal.auth.models import Account
from portal.board import rules as board
from portal.demo import seed_demo_people
from portal.extensions import db
from portal.leave import rules as leave
from portal.leave.models import LeaveType
from portal.people.models import Person
from portal.seed import seed_reference_data
from tests.conftest import make_app

pytestmark = pytest.mark.faults


def schema() -> dict:
    """Every table's columns, keys, indexes and constraints (batched: one pass per kind)."""
    inspector = inspect(db.engine)
    columns = inspector.get_multi_columns()
    primary = inspector.get_multi_pk_constraint()
    foreign = inspector.get_multi_foreign_keys()
    indexes = inspector.get_multi_indexes()
    uniques = inspector.get_multi_unique_constraints()
    checks = inspector.get_multi_check_constraints()
    return {
        name: {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"]) for c in columns[key]),
            "primary key": primary[key]["constrained_columns"],
            "foreign keys": sorted((tuple(fk["constrained_columns"]), fk["referred_table"],
                                    tuple(fk["referred_columns"])) for fk in foreign[key]),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in indexes[key]),
            "unique": sorted((u["name"], tuple(u["column_names"])) for u in uniques[key]),
            "checks": sorted(str(c["name"]) for c in checks[key]),
        }
        for key in sorted(columns, key=lambda k: k[1]) for name in [key[1]]
    }


def revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def some_work(app) -> None:
    """Rows in the tables that reference others: a leave request and board events."""
    worker = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker01"))
    personal = db.session.scalar(select(LeaveType).where(LeaveType.code == "sick"))
    today = board.clock.today()
    leave.submit(worker, worker.person, leave.LeaveInput(personal.id, today, "am", today, "pm", "发烧",
                                                         "家中", ""), app.config)
    activity.record_event(worker, worker.person, "errand", note="迁移测试")
    db.session.commit()


def test_down_to_base_and_up_again_one_revision_at_a_time_on_a_database_in_use(database_url):
    app = make_app(database_url)
    with app.app_context():
        some_work(app)
        head = revision()
        down = {}
        while (current := revision()) is not None:
            down[current] = schema()
            flask_migrate.downgrade(revision="-1")
            db.engine.dispose()
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        assert len(down) >= 6

        up = {}
        while (current := revision()) != head:
            flask_migrate.upgrade(revision="+1")
            db.engine.dispose()
            up[revision()] = schema()
        assert up.keys() == down.keys()
        for rev in down:
            assert up[rev] == down[rev], f"schema at {rev} differs after the round trip"

        # The rebuilt database takes the district again and works.
        seed_reference_data()
        seed_demo_people()
        db.session.commit()
        some_work(app)
        assert db.session.scalar(select(func.count()).select_from(Person)) > 100
        db.engine.dispose()
