"""`make run` on the days that catch a calendar out: its steps (migrate, seed the
demo district as of that moment, serve) driven in-process with the clock at each
instant, then every role's daily pages and a worker's 签到 and 巡查.

CI also runs this file with the whole process moved by Debian's faketime (.ci/run)."""
import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.activity.models import ActivityEvent
from portal.attendance import rules as attendance
from portal.attendance import sheet
from portal.auth.models import Account
from portal.board import rules as board_rules
from portal.extensions import db
from tests.conftest import Auth


def qingshan(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


# Under .ci/run's faketime pass (PORTAL_TEST_PROCESS_CLOCK=1) the steps run at the
# process's own, moved clock instead, exactly as `make run` would on that day.
PROCESS_CLOCK = os.environ.get("PORTAL_TEST_PROCESS_CLOCK") == "1"
INSTANTS = {
    "last-minute-of-a-month": qingshan(2026, 11, 30, 23, 59),
    "new-years-eve-2350": qingshan(2026, 12, 31, 23, 50),
    "first-working-monday-of-an-uncovered-year": qingshan(2027, 1, 4, 9, 0),
    "adjusted-working-saturday": qingshan(2026, 10, 10, 9, 0),  # 国庆节调休上班
    "leap-day-2028": qingshan(2028, 2, 29, 10, 0),
}

PAGES = {
    "fuyuan_worker01": ["/", "/board/", "/attendance/me", "/leave/", "/leave/new", "/calendar/"],
    "fuyuan_frontdesk": ["/", "/board/1"],
    "fuyuan_secretary": ["/", "/leave/queue", "/attendance/sheet", "/attendance/corrections", "/assessment/",
                         "/dashboards/", "/inspections/actions"],
    "fuqiang_leader": ["/", "/board/", "/attendance/sheet", "/attendance/locks", "/assessment/", "/dashboards/"],
    "inspector": ["/", "/inspections/", "/inspections/bulletins", "/dashboards/"],
    "admin": ["/", "/calendar/", "/admin/people", "/audit/"],
}


@pytest.fixture(params=["process-clock"] if PROCESS_CLOCK else list(INSTANTS), scope="module")
def demo(request, tmp_path_factory):
    """A fresh `make run` database seeded at the instant (one per instant)."""
    moment = None if PROCESS_CLOCK else INSTANTS[request.param]
    instance = tmp_path_factory.mktemp(request.param)  # its own uploads, as a fresh checkout's instance/
    app = create_app({"CONFIG_NAME": "demo", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'portal.db'}",
                      "INSTANCE_PATH": str(instance), "CLOCK_NOW": moment,
                      "SECRET_KEY": "make-run-test-secret-key-0123456789abcdef"})
    runner = app.test_cli_runner()
    for step in (["db", "upgrade"], ["seed-demo"]):
        result = runner.invoke(args=step)
        assert result.exit_code == 0, (step, result.output, result.exception)
    yield app, moment or datetime.now(UTC)  # the process clock: moved by faketime, or today's
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("username", list(PAGES))
def test_each_role_opens_its_daily_pages(demo, username):
    app, _moment = demo
    auth = Auth(app.test_client())
    assert auth.login(username).status_code == 302
    for path in PAGES[username]:
        response = auth.client.get(path, follow_redirects=True)
        assert response.status_code == 200, (path, response.status_code)


def test_a_worker_clocks_in_and_patrols(demo):
    """Whatever the seeded day left them doing, a worker finishes it, 签到 if not yet
    done, and patrols: every step is accepted and logged."""
    app, _moment = demo
    auth = Auth(app.test_client())
    auth.login("fuyuan_worker12")
    with app.app_context():
        person = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker12")).person
        card = next(c for c in board_rules.board_cards(person.community_id) if c.person.id == person.id)
        steps = [k.value for k in card.next_kinds if k.value in ("patrol_end", "visit_end", "back")]
        if "clock_in" in [k.value for k in card.next_kinds] or card.status is board_rules.Status.NOT_IN:
            steps.append("clock_in")
        steps += ["patrol_start", "patrol_end"]
        before = db.session.scalar(select(func.count()).select_from(ActivityEvent)
                                   .where(ActivityEvent.person_id == person.id))
        path = f"/board/{person.community_id}/people/{person.id}/status"
    for kind in steps:
        response = auth.post(path, {"kind": kind, "destination": "第12网格"}, token_from=path.rsplit("/people", 1)[0])
        assert response.status_code in (200, 303), (kind, response.status_code)
    with app.app_context():
        after = db.session.scalar(select(func.count()).select_from(ActivityEvent)
                                  .where(ActivityEvent.person_id == person.id))
    assert after - before == len(steps)


def test_an_inspector_starts_a_check(demo):
    app, _moment = demo
    auth = Auth(app.test_client())
    auth.login("inspector")
    response = auth.post("/inspections/", {"community": "5"}, token_from="/inspections/")
    assert response.status_code in (302, 303), response.status_code
    assert auth.client.get(response.headers["Location"]).status_code == 200


def test_the_demos_month_shows_no_absence_before_its_go_live(demo):
    app, moment = demo
    today = moment.astimezone(attendance.LOCAL_TZ).date()
    with app.app_context():
        worker = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker02")).person
        go_live = worker.portal_start
        assert go_live == today - timedelta(days=28)
        cells = dict(sheet.person_days(worker, go_live.replace(day=1), go_live, today=today))
        before = [cell for day, cell in cells.items() if day < go_live]
        if go_live.year >= 2027:  # no calendar: nothing is judged, nothing is 缺
            assert all(cell is None for cell in cells.values())
        else:
            assert all(cell.code is attendance.Code.NOT_IN_PORTAL for cell in before)
            assert cells[go_live] is not None and cells[go_live].code is not attendance.Code.NOT_IN_PORTAL


def test_leave_and_own_attendance_are_judged_or_the_missing_calendar_is_named(demo):
    app, moment = demo
    today = moment.astimezone(attendance.LOCAL_TZ).date()
    covered = today.year <= 2026
    admin = Auth(app.test_client())
    admin.login("admin")
    home = admin.client.get("/").get_data(as_text=True)
    assert (f"{today.year}年的法定节假日和调休安排尚未录入" in home) is not covered
    worker = Auth(app.test_client())
    worker.login("fuyuan_worker01")
    assert worker.client.get("/leave/new").status_code == 200
    preview = worker.client.get("/leave/preview", query_string={
        "type_id": "1", "start_date": today.isoformat(), "start_half": "am",
        "end_date": today.isoformat(), "end_half": "pm"}).get_data(as_text=True)
    assert (f"{today.year}年的工作日历尚未录入" in preview) is not covered
    own = worker.client.get("/attendance/me").get_data(as_text=True)
    assert (f"{today.year}年的法定节假日和调休安排尚未录入" in own) is not covered
