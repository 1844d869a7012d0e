"""The 去向指示牌 follows the people on it: a deactivation, a rename or a grid move by
the administrator reaches every open board at once, also the boards a worker
keeps in memory (run with the production max ages)."""
from sqlalchemy import select

from portal.admin import people as people_rules
from portal.auth.models import Account
from portal.extensions import db
from portal.people.models import Person
from tests.conftest import Auth


def production_ages(app):
    app.config.update(VERSIONS_MAX_AGE=1.0)


def worker(username) -> Person:
    return db.session.scalar(select(Account).where(Account.username == username)).person


def board_as(app, username, community_id=1) -> tuple[Auth, str]:
    auth = Auth(app.test_client())
    auth.login(username)
    return auth, auth.client.get(f"/board/{community_id}").get_data(as_text=True)


def test_a_deactivated_worker_leaves_every_kept_board(app):
    production_ages(app)
    with app.app_context():
        person = worker("fuyuan_worker12")
        name, person_id = person.name, person.id
    desk, before = board_as(app, "fuyuan_frontdesk")
    assert f'id="card-{person_id}"' in before
    with app.app_context():
        people_rules.deactivate_person(db.session.scalar(select(Account).where(Account.username == "admin")),
                                       db.session.get(Person, person_id))
        db.session.commit()
    assert f'id="card-{person_id}"' not in desk.client.get("/board/1").get_data(as_text=True)
    _secretary, fresh = board_as(app, "fuyuan_secretary")
    assert f'id="card-{person_id}"' not in fresh and name not in fresh


def test_a_renamed_worker_shows_the_new_name(app):
    production_ages(app)
    desk, _before = board_as(app, "fuyuan_frontdesk")
    with app.app_context():
        person = worker("fuyuan_worker11")
        person.name = "新名字"
        db.session.commit()
    assert "新名字" in desk.client.get("/board/1").get_data(as_text=True)


def test_a_poll_after_a_deactivation_sends_the_whole_board(app):
    from portal.board import rules as board_rules

    with app.app_context():
        version = board_rules.board_state(1, 0).version
        person = worker("fuyuan_worker10")
        person.active = False
        db.session.commit()
        answer = board_rules.poll(1, version, int(app.config["CLOCK_NOW"].timestamp()) - 60)
        assert answer.everything and person.id not in {c.person.id for c in answer.cards}


def test_moving_a_worker_to_another_community_changes_both_boards(app):
    from portal.board import rules as board_rules

    with app.app_context():
        person = worker("fuyuan_worker09")
        fuda = worker("fuda_worker01").community_id
        old = {cid: board_rules.board_state(cid, 0).version for cid in (1, fuda)}
        person.community_id, person.grid_id = fuda, None
        db.session.commit()
        assert all(board_rules.board_state(cid, 0).version != old[cid] for cid in (1, fuda))


def test_a_calendar_edit_reaches_a_kept_board(app):
    """A worker's leave ends on Friday: the card says Monday. Monday becomes a holiday: the card says Tuesday."""
    from datetime import UTC, date, datetime

    from portal.leave import rules as leave_rules
    from portal.leave.models import LeaveType
    from portal.workdays import rules as workdays
    from portal.workdays.models import DayKind

    production_ages(app)
    with app.app_context():
        worker = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker08"))
        personal = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "personal"))
        leave = leave_rules.submit(worker, worker.person, leave_rules.LeaveInput(
            personal, date(2026, 11, 25), "am", date(2026, 11, 27), "pm", "家中有事", "家中", ""), app.config,
            now=datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
        leave_rules.decide(db.session.scalar(select(Account).where(Account.username == "fuyuan_secretary")),
                           leave, True, "同意", now=datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
        db.session.commit()
    desk, before = board_as(app, "fuyuan_frontdesk")
    assert "11月30日上午返岗" in before
    with app.app_context():
        workdays.set_day(db.session.scalar(select(Account).where(Account.username == "admin")),
                         date(2026, 11, 30), DayKind.HOLIDAY, "临时放假")
        db.session.commit()
    assert "12月1日上午返岗" in desk.client.get("/board/1").get_data(as_text=True)
