"""封账 closes a month: the 考勤表 payroll was run on stays exactly as it was locked,
whatever happens afterwards (工作规范 二(四): 考勤 is the basis of pay and 考核)."""
import re
from datetime import UTC, date, datetime
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.admin import people as people_rules
from portal.attendance import corrections, locks
from portal.attendance import settings as attendance_settings
from portal.attendance.models import DayRecord, MonthTally
from portal.audit.models import AuditEntry
from portal.dashboards import rules as dashboards
from portal.demo import seed_demo_history
from portal.errors import FieldErrors
from portal.extensions import db
from portal.leave import rules as leave_rules
from portal.leave.models import LeaveRequest, LeaveType
from portal.org.models import Community, Street
from portal.workdays import rules as workdays
from portal.workdays.models import DayKind
from tests.conftest import Auth, account

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)         # Thursday 10 December 2026, 10:00 in Qingshan
NOVEMBER = date(2026, 11, 1)
LATE_SICK_DAY = date(2026, 11, 20)



def fuqiang() -> Street:
    return db.session.scalar(select(Street).where(Street.slug == "fuqiang"))


@pytest.fixture
def november(app, travel):
    """富强路街道 with November's 考勤 logged, a leave filed for November but not yet
    decided, and November locked by the street."""
    travel(NOW)
    with app.app_context():
        street = fuqiang()
        seed_demo_history(days=40, now=NOW, community_ids=[c.id for c in street.communities])
        worker = account("fuyuan_worker02")
        sick = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "sick"))
        pending = leave_rules.submit(worker, worker.person, leave_rules.LeaveInput(
            sick, date(2026, 11, 24), "am", date(2026, 11, 24), "pm", "发烧", "家中", ""), app.config,
            now=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
        db.session.commit()
        locks.lock(account("fuqiang_leader"), street, NOVEMBER)
        db.session.commit()
        return street.id, pending.id


def sheet_as_seen(app, street_id) -> tuple[str, list]:
    auth = Auth(app.test_client())
    auth.login("fuqiang_leader")
    page = auth.client.get(f"/attendance/sheet?street={street_id}&month=2026-11").get_data(as_text=True)
    table = re.search(r"<table.*?</table>", page, re.S).group(0)
    book = auth.client.get(f"/attendance/sheet.xlsx?street={street_id}&month=2026-11").data
    cells = [[c for c in row] for row in openpyxl.load_workbook(BytesIO(book)).active.iter_rows(values_only=True)]
    with app.app_context():
        # What the dashboards and 考核 draw from the month: its column of the street's
        # trends, and the month sums per person they add up.
        ids = db.session.scalars(select(Community.id).where(Community.street_id == street_id)).all()
        trends = dashboards.trends(ids, [date(2026, 10, 1), NOVEMBER], street_id=street_id)
        november = {key: {metric: values[1] for metric, values in metrics.items()}
                    for key, metrics in trends.values.items()}
        sums = db.session.execute(select(MonthTally).where(MonthTally.street_id == street_id,
                                                           MonthTally.month == NOVEMBER)
                                  .order_by(MonthTally.person_id, MonthTally.community_id)).scalars().all()
        sums = [{c.name: getattr(row, c.name) for c in MonthTally.__table__.columns} for row in sums]
    return table, cells, november, sums


def test_locking_stores_every_judged_day_of_the_streets_people(app, november):
    street_id, _pending = november
    with app.app_context():
        november = (DayRecord.street_id == street_id) & DayRecord.day.between(date(2026, 11, 1), date(2026, 11, 30))
        stored = db.session.scalar(select(func.count()).select_from(DayRecord).where(november))
        people = db.session.scalar(select(func.count(func.distinct(DayRecord.person_id))).where(november))
        assert people > 50 and stored == people * 30  # every person, all 30 days of November


def test_a_closed_month_is_identical_after_every_later_change(app, november):
    street_id, pending_id = november
    before = sheet_as_seen(app, street_id)
    with app.app_context():
        admin, leader = account("admin"), account("fuqiang_leader")
        # The street's hours change (from now on); a worker moves to another street's community; one leaves.
        attendance_settings.save(leader, street_id, {
            **{k: str(getattr(attendance_settings.settings_for(street_id), k))[:5]
               for k in attendance_settings.TIMES},
            "morning_start": "08:00",
            **{k: str(getattr(attendance_settings.settings_for(street_id), k))
               for k in ("summer_from", "winter_from", *attendance_settings.RANGES)}})
        mover = account("fuyuan_worker04").person
        elsewhere = db.session.scalar(select(Community).where(Community.street_id != street_id))
        mover.community_id, mover.street_id, mover.grid_id = elsewhere.id, elsewhere.street_id, None
        people_rules.deactivate_person(admin, account("fuyuan_worker12").person)
        # A day of December made a holiday, a 补卡 and an event on a December day.
        workdays.set_day(admin, date(2026, 12, 7), DayKind.HOLIDAY, "临时放假")
        worker = account("fuyuan_worker03")
        corrections.request(worker, worker.person, "clock_in", date(2026, 12, 8), "08:20", "忘记签到")
        db.session.commit()
    with app.app_context():
        # What is dated in November is refused, and nothing of it is written.
        worker, secretary = account("fuyuan_worker03"), account("fuyuan_secretary")
        sick = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "sick"))
        for attempt in (
                lambda: leave_rules.submit(worker, worker.person, leave_rules.LeaveInput(
                    sick, LATE_SICK_DAY, "am", LATE_SICK_DAY, "pm", "补请病假", "家中", ""), app.config),
                lambda: leave_rules.decide(secretary, db.session.get(LeaveRequest, pending_id), True, "同意"),
                lambda: workdays.set_day(account("admin"), LATE_SICK_DAY, DayKind.HOLIDAY, "临时放假"),
                lambda: corrections.request(worker, worker.person, "clock_in", LATE_SICK_DAY, "08:20", "忘记签到")):
            with pytest.raises(FieldErrors):
                attempt()
            db.session.rollback()
    assert sheet_as_seen(app, street_id) == before


