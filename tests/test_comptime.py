"""调休 earned by rest-day work (issue 19, part 4; 工作规范 二(二) 弹性工时): a rest
day's 入户 and 巡查, confirmed by the 书记/站长, become days of 调休 that a later
调休 request draws on, oldest first, before they expire."""
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.activity import rules as activity
from portal.activity.models import MonthLock
from portal.audit.models import AuditEntry
from portal.auth.policy import Action, can
from portal.comptime import ledger, rules
from portal.comptime.models import CompTimeCredit, CompTimeDraw, CreditStatus
from portal.errors import FieldErrors
from portal.extensions import db
from portal.leave import rules as leave_rules
from portal.leave.models import LeaveRequest, LeaveStatus, LeaveType
from tests.conftest import account, recorded_statements

# Wednesday 25 November 2026, 10:00 in Baotou.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
SAT, EARLIER_SAT, SUN = date(2026, 11, 21), date(2026, 11, 14), date(2026, 11, 22)
WED_BEFORE = date(2026, 11, 18)
MON, TUE = date(2026, 11, 30), date(2026, 12, 1)


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW



def at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=clock.LOCAL_TZ)


def visit(username: str, day: date, minutes: int, start: str = "09:00", kind: str = "visit") -> None:
    """A 入户 (or a 巡查) of `minutes` on `day`, recorded by the worker from the phone."""
    worker = account(username)
    begin = at(day, start)
    activity.record_event(worker, worker.person, f"{kind}_start", now=begin)
    activity.record_event(worker, worker.person, f"{kind}_end", now=begin + timedelta(minutes=minutes))
    db.session.commit()


def proposal(username: str, day: date):
    found = [p for p in rules.proposals(person_id=account(username).person_id) if p.day == day]
    return found[0] if found else None


def confirm(username: str, day: date, days: str = "1", approver: str = "fuyuan_secretary") -> CompTimeCredit:
    credit = rules.decide(account(approver), account(username).person, day, True, days, "")
    db.session.commit()
    return credit


def comp_input(start=MON, end=MON, start_half="am", end_half="pm"):
    compensatory = db.session.scalar(select(LeaveType).where(LeaveType.code == leave_rules.COMPENSATORY))
    return leave_rules.LeaveInput(compensatory.id, start, start_half, end, end_half, "调休", "本市", "")


def file_comp(app, username="fuyuan_worker01", **kw) -> LeaveRequest:
    worker = account(username)
    leave = leave_rules.submit(worker, worker.person, comp_input(**kw), app.config)
    db.session.commit()
    return leave


def approve(leave: LeaveRequest, approver="fuyuan_secretary") -> LeaveRequest:
    leave_rules.decide(account(approver), leave, True, "")
    db.session.commit()
    return leave


def tables() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (CompTimeCredit, CompTimeDraw, LeaveRequest, AuditEntry))


# -- earning -----------------------------------------------------------------------------

