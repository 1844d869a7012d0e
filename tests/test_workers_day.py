"""The worker's day without traps: a day begun on patrol is a day clocked in, 签到
is possible during a patrol, and no button is offered that the sequence then refuses.

The morning trap these replace: a worker who tapped 巡查开始 before 签到 could not
签到 ("巡查还没有结束，请先结束巡查。"), the panel said 在岗 after 巡查结束, and the
day counted as 缺勤."""
import re
from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from portal.activity import rules as activity
from portal.activity.models import CurrentStatus, EventKind
from portal.attendance.models import DayRecord
from portal.board import rules as board_rules
from portal.board.rules import Status
from portal.clock import LOCAL_TZ
from portal.extensions import db
from portal.org.models import Community
from tests.conftest import Auth, account

TODAY = date(2026, 11, 25)       # a Wednesday, a working day
SATURDAY = date(2026, 11, 28)    # a rest day


def at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)



def card_of(username: str) -> board_rules.Card:
    person = account(username).person
    return board_rules.board_cards(person.community_id, person_ids=[person.id])[0]


def kinds_today(person_id: int) -> list[str]:
    return [e.kind.value for e in activity.events_on(TODAY, person_id=person_id)]


def press(app, username: str, kind: str, worker: str | None = None, source: str = "me"):
    """`username` taps `kind` for `worker` (themself by default) on the board."""
    with app.app_context():
        target = account(worker or username).person
        path = f"/board/{target.community_id}"
    auth = Auth(app.test_client())
    auth.login(username)
    token = auth.token(path)
    return auth.client.post(f"{path}/people/{target.id}/status", data={
        "kind": kind, "from": source, "csrf_token": token}, headers={"HX-Request": "true"})


def test_a_first_tap_of_巡查开始_counts_the_day_as_clocked_in(app):
    app.config["CLOCK_NOW"] = at(TODAY, "08:20")
    response = press(app, "fuyuan_worker01", "patrol_start")
    assert response.status_code == 200 and "巡查中" in response.get_data(as_text=True)
    with app.app_context():
        worker = account("fuyuan_worker01").person
        events = activity.events_on(TODAY, person_id=worker.id)
        assert [e.kind.value for e in events] == ["clock_in", "patrol_start"]
        assert events[0].at == events[1].at and events[0].note == "随巡查开始签到"
        assert card_of("fuyuan_worker01").status is Status.PATROL
        record = db.session.get(DayRecord, (worker.id, TODAY))
        assert record is not None and record.code == "normal"  # √, not 缺勤


def test_after_the_patrol_the_day_is_still_clocked_in_and_签到_is_not_offered_again(app):
    app.config["CLOCK_NOW"] = at(TODAY, "08:20")
    press(app, "fuyuan_worker01", "patrol_start")
    app.config["CLOCK_NOW"] = at(TODAY, "09:30")
    html = press(app, "fuyuan_worker01", "patrol_end").get_data(as_text=True)
    assert "今天尚未签到" not in html and 'value="clock_in"' not in html
    with app.app_context():
        card = card_of("fuyuan_worker01")
        assert card.clocked_in and EventKind.CLOCK_IN not in card.offered_kinds
        assert EventKind.CLOCK_OUT in card.offered_kinds


def test_work_set_on_behalf_does_not_clock_the_worker_in_and_the_panel_warns(app):
    app.config["CLOCK_NOW"] = at(TODAY, "08:20")
    assert press(app, "fuyuan_frontdesk", "patrol_start", worker="fuyuan_worker02", source="card").status_code == 200
    with app.app_context():
        assert kinds_today(account("fuyuan_worker02").person_id) == ["patrol_start"]
        card = card_of("fuyuan_worker02")
        assert card.clock_in_due and card.next_kinds[0] is EventKind.CLOCK_IN
    auth = Auth(app.test_client())
    auth.login("fuyuan_worker02")
    with app.app_context():
        path = f"/board/{account('fuyuan_worker02').person.community_id}"
    panel = auth.client.get(path).get_data(as_text=True)
    assert "今天尚未签到" in panel


