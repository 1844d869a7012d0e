"""Reading the audit log, for the viewer (portal.audit.views). It may read every
feature's tables to say whom an entry is about; writing an entry is
portal.audit.log, which imports no feature."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, String, and_, cast, func, or_, select, update
from sqlalchemy.orm import joinedload

from portal import clock
from portal.audit.log import diff
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.text import clean

# -- reading the log ----------------------------------------------------------------
#
# Entries name their object by table and id. Which person an object belongs to is
# looked up through these links, so the viewer can ask "about whom" (the person
# filter, the subject column). "Inside which street" (a 街镇 leader's scope) is stored
# on each entry by the writer (portal.audit.log.scope) by the same links; the
# migration 0c7d1a5e9b42 filled the older entries by them. A feature whose audited
# objects belong to people or places adds a link here, and its objects must say
# where they belong to the writer (a person_id, community_id or street_id column, or
# the `community_id` it is given).

PAGE_SIZE = 50
PERSON, COMMUNITY, STREET = "person", "community", "street"


@dataclass(frozen=True)
class Link:
    object_type: str
    level: str                    # PERSON / COMMUNITY / STREET
    model: type
    column: object                # the model's (or joined model's) person/community/street id
    join: object | None = None    # a model to join to reach `column`

    def ids_where(self, condition) -> Select:
        query = select(cast(self.model.id, String))
        if self.join is not None:
            query = query.join(self.join)
        return query.where(condition(self.column))


def links() -> list[Link]:
    from portal.activity.models import ActivityEvent, MonthLock
    from portal.assessment.models import AssessmentAdjustment, AssessmentLock, AssessmentSettings
    from portal.attendance.models import AttendanceCorrection, AttendanceSettings
    from portal.auth.models import Account
    from portal.board.models import HallDisplayLink
    from portal.comptime.models import CompTimeCredit
    from portal.guide.models import HallInfo, HallNotice, NoticeSheet, ServiceItem, ServiceItemLocal
    from portal.inspections.models import (
        Bulletin,
        CorrectiveAction,
        Inspection,
        InspectionAnswer,
        InspectionPhoto,
        Objection,
        SamplingDraw,
    )
    from portal.leave.models import LeaveCover, LeaveEntitlement, LeaveRequest
    from portal.matters.models import Matter, MatterPhoto, MatterStep
    from portal.notifications.models import Notice, NoticePrefs
    from portal.people.models import Person
    from portal.responsibility.models import Assignment, SupervisionEntry, SupervisionRules

    return [
        Link("people", PERSON, Person, Person.id),
        Link("accounts", PERSON, Account, Account.person_id),
        Link("activity_events", PERSON, ActivityEvent, ActivityEvent.person_id),
        Link("leave_requests", PERSON, LeaveRequest, LeaveRequest.person_id),
        Link("leave_entitlements", PERSON, LeaveEntitlement, LeaveEntitlement.person_id),
        Link("comp_time_credits", PERSON, CompTimeCredit, CompTimeCredit.person_id),
        Link("attendance_corrections", PERSON, AttendanceCorrection, AttendanceCorrection.person_id),
        Link("inspection_answers", PERSON, InspectionAnswer, InspectionAnswer.person_id),
        Link("assessment_adjustments", PERSON, AssessmentAdjustment, AssessmentAdjustment.person_id),
        Link("responsibility_assignments", PERSON, Assignment, Assignment.person_id),
        Link("leave_covers", PERSON, LeaveCover, LeaveCover.person_id),
        Link("supervision_entries", PERSON, SupervisionEntry, SupervisionEntry.person_id),
        Link("notices", PERSON, Notice, Notice.person_id),
        Link("notice_prefs", PERSON, NoticePrefs, NoticePrefs.person_id),
        Link("inspections", COMMUNITY, Inspection, Inspection.community_id),
        Link("corrective_actions", COMMUNITY, CorrectiveAction, CorrectiveAction.community_id),
        Link("objections", COMMUNITY, Objection, Objection.community_id),
        Link("hall_display_links", COMMUNITY, HallDisplayLink, HallDisplayLink.community_id),
        Link("service_items", COMMUNITY, ServiceItem, ServiceItem.community_id),
        Link("service_item_locals", COMMUNITY, ServiceItemLocal, ServiceItemLocal.community_id),
        Link("notice_sheets", COMMUNITY, NoticeSheet, NoticeSheet.community_id),
        Link("hall_infos", COMMUNITY, HallInfo, HallInfo.community_id),
        Link("hall_notices", COMMUNITY, HallNotice, HallNotice.community_id),
        Link("inspection_answers", COMMUNITY, InspectionAnswer, Inspection.community_id, join=Inspection),
        Link("inspection_photos", COMMUNITY, InspectionPhoto, Inspection.community_id, join=Inspection),
        Link("matters", COMMUNITY, Matter, Matter.community_id),
        Link("matter_photos", COMMUNITY, MatterPhoto, MatterPhoto.community_id),
        Link("matter_steps", COMMUNITY, MatterStep, MatterStep.community_id),
        Link("attendance_settings", STREET, AttendanceSettings, AttendanceSettings.street_id),
        Link("month_locks", STREET, MonthLock, MonthLock.street_id),
        Link("assessment_settings", STREET, AssessmentSettings, AssessmentSettings.street_id),
        Link("assessment_locks", STREET, AssessmentLock, AssessmentLock.street_id),
        Link("supervision_rules", STREET, SupervisionRules, SupervisionRules.street_id),
        Link("bulletins", STREET, Bulletin, Bulletin.street_id),
        Link("sampling_draws", STREET, SamplingDraw, SamplingDraw.street_id),
        Link("service_items", STREET, ServiceItem, ServiceItem.street_id),
    ]


def _linked(level: str, condition) -> list:
    return [and_(AuditEntry.object_type == link.object_type, AuditEntry.object_id.in_(link.ids_where(condition)))
            for link in links() if link.level == level]


def about_person(person_id: int):
    """Entries whose object is this person or one of theirs (account, events, leave,
    补卡 …), or done on their behalf."""
    return or_(AuditEntry.on_behalf_of_id == person_id, *_linked(PERSON, lambda column: column == person_id))


def inside_street(street_id: int):
    """Entries about people, communities or settings of one street: a 街镇 leader's
    scope, as the writer stored it."""
    return AuditEntry.street_id == street_id


def follow_person(person) -> None:
    """A person who moves to another community or street takes their entries along:
    the viewer has always scoped an entry by where its person is now. Called by the
    write that moves them, in its transaction (after the person's row is flushed)."""
    db.session.execute(
        update(AuditEntry).where(about_person(person.id))
        .values(street_id=person.street_id, community_id=person.community_id)
        .execution_options(synchronize_session=False))


@dataclass
class Filters:
    """What the viewer asked for, already checked. `action` matches by prefix;
    `since`/`until` are local dates, both included."""

    person_id: int | None = None
    account_id: int | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass
class Page:
    entries: list
    total: int
    number: int
    pages: int


def _conditions(filters: Filters, street_id: int | None) -> list:
    conditions = []
    if street_id is not None:
        conditions.append(inside_street(street_id))
    if filters.person_id is not None:
        conditions.append(about_person(filters.person_id))
    if filters.account_id is not None:
        conditions.append(AuditEntry.account_id == filters.account_id)
    if filters.action:
        conditions.append(AuditEntry.action.startswith(filters.action, autoescape=True))
    if filters.since is not None:
        conditions.append(AuditEntry.at >= datetime.combine(filters.since, time(0), tzinfo=clock.LOCAL_TZ))
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ)
        conditions.append(AuditEntry.at < end)
    return conditions


