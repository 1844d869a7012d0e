"""The calendar's edges as people live through them: a leave that ends before a
weekend or a holiday, a return that falls into a year whose holidays are not
entered yet, a visit that crosses midnight, 年休假 across New Year, the days before
someone was in the portal, and the board turning at noon."""
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.activity import rules as activity
from portal.admin import people as people_rules
from portal.attendance import rules as attendance
from portal.attendance import sheet
from portal.board import rules as board_rules
from portal.errors import FieldErrors
from portal.extensions import db
from portal.leave import rules as leave_rules
from portal.leave.models import LeaveEntitlement, LeaveType
from portal.people.models import Position
from tests.conftest import account, forget_calendar_year

UNCOVERED = 2027


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant given as Qingshan's wall clock (UTC+8)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)



@pytest.fixture(autouse=True)
def uncovered_next_year(app):
    """2027 is not entered, whatever a newer chinese-calendar might know."""
    with app.app_context():
        forget_calendar_year(UNCOVERED)


def approved_leave(app, username, start, start_half, end, end_half, *, code="personal", now):
    worker = account(username)
    data = leave_rules.LeaveInput(
        db.session.scalar(select(LeaveType.id).where(LeaveType.code == code)),
        start, start_half, end, end_half, "家中有事", "包头市东河区", "")
    leave = leave_rules.submit(worker, worker.person, data, app.config, now=now)
    leave_rules.decide(account(username.split("_")[0] + "_secretary"), leave, True, "同意", now=now)
    db.session.commit()
    return leave


# -- the return day and 逾期未销假 --------------------------------------------------------

def test_leave_ending_friday_afternoon_returns_on_monday_though_next_year_is_not_entered(app, travel):
    travel(local(date(2026, 11, 26), 10))
    with app.app_context():
        leave = approved_leave(app, "fuyuan_worker01", date(2026, 11, 26), "am", date(2026, 11, 27), "pm",
                               now=local(date(2026, 11, 26), 9))
        assert leave_rules.return_day(leave) == (date(2026, 11, 30), leave_rules.Half.AM)
        card = next(c for c in board_rules.board_cards(leave.community_id) if c.person.id == leave.person_id)
        assert card.leave_back_label == "11月30日上午返岗"


def test_leave_ending_before_the_weekend_is_not_overdue_during_it(app, travel):
    travel(local(date(2026, 11, 26), 10))
    with app.app_context():
        leave = approved_leave(app, "fuyuan_worker01", date(2026, 11, 26), "am", date(2026, 11, 27), "pm",
                               now=local(date(2026, 11, 26), 9))
        assert not leave_rules.is_overdue(leave, local(date(2026, 11, 28), 10))  # Saturday
        assert not leave_rules.is_overdue(leave, local(date(2026, 11, 29), 16))  # Sunday
        assert leave_rules.is_overdue(leave, local(date(2026, 11, 30), 9))       # Monday, no 销假


def test_leave_ending_before_national_day_is_not_overdue_during_the_holiday(app, travel):
    travel(local(date(2026, 9, 29), 10))
    with app.app_context():
        leave = approved_leave(app, "fuyuan_worker02", date(2026, 9, 29), "am", date(2026, 9, 30), "pm",
                               now=local(date(2026, 9, 29), 9))
        assert leave_rules.return_day(leave) == (date(2026, 10, 8), leave_rules.Half.AM)
        for day in (date(2026, 10, 1), date(2026, 10, 5), date(2026, 10, 7)):
            assert not leave_rules.is_overdue(leave, local(day, 15)), day
        assert leave_rules.is_overdue(leave, local(date(2026, 10, 8), 9))


def test_a_return_in_a_year_without_its_calendar_is_unknown_not_overdue(app, travel):
    travel(local(date(2026, 12, 30), 10))
    with app.app_context():
        leave = approved_leave(app, "fuyuan_worker03", date(2026, 12, 30), "am", date(2026, 12, 31), "pm",
                               now=local(date(2026, 12, 30), 9))
        assert leave_rules.return_day(leave) is None
        card = next(c for c in board_rules.board_cards(leave.community_id) if c.person.id == leave.person_id)
        assert card.leave_back_label == "返岗日期待定（2027年工作日历尚未录入）"
        assert not leave_rules.is_overdue(leave, local(date(2027, 1, 4), 9))


# -- a visit or patrol across midnight --------------------------------------------------

def test_a_visit_from_2100_to_0020_can_be_ended_and_counts_200_minutes_that_evening(app, travel):
    evening, next_day = date(2026, 11, 24), date(2026, 11, 25)
    travel(local(next_day, 10))
    with app.app_context():
        worker = account("fuyuan_worker04")
        activity.record_event(worker, worker.person, "visit_start", household="3-2-301",
                                 now=local(evening, 21))
        activity.record_event(worker, worker.person, "visit_end", now=local(next_day, 0, 20))
        db.session.commit()
        cells = dict(sheet.person_days(worker.person, evening, next_day, today=date(2026, 11, 26)))
        assert cells[evening].visit_minutes == 200
        assert not cells[evening].anomalies and attendance.VISIT_OPEN not in cells[evening].flags
        assert cells[next_day].visit_minutes == 0 and not cells[next_day].anomalies


def test_a_patrol_started_before_midnight_can_be_ended_after_it(app, travel):
    travel(local(date(2026, 11, 25), 10))
    with app.app_context():
        worker = account("fuyuan_worker05")
        activity.record_event(worker, worker.person, "patrol_start", now=local(date(2026, 11, 24), 23, 30))
        event = activity.record_event(worker, worker.person, "patrol_end", now=local(date(2026, 11, 25), 0, 15))
        db.session.commit()
        assert event.kind.value == "patrol_end"


