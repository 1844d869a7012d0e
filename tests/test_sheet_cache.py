"""The month 考勤表 is kept per worker process and never served stale: each input
of the sheet, changed through the portal's own rules or routes, shows on the
next request; two workers (two app instances over one database) see each
other's changes; a repeated request costs a few statements and no computing."""
import re
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from portal import versions
from portal.activity import rules as activity
from portal.admin import people as people_rules
from portal.attendance import corrections, freshness, settings, sheet
from portal.demo import seed_demo_history
from portal.extensions import db
from portal.leave import rules as leave_rules
from portal.leave.models import LeaveType
from portal.org.models import Community, Grid, Street
from portal.people.models import Person, Position
from portal.workdays import rules as workdays
from portal.workdays.models import CalendarDay, CalendarYear, DayKind
from tests.conftest import Auth, account, make_app, statements_of

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # Thursday 10:00 in Baotou: up to Wednesday is judged
MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 08:00 in Baotou
WED = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)     # 08:00 in Baotou
GOOD = {name: str(value)[:5] if "time" in type(value).__name__ else str(value)
        for name, value in settings.DEFAULTS.items()}
# A street's sheet has a 社区 column between the name and the grid.
ROW = re.compile(r'<tr><td class="sticky nowrap">([^<]+)</td>(?:<td class="nowrap">[^<]+</td>)?'
                 r'<td class="nowrap">([^<]+)</td>(.*?)</tr>', re.S)
CELL = re.compile(r'<td class="num sym sym-[a-z]+(?: review)?"(?: title="[^"]*")?>(?:<a [^>]*>)?([^<]*)(?:</a>)?</td>')


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW



def street_id(slug) -> int:
    return db.session.scalar(select(Street.id).where(Street.slug == slug))


def community_id(slug) -> int:
    return db.session.scalar(select(Community.id).where(Community.slug == slug))


def name_of(app, username) -> str:
    with app.app_context():
        return account(username).person.name


