"""What a worker keeps in memory (portal.memo) is never shown after the data under it
changed: for each kept page, every table it reads is one whose writes change the
versions it is kept under, and a write to each such table does change them.

A new query on a kept page that reads a table no watcher covers fails here, as does
a watcher that claims a table and misses a write to it."""
import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from portal import clock, versions
from portal.activity import rules as activity
from portal.activity.models import ActivityEvent, EventKind
from portal.assessment import results as assessment_results
from portal.assessment import rules as assessment_rules
from portal.assessment import settings as assessment_settings
from portal.assessment import watch as assessment_watch
from portal.assessment.models import AssessmentAdjustment, AssessmentLock, AssessmentSettings
from portal.attendance import days, freshness, sheet
from portal.attendance.models import AttendanceSettings
from portal.auth import rules as auth_rules
from portal.auth import watch as auth_watch
from portal.auth.models import Account, LoginSession
from portal.board import rules as board_rules
from portal.board import watch as board_watch
from portal.errors import FieldErrors
from portal.extensions import db
from portal.inspections.models import ChecklistItem, ChecklistVersion, CorrectiveAction, Inspection
from portal.leave import rules as leave_rules
from portal.leave.models import LeaveRequest, LeaveStatus, LeaveType
from portal.matters.models import Matter, Source, Status
from portal.org.models import Community, Grid, Street
from portal.people.models import Person
from portal.workdays.models import CalendarDay, CalendarSource, CalendarYear, DayKind
from tests.conftest import recorded_statements

# Read by kept pages, yet no write to them can change what the page shows.
NEVER_CHANGE_A_PAGE = {
    "accounts": "read only to reach a person (who set a status, who approves); an account's person never changes"
                " (the login facts and account, which follow its edits, watch it)",
    "board_versions": "the board's version itself",
    "data_versions": "the versions themselves (the login facts read theirs inside)",
    "month_locks": "read by the day-close to leave locked days alone; a lock changes no figure",
}


def secretary() -> Account:
    return db.session.scalar(select(Account).where(Account.username == "fuyuan_secretary"))


def person(username: str) -> Person:
    return db.session.scalar(select(Account).where(Account.username == username)).person


# -- the kept pages: what each computes, and the versions it is kept under ---------------

def _board(compute: bool):
    cid = secretary().person.community_id
    return board_rules.board_cards(cid) if compute else board_rules.board_state(cid, 0).version


def _board_counts(compute: bool):
    cid = secretary().person.community_id
    return board_rules.summary(board_rules.board_cards(cid)) if compute else board_rules.board_state(cid, 0).version


def _sheet_scopes() -> list[str]:
    street = secretary().person.street_id
    return [freshness.GLOBAL, freshness.street_scope(street), freshness.day_scope(street, clock.today())]


def _month_sheet(compute: bool):
    me = secretary().person
    first = clock.today().replace(day=1)
    if compute:
        return sheet.month_view([me.community_id], first)
    return versions.read(db.session, _sheet_scopes())


def _week_box(compute: bool):
    if compute:
        return sheet.week_visits([secretary().person.community_id])
    return versions.read(db.session, _sheet_scopes())


def _approval_queue(compute: bool):
    me = secretary()
    if compute:
        return leave_rules.queue_for(me), leave_rules.overdue_for(me)
    return versions.read(db.session, [freshness.GLOBAL, freshness.street_scope(me.person.street_id)])


def _login_facts(compute: bool):
    login = _a_login()
    if compute:
        return auth_rules.session_alive(login.id, str(login.account_id))
    return versions.read(db.session, [auth_watch.LOGINS])


def _login_account(compute: bool):
    login = _a_login()
    if compute:
        return auth_rules.load_session(login.id, str(login.account_id))
    return versions.read(db.session, [auth_watch.LOGINS])


