"""Fixtures in the manner of Flask's tutorial: a fresh database per test.

Every test that uses `app` runs on SQLite and, when TEST_DATABASE_URL is set or
CI=true, on PostgreSQL too (TEST_DATABASE_URL set but empty: SQLite only). Migrating and seeding the demo district is done once
per backend into a template; each test gets its own copy of it (a file copy on
SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL).

Nothing here reads the real date: the template is seeded at SUITE_NOW and every
app starts with its clock frozen there (config CLOCK_NOW), so the suite gives the
same result on any day. A test about another moment says so (`travel`, or
CLOCK_NOW set explicitly); only tests of the clock itself unfreeze it.
"""
import json
import os
import re
import shutil
import sqlite3
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.auth.models import Account
from portal.demo import seed_demo_guide, seed_demo_people
from portal.extensions import db
from portal.seed import seed_reference_data

IN_CI = os.environ.get("CI") == "true"
# TEST_DATABASE_URL unset: PostgreSQL in CI only; set but empty: SQLite only, in CI too
# (make test-time-travel: the process clock is the point there, not the backend).
_PG_ASKED = os.environ.get("TEST_DATABASE_URL")
PG_URL = (_PG_ASKED if _PG_ASKED is not None else
          "postgresql+psycopg://postgres@127.0.0.1:5432/test" if IN_CI else None) or None
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
DEMO_PASSWORD = "demo-pass-2026"

# The suite's "now": Wednesday 25 November 2026, 10:00 in Qingshan.
SUITE_NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
# The template's people are judged from here (the demo's go-live), so the months
# the tests look at hold no "not yet in the portal" days unless a test makes them.
SUITE_GO_LIVE = date(2024, 1, 1)


def make_app(url: str, **extra):
    """The testing app, its clock frozen at SUITE_NOW unless CLOCK_NOW is given."""
    return create_app({"CONFIG_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "CLOCK_NOW": SUITE_NOW,
                       **extra})


def build_demo_database(url: str) -> None:
    """Migrate to head and seed the demo district, the way `make run` does."""
    app = make_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        seed_reference_data()
        seed_demo_people(portal_start=SUITE_GO_LIVE)
        seed_demo_guide()
        db.session.commit()
        db.engine.dispose()


def pg_admin_engine():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def pg_url_for(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    build_demo_database(f"sqlite:///{path}")
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture(scope="session")
def pg_template():
    name = f"portal_tmpl_{os.getpid()}"
    engine = pg_admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    build_demo_database(pg_url_for(name))
    yield name
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh, seeded database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "portal.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"portal_t_{uuid.uuid4().hex[:12]}"
    engine = pg_admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield pg_url_for(name)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    """Its own instance folder too: uploads of parallel runs never mix."""
    app = make_app(database_url, INSTANCE_PATH=str(tmp_path / "instance"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def travel(app):
    """Moves the app's clock to an aware instant: `travel(datetime(…, tzinfo=UTC))`."""
    def to(moment: datetime) -> datetime:
        assert moment.tzinfo is not None, "state the zone of a test's moment"
        app.config["CLOCK_NOW"] = moment
        return moment
    return to


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page carries no CSRF token"
    return match.group(1) or match.group(2)


@contextmanager
def recorded_statements(app):
    """The SQL the app's engine sends while the block runs (SQLite's BEGIN goes to
    the driver directly and is not among them)."""
    statements = []
    with app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def statements_of(app, client, path) -> list[str]:
    """The statements of one page that answers 200."""
    with recorded_statements(app) as statements:
        assert client.get(path).status_code == 200
    return statements


def count_statements(app, client, path) -> int:
    return len(statements_of(app, client, path))


def account(username: str) -> Account:
    """The demo account of that username (the tests' way to name an actor)."""
    return db.session.scalar(select(Account).where(Account.username == username))


class Auth:
    """Logs a test client in and posts forms with the CSRF token a browser would send."""

    def __init__(self, client):
        self.client = client

    def token(self, path: str = "/login") -> str:
        return csrf_token_from(self.client.get(path, follow_redirects=True).get_data(as_text=True))

    def login(self, username: str, password: str = DEMO_PASSWORD, **kw):
        token = self.token("/login")
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": token, **kw.pop("data", {})}, **kw)

    def post(self, path: str, data: dict | None = None, token_from: str = "/", **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from))
        return self.client.post(path, data=data, **kw)

    def logout(self):
        return self.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


def forget_calendar_year(year: int) -> None:
    """The year is not entered, whatever a newer chinese-calendar might know (inside an app context)."""
    from portal.workdays.models import CalendarDay, CalendarYear

    db.session.execute(CalendarDay.__table__.delete().where(
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))))
    db.session.execute(CalendarYear.__table__.delete().where(CalendarYear.year == year))
    db.session.commit()


# -- axe-core's count of pages checked (tests/e2e/a11y.py), printed once by the controller ---

AXE_REPORTS = Path(__file__).resolve().parents[1] / "artifacts" / "axe"


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the controller (or a run without xdist)
        shutil.rmtree(AXE_REPORTS, ignore_errors=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput") or not AXE_REPORTS.exists():
        return
    checks = [json.loads(line) for report in AXE_REPORTS.glob("*.jsonl")
              for line in report.read_text(encoding="utf-8").splitlines() if line]
    if checks:
        pages = {(c["path"], c["size"]) for c in checks}
        serious = sum(c["serious"] for c in checks)
        terminalreporter.write_line(
            f"axe-core: {len(checks)} page checks ({len({p for p, _ in pages})} distinct paths, phone and desk), "
            f"{serious} serious or critical violations")