class Sheets:
    """An inspector's view of the sheets, as rows: name → (label, [cell text per day])."""

    def __init__(self, app, client=None):
        self.app, self.auth = app, Auth(client or app.test_client())
        self.auth.login("inspector")

    def page(self, slug="fuqiang", month="2026-11") -> str:
        with self.app.app_context():
            sid = street_id(slug)
        response = self.auth.client.get(f"/attendance/sheet?street={sid}&month={month}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def rows(self, slug="fuqiang", month="2026-11") -> dict:
        return {name: (label, CELL.findall(rest)) for name, label, rest in ROW.findall(self.page(slug, month))}

    def day(self, name, day: int, slug="fuqiang", month="2026-11") -> str:
        return self.rows(slug, month)[name][1][day - 1]

    def xlsx_day(self, name, day: int, slug="fuqiang") -> str:
        with self.app.app_context():
            sid = street_id(slug)
        data = self.auth.client.get(f"/attendance/sheet.xlsx?street={sid}&month=2026-11").data
        for row in openpyxl.load_workbook(BytesIO(data)).active.iter_rows(min_row=3, values_only=True):
            if row[0] == name:
                return row[2 + day]  # 姓名, 社区, 网格/职务, then the days
        raise AssertionError(f"{name} not in the xlsx")


@pytest.fixture
def sheets(app):
    return Sheets(app)


def clock_in_wednesday(app, username="fuyuan_worker01", late_minutes=15):
    with app.app_context():
        worker = account(username)
        activity.record_event(worker, worker.person, "clock_in", now=WED + timedelta(minutes=30 + late_minutes))
        activity.record_event(worker, worker.person, "clock_out", now=WED + timedelta(hours=10))
        db.session.commit()


# -- each input of the sheet --------------------------------------------------------------

def test_events_recorded_through_the_board_rules_show_on_the_next_sheet_and_xlsx(app, sheets):
    name = name_of(app, "fuyuan_worker01")
    assert sheets.day(name, 25) == "缺" and sheets.xlsx_day(name, 25) == "缺"
    clock_in_wednesday(app)
    assert sheets.day(name, 25) == "迟15" and sheets.xlsx_day(name, 25) == "迟15"


def test_todays_visits_through_the_board_route_show_in_the_week_box_and_leave_the_table_kept(app, monkeypatch):
    built = []
    real_build = sheet.month_view
    monkeypatch.setattr(sheet, "month_view", lambda *a, **kw: built.append(a) or real_build(*a, **kw))
    leader = Sheets(app)
    with app.app_context():
        person = account("fuyuan_worker01").person
        fuyuan, person_id = person.community_id, person.id
    page = leader.page()
    assert re.search(r"第1网格</td>\s*<td class=\"num warn\">0.0 / 5.0", page) and len(built) == 1
    worker = Auth(app.test_client())
    worker.login("fuyuan_worker01")
    for kind, minutes in (("visit_start", 0), ("visit_end", 90)):
        app.config["CLOCK_NOW"] = NOW + timedelta(minutes=minutes)
        token = worker.token(f"/board/{fuyuan}")
        response = worker.client.post(f"/board/{fuyuan}/people/{person_id}/status",
                                      data={"kind": kind, "household": "3-2-301", "csrf_token": token})
        assert response.status_code in (200, 302, 303), response.status_code
    page = leader.page()
    assert re.search(r"第1网格</td>\s*<td class=\"num warn\">1.5 / 5.0", page)
    assert len(built) == 1  # today's events are not judged yet: the table was served as kept


def test_approved_leave_and_its_return_change_the_sheet(app, sheets):
    name = name_of(app, "fuyuan_worker02")
    assert [sheets.day(name, d) for d in (23, 24, 25)] == ["缺", "缺", "缺"]
    app.config["CLOCK_NOW"] = MONDAY
    with app.app_context():
        worker = account("fuyuan_worker02")
        personal = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "personal"))
        data = leave_rules.LeaveInput(personal, date(2026, 11, 24), "am", date(2026, 11, 25), "pm", "家中有事",
                                      "包头市青山区")
        leave = leave_rules.submit(worker, worker.person, data, app.config)
        db.session.commit()
        leave_id = leave.id
    app.config["CLOCK_NOW"] = NOW
    assert sheets.day(name, 24) == "缺"  # pending leave excuses nothing
    with app.app_context():
        leave_rules.decide(account("fuyuan_secretary"), db.session.get(leave_rules.LeaveRequest, leave_id), True, "")
        db.session.commit()
    assert [sheets.day(name, d) for d in (23, 24, 25)] == ["缺", "假", "假"]
    with app.app_context():  # 销假: back on Wednesday morning
        leave_rules.record_return(account("fuyuan_secretary"), db.session.get(leave_rules.LeaveRequest, leave_id),
                                  date(2026, 11, 25), "am")
        db.session.commit()
    assert [sheets.day(name, d) for d in (23, 24, 25)] == ["缺", "假", "缺"]


def test_approved_field_work_shows_as_wai(app, sheets):
    name = name_of(app, "fuyuan_worker02")
    assert sheets.day(name, 24) == "缺"
    app.config["CLOCK_NOW"] = MONDAY
    with app.app_context():
        worker = account("fuyuan_worker02")
        field = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "field"))
        data = leave_rules.LeaveInput(field, date(2026, 11, 24), "am", date(2026, 11, 24), "pm", "培训", "区政府")
        leave_rules.decide(account("fuyuan_secretary"), leave_rules.submit(worker, worker.person, data, app.config),
                           True, "")
        db.session.commit()
    app.config["CLOCK_NOW"] = NOW
    assert sheets.day(name, 24) == "外"


def test_an_approved_correction_enters_the_sheet_and_a_pending_one_does_not(app, sheets):
    name = name_of(app, "fuyuan_worker01")
    assert sheets.day(name, 24) == "缺"
    with app.app_context():
        worker = account("fuyuan_worker01")
        correction = corrections.request(worker, worker.person, "clock_in", date(2026, 11, 24), "08:20", "手机没电")
        db.session.commit()
        correction_id = correction.id
    assert sheets.day(name, 24) == "缺"
    with app.app_context():
        correction = db.session.get(corrections.AttendanceCorrection, correction_id)
        corrections.decide(account("fuyuan_secretary"), correction, True, "")
        db.session.commit()
    assert sheets.day(name, 24) == "√"


