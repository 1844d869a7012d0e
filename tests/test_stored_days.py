"""Stored day results: every write that changes a day's inputs rewrites the day in
its own transaction, the day-close fills the rest once, and the period figures
(month and week sums) are the days' sums, whatever route wrote them."""
import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import event, func, select

from portal.activity import rules as activity
from portal.activity.models import ActivityEvent
from portal.attendance import days, rules, settings
from portal.attendance.models import DayFill, DayRecord, MonthTally, WeekTally
from portal.clock import LOCAL_TZ
from portal.demo import seed_demo_history
from portal.extensions import db
from portal.leave import rules as leave_rules
from portal.leave.models import LeaveType
from portal.org.models import Community
from portal.people.models import Person
from portal.workdays import rules as workdays
from portal.workdays.models import DayKind
from tests.conftest import account, statements_of

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # the suite's Wednesday, 10:00 in Baotou
TODAY = date(2026, 11, 25)
MONDAY = date(2026, 11, 23)



def at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def stored(person_id: int, day: date) -> DayRecord | None:
    db.session.expire_all()
    return db.session.get(DayRecord, (person_id, day))


def fuyuan() -> list[int]:
    return [db.session.scalar(select(Community.id).where(Community.slug == "fuyuan"))]


def test_a_clock_in_writes_todays_provisional_row_in_its_own_transaction(app):
    with app.app_context():
        worker = account("fuyuan_worker01")
        activity.record_event(worker, worker.person, "clock_in", now=at(TODAY, "08:41"))
        db.session.commit()
        row = stored(worker.person_id, TODAY)
        assert row is not None and not row.final
        assert row.code == "late" and row.late_minutes == 11 and rules.cell_text(days.result_of(row)) == "迟11"


def test_an_event_rolled_back_leaves_no_row(app):
    with app.app_context():
        worker = account("fuyuan_worker01")
        before = stored(worker.person_id, TODAY).symbol
        activity.record_event(worker, worker.person, "clock_in", now=at(TODAY, "08:20"))
        db.session.rollback()
        assert stored(worker.person_id, TODAY).symbol == before == "缺"


def test_a_leave_approved_late_turns_a_past_absence_into_leave_and_a_return_back(app):
    with app.app_context():
        days.fill(fuyuan(), date(2026, 11, 1), TODAY)
        db.session.commit()
        worker = account("fuyuan_worker02")
        assert stored(worker.person_id, MONDAY).symbol == "缺"
        sick = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "sick"))
        data = leave_rules.LeaveInput(sick, MONDAY, "am", TODAY, "pm", "发烧", "家中", "")
        leave = leave_rules.submit(worker, worker.person, data, app.config)
        leave_rules.decide(account("fuyuan_secretary"), leave, True, "同意")
        db.session.commit()
        assert [stored(worker.person_id, MONDAY + timedelta(days=n)).symbol for n in range(2)] == ["假", "假"]
        leave_rules.record_return(account("fuyuan_secretary"), leave, MONDAY + timedelta(days=1), "pm")
        db.session.commit()
        assert stored(worker.person_id, MONDAY + timedelta(days=1)).symbol == "假/缺"


def test_a_calendar_day_made_a_holiday_is_rest_for_everyone_who_has_it(app):
    with app.app_context():
        days.fill(fuyuan(), date(2026, 11, 1), TODAY)
        db.session.commit()
        worker = account("fuyuan_worker03")
        assert stored(worker.person_id, MONDAY).symbol == "缺"
        workdays.set_day(account("admin"), MONDAY, DayKind.HOLIDAY, "临时放假")
        db.session.commit()
        row = stored(worker.person_id, MONDAY)
        assert row.symbol == "休" and row.day_name == "临时放假"
        tally = db.session.scalar(select(MonthTally).where(MonthTally.person_id == worker.person_id,
                                                           MonthTally.month == date(2026, 11, 1)))
        assert tally.days == 24 and float(tally.absent_days) == 16  # one 缺 fewer than the 17 workdays to the 24th


