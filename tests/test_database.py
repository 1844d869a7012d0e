"""SQLite under concurrent writers: they wait for each other instead of failing."""
import shutil
import threading
import time

import pytest
from sqlalchemy import select, text

from portal.extensions import db
from portal.org.models import Community
from tests.conftest import make_app


@pytest.fixture
def sqlite_app(sqlite_template, tmp_path):
    path = tmp_path / "portal.db"
    shutil.copyfile(sqlite_template, path)
    app = make_app(f"sqlite:///{path}")
    yield app
    with app.app_context():
        db.engine.dispose()


def test_sqlite_is_in_wal_mode_with_foreign_keys(sqlite_app):
    with sqlite_app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_concurrent_read_then_write_requests_both_succeed(app):
    """Two POST requests each read, pause, then write the same row. With a deferred
    BEGIN the second would fail at once with "database is locked"; with BEGIN
    IMMEDIATE for writes it waits its turn. PostgreSQL serialises them on the row."""
    errors: list[Exception] = []
    barrier = threading.Barrier(2)

    def writer(suffix):
        try:
            with app.test_request_context("/", method="POST"):
                barrier.wait()
                community = db.session.scalar(select(Community).where(Community.slug == "fuyuan"))
                time.sleep(0.2)
                community.office_phone = f"0472-51000{suffix}"
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)
        finally:
            with app.app_context():
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        phone = db.session.scalar(select(Community.office_phone).where(Community.slug == "fuyuan"))
        assert phone in ("0472-510001", "0472-510002")


def test_reads_do_not_take_the_write_lock(sqlite_app):
    """GET requests begin deferred, so the board's polling never queues behind writers."""
    app = sqlite_app
    with app.test_request_context("/", method="POST"):
        db.session.execute(text("SELECT 1"))  # holds the write lock now
        done = threading.Event()

        def reader():
            with app.test_request_context("/", method="GET"):
                db.session.scalar(select(Community.id).limit(1))
                db.session.remove()
                done.set()

        thread = threading.Thread(target=reader)
        thread.start()
        assert done.wait(timeout=3)
        thread.join()
        db.session.rollback()