def clock_in_late(app, day: int, username="fuyuan_worker01", late_minutes=15):
    """A 签到 late on that November day, and the 签退 in the evening."""
    with app.app_context():
        worker = account(username)
        morning = datetime(2026, 11, day, 0, 0, tzinfo=UTC)  # 08:00 in Baotou
        activity.record_event(worker, worker.person, "clock_in", now=morning + timedelta(minutes=30 + late_minutes))
        activity.record_event(worker, worker.person, "clock_out", now=morning + timedelta(hours=10))
        db.session.commit()


def the_next_morning(app, sheets, day: int):
    """10:00 the day after: that day is judged (the inspector logs in again, as one does each day)."""
    app.config["CLOCK_NOW"] = datetime(2026, 11, day + 1, 2, 0, tzinfo=UTC)
    sheets.auth.login("inspector")


def test_street_and_district_settings_change_the_sheet_from_their_date_on(app, sheets):
    name = name_of(app, "fuyuan_worker01")
    clock_in_wednesday(app, late_minutes=15)
    assert sheets.day(name, 25) == "迟15"
    with app.app_context():  # from today (Thursday 26th) the street allows 20 minutes
        settings.save(account("fuqiang_leader"), street_id("fuqiang"), {**GOOD, "late_grace_minutes": "20"},
                      "2026-11-26")
        db.session.commit()
    assert sheets.day(name, 25) == "迟15"  # Wednesday keeps the rules it was judged with
    clock_in_late(app, 26)
    the_next_morning(app, sheets, 26)
    assert sheets.day(name, 26) == "√" and sheets.day(name, 25) == "迟15"
    with app.app_context():  # from Friday the street follows the district default again
        settings.reset_to_default(account("fuqiang_leader"), street_id("fuqiang"), "2026-11-27")
        db.session.commit()
    clock_in_late(app, 27)
    the_next_morning(app, sheets, 27)
    assert [sheets.day(name, d) for d in (25, 26, 27)] == ["迟15", "√", "迟15"]
    with app.app_context():  # and the district default allows 30 minutes from Monday
        settings.save(account("admin"), None, {**GOOD, "late_grace_minutes": "30"}, "2026-11-30")
        db.session.commit()
    clock_in_late(app, 30)
    app.config["CLOCK_NOW"] = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    sheets.auth.login("inspector")
    assert [sheets.day(name, d) for d in (25, 26, 27, 30)] == ["迟15", "√", "迟15", "√"]


def test_settings_saved_on_the_page_apply_from_the_date_chosen(app, sheets):
    name = name_of(app, "fuyuan_worker01")
    clock_in_wednesday(app, late_minutes=15)
    leader = Auth(app.test_client())
    leader.login("fuqiang_leader")
    with app.app_context():
        sid = street_id("fuqiang")
    form = {**GOOD, "late_grace_minutes": "20"}
    past = leader.post(f"/attendance/settings?street={sid}", {**form, "effective_from": "2026-11-25"},
                       token_from=f"/attendance/settings?street={sid}")
    assert past.status_code == 400 and "生效日期不能早于今天" in past.get_data(as_text=True)
    response = leader.post(f"/attendance/settings?street={sid}", {**form, "effective_from": "2026-11-26"},
                           token_from=f"/attendance/settings?street={sid}")
    assert response.status_code == 302
    page = leader.client.get(f"/attendance/settings?street={sid}").get_data(as_text=True)
    assert "规则变更记录" in page and "2026年11月26日" in page
    assert sheets.day(name, 25) == "迟15"
    clock_in_late(app, 26)
    the_next_morning(app, sheets, 26)
    assert sheets.day(name, 26) == "√"


def test_the_work_calendar_changes_the_sheet(app, sheets):
    name = name_of(app, "fuyuan_worker01")
    assert sheets.day(name, 25) == "缺"
    with app.app_context():
        workdays.set_day(account("admin"), date(2026, 11, 25), DayKind.HOLIDAY, "测试假日")
        db.session.commit()
    assert sheets.day(name, 25) == "休"
    with app.app_context():
        workdays.clear_day(account("admin"), date(2026, 11, 25))
        db.session.commit()
    assert sheets.day(name, 25) == "缺"