def search(filters: Filters, street_id: int | None = None, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """Newest first, one page; `street_id` limits to that street's entries (None:
    the whole district). Two queries: the count, then the page with its accounts."""
    from portal.auth.models import Account

    conditions = _conditions(filters, street_id)
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    pages = max(1, -(-total // per_page))
    number = min(max(1, page), pages)
    entries = db.session.scalars(
        select(AuditEntry).where(*conditions)
        .options(joinedload(AuditEntry.account).joinedload(Account.person), joinedload(AuditEntry.on_behalf_of))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(per_page).offset((number - 1) * per_page)).all()
    return Page(list(entries), total, number, pages)


def subjects(entries) -> dict[int, object]:
    """Entry id → the person an entry is about, where its object belongs to one: one
    query per kind of object on the page, then one for the people."""
    from portal.people.models import Person

    wanted: dict[str, set[str]] = {}
    for entry in entries:
        if entry.object_id:
            wanted.setdefault(entry.object_type, set()).add(entry.object_id)
    owner: dict[tuple[str, str], int] = {}
    for link in links():
        ids = wanted.get(link.object_type)
        if link.level != PERSON or not ids:
            continue
        numeric = [int(i) for i in ids if i.isascii() and i.isdigit() and len(i) < 10]
        for object_id, person_id in db.session.execute(
                select(link.model.id, link.column).where(link.model.id.in_(numeric), link.column.is_not(None))):
            owner[(link.object_type, str(object_id))] = person_id
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(set(owner.values()))))}
    result = {}
    for entry in entries:
        person_id = owner.get((entry.object_type, entry.object_id or ""))
        if person_id in people:
            result[entry.id] = people[person_id]
        elif entry.on_behalf_of is not None:
            result[entry.id] = entry.on_behalf_of
    return result