def test_changes_dated_in_a_closed_month_are_refused_naming_the_lock(app, november):
    street_id, pending_id = november
    with app.app_context():
        entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
        worker = account("fuyuan_worker03")
        sick = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "sick"))
        late = leave_rules.LeaveInput(sick, LATE_SICK_DAY, "am", LATE_SICK_DAY, "pm", "补请病假", "家中", "")
        with pytest.raises(FieldErrors) as refused:
            leave_rules.submit(worker, worker.person, late, app.config)
        assert "富强路街道2026年11月的考勤已于2026年12月10日封账" in refused.value.errors["start_date"]
        assert "街镇领导先解除封账" in refused.value.errors["start_date"]
        with pytest.raises(FieldErrors) as refused:
            leave_rules.decide(account("fuyuan_secretary"), db.session.get(LeaveRequest, pending_id), True, "同意")
        assert "封账" in refused.value.errors["decision"]
        with pytest.raises(FieldErrors) as refused:
            workdays.set_day(account("admin"), LATE_SICK_DAY, DayKind.HOLIDAY, "临时放假")
        assert "封账" in refused.value.errors["day"]
        with pytest.raises(FieldErrors) as refused:
            corrections.request(worker, worker.person, "clock_in", LATE_SICK_DAY, "08:20", "忘记签到")
        assert "封账" in str(refused.value)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries


def test_relocking_records_what_changed_between_the_locks(app, november):
    street_id, pending_id = november
    with app.app_context():
        leader, street = account("fuqiang_leader"), fuqiang()
        locks.unlock(leader, street, NOVEMBER, "补批病假")
        db.session.commit()
        leave_rules.decide(account("fuyuan_secretary"), db.session.get(LeaveRequest, pending_id), True, "同意")
        db.session.commit()
        locks.lock(leader, street, NOVEMBER)
        db.session.commit()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "attendance.month_locked")
                                  .order_by(AuditEntry.id.desc()))
        changed = entry.after["changed_since_last_lock"]
        person_id = account("fuyuan_worker02").person_id
        assert any(line.startswith(f"{person_id}:2026-11-24 ") and line.endswith("→假") for line in changed)