def test_a_years_calendar_removed_and_prefilled_in_bulk_changes_the_sheet(app, sheets):
    name = name_of(app, "fuyuan_worker01")
    assert "2025年的工作日历尚未录入" not in sheets.page(month="2025-10")
    assert sheets.day(name, 1, month="2025-10") == "休"  # 国庆节
    with app.app_context():
        db.session.delete(db.session.get(CalendarYear, 2025))
        for row in workdays.year_days(2025):
            db.session.delete(row)
        db.session.commit()
    assert "2025年的工作日历尚未录入" in sheets.page(month="2025-10")
    with app.app_context():
        workdays.prefill_year(account("admin"), 2025)  # a bulk INSERT of the calendar days
        db.session.commit()
    assert "2025年的工作日历尚未录入" not in sheets.page(month="2025-10")
    assert sheets.day(name, 1, month="2025-10") == "休"


def test_a_year_confirmed_by_hand_is_no_longer_missing(app, sheets):
    assert "2027年的工作日历尚未录入" in sheets.page(month="2027-01")
    with app.app_context():
        workdays.set_day(account("admin"), date(2027, 1, 1), DayKind.HOLIDAY, "元旦")
        workdays.confirm_year(account("admin"), 2027)
        db.session.commit()
    assert "2027年的工作日历尚未录入" not in sheets.page(month="2027-01")


def person_input(person: Person, **changes) -> people_rules.PersonInput:
    values = dict(name=person.name, username=person.account.username, position=person.position,
                  street_id=person.street_id, community_id=person.community_id,
                  grid_number=person.grid.number if person.grid else None, phone=person.phone)
    return people_rules.PersonInput(**{**values, **changes})


def test_people_added_changed_moved_and_deactivated_change_the_sheets(app, sheets):
    assert "新来的人" not in sheets.rows()
    with app.app_context():
        fuyuan = community_id("fuyuan")
        people_rules.create_person(account("admin"), people_rules.PersonInput(
            "新来的人", "newcomer_desk", Position.FRONT_DESK, community_id=fuyuan), "a-long-pass-2026")
        db.session.commit()
    assert sheets.rows()["新来的人"][0] == "公共服务区工作人员"

    with app.app_context():  # a position changes the label
        person = account("newcomer_desk").person
        people_rules.update_person(account("admin"), person, person_input(person, position=Position.STATION_HEAD))
        db.session.commit()
    assert sheets.rows()["新来的人"][0] == "站长"

    worker = name_of(app, "fuyuan_worker01")
    with app.app_context():  # a grid changes the label
        grid = db.session.scalar(select(Grid).where(Grid.community_id == fuyuan, Grid.number == 12))
        holder = db.session.scalar(select(Person).where(Person.grid_id == grid.id))
        people_rules.deactivate_person(account("admin"), holder)  # frees the grid; keeps the days worked
        db.session.commit()
        holder_name = holder.name
    rows = sheets.rows()
    assert rows[holder_name][0] == "第12网格" and rows[holder_name][1][23] == "缺"
    assert rows[worker][0] == "第1网格"
    with app.app_context():
        person = account("fuyuan_worker01").person
        people_rules.update_person(account("admin"), person, person_input(person, grid_number=12))
        db.session.commit()
    assert sheets.rows()[worker][0] == "第12网格"

    # Moved to another street: on the other's from now on; the days already judged
    # here stay here (the newcomer has none yet, so the row goes with them).
    assert "新来的人" not in sheets.rows("kexue")
    with app.app_context():
        person = account("newcomer_desk").person
        target = db.session.scalar(select(Community).join(Street).where(Street.slug == "kexue")
                                   .order_by(Community.sort_order))
        people_rules.update_person(account("admin"), person, person_input(
            person, street_id=target.street_id, community_id=target.id))
        db.session.commit()
    assert "新来的人" not in sheets.rows() and "新来的人" in sheets.rows("kexue")


def test_roster_changes_through_the_admin_routes_change_the_sheet(app, sheets):
    name = name_of(app, "fuyuan_worker03")
    assert name in sheets.rows()
    admin = Auth(app.test_client())
    admin.login("admin")
    with app.app_context():
        person_id = account("fuyuan_worker03").person_id
    response = admin.post(f"/admin/people/{person_id}/deactivate", token_from=f"/admin/people/{person_id}")
    assert response.status_code in (302, 303), response.status_code
    # November keeps the days they worked (payroll is run on them); December has no row.
    assert sheets.rows()[name][1][:3] == ["休", "缺", "缺"]
    assert name not in sheets.rows(month="2026-12")