def changes(entry) -> list[tuple[str, object, object]]:
    """(field, before, after) for display: only the changed fields when the entry
    has both sides, else the filled-in fields of the side it has (None on the other)."""
    before, after = entry.before, entry.after
    if isinstance(before, dict) and isinstance(after, dict):
        old, new = diff(before, after)
        gone = [k for k in before if k not in after]
        return [(k, old.get(k), new.get(k)) for k in new] + [(k, before[k], None) for k in gone]
    if isinstance(after, dict):
        return [(k, None, v) for k, v in after.items() if v is not None]
    if isinstance(before, dict):
        return [(k, v, None) for k, v in before.items() if v is not None]
    return []


# -- reading the viewer's filters -------------------------------------------------

MAX_PERSON_MATCHES = 10


def _date(raw: str, label: str, errors: dict, field: str) -> date | None:
    text = raw.strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError
        value = date.fromisoformat(text)
    except ValueError:
        errors[field] = f"{label}应为“年-月-日”，如 2026-11-25。"
        return None
    return value


def parse_filters(args, street_id: int | None) -> tuple[Filters, dict[str, str], list]:
    """Filters from the query string (a mapping of str), with field → Chinese message
    for anything that cannot be used, and the people a name matched when it was
    ambiguous. A person or account outside `street_id` is treated as unknown."""
    from portal.auth.models import Account
    from portal.people.models import Person

    def text(name, limit=64):
        return clean(args.get(name), limit)

    filters, errors, matches = Filters(), {}, []
    person = text("person")
    if person:
        query = select(Person).options(joinedload(Person.community), joinedload(Person.street))
        if street_id is not None:
            query = query.where(Person.street_id == street_id)
        if person.isascii() and person.lstrip("#").isdigit():
            number = int(person.lstrip("#")[:9])
            found = db.session.scalars(query.where(Person.id == number)).all()
        else:
            found = db.session.scalars(query.where(Person.name == person).order_by(Person.id)
                                       .limit(MAX_PERSON_MATCHES)).all()
        if len(found) == 1:
            filters.person_id = found[0].id
        elif not found:
            errors["person"] = ("没有找到这个人员（或不在本街镇）。" if street_id is not None
                                else "没有找到这个人员。") + "请输入姓名或人员编号。"
        else:
            matches = list(found)
            errors["person"] = f"有 {len(found)} 人叫“{person}”，请从下面选择一位。"
    username = text("username").lower()
    if username:
        query = select(Account).where(Account.username == username)
        if street_id is not None:  # outside the street, an account is as unknown as a missing one
            query = query.join(Person, Person.id == Account.person_id).where(Person.street_id == street_id)
        account = db.session.scalar(query)
        if account is None:
            errors["username"] = "没有这个账号（或不在本街镇）。" if street_id is not None else "没有这个账号。"
        else:
            filters.account_id = account.id
    action = text("action")
    if action:
        filters.action = action
    filters.since = _date(text("since", 20), "开始日期", errors, "since")
    filters.until = _date(text("until", 20), "结束日期", errors, "until")
    if filters.since and filters.until and filters.since > filters.until:
        errors["until"] = "结束日期不能早于开始日期。"
    return filters, errors, matches


