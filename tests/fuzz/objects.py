"""Objects a route acts on, fetched fresh for each example: once a valid example has
decided, revoked or withdrawn a request, the next example gets a new open one."""
from datetime import date, timedelta

from sqlalchemy import select

from portal import clock
from portal.auth.models import Account
from portal.errors import FieldErrors
from portal.extensions import db
from portal.org.models import Community
from tests.conftest import account


def _file_leave(username: str, code: str, days: list[date]) -> int:
    """The first of `days` on which a one-day leave of this type can be filed."""
    from portal.leave import rules
    from portal.leave.models import LeaveType

    person_account = account(username)
    type_id = db.session.scalar(select(LeaveType.id).where(LeaveType.code == code))
    for day in days:
        if day.weekday() >= 5:
            continue
        data = rules.LeaveInput(type_id, day, "am", day, "pm", "家中有事", "本市", "")
        try:
            leave = rules.submit(person_account, person_account.person, data, {"LEAVE_STREET_APPROVAL_OVER_DAYS": 3})
        except FieldErrors:
            db.session.rollback()
            continue
        db.session.commit()
        return leave.id
    raise AssertionError(f"no free day for a leave of {username}")


def _leave_in(username: str, statuses, started: bool | None = None) -> int | None:
    from portal.leave.models import LeaveRequest

    query = select(LeaveRequest).join(Account, Account.person_id == LeaveRequest.person_id).where(
        Account.username == username, LeaveRequest.status.in_(statuses))
    for leave in db.session.scalars(query.order_by(LeaveRequest.id)):
        if started is None or (leave.start_date < clock.today()) == started:
            return leave.id
    return None


def pending_leave(username: str, spares: tuple[str, ...] = ()) -> int:
    """A pending 事假 of `username`, or of a spare colleague once approvals have filled
    every working day that can still be asked for."""
    from portal.leave.models import LeaveStatus

    for name in (username, *spares):
        found = _leave_in(name, [LeaveStatus.PENDING])
        if found is not None:
            return found
    for name in (username, *spares):
        try:
            return _file_leave(name, "personal", [clock.today() + timedelta(days=n) for n in range(7, 60)])
        except AssertionError:
            continue
    raise AssertionError(f"no free day for a leave of {username} or {spares}")


FUYUAN_WORKERS = tuple(f"fuyuan_worker{n:02d}" for n in range(4, 13))


def _approve(leave_id: int, approver: str) -> None:
    from portal.leave import rules
    from portal.leave.models import LeaveRequest

    rules.decide(account(approver), db.session.get(LeaveRequest, leave_id), True, "同意")
    db.session.commit()


def approved_future_leave(username: str) -> int:
    from portal.leave.models import LeaveStatus

    found = _leave_in(username, [LeaveStatus.APPROVED], started=False)
    if found is None:
        found = _file_leave(username, "personal", [clock.today() + timedelta(days=n) for n in range(7, 60)])
        _approve(found, "fuyuan_secretary")
    return found


def started_leave(username: str) -> int:
    """An approved 病假 that has begun (病假 may be filed afterwards), so 销假 applies."""
    from portal.leave.models import LeaveStatus

    found = _leave_in(username, [LeaveStatus.APPROVED], started=True)
    if found is None:
        found = _file_leave(username, "sick", [clock.today() - timedelta(days=n) for n in range(1, 50)])
        _approve(found, "fuyuan_secretary")
    return found


def pending_correction(username: str) -> int:
    from portal.attendance import corrections
    from portal.attendance.models import AttendanceCorrection, CorrectionStatus

    person_account = account(username)
    found = db.session.scalar(select(AttendanceCorrection.id).where(
        AttendanceCorrection.person_id == person_account.person_id,
        AttendanceCorrection.status == CorrectionStatus.PENDING))
    if found is not None:
        return found
    for back in range(1, 31):
        try:
            row = corrections.request(person_account, person_account.person, "clock_in",
                                      clock.today() - timedelta(days=back), "08:20", "忘记签到")
        except FieldErrors:
            db.session.rollback()
            continue
        db.session.commit()
        return row.id
    raise AssertionError("no day left for a 补卡 request")