def test_the_next_day_judges_yesterday(app, sheets):
    name = name_of(app, "fuyuan_worker01")
    assert sheets.day(name, 26) == "·"
    app.config["CLOCK_NOW"] = NOW + timedelta(days=1)
    sheets.auth.login("inspector")  # the login of yesterday has expired
    assert sheets.day(name, 26) == "缺" and sheets.day(name, 27) == "·"


def test_history_seeded_in_bulk_shows(app, sheets):
    name = name_of(app, "fuyuan_worker01")
    before = sheets.rows()[name][1]
    assert set(before[:25]) <= {"缺", "休"}
    with app.app_context():
        assert seed_demo_history(now=NOW) > 10_000  # a bulk INSERT of events
        db.session.commit()
    assert sheets.rows()[name][1] != before


# -- workers, sessions, cost ----------------------------------------------------------------

def test_two_workers_over_one_database_see_each_others_changes(app, database_url):
    other = make_app(database_url)
    other.config["CLOCK_NOW"] = NOW
    try:
        here, there = Sheets(app), Sheets(other)
        first, second = name_of(app, "fuyuan_worker01"), name_of(app, "fuyuan_worker02")
        assert here.day(first, 25) == there.day(first, 25) == "缺"
        clock_in_wednesday(app, "fuyuan_worker01")
        assert here.day(first, 25) == there.day(first, 25) == "迟15"
        clock_in_wednesday(other, "fuyuan_worker02", late_minutes=0)
        assert here.day(second, 25) == there.day(second, 25) == "√"
    finally:
        with other.app_context():
            db.engine.dispose()


def test_a_repeated_sheet_costs_a_few_statements_and_no_computing(app, sheets, monkeypatch):
    with app.app_context():
        path = f"/attendance/sheet?street={street_id('kexue')}"
    first = statements_of(app, sheets.auth.client, path)
    assert any("attendance_days" in s for s in first)
    monkeypatch.setattr(sheet, "month_view", lambda *a, **kw: pytest.fail("computed again"))
    monkeypatch.setattr(sheet, "week_visits", lambda *a, **kw: pytest.fail("computed again"))
    again = statements_of(app, sheets.auth.client, path)
    assert len(again) <= 6, again
    assert sum("data_versions" in s for s in again) == 2  # the logins' version, then the sheet's
    assert not any("attendance_days" in s or "activity_events" in s or "leave_requests" in s for s in again)


def test_uncommitted_writes_are_shown_to_their_own_transaction_but_never_kept(app, sheets):
    name = name_of(app, "fuyuan_worker01")
    assert sheets.day(name, 25) == "缺"
    with app.test_request_context():
        worker = account("fuyuan_worker01")
        activity.record_event(worker, worker.person, "clock_in", now=WED + timedelta(minutes=45))
        month, _ = sheet.views([worker.person.community_id], [worker.person.street_id], date(2026, 11, 1))
        row = next(r for r in month.data.rows if r.name == name)
        assert row.cells[24].symbol == "迟15"
        db.session.rollback()
        month, _ = sheet.views([worker.person.community_id], [worker.person.street_id], date(2026, 11, 1))
        assert next(r for r in month.data.rows if r.name == name).cells[24].symbol == "缺"
    assert sheets.day(name, 25) == "缺"


def test_writes_bump_only_the_scopes_they_touch(app):
    with app.app_context():
        fuqiang, kexue = street_id("fuqiang"), street_id("kexue")
        watched = [freshness.GLOBAL, freshness.street_scope(fuqiang), freshness.street_scope(kexue),
                   freshness.day_scope(fuqiang, date(2026, 11, 25)), freshness.day_scope(kexue, date(2026, 11, 25))]
        before = versions.read(db.session, watched)
        db.session.rollback()
    clock_in_wednesday(app)
    with app.app_context():
        after = versions.read(db.session, watched)
        changed = [scope for scope, old, new in zip(watched, before, after, strict=True) if old != new]
        assert changed == [freshness.day_scope(fuqiang, date(2026, 11, 25))]
        leave_type = db.session.scalar(select(LeaveType).where(LeaveType.code == "personal"))
        leave_rules.update_type(account("admin"), leave_type, {"document_expected": True})
        db.session.commit()
        assert versions.read(db.session, watched)[0] != after[0]
        day = db.session.get(CalendarDay, date(2026, 10, 1))
        assert day is not None and day.kind is DayKind.HOLIDAY