def test_签到_during_a_patrol_is_accepted_and_leaves_the_card_on_the_patrol(app):
    app.config["CLOCK_NOW"] = at(TODAY, "08:20")
    press(app, "fuyuan_frontdesk", "patrol_start", worker="fuyuan_worker02", source="card")
    app.config["CLOCK_NOW"] = at(TODAY, "08:40")
    response = press(app, "fuyuan_worker02", "clock_in")
    assert response.status_code == 200
    with app.app_context():
        worker = account("fuyuan_worker02").person
        assert kinds_today(worker.id) == ["patrol_start", "clock_in"]
        card = card_of("fuyuan_worker02")
        assert card.status is Status.PATROL and card.clocked_in and not card.clock_in_due
        current = db.session.get(CurrentStatus, worker.id)
        assert current.kind is EventKind.PATROL_START and current.clocked_in_on == TODAY
        record = db.session.get(DayRecord, (worker.id, TODAY))
        assert record.code == "late" and record.late_minutes == 10


def test_a_rest_day_visit_is_not_a_签到(app):
    app.config["CLOCK_NOW"] = at(SATURDAY, "15:00")
    assert press(app, "fuyuan_worker01", "visit_start").status_code == 200
    with app.app_context():
        worker = account("fuyuan_worker01").person
        assert [e.kind.value for e in activity.events_on(SATURDAY, person_id=worker.id)] == ["visit_start"]
        assert not card_of("fuyuan_worker01").clock_in_due


@pytest.mark.parametrize("status_kind, offered", [
    (None, {"clock_in", "patrol_start", "visit_start", "errand", "meeting"}),
    ("patrol_start", {"clock_in", "patrol_end"}),
    ("visit_start", {"clock_in", "visit_end"}),
    ("errand", {"clock_in", "patrol_start", "visit_start", "errand", "meeting", "back"}),
])
def test_the_desk_is_offered_only_what_the_sequence_accepts(app, status_kind, offered):
    """开会 for a worker on patrol used to be offered and then refused."""
    app.config["CLOCK_NOW"] = at(TODAY, "08:20")
    if status_kind:
        press(app, "fuyuan_frontdesk", status_kind, worker="fuyuan_worker03", source="card")
    with app.app_context():
        card = card_of("fuyuan_worker03")
        assert {k.value for k in card.offered_kinds} == offered
        path = f"/board/{account('fuyuan_worker03').person.community_id}/people/{card.person.id}/status"
    desk = Auth(app.test_client())
    desk.login("fuyuan_frontdesk")
    form = desk.client.get(path).get_data(as_text=True)
    assert set(re.findall(r'name="kind" value="(\w+)"', form)) == offered
    # Every button offered is accepted.
    for kind in offered:
        with app.app_context():
            worker = account("fuyuan_worker03").person
            problem = activity.check_clock_event(kind, kinds_today(worker.id))
        assert problem is None, (kind, problem)


def test_a_worker_is_offered_no_签到_once_clocked_in_and_no_返回_in_the_office(app):
    app.config["CLOCK_NOW"] = at(TODAY, "08:20")
    press(app, "fuyuan_worker04", "clock_in")
    with app.app_context():
        card = card_of("fuyuan_worker04")
        offered = {k.value for k in card.offered_kinds}
    assert offered == {"clock_out", "patrol_start", "visit_start", "errand", "meeting"}
    with app.app_context():
        community = db.session.scalar(select(Community.id).where(Community.slug == "fuyuan"))
    auth = Auth(app.test_client())
    auth.login("fuyuan_worker04")
    panel = auth.client.get(f"/board/{community}").get_data(as_text=True)
    me = panel[panel.index('id="me-panel"'):panel.index("</section>", panel.index('id="me-panel"'))]
    assert set(re.findall(r'name="kind" value="(\w+)"', me)) == offered


def test_the_return_time_comes_before_the_buttons_in_the_panel(app):
    """Tab order follows the taps: 预计返回 first, then the status (it used to come after)."""
    app.config["CLOCK_NOW"] = at(TODAY, "08:20")
    press(app, "fuyuan_worker04", "clock_in")
    auth = Auth(app.test_client())
    auth.login("fuyuan_worker04")
    with app.app_context():
        community = db.session.scalar(select(Community.id).where(Community.slug == "fuyuan"))
    html = auth.client.get(f"/board/{community}").get_data(as_text=True)
    me = html[html.index('id="me-panel"'):html.index("</section>", html.index('id="me-panel"'))]
    assert me.index('name="back_in"') < me.index('class="primary"') < me.index('name="destination"')
