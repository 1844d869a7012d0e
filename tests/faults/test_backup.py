"""Online backup → restore → identical data (`flask backup`, `flask restore`):
SQLite's backup API and pg_dump/pg_restore, taken while the board keeps writing."""
import threading
import time
from collections import defaultdict

import pytest
from sqlalchemy import select

from portal.activity import rules as activity
from portal.activity.models import ActivityEvent, CurrentStatus
from portal.audit.models import AuditEntry
from portal.auth.models import Account
from portal.extensions import db
from tests.conftest import make_app
from tests.faults.conftest import table_contents

pytestmark = pytest.mark.faults

WRITERS = [f"fuyuan_worker{n:02d}" for n in range(1, 5)]
KINDS = ("errand", "back", "meeting")


def event_notes() -> list[str]:
    return db.session.scalars(select(ActivityEvent.note).order_by(ActivityEvent.id)).all()


def write_until(app, username: str, stop: threading.Event, written: list) -> None:
    """One person pressing status buttons, one committed change after another."""
    with app.app_context():
        try:
            n = 0
            while not stop.is_set():
                me = db.session.scalar(select(Account).where(Account.username == username))
                activity.record_event(me, me.person, KINDS[n % len(KINDS)], note=f"{username}-{n}")
                db.session.commit()
                written.append(f"{username}-{n}")
                n += 1
        finally:
            db.session.remove()


def assert_consistent(url: str) -> list[str]:
    """A snapshot of whole transactions: every event audited, every card on its latest event."""
    app = make_app(url)
    with app.app_context():
        events = db.session.scalars(select(ActivityEvent)).all()
        audited = set(db.session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "board.status_set")))
        assert {str(e.id) for e in events} == audited
        latest = defaultdict(int)
        for e in events:
            latest[e.person_id] = max(latest[e.person_id], e.id)
        assert {p: db.session.get(CurrentStatus, p).event_id for p in latest} == dict(latest)
        notes = event_notes()
        db.engine.dispose()
    return notes


def test_backup_during_writes_restores_to_identical_data(app, empty_url_factory, tmp_path):
    source_url = app.config["SQLALCHEMY_DATABASE_URI"]
    runner = app.test_cli_runner()
    stop, written = threading.Event(), []
    writers = [threading.Thread(target=write_until, args=(app, u, stop, written)) for u in WRITERS]
    for t in writers:
        t.start()
    try:
        while len(written) < 20:
            time.sleep(0.01)
        online = tmp_path / "online.backup"
        result = runner.invoke(args=["backup", str(online)])
        assert result.exit_code == 0, result.output
        at_backup = len(written)
        while len(written) < at_backup + 20:  # the portal went on writing after the backup
            time.sleep(0.01)
    finally:
        stop.set()
        for t in writers:
            t.join(timeout=60)
    assert "已备份到" in result.output

    # The online backup, restored into an empty database, is a consistent cut:
    # the source's earliest events, each exactly as the source holds them.
    restored_url = empty_url_factory("restored_online")
    result = make_app(restored_url).test_cli_runner().invoke(args=["restore", str(online), "--yes"])
    assert result.exit_code == 0, result.output
    restored_notes = assert_consistent(restored_url)
    source_notes = assert_consistent(source_url)
    assert 20 <= len(restored_notes) < len(source_notes)
    assert restored_notes == source_notes[:len(restored_notes)]
    source, restored = table_contents(source_url), table_contents(restored_url)
    assert restored.keys() == source.keys()
    events = restored["activity_events"]
    assert events == source["activity_events"][:len(events)]
    assert restored["people"] == source["people"] and restored["accounts"] == source["accounts"]

    # With the writers stopped, a backup restores to exactly the same rows everywhere.
    quiet = tmp_path / "quiet.backup"
    assert runner.invoke(args=["backup", str(quiet)]).exit_code == 0
    again_url = empty_url_factory("restored_quiet")
    again = make_app(again_url)
    assert again.test_cli_runner().invoke(args=["restore", str(quiet), "--yes"]).exit_code == 0
    assert table_contents(again_url) == table_contents(source_url)

    # The restored database carries on: new rows get fresh ids (sequences restored too).
    with again.app_context():
        me = db.session.scalar(select(Account).where(Account.username == WRITERS[0]))
        event = activity.record_event(me, me.person, "meeting", note="恢复后")
        db.session.commit()
        assert event.id > max(row[0] for row in table_contents(source_url)["activity_events"])
        db.engine.dispose()


def test_restoring_something_that_is_not_a_backup_changes_nothing(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    before = table_contents(url)
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"PGDMP? no, just some bytes " * 100)
    result = app.test_cli_runner().invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0
    assert "Error" in result.output
    assert table_contents(url) == before


def test_restore_asks_before_overwriting(app, tmp_path):
    backup = tmp_path / "b.backup"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    result = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code != 0 and "确定继续吗" in result.output


def test_restoring_over_the_database_in_use_takes_it_back_to_the_backup(app, tmp_path):
    """The usual case: the portal's own database, changed since the backup, is put back."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    runner = app.test_cli_runner()
    backup = tmp_path / "before.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    before = table_contents(url)
    with app.app_context():
        me = db.session.scalar(select(Account).where(Account.username == WRITERS[0]))
        for kind in KINDS:
            activity.record_event(me, me.person, kind, note="备份之后")
        db.session.commit()
        db.engine.dispose()
    assert table_contents(url) != before
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    assert table_contents(url) == before