def test_a_saturday_visit_of_four_and_a_half_hours_confirmed_gives_one_day_that_a_later_comp_leave_uses(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        proposed = proposal("fuyuan_worker01", SAT)
        assert proposed is not None and proposed.visit_minutes == 270 and proposed.days == 1
        credit = confirm("fuyuan_worker01", SAT)
        assert (credit.status, credit.days, credit.remaining) == (CreditStatus.CONFIRMED, 1, 1)
        worker = account("fuyuan_worker01").person
        assert ledger.balance(worker.id, MON) == 1

        leave = approve(file_comp(app))
        assert leave.status is LeaveStatus.APPROVED
        db.session.refresh(credit)
        assert credit.remaining == 0 and ledger.balance(worker.id, MON) == 0
        assert [(d.credit_id, d.days) for d in ledger.draws_of(leave.id)] == [(credit.id, 1)]


def test_two_and_a_half_hours_on_a_rest_day_earn_half_a_day(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 150)
        assert proposal("fuyuan_worker01", SAT).days == Decimal("0.5")


def test_a_confirmation_cannot_give_more_than_the_rule(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 150)
        with pytest.raises(FieldErrors) as refused:
            confirm("fuyuan_worker01", SAT, days="1")
        assert "最多计 0.5 天" in refused.value.errors["days"]


def test_the_approver_may_confirm_fewer_days_than_the_rule(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        assert confirm("fuyuan_worker01", SAT, days="0.5").days == Decimal("0.5")


def test_an_hour_on_a_rest_day_earns_nothing_and_is_not_proposed(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 60)
        assert proposal("fuyuan_worker01", SAT) is None


def test_a_patrol_and_a_visit_on_a_sunday_add_up(app):
    with app.app_context():
        visit("fuyuan_worker01", SUN, 100, start="08:30", kind="patrol")
        visit("fuyuan_worker01", SUN, 150, start="14:00")
        found = proposal("fuyuan_worker01", SUN)
        assert (found.patrol_minutes, found.visit_minutes, found.days) == (100, 150, 1)
        assert [s.kind for s in rules.proposals(person_id=account("fuyuan_worker01").person_id)[0].sources] \
            == ["巡查", "入户"]


def test_work_on_a_working_day_earns_no_comp_time(app):
    with app.app_context():
        visit("fuyuan_worker01", WED_BEFORE, 300)
        assert proposal("fuyuan_worker01", WED_BEFORE) is None


def test_the_half_day_threshold_follows_the_streets_settings(app):
    with app.app_context():
        from portal.attendance import settings

        row = settings.ensure_default()
        row.comptime_half_day_minutes, row.comptime_full_day_minutes = 60, 180
        db.session.commit()
        visit("fuyuan_worker01", SAT, 190)
        assert proposal("fuyuan_worker01", SAT).days == 1


def test_rejecting_a_day_needs_a_reason_and_then_it_is_no_longer_proposed(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        worker, secretary = account("fuyuan_worker01").person, account("fuyuan_secretary")
        with pytest.raises(FieldErrors) as refused:
            rules.decide(secretary, worker, SAT, False, None, "")
        assert "理由" in refused.value.errors["comment"]
        db.session.rollback()
        credit = rules.decide(secretary, worker, SAT, False, None, "个人事务，非工作")
        db.session.commit()
        assert credit.status is CreditStatus.REJECTED and credit.days == 0
        assert proposal("fuyuan_worker01", SAT) is None and ledger.balance(worker.id, MON) == 0


def test_a_day_is_decided_once_and_the_second_approver_learns_who_decided(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        confirm("fuyuan_worker01", SAT)
        before = tables()
        with pytest.raises(rules.AlreadyDecided) as late:
            confirm("fuyuan_worker01", SAT, approver="fuyuan_stationhead")
        db.session.rollback()
        assert "已由" in late.value.errors["day"] and tables() == before


def test_nobody_confirms_their_own_rest_day_work(app):
    with app.app_context():
        secretary, leader = account("fuyuan_secretary"), account("fuqiang_leader")
        worker = account("fuyuan_worker01")
        assert not can(worker, Action.CONFIRM_COMP_TIME, worker.person)
        assert not can(secretary, Action.CONFIRM_COMP_TIME, secretary.person)
        assert can(account("fuyuan_stationhead"), Action.CONFIRM_COMP_TIME, worker.person)
        # A 书记's own goes to the 街镇, as her leave does.
        assert not can(account("fuyuan_stationhead"), Action.CONFIRM_COMP_TIME, secretary.person)
        assert can(leader, Action.CONFIRM_COMP_TIME, secretary.person)
        assert not can(account("fangzhi_secretary"), Action.CONFIRM_COMP_TIME, worker.person)
        assert not can(account("admin"), Action.CONFIRM_COMP_TIME, worker.person)


def test_a_confirmed_credit_keeps_its_days_when_the_days_work_changes_later(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        credit = confirm("fuyuan_worker01", SAT)
        visit("fuyuan_worker01", SAT, 30, start="15:00")  # a later 入户 the same day
        db.session.refresh(credit)
        assert (credit.visit_minutes, credit.days) == (270, 1)
        assert proposal("fuyuan_worker01", SAT) is None


def test_a_closed_month_refuses_confirming_its_days(app):
    with app.app_context():
        october_saturday = date(2026, 10, 24)
        visit("fuyuan_worker01", october_saturday, 270)
        worker = account("fuyuan_worker01").person
        db.session.add(MonthLock(street_id=worker.street_id, month=date(2026, 10, 1), locked_at=NOW,
                                 locked_by_id=account("fuqiang_leader").id))
        db.session.commit()
        assert proposal("fuyuan_worker01", october_saturday).locked
        before = tables()
        with pytest.raises(FieldErrors) as refused:
            confirm("fuyuan_worker01", october_saturday)
        db.session.rollback()
        assert "封账" in refused.value.errors["day"] and tables() == before


def test_a_closed_month_refuses_recording_overtime_in_it(app):
    with app.app_context():
        worker = account("fuyuan_worker01").person
        db.session.add(MonthLock(street_id=worker.street_id, month=date(2026, 10, 1), locked_at=NOW,
                                 locked_by_id=account("fuqiang_leader").id))
        db.session.commit()
        with pytest.raises(FieldErrors) as refused:
            rules.record_overtime(account("fuyuan_secretary"), worker, date(2026, 10, 24), "5", "防汛值守")
        assert "封账" in refused.value.errors["day"]


# -- 加班 ------------------------------------------------------------------------------------

def test_recorded_overtime_on_a_rest_day_counts_at_once(app):
    with app.app_context():
        worker = account("fuyuan_worker01").person
        credit = rules.record_overtime(account("fuyuan_secretary"), worker, SAT, "4.5", "防汛值守")
        db.session.commit()
        assert (credit.status, credit.days, credit.overtime_minutes) == (CreditStatus.CONFIRMED, 1, 270)
        assert ledger.balance(worker.id, MON) == 1


@pytest.mark.parametrize(("day", "hours", "field", "message"), [
    (WED_BEFORE, "5", "day", "是工作日"),
    (date(2026, 11, 28), "5", "day", "今天以前"),
    (SAT, "1", "hours", "不计调休"),
    (SAT, "4.25", "hours", "半小时"),
    (SAT, "２", "hours", "小时数"),
])
def test_bad_overtime_is_refused_in_chinese_and_nothing_written(app, day, hours, field, message):
    with app.app_context():
        before = tables()
        with pytest.raises(FieldErrors) as refused:
            rules.record_overtime(account("fuyuan_secretary"), account("fuyuan_worker01").person, day, hours, "值守")
        db.session.rollback()
        assert message in refused.value.errors[field] and tables() == before


def test_overtime_on_a_day_with_visits_waiting_is_sent_to_the_confirmation(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        with pytest.raises(FieldErrors) as refused:
            rules.record_overtime(account("fuyuan_secretary"), account("fuyuan_worker01").person, SAT, "6", "值守")
        assert "待确认" in refused.value.errors["day"]


# -- spending ------------------------------------------------------------------------------

def test_a_comp_leave_over_the_balance_is_refused_next_to_the_type_and_nothing_written(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 150)
        confirm("fuyuan_worker01", SAT, days="0.5")
        before = tables()
        with pytest.raises(FieldErrors) as refused:
            file_comp(app)
        db.session.rollback()
        assert "调休余额不足" in refused.value.errors["type_id"] and tables() == before


def test_pending_comp_requests_count_against_the_balance(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        confirm("fuyuan_worker01", SAT)
        file_comp(app)
        with pytest.raises(FieldErrors) as refused:
            file_comp(app, start=TUE, end=TUE)
        assert "已扣除待审批" in refused.value.errors["type_id"]


def test_comp_leave_draws_the_oldest_days_first(app):
    with app.app_context():
        visit("fuyuan_worker01", EARLIER_SAT, 270)
        visit("fuyuan_worker01", SAT, 270)
        older, newer = confirm("fuyuan_worker01", EARLIER_SAT), confirm("fuyuan_worker01", SAT)
        approve(file_comp(app, start=MON, end=MON, end_half="am"))
        db.session.refresh(older)
        db.session.refresh(newer)
        assert (older.remaining, newer.remaining) == (Decimal("0.5"), 1)


def test_an_expired_credit_does_not_pay_for_leave_after_its_expiry(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        credit = confirm("fuyuan_worker01", SAT)
        assert credit.expires_on == date(2027, 5, 20)  # six months by default, the day before
        worker = account("fuyuan_worker01").person
        assert ledger.balance(worker.id, date(2027, 5, 20)) == 1
        assert ledger.balance(worker.id, date(2027, 5, 21)) == 0


def test_revoking_an_approved_comp_leave_returns_its_days(app):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        credit = confirm("fuyuan_worker01", SAT)
        leave = approve(file_comp(app))
        assert leave_rules.revoke(account("fuyuan_secretary"), leave, "工作需要") == "revoked"
        db.session.commit()
        db.session.refresh(credit)
        assert credit.remaining == 1
        assert [d.returned for d in ledger.draws_of(leave.id)] == [1]


def test_an_early_return_from_comp_leave_gives_back_the_unused_day(app, travel):
    with app.app_context():
        visit("fuyuan_worker01", EARLIER_SAT, 270)
        visit("fuyuan_worker01", SAT, 270)
        older, newer = confirm("fuyuan_worker01", EARLIER_SAT), confirm("fuyuan_worker01", SAT)
        leave = approve(file_comp(app, start=MON, end=TUE))
        travel(datetime(2026, 12, 1, 4, 0, tzinfo=UTC))  # Tuesday noon: back after one day
        leave_rules.record_return(account("fuyuan_frontdesk"), leave, TUE, "am")
        db.session.commit()
        db.session.refresh(older)
        db.session.refresh(newer)
        assert leave.days_taken == 1 and (older.remaining, newer.remaining) == (0, 1)


def test_approving_when_the_days_are_gone_is_refused_and_the_request_stays_pending(app):
    """Two requests filed at the same moment each saw one free day (a filing race):
    the second approval finds it drawn and changes nothing."""
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        confirm("fuyuan_worker01", SAT)
        first = file_comp(app)
        second = LeaveRequest(**{c: getattr(first, c) for c in (
            "person_id", "community_id", "street_id", "type_id", "start_half", "end_half", "days", "reason",
            "destination", "status", "created_by_id")}, start_date=TUE, end_date=TUE)
        db.session.add(second)
        db.session.commit()
        approve(first)
        before = tables()
        with pytest.raises(FieldErrors) as refused:
            leave_rules.decide(account("fuyuan_stationhead"), second, True, "")
        db.session.rollback()
        assert "调休余额不足" in refused.value.errors["decision"] and tables() == before
        assert db.session.get(LeaveRequest, second.id).status is LeaveStatus.PENDING


# -- pages -----------------------------------------------------------------------------------

def test_the_worker_sees_the_balance_its_sources_and_expiry(app, auth):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        confirm("fuyuan_worker01", SAT)
    auth.login("fuyuan_worker01")
    page = auth.client.get("/comptime/").get_data(as_text=True)
    assert "我的调休" in page and "入户 270 分钟" in page and "2027年5月20日" in page
    assert "/comptime/" in auth.client.get("/leave/").get_data(as_text=True)


def test_the_secretary_confirms_on_the_community_page(app, auth):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        worker = account("fuyuan_worker01").person
        community_id, person_id = worker.community_id, worker.id
    auth.login("fuyuan_secretary")
    page = auth.client.get(f"/comptime/communities/{community_id}").get_data(as_text=True)
    assert "入户 270 分钟" in page and "入户 09:00–13:30" in page
    response = auth.post(f"/comptime/people/{person_id}/decide",
                         {"day": SAT.isoformat(), "days": "1", "decision": "confirm"})
    assert response.status_code == 302
    again = auth.post(f"/comptime/people/{person_id}/decide", {"day": SAT.isoformat(), "days": "1",
                                                                "decision": "confirm"})
    assert again.status_code == 409 and "已由" in again.get_data(as_text=True)
    with app.app_context():
        assert ledger.balance(person_id, MON) == 1


def test_the_comp_leave_form_shows_the_balance(app, auth):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        confirm("fuyuan_worker01", SAT)
        type_id = comp_input().type_id
    auth.login("fuyuan_worker01")
    page = auth.client.get("/leave/preview", query_string={
        "type_id": type_id, "start_date": MON.isoformat(), "start_half": "am", "end_date": MON.isoformat(),
        "end_half": "pm"}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "可用调休 1 天" in page and "批准后剩余 <b>0</b> 天" in page


def test_the_community_page_costs_the_same_queries_for_one_or_many_waiting_days(app, auth):
    with app.app_context():
        visit("fuyuan_worker01", SAT, 270)
        community_id = account("fuyuan_worker01").person.community_id
    auth.login("fuyuan_secretary")
    path = f"/comptime/communities/{community_id}"
    auth.client.get(path)
    with recorded_statements(app) as one:
        assert auth.client.get(path).status_code == 200
    with app.app_context():
        for username in ("fuyuan_worker02", "fuyuan_worker03", "fuyuan_worker04"):
            visit(username, SAT, 270)
            visit(username, EARLIER_SAT, 200)
        confirm("fuyuan_worker02", SAT)
        confirm("fuyuan_worker03", EARLIER_SAT, days="0.5")
    auth.client.get(path)
    with recorded_statements(app) as many:
        page = auth.client.get(path)
        assert page.status_code == 200
    assert len(many) == len(one), (len(one), len(many))