def display_link_path(slug: str) -> str:
    from portal.board import rules
    from portal.board.models import HallDisplayLink

    community = db.session.scalar(select(Community).where(Community.slug == slug))
    found = db.session.scalar(select(HallDisplayLink.id).where(
        HallDisplayLink.community_id == community.id, HallDisplayLink.revoked_at.is_(None)))
    if found is None:
        rules.create_display_link(account("fuyuan_secretary"), community, "大厅")
        db.session.commit()
        found = db.session.scalar(select(HallDisplayLink.id).where(
            HallDisplayLink.community_id == community.id, HallDisplayLink.revoked_at.is_(None)))
    return f"/board/{community.id}/display-links/{found}/revoke"


# The confirm form's digest of the stored upload made last (cases.py fills it in).
ROSTER_PREVIEW = {"digest": None}


def roster_preview_path() -> str:
    """A fresh stored roster upload of the administrator that changes one phone number
    of 富达社区 (to and fro, so that each example has a change to confirm)."""
    import io

    import openpyxl

    from portal.admin import roster, roster_import

    fuda = db.session.scalar(select(Community).where(Community.slug == "fuda"))
    book = openpyxl.load_workbook(io.BytesIO(roster.export_workbook(roster.people_of(community=fuda))))
    sheet = book.active
    for row in sheet.iter_rows(min_row=2):
        if row[1].value == "fuda_worker02":
            row[6].value = "13900000002" if row[6].value != "13900000002" else "13900000022"
    out = io.BytesIO()
    book.save(out)
    kept, plan = roster_import.upload(account("admin"), "富达社区.xlsx", out.getvalue())
    db.session.commit()
    ROSTER_PREVIEW["digest"] = plan.digest
    return f"/admin/roster/import/{kept.token}/apply"


# 调休: a rest day with work waiting for the 书记's decision, and whom a 加班 is for.
COMP_TIME: dict = {}


def rest_day_work(username: str) -> int:
    """The person's id, with one rest day of 入户 waiting for a decision (made on the
    latest free past Saturday when none is waiting); its day in COMP_TIME["day"]."""
    from datetime import datetime, time

    from portal.activity import rules as activity
    from portal.comptime import rules as comptime
    from portal.comptime.models import CompTimeCredit

    person_account = account(username)
    person = person_account.person
    waiting = comptime.proposals(person_id=person.id, with_sources=False)
    if not waiting:
        decided = set(db.session.scalars(select(CompTimeCredit.work_day).where(CompTimeCredit.person_id == person.id)))
        day = clock.today() - timedelta(days=(clock.today().weekday() - 5) % 7 or 7)
        while day in decided:
            day -= timedelta(days=7)
        start = datetime.combine(day, time(9, 0), tzinfo=clock.LOCAL_TZ)
        activity.record_event(person_account, person, "visit_start", now=start)
        activity.record_event(person_account, person, "visit_end", now=start + timedelta(minutes=270))
        db.session.commit()
        waiting = comptime.proposals(person_id=person.id, with_sources=False)
    COMP_TIME["day"] = waiting[0].day.isoformat()
    return person.id


def overtime_path(community_slug: str, username: str) -> str:
    """The community's 加班 form; the person it is for in COMP_TIME["person_id"]."""
    community = db.session.scalar(select(Community).where(Community.slug == community_slug))
    COMP_TIME["person_id"] = str(account(username).person_id)
    return f"/comptime/communities/{community.id}/overtime"


# 包社区/包网格: the ids a form names, and the current book versions (tests/fuzz/cases.py).
RESP: dict = {}


def _resp_ids() -> None:
    from portal.org.models import Grid

    fuyuan = db.session.scalar(select(Community).where(Community.slug == "fuyuan"))
    fuda = db.session.scalar(select(Community).where(Community.slug == "fuda"))
    RESP.update(street=fuyuan.street_id, fuyuan=fuyuan.id, fuda=fuda.id,
                leader=account("fuqiang_leader").person_id, kexue_leader=account("kexue_leader").person_id,
                secretary=account("fuyuan_secretary").person_id, fuda_secretary=account("fuda_secretary").person_id,
                grid=db.session.scalar(select(Grid.id).where(Grid.community_id == fuyuan.id, Grid.number == 1)),
                fuda_grid=db.session.scalar(select(Grid.id).where(Grid.community_id == fuda.id, Grid.number == 1)))