def action_names(street_id: int | None = None) -> list[str]:
    """The kinds of entry there are, for the filter's suggestions: a skip through the
    (street, action) or (action) index, one step per kind, however long the log."""
    scope = [] if street_id is None else [AuditEntry.street_id == street_id]
    kinds = select(func.min(AuditEntry.action).label("action")).where(*scope).cte("kinds", recursive=True)
    following = (select(func.min(AuditEntry.action)).where(*scope, AuditEntry.action > kinds.c.action)
                 .scalar_subquery())
    kinds = kinds.union_all(select(following).where(kinds.c.action.is_not(None)))
    return list(db.session.scalars(select(kinds.c.action).where(kinds.c.action.is_not(None)).order_by(kinds.c.action)))


# What each kind of entry means, for people who do not read code; a kind missing
# here is shown by its code alone.
ACTION_LABELS = {
    "auth.login": "登录", "auth.logout": "退出登录",
    "account.password_changed": "修改密码", "account.password_reset": "重置密码",
    "person.created": "新增人员", "person.updated": "修改人员信息", "person.deactivated": "停用人员",
    "person.activated": "启用人员", "roster.imported": "导入花名册",
    "board.status_set": "设置去向", "board.display_link_created": "新建大厅显示链接",
    "board.display_link_revoked": "撤销大厅显示链接",
    "leave.requested": "提交请假", "leave.approved": "批准请假", "leave.rejected": "驳回请假",
    "leave.withdrawn": "撤回请假", "leave.revoke_requested": "申请撤销请假", "leave.revoked": "撤销请假",
    "leave.returned": "销假", "leave.entitlement_set": "设置年休假天数", "leave.type_updated": "修改请假类型",
    "attendance.correction_requested": "申请补卡", "attendance.correction_approved": "批准补卡",
    "attendance.correction_rejected": "驳回补卡", "attendance.month_locked": "封账",
    "attendance.month_unlocked": "解除封账", "attendance.settings_saved": "修改考勤规则",
    "attendance.settings_reset": "恢复区默认考勤规则",
    "calendar.prefilled": "预填工作日历", "calendar.day_set": "设置节假日", "calendar.day_cleared": "清除节假日",
    "calendar.year_confirmed": "确认全年日历", "calendar.notice_imported": "导入放假通知",
    "inspection.started": "开始督查检查", "inspection.present": "登记在场人员", "inspection.answer": "填写检查结果",
    "inspection.photo": "上传检查照片", "inspection.submitted": "提交督查检查",
    "inspection.action_fixed": "登记整改", "inspection.action_verified": "整改复核通过",
    "inspection.action_reopened": "整改退回", "inspection.checklist_version": "发布检查表新版本",
    "inspection.settings": "修改抽查设置", "inspection.sample_drawn": "抽查抽签",
    "inspection.sample_swapped": "调整抽查名单", "inspection.sample_accepted": "确认抽查名单",
    "inspection.bulletin_published": "发布通报", "inspection.objection_lodged": "提出申诉",
    "inspection.objection_answered": "答复申诉",
}
