"""Shared pieces of the fault tests: an app whose connection pool lets every
racing thread hold its own connection, and logged-in test clients."""
import threading
import uuid

import pytest
from sqlalchemy import MetaData, create_engine, select, text, update
from werkzeug.security import generate_password_hash

from portal.auth.models import Account
from portal.extensions import db
from tests.conftest import DEMO_PASSWORD, Auth, make_app, pg_admin_engine, pg_url_for

RACERS = 20


@pytest.fixture
def race_app(database_url):
    """Like `app`, but with a pool big enough that no racer queues for a connection
    (the default of 5 + 10 would serialise some of them before the database does)."""
    app = make_app(database_url, SQLALCHEMY_ENGINE_OPTIONS={
        "pool_pre_ping": True, "pool_size": RACERS + 5, "max_overflow": 5, "pool_timeout": 60})
    with app.app_context():
        quick_logins()
    yield app
    with app.app_context():
        db.engine.dispose()


def quick_logins() -> None:
    """Dozens of logins per test: a one-round hash of the same demo password keeps
    them quick (password hashing is not what these tests are about)."""
    db.session.execute(update(Account).values(
        password_hash=generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:1")))
    db.session.commit()



def logged_in(app, username: str, token_from: str = "/") -> tuple[Auth, str]:
    """A fresh test client (its own cookie jar and session) logged in as `username`,
    with a CSRF token taken from `token_from`."""
    auth = Auth(app.test_client())
    response = auth.login(username)
    assert response.status_code in (302, 303), response.status_code
    return auth, auth.token(token_from)


def race(jobs) -> list:
    """Run each job in its own thread, all released at once by a barrier; return
    their results in order (an exception counts as a result, so none is lost)."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(timeout=60)
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a racer never finished"
    return results


@pytest.fixture
def empty_url_factory(database_url, tmp_path):
    """Empty databases on the same backend as `database_url`, dropped afterwards."""
    made = []

    def make(label: str) -> str:
        if database_url.startswith("sqlite"):
            return f"sqlite:///{tmp_path / f'{label}.db'}"
        name = f"portal_f_{uuid.uuid4().hex[:12]}"
        with pg_admin_engine().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return pg_url_for(name)

    yield make
    if made:
        engine = pg_admin_engine()
        with engine.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def table_contents(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order, as the database holds it."""
    engine = create_engine(url)
    contents = {}
    try:
        with engine.connect() as conn:
            metadata = MetaData()
            metadata.reflect(bind=conn)
            for name, table in sorted(metadata.tables.items()):
                order = list(table.primary_key.columns) or list(table.columns)
                contents[name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
    finally:
        engine.dispose()
    return contents