def test_settings_changed_from_today_rejudge_today_and_leave_the_past(app):
    with app.app_context():
        worker = account("fuyuan_worker01")
        days.fill(fuyuan(), date(2026, 11, 1), TODAY)
        activity.record_event(worker, worker.person, "clock_in", now=at(MONDAY, "08:20"))
        activity.record_event(worker, worker.person, "clock_in", now=at(TODAY, "08:20"))
        db.session.commit()
        assert stored(worker.person_id, TODAY).symbol == "√" and stored(worker.person_id, MONDAY).symbol == "√"
        current = settings.settings_for(worker.person.street_id)
        form = {name: str(getattr(current, name))[:5] for name in settings.TIMES}
        form |= {name: str(getattr(current, name)) for name in ("summer_from", "winter_from", *settings.RANGES)}
        settings.save(account("fuqiang_leader"), worker.person.street_id, {**form, "morning_start": "08:00"},
                      effective_from=TODAY.isoformat())
        db.session.commit()
        assert stored(worker.person_id, TODAY).symbol == "迟"       # judged with today's rules
        assert stored(worker.person_id, MONDAY).symbol == "√"       # Monday keeps Monday's


def test_the_day_close_run_twice_changes_nothing(app):
    with app.app_context():
        ids = fuyuan()
        written = days.fill(ids, date(2026, 11, 1), TODAY)
        db.session.commit()
        assert written > 100
        before = db.session.execute(select(DayRecord.person_id, DayRecord.day, DayRecord.symbol,
                                           DayRecord.judged_at).order_by(DayRecord.person_id, DayRecord.day)).all()
        assert days.fill(ids, date(2026, 11, 1), TODAY) == 0
        db.session.commit()
        after = db.session.execute(select(DayRecord.person_id, DayRecord.day, DayRecord.symbol,
                                          DayRecord.judged_at).order_by(DayRecord.person_id, DayRecord.day)).all()
        assert before == after
        assert db.session.scalar(select(DayFill.closed_through).where(DayFill.community_id == ids[0])) \
            == TODAY - timedelta(days=1)


def test_the_next_day_finalises_yesterday(app, travel):
    with app.app_context():
        worker = account("fuyuan_worker01")
        activity.record_event(worker, worker.person, "clock_in", now=at(TODAY, "08:20"))
        db.session.commit()
        assert not stored(worker.person_id, TODAY).final
    travel(NOW + timedelta(days=1))
    with app.app_context():
        days.close_days(until=TODAY)
        row = stored(account("fuyuan_worker01").person_id, TODAY)
        assert row.final and row.symbol == "√" and "未签退" in row.flags


def test_the_month_sums_are_the_sums_of_the_days(app):
    """The SQL sums (MonthTally, WeekTally) and the Python Tally of the same stored
    days agree for every person of a community with four weeks of history."""
    with app.app_context():
        ids = fuyuan()
        seed_demo_history(now=NOW, community_ids=ids)
        db.session.commit()
        days.fill(ids, date(2026, 10, 1), TODAY)
        db.session.commit()
        found = days.records(ids, date(2026, 11, 1), date(2026, 11, 30))
        assert len(found) > 10
        for person_id, records in found.items():
            final = [days.result_of(r) for r in records if r.final]
            row = db.session.scalar(select(MonthTally).where(MonthTally.person_id == person_id,
                                                             MonthTally.month == date(2026, 11, 1)))
            mine = rules.Tally.of_row(row)
            assert {**mine.__dict__, "logged_days": 0} == rules.Tally.of(final).__dict__, person_id
            week = db.session.scalar(select(WeekTally).where(WeekTally.person_id == person_id,
                                                             WeekTally.week == date(2026, 11, 16)))
            assert week.visit_minutes == sum(r.visit_minutes for r in records
                                             if date(2026, 11, 16) <= r.day <= date(2026, 11, 22))