def _street_report(compute: bool):
    street = secretary().person.street
    period = assessment_rules.period_of(clock.today())
    if compute:
        return assessment_results.report(street, period)
    _text, (start, end, _label) = assessment_results.parse_period(period)
    return versions.read(db.session, assessment_results.report_scopes(street.id, start, end, clock.today()))


def _street_report_with_matters(compute: bool):
    """The same table where the street weighs 便民服务事项 (then it reads the matters)."""
    street_id = secretary().person.street_id
    if db.session.scalar(select(AssessmentSettings.id).where(AssessmentSettings.street_id == street_id,
                                                             AssessmentSettings.weight_matters > 0)) is None:
        db.session.add(AssessmentSettings(street_id=street_id, effective_from=date(2000, 1, 1), **{
            **assessment_settings.DEFAULTS, "weight_inspection": 10, "weight_matters": 10}))
        db.session.commit()
    return _street_report(compute)


KEPT = {
    "board cards": (_board, board_watch.FEEDS),
    "board summary": (_board_counts, board_watch.FEEDS),
    "month 考勤表": (_month_sheet, freshness.feeds()),
    "week 入户 box": (_week_box, freshness.feeds()),
    # Kept under the street's scope, not its days': it reads no event.
    "approval queue": (_approval_queue, freshness.feeds() - {"activity_events"}),
    "login session facts": (_login_facts, auth_watch.FEEDS),
    "login account and page frame": (_login_account, auth_watch.FEEDS),
    "street 考核": (_street_report, freshness.feeds() | assessment_watch.FEEDS),
    "street 考核 with 便民服务事项": (_street_report_with_matters,
                                 freshness.feeds() | assessment_watch.FEEDS | assessment_watch.MATTER_FEEDS),
}


def tables_read(app, compute) -> set[str]:
    names = set(db.metadata.tables)
    with recorded_statements(app) as statements:
        compute()
    return {m.group(1) for s in statements if s.lstrip().upper().startswith("SELECT")
            for m in re.finditer(r'(?:FROM|JOIN)\s+"?(\w+)"?', s) if m.group(1) in names}


@pytest.mark.parametrize("page", list(KEPT))
def test_every_table_a_kept_page_reads_changes_its_versions(app, page):
    page_of, feeds = KEPT[page]
    with app.app_context():
        db.session.expire_all()
        read = tables_read(app, lambda: page_of(True))
    assert read, "the page read nothing: the recording is broken"
    if read & days.DERIVED:  # the stored day results are fresh when all their inputs are watched
        assert days.WATCHED <= feeds, f"{page}: inputs of the stored days not watched: {days.WATCHED - feeds}"
    uncovered = read - feeds - days.DERIVED - set(NEVER_CHANGE_A_PAGE)
    assert not uncovered, f"{page} reads {sorted(uncovered)}, whose writes change none of its versions"


# -- one write to each watched table -----------------------------------------------------

def _rename_person():
    person("fuyuan_worker11").name = "改了名字"


def _renumber_grid():
    grid = db.session.scalar(select(Grid).where(Grid.community_id == secretary().person.community_id)
                             .order_by(Grid.number.desc()))
    grid.number += 100


def _rename_community():
    db.session.get(Community, secretary().person.community_id).name = "改名社区"


def _rename_street():
    db.session.get(Street, secretary().person.street_id).name = "改名街道"


def _holiday_tomorrow():
    tomorrow = clock.today() + timedelta(days=1)
    found = db.session.get(CalendarDay, tomorrow)
    if found is None:
        db.session.add(CalendarDay(day=tomorrow, kind=DayKind.HOLIDAY, name="临时放假", source=CalendarSource.ADMIN))
    else:
        found.name = "临时调整"


def _calendar_year():
    year = db.session.get(CalendarYear, clock.today().year)
    year.source = CalendarSource.ADMIN if year.source is not CalendarSource.ADMIN else CalendarSource.PACKAGE


def _rename_leave_type():
    db.session.scalar(select(LeaveType).where(LeaveType.code == "sick")).name = "病假（改）"