def test_a_visit_forgotten_since_yesterday_morning_does_not_block_today(app, travel):
    travel(local(date(2026, 11, 25), 10))
    with app.app_context():
        worker = account("fuyuan_worker06")
        activity.record_event(worker, worker.person, "visit_start", household="1-1-101",
                                 now=local(date(2026, 11, 24), 9))
        activity.record_event(worker, worker.person, "patrol_start", now=local(date(2026, 11, 25), 9))
        with pytest.raises(FieldErrors):
            activity.record_event(worker, worker.person, "visit_end", now=local(date(2026, 11, 25), 9, 5))


# -- 年休假 across New Year ----------------------------------------------------------------

def test_annual_leave_from_29_december_to_5_january_is_charged_to_each_year(app, travel):
    travel(local(date(2025, 12, 1), 10))
    with app.app_context():
        worker = account("fuyuan_worker07")
        for year in (2025, 2026):
            db.session.add(LeaveEntitlement(person_id=worker.person_id, year=year, days=Decimal(10),
                                            reason="测试", set_by_id=account("admin").id,
                                            set_at=local(date(2025, 12, 1), 9)))
        db.session.commit()
        # 29–31 Dec 2025 are 3 working days; 1–3 Jan 2026 are 元旦, Sunday 4 Jan is worked, Monday 5 Jan too.
        leave = approved_leave(app, "fuyuan_worker07", date(2025, 12, 29), "am", date(2026, 1, 5), "pm",
                               code="annual", now=local(date(2025, 12, 1), 9))
        assert leave.days == Decimal(5)
        assert leave_rules.annual_balance(worker.person, 2025).used == Decimal(3)
        assert leave_rules.annual_balance(worker.person, 2026).used == Decimal(2)


def test_annual_leave_across_new_year_checks_each_years_balance(app, travel):
    travel(local(date(2025, 12, 1), 10))
    with app.app_context():
        worker = account("fuyuan_worker08")
        for year, days in ((2025, 3), (2026, 1)):
            db.session.add(LeaveEntitlement(person_id=worker.person_id, year=year, days=Decimal(days),
                                            reason="测试", set_by_id=account("admin").id,
                                            set_at=local(date(2025, 12, 1), 9)))
        db.session.commit()
        annual = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "annual"))
        data = leave_rules.LeaveInput(annual, date(2025, 12, 29), "am", date(2026, 1, 5), "pm", "探亲", "呼和浩特", "")
        preview = leave_rules.preview(worker.person, data, app.config, now=local(date(2025, 12, 1), 10))
        assert preview.errors == {"type_id": "年休假余额不足：2026年剩余 1 天，本次在2026年需 2 天。"}
        assert preview.balance.year == 2025 and preview.balance_after == Decimal(0)


# -- the days before someone was in the portal -------------------------------------------

def test_days_before_a_persons_first_day_in_the_portal_are_not_absences(app, travel):
    travel(local(date(2026, 11, 26), 10))
    with app.app_context():
        worker = account("fuyuan_worker09").person
        worker.portal_start = date(2026, 11, 20)
        db.session.commit()
        cells = dict(sheet.person_days(worker, date(2026, 11, 1), date(2026, 11, 30), today=date(2026, 11, 26)))
        before = [cells[date(2026, 11, d)] for d in range(1, 20)]
        assert {c.code for c in before} == {attendance.Code.NOT_IN_PORTAL}
        assert {c.symbol for c in before} == {"—"}
        assert cells[date(2026, 11, 20)].code is attendance.Code.ABSENT  # a Friday with no 签到
        summary = attendance.month_summary(c for d, c in cells.items() if d < date(2026, 11, 26))
        assert summary["缺勤天数"] == Decimal(4)  # 20, 23, 24, 25 November


def test_someone_added_today_is_judged_from_today(app, travel):
    travel(local(date(2026, 11, 20), 15))
    with app.app_context():
        person = people_rules.create_person(account("admin"), people_rules.PersonInput(
            name="新督查", username="new_inspector", position=Position.INSPECTOR), "a-long-enough-password-1")
        db.session.commit()
        assert person.portal_start == date(2026, 11, 20)


# -- the board turns at noon --------------------------------------------------------------

def test_overdue_leave_appears_at_noon_without_any_other_change(app, auth, travel):
    app.config.update(VERSIONS_MAX_AGE=1.0)  # as in production
    travel(local(date(2026, 11, 24), 9))
    with app.app_context():
        leave = approved_leave(app, "fuyuan_worker10", date(2026, 11, 25), "am", date(2026, 11, 25), "am",
                               now=local(date(2026, 11, 24), 9))
        community_id = leave.community_id
        name = leave.person.name
    travel(local(date(2026, 11, 25), 11, 30))
    auth.login("fuyuan_secretary")
    morning = auth.client.get(f"/board/{community_id}").get_data(as_text=True)
    assert re.search(re.escape(name) + r".*?请假", morning, re.S)
    assert "逾期未销假" not in morning
    travel(local(date(2026, 11, 25), 12, 30))
    afternoon = auth.client.get(f"/board/{community_id}").get_data(as_text=True)
    assert "请假 · 逾期未销假" in afternoon


def test_a_poll_from_the_morning_gets_the_whole_board_after_noon(app, travel):
    travel(local(date(2026, 11, 25), 12, 30))
    with app.app_context():
        community_id = account("fuyuan_worker01").person.community_id
        version = board_rules.board_state(community_id, 0).version
        morning = int(local(date(2026, 11, 25), 11, 50).timestamp())
        assert not board_rules.unchanged(community_id, version, morning)
        assert board_rules.unchanged(community_id, version, int(local(date(2026, 11, 25), 12, 10).timestamp()))