def forget_assignments() -> None:
    """No terms and fresh books: every example starts from an unassigned street."""
    from sqlalchemy import delete

    from portal.responsibility.models import Assignment, AssignmentBook

    db.session.execute(delete(Assignment))
    db.session.execute(delete(AssignmentBook))
    db.session.commit()


def street_assign_path() -> str:
    _resp_ids()
    RESP["expected"] = book_version("street")
    return f"/responsibility/streets/{RESP['street']}/assign"


def community_assign_path() -> str:
    _resp_ids()
    RESP["expected"] = book_version("community")
    return f"/responsibility/communities/{RESP['fuyuan']}/assign"


def open_term() -> str:
    """fuyuan's 包社区 term from 2026-11-01, open (reopened after an example ended it)."""
    from portal.responsibility import rules as responsibility
    from portal.responsibility.models import Assignment, AssignmentKind

    _resp_ids()
    term = db.session.scalar(select(Assignment).where(Assignment.community_id == RESP["fuyuan"],
                                                      Assignment.kind == AssignmentKind.COMMUNITY))
    if term is None:
        fuyuan = db.session.get(Community, RESP["fuyuan"])
        term = responsibility.assign(account("admin"), AssignmentKind.COMMUNITY, fuyuan,
                                     account("fuqiang_leader").person, "2026-11-01", None,
                                     responsibility.book_version(responsibility.scope_of(AssignmentKind.COMMUNITY,
                                                                                          fuyuan.street_id)))
    term.valid_to = None
    db.session.commit()
    RESP["term"] = term.id
    RESP["expected"] = book_version("street")
    return f"/responsibility/terms/{term.id}/end"


def book_version(kind: str) -> int:
    from portal.responsibility import rules as responsibility
    from portal.responsibility.models import AssignmentKind

    scope = (responsibility.scope_of(AssignmentKind.COMMUNITY, RESP["street"]) if kind == "street"
             else responsibility.scope_of(AssignmentKind.GRID, RESP["fuyuan"]))
    return responsibility.book_version(scope)


def supervision_path() -> str:
    """fuqiang_leader answers for 富源 since 1 January 2026 (not for 富达)."""
    from portal.responsibility.models import Assignment, AssignmentKind

    _resp_ids()
    if db.session.scalar(select(Assignment.id).where(Assignment.community_id == RESP["fuyuan"])) is None:
        db.session.add(Assignment(kind=AssignmentKind.COMMUNITY, person_id=RESP["leader"], street_id=RESP["street"],
                                  community_id=RESP["fuyuan"], valid_from=date(2026, 1, 1)))
        db.session.commit()
    return "/responsibility/supervision"
# 事项: the ids a form needs once its object exists (the worker's grid, a matter's version …).
MATTER: dict = {}


def matter_new_path(username: str) -> str:
    person = account(username).person
    MATTER["grid_id"] = str(person.grid_id)
    MATTER["grid_ids"] = {str(g.id) for g in person.community.grids}
    return "/matters/new"


def open_matter(username: str) -> int:
    """A matter this worker registered (a new one whenever the last has been closed),
    its version and a colleague to assign it to in MATTER."""
    from portal.matters import rules
    from portal.matters.models import OPEN, Matter

    worker = account(username)
    matter = db.session.scalar(select(Matter).where(Matter.found_by_id == worker.person_id,
                                                    Matter.status.in_(list(OPEN))).order_by(Matter.id.desc()))
    if matter is None:
        matter = rules.register(worker, worker.person.community, rules.MatterInput(
            str(worker.person.grid_id), "3-2-501", "楼道灯不亮", "1", "3", "王阿姨", "13812345678", True))
        db.session.commit()
    MATTER["version"] = str(matter.version)
    MATTER["person_id"] = str(account("fuyuan_worker02").person_id)
    return matter.id


def matter_street_assign_path(street_slug: str, community_slug: str, username: str) -> str:
    from portal.org.models import Street

    street = db.session.scalar(select(Street).where(Street.slug == street_slug))
    MATTER["community_id"] = str(db.session.scalar(select(Community.id).where(Community.slug == community_slug)))
    MATTER["person_id"] = str(account(username).person_id)
    return f"/matters/streets/{street.id}/assign"