def _leave_decided():
    worker = person("fuyuan_worker03")
    leave = db.session.scalar(select(LeaveRequest).where(LeaveRequest.person_id == worker.id))
    if leave is None:
        sick = db.session.scalar(select(LeaveType).where(LeaveType.code == "sick"))
        leave = LeaveRequest(person_id=worker.id, community_id=worker.community_id, street_id=worker.street_id,
                             type_id=sick.id, start_date=clock.today(), start_half="am", end_date=clock.today(),
                             end_half="pm", days=1, reason="发烧", status=LeaveStatus.PENDING)
        db.session.add(leave)
    else:
        leave.status = LeaveStatus.APPROVED if leave.status is not LeaveStatus.APPROVED else LeaveStatus.REVOKED


def _status_change():
    """Whatever the seeded day left this worker at, one of these applies."""
    worker = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker04"))
    for kind in ("clock_in", "back", "clock_out"):
        try:
            activity.record_event(worker, worker.person, kind)
            return
        except FieldErrors:
            continue
    raise AssertionError("no status change applies")


def _an_inspection() -> Inspection:
    found = db.session.scalar(select(Inspection).order_by(Inspection.id))
    if found is None:
        version = db.session.scalar(select(ChecklistVersion.id).order_by(ChecklistVersion.id.desc()))
        found = Inspection(community_id=secretary().person.community_id, version_id=version,
                           inspector_id=person("inspector").id)
        db.session.add(found)
        db.session.flush()
    return found


def _inspection_vetoed():
    found = _an_inspection()
    found.vetoed = not found.vetoed


def _corrective_action():
    found = db.session.scalar(select(CorrectiveAction).order_by(CorrectiveAction.id))
    if found is None:
        inspection = _an_inspection()
        item = db.session.scalar(select(ChecklistItem.id).where(ChecklistItem.version_id == inspection.version_id))
        db.session.add(CorrectiveAction(inspection_id=inspection.id, item_id=item, community_id=inspection.community_id,
                                        finding="楼道堆物", due_on=clock.today()))
    else:
        found.reopen_count += 1


def _checklist_item():
    db.session.scalar(select(ChecklistItem).order_by(ChecklistItem.id)).points += 1


def _assessment_settings():
    found = db.session.scalar(select(AssessmentSettings).order_by(AssessmentSettings.id))
    found.late_points += 1


def _assessment_adjustment():
    worker = person("fuyuan_worker07")
    db.session.add(AssessmentAdjustment(person_id=worker.id, street_id=worker.street_id,
                                        period=assessment_rules.period_of(clock.today()), points=1, reason="表扬",
                                        created_by_id=secretary().id))


def _assessment_lock():
    db.session.add(AssessmentLock(street_id=secretary().person.street_id, period="2025-Q1", locked_by_id=secretary().id,
                                  snapshot={"rules": {}, "people": []}))


def _matter_step():
    """A step of a matter's loop: the compare-and-set UPDATE of portal.matters.loop."""
    found = db.session.scalar(select(Matter).where(Matter.community_id == secretary().person.community_id)
                              .order_by(Matter.id))
    if found is None:
        worker = person("fuyuan_worker08")
        yesterday = datetime.combine(clock.today() - timedelta(days=1), time(10), tzinfo=clock.LOCAL_TZ)
        db.session.add(Matter(kind_id=1, urgency_id=3, street_id=worker.street_id, community_id=worker.community_id,
                              description="楼道灯不亮", source=Source.PATROL, status=Status.HANDLING, version=1,
                              holder_id=worker.id, due_at=yesterday))
    else:
        db.session.execute(update(Matter).where(Matter.id == found.id, Matter.version == found.version)
                           .values(version=Matter.version + 1, closed_on_time=not found.closed_on_time)
                           .execution_options(synchronize_session=False))