def test_a_street_year_costs_the_statements_of_its_quarter(app, auth):
    """Period figures are sums of stored sums: the SQL does not grow with the days."""
    with app.app_context():
        street_id = db.session.scalar(select(Community.street_id).where(Community.slug == "fuyuan"))
        ids = db.session.scalars(select(Community.id).where(Community.street_id == street_id)).all()
        worker = account("fuyuan_worker01")
        activity.record_event(worker, worker.person, "clock_in", now=at(date(2026, 1, 7), "08:20"))
        seed_demo_history(now=NOW, community_ids=ids)
        days.fill(ids, date(2026, 1, 1), TODAY)
        db.session.commit()
    auth.login("fuqiang_leader")
    for _ in range(2):  # the login's and the page frame's own first reads (the frame is kept from the second)
        auth.client.get(f"/assessment/streets/{street_id}?period=2026-Q3")
    quarter = statements_of(app, auth.client, f"/assessment/streets/{street_id}?period=2026-Q4")
    year = statements_of(app, auth.client, f"/assessment/streets/{street_id}?period=2026")
    assert len(quarter) == len(year), [s[:90] for s in year if s not in quarter] + ["|"] + \
        [s[:90] for s in quarter if s not in year]


def test_a_persons_page_assesses_that_person_only(app, auth, monkeypatch):
    from portal.assessment import rules as assessment_rules

    with app.app_context():
        person_id = account("fuyuan_worker01").person_id
    assessed = []
    real = assessment_rules.assess
    monkeypatch.setattr(assessment_rules, "assess", lambda data, rule_set: assessed.append(1) or real(data, rule_set))
    auth.login("fuyuan_secretary")
    assert auth.client.get(f"/assessment/people/{person_id}?period=2026-Q4").status_code == 200
    assert len(assessed) == 1


def test_rows_keep_where_the_person_was(app):
    """A move after the days were judged leaves them where they were worked."""
    with app.app_context():
        ids = fuyuan()
        days.fill(ids, date(2026, 11, 1), TODAY)
        db.session.commit()
        mover = account("fuyuan_worker04").person
        elsewhere = db.session.scalar(select(Community).where(Community.street_id != mover.street_id))
        mover.community_id, mover.street_id, mover.grid_id = elsewhere.id, elsewhere.street_id, None
        db.session.commit()
        past = db.session.scalar(select(func.count()).select_from(DayRecord).where(
            DayRecord.person_id == mover.id, DayRecord.community_id == ids[0], DayRecord.day < TODAY))
        assert past == 24


def test_every_table_a_day_is_judged_from_is_watched(app):
    """A write to any input of a day's result rewrites the day: `judge` reads only
    the tables whose writes the hooks turn into days to judge again (WATCHED), its
    own rows (where each person was) and the month locks (which refuse changes)."""
    read = set()

    def listener(conn, cursor, statement, *args):
        read.update(re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', statement))

    with app.app_context():
        people = db.session.scalars(select(Person).where(Person.community_id.in_(fuyuan()))).all()
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            days.judge(people, {p.id: [MONDAY, TODAY] for p in people}, TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert read - days.WATCHED == {"attendance_days", "month_locks"}, read
    assert {"activity_events", "leave_requests", "calendar_days", "attendance_settings"} <= read


def test_a_leave_type_renamed_is_renamed_on_the_days_it_covers(app):
    with app.app_context():
        worker = account("fuyuan_worker02")
        sick = db.session.scalar(select(LeaveType).where(LeaveType.code == "sick"))
        data = leave_rules.LeaveInput(sick.id, MONDAY, "am", MONDAY, "pm", "发烧", "家中", "")
        leave_rules.decide(account("fuyuan_secretary"), leave_rules.submit(worker, worker.person, data, app.config),
                           True, "同意")
        db.session.commit()
        assert stored(worker.person_id, MONDAY).leave_type == "病假"
        db.session.get(LeaveType, sick.id).name = "病假（含住院）"
        db.session.commit()
        assert stored(worker.person_id, MONDAY).leave_type == "病假（含住院）"


def test_a_visit_ended_after_midnight_counts_for_the_evening_it_started(app):
    with app.app_context():
        worker = account("fuyuan_worker01").person
        yesterday = TODAY - timedelta(days=1)
        for kind, moment in (("visit_start", at(yesterday, "21:00")), ("visit_end", at(TODAY, "00:20"))):
            db.session.add(ActivityEvent(person_id=worker.id, community_id=worker.community_id, kind=kind,
                                         at=moment, created_at=moment))
            db.session.commit()
        assert stored(worker.id, yesterday).visit_minutes == 200
        assert stored(worker.id, TODAY).visit_minutes == 0