def _yesterdays_event():
    """A past day's event (a 补卡 or a late entry): today's do not change a report, which counts to yesterday."""
    yesterday = clock.today() - timedelta(days=1)
    start = datetime.combine(yesterday, time(0), tzinfo=clock.LOCAL_TZ)
    found = db.session.scalar(select(ActivityEvent).where(
        ActivityEvent.community_id == secretary().person.community_id, ActivityEvent.at >= start,
        ActivityEvent.at < start + timedelta(days=1)).order_by(ActivityEvent.id))
    if found is None:
        worker = person("fuyuan_worker08")
        db.session.add(ActivityEvent(person_id=worker.id, community_id=worker.community_id, kind=EventKind.CLOCK_IN,
                                     at=start + timedelta(hours=8, minutes=20), entered_by_id=secretary().id))
    else:
        found.note = "补记" if found.note != "补记" else None


def _settings_changed():
    found = db.session.scalar(select(AttendanceSettings).where(AttendanceSettings.street_id.is_(None)))
    found.morning_start = time(8, 15) if found.morning_start != time(8, 15) else time(8, 30)


def _a_login() -> LoginSession:
    """Some browser's login (the seed has none): a revoked one is given a new id and revived."""
    login = db.session.scalar(select(LoginSession).order_by(LoginSession.created_at.desc()))
    if login is None:
        login = LoginSession(id="kept-pages-login", account_id=secretary().id, created_at=clock.now(),
                             expires_at=clock.now() + timedelta(hours=8))
        db.session.add(login)
        db.session.commit()
    return login


def _logout():
    login = _a_login()
    login.revoked_at = None if login.revoked_at else clock.now()


def _deactivate_account():
    account = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker06"))
    account.active = not account.active


def _deactivate_person():
    worker = person("fuyuan_worker05")
    worker.active = not worker.active


WRITES = {
    "people": _rename_person,
    "grids": _renumber_grid,
    "communities": _rename_community,
    "streets": _rename_street,
    "calendar_days": _holiday_tomorrow,
    "calendar_years": _calendar_year,
    "leave_types": _rename_leave_type,
    "leave_requests": _leave_decided,
    "current_statuses": _status_change,
    "activity_events": _status_change,
    "attendance_settings": _settings_changed,
    "login_sessions": _logout,
    "accounts": _deactivate_account,
    "inspections": _inspection_vetoed,
    "corrective_actions": _corrective_action,
    "checklist_items": _checklist_item,
    "assessment_settings": _assessment_settings,
    "assessment_adjustments": _assessment_adjustment,
    "assessment_locks": _assessment_lock,
    "matters": _matter_step,
}
# Where a page follows only some writes to a table, the example is one of those.
PAGE_WRITES = {("login session facts", "people"): _deactivate_person,
               ("street 考核", "activity_events"): _yesterdays_event,
               ("street 考核 with 便民服务事项", "activity_events"): _yesterdays_event}

CASES = [(page, table) for page, (_of, feeds) in KEPT.items() for table in sorted(feeds)]


@pytest.mark.parametrize("page, table", CASES, ids=[f"{p}-{t}" for p, t in CASES])
def test_a_write_to_a_watched_table_changes_the_kept_pages_versions(app, page, table):
    page_of, _feeds = KEPT[page]
    assert table in WRITES, f"no example write for {table}: add one to WRITES"
    with app.app_context():
        _a_login()
        before = page_of(False)
        PAGE_WRITES.get((page, table), WRITES[table])()
        db.session.commit()
        assert page_of(False) != before, f"a write to {table} left the versions of {page} as they were"


def test_the_examples_write_the_table_they_stand_for(app):
    """Each example above really writes its table (else the test before proves nothing)."""
    written: set[str] = set()
    with app.app_context():
        examples = [*WRITES.items(), *((table, write) for (_page, table), write in PAGE_WRITES.items())]
        for table, write in examples:
            with recorded_statements(app) as statements:
                write()
                db.session.commit()
            written |= {table for s in statements for table in WRITES
                        if re.match(rf'\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?{table}"?\b', s)}
    assert written == set(WRITES), set(WRITES) - written
