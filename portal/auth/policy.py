"""The one answer to "may this account do this action to that object".

Views call `can` / `require`; none decides permissions on its own. Scope follows
the position: a community position reaches its own community, a 街镇领导 the
communities of their street, district staff the whole district.
"""
import enum

from flask import abort
from sqlalchemy import select

from portal.auth.models import Account
from portal.extensions import db
from portal.org.models import Community, Grid, Street
from portal.people.models import Level, Person, Position


class Action(enum.StrEnum):
    VIEW_HOME = "home.view"
    VIEW_ORG = "org.view"            # the district's structure (public figures of the notice)
    VIEW_COMMUNITY = "community.view"
    VIEW_PEOPLE = "people.view"      # staff lists within scope
    MANAGE_PEOPLE = "people.manage"  # create, edit, deactivate people and accounts
    RESET_PASSWORD = "account.reset_password"
    IMPORT_ROSTER = "roster.import"
    EXPORT_ROSTER = "roster.export"  # the 花名册 of a scope as xlsx: the district (None), a street, a community
    VIEW_AUDIT = "audit.view"
    VIEW_BOARD = "board.view"          # a community's whereabouts board, or a summary of many
    SET_STATUS = "board.set_status"    # a person's status on the board
    VIEW_HISTORY = "board.history"     # a person's or a community's event log
    MANAGE_DISPLAY = "board.display"   # hall display links of a community
    VIEW_CALENDAR = "calendar.view"    # the work calendar: holidays and 调休 workdays
    MANAGE_CALENDAR = "calendar.manage"
    REQUEST_LEAVE = "leave.request"    # one's own 请假
    FILE_LEAVE_FOR = "leave.file_for"  # 代请假: file for a person (target), or for anyone at all (None)
    WITHDRAW_LEAVE = "leave.withdraw"  # take back a request before its decision
    VIEW_LEAVE = "leave.view"          # a leave request: who, type, dates, status, return
    VIEW_LEAVE_DETAILS = "leave.details"  # its reason, destination, phone, attachment and comments
    DECIDE_LEAVE = "leave.decide"      # approve or reject at the request's current stage
    REVOKE_LEAVE = "leave.revoke"      # cancel approved leave that has not started
    RECORD_RETURN = "leave.return"     # 销假
    VIEW_LEAVE_QUEUE = "leave.queue"
    VIEW_LEAVE_CALENDAR = "leave.calendar"  # a community's leave month, and its export
    MANAGE_LEAVE = "leave.manage"      # leave types and 年休假 entitlements
    VIEW_ENTITLEMENTS = "leave.entitlements"  # a community's 年休假 for a year: days, used, left
    VIEW_COMP_TIME = "comptime.view"   # 调休 earned and taken: a person's (target), or a community's
    CONFIRM_COMP_TIME = "comptime.confirm"  # confirm or refuse a person's rest-day work as 调休
    RECORD_OVERTIME = "comptime.overtime"   # record a person's 加班 on a rest day (confirmed as recorded)
    MANAGE_SCHEDULE = "attendance.schedule"  # the district default (target None) or a street's hours
    LOCK_MONTH = "attendance.lock"     # 封账 and unlocking a street's month
    REQUEST_CORRECTION = "attendance.correction_request"  # one's own 补卡
    DECIDE_CORRECTION = "attendance.correction_decide"
    VIEW_ATTENDANCE = "attendance.sheet"  # a community's or a 街镇's monthly 考勤表
    MANAGE_CHECKLIST = "inspection.checklist"  # the 八个统一 checklist and the spot-check settings
    INSPECT = "inspection.conduct"     # start (target: community) or answer and submit (target: inspection)
    VIEW_INSPECTION = "inspection.view"  # an inspection and its photos, or a community's inspections
    FIX_ACTION = "inspection.fix"      # record the 整改 of a corrective action
    REVIEW_ACTION = "inspection.review"  # verify or reopen it
    DRAW_SAMPLE = "inspection.sample"  # 抽查 within a street (target) or the district (None)
    PUBLISH_BULLETIN = "inspection.publish"  # 通报 of a street (target) or the district (None)
    VIEW_BULLETIN = "inspection.bulletin"
    LODGE_OBJECTION = "inspection.object"  # 申诉 against a published 通报
    ANSWER_OBJECTION = "inspection.answer_objection"
    FOLLOW_INSPECTIONS = "inspection.follow"  # 整改 lists, 通报 and the checklist of one's scope
    VIEW_DRAW = "inspection.draw"      # a 抽查 draw: its inspector's
    VIEW_ASSESSMENT = "assessment.view"  # 考核 results of a person, a community or a street
    ADJUST_ASSESSMENT = "assessment.adjust"  # a 书记's adjustment, with a reason, for a person
    LOCK_ASSESSMENT = "assessment.lock"  # the 街镇 confirms and locks a period
    MANAGE_ASSESSMENT_RULES = "assessment.rules"  # weights, deductions, grades: district default or a street's
    VIEW_DASHBOARD = "dashboard.view"  # trends of a community (target), a street, or the district (None)
    VIEW_GUIDE = "guide.view"          # 办事指南: the list (None), an item, a community's 便民服务手册
    EDIT_GUIDE = "guide.edit"          # add items to a scope (None: district, Street, Community) or edit one
    SET_LOCAL_CONTACTS = "guide.local"  # a community's own place, handler and phone for an item
    ISSUE_NOTICE_SHEET = "guide.issue"  # print a 一次性告知单 for a resident at a community's desk
    VIEW_NOTICE_SHEETS = "guide.sheets"  # a community's register of issued 告知单 (and reprints)
    MANAGE_HALL_INFO = "guide.hall"    # the hall screen's notices, duty person, hours and items
    VIEW_ASSIGNMENTS = "responsibility.view"  # 包社区/包网格 terms of a street or a community, with history
    MANAGE_ASSIGNMENTS = "responsibility.manage"  # assign or end terms (target: the community concerned)
    VIEW_PUBLICITY = "responsibility.publicity"  # a community's 网格责任人公示
    RECORD_SUPERVISION = "responsibility.supervise"  # a 街镇领导's visit log (target: a community, or None)
    VIEW_COVERAGE = "responsibility.coverage"  # supervision coverage of a street (target) or the district (None)
    MANAGE_SUPERVISION_RULES = "responsibility.rules"  # 督导扣分: the district assesses the 街镇领导 scored by it
    VIEW_MATTERS = "matters.list"      # the matters of a community or street (target); None: one's own
    VIEW_MATTER = "matters.view"       # one matter, its timeline and photos
    VIEW_MATTER_PHONE = "matters.phone"  # the resident's phone: only the handling chain
    REGISTER_MATTER = "matters.register"  # a matter found in a community (target)
    HANDLE_MATTER = "matters.handle"   # 办理, 上报, 办结, 反馈 of a matter
    DIRECT_MATTER = "matters.direct"   # 分派, 外转, 核查, 重新办理 (the 书记/站长, the 街镇)
    ASSIGN_FROM_ABOVE = "matters.above"  # 上级交办 to a community of a street (target) or the district
    MANAGE_MATTER_SETTINGS = "matters.settings"  # kinds, urgency levels and time limits, retention, 核查
    READ_NOTICES = "notices.read"      # one's own 消息 (target: a notice, or None for the list)


COMMUNITY_OFFICE = {Position.FRONT_DESK, Position.SECRETARY, Position.STATION_HEAD}
ON_THE_BOARD = COMMUNITY_OFFICE | {Position.GRID_WORKER}


def street_id_of(target) -> int | None:
    if isinstance(target, Street):
        return target.id
    if isinstance(target, Community):
        return target.street_id
    if isinstance(target, Grid):
        return target.community.street_id
    if isinstance(target, Person):
        return target.street_id
    return None


def community_id_of(target) -> int | None:
    if isinstance(target, Community):
        return target.id
    if isinstance(target, Grid):
        return target.community_id
    if isinstance(target, Person):
        return target.community_id
    return None


def covers(actor: Person, target) -> bool:
    """Whether the target lies inside the actor's scope. A street is inside a
    community-level scope only as the street the community belongs to (read-only
    use); a district-level target (None) only inside district scope."""
    level = actor.position.level
    if level is Level.DISTRICT:
        return True
    if target is None:
        return False
    if level is Level.STREET:
        return actor.street_id is not None and street_id_of(target) == actor.street_id
    if isinstance(target, Street):
        return False
    return actor.community_id is not None and community_id_of(target) == actor.community_id


def can(account, action: Action, target=None) -> bool:
    if account is None or not getattr(account, "is_authenticated", False) or not account.is_active:
        return False
    actor: Person = account.person
    position = actor.position
    match action:
        case Action.VIEW_HOME | Action.VIEW_ORG | Action.VIEW_CALENDAR:
            return True
        case Action.READ_NOTICES:
            return target is None or getattr(target, "person_id", None) == actor.id
        case Action.VIEW_COMMUNITY | Action.VIEW_PEOPLE:
            if isinstance(target, Person) and target.id == actor.id:
                return True
            return covers(actor, target)
        case (Action.MANAGE_PEOPLE | Action.RESET_PASSWORD | Action.IMPORT_ROSTER | Action.MANAGE_CALENDAR
              | Action.MANAGE_LEAVE | Action.MANAGE_MATTER_SETTINGS | Action.MANAGE_SUPERVISION_RULES):
            return position is Position.ADMIN
        case Action.EXPORT_ROSTER:
            # The administrator keeps the accounts; a 街镇 keeps the 花名册 of its
            # communities and the 书记/站长 their own, to check and send corrections
            # back (importing stays the administrator's: it sets passwords).
            if position is Position.ADMIN:
                return True
            return position in (Position.STREET_LEADER, *COMMUNITY_HEADS) and target is not None \
                and covers(actor, target)
        case Action.VIEW_AUDIT:
            if position is Position.ADMIN:
                return True
            return position is Position.STREET_LEADER and covers(actor, target)
        case Action.VIEW_BOARD:
            return covers(actor, target)
        case Action.SET_STATUS:
            # 八个一 四: whoever goes out marks it on the board; the front desk, 书记
            # and 站长 keep it right for the people of their own community.
            if not isinstance(target, Person) or not target.active or target.position not in ON_THE_BOARD:
                return False
            if target.id == actor.id:
                return True
            return position in COMMUNITY_OFFICE and target.community_id == actor.community_id
        case Action.VIEW_HISTORY:
            if isinstance(target, Person) and target.id == actor.id:
                return True
            if position is Position.GRID_WORKER:
                return False
            return covers(actor, target)
        case Action.MANAGE_DISPLAY:
            if position is Position.ADMIN:
                return True
            return position in (Position.SECRETARY, Position.STATION_HEAD) and covers(actor, target)
        case Action.REQUEST_LEAVE:
            return position in ON_THE_BOARD
        case Action.FILE_LEAVE_FOR:
            return files_leave_for(actor, target)
        case Action.WITHDRAW_LEAVE:
            # The requester, or the 书记/站长 who filed it for them while they still may.
            return target.person.id == actor.id or (filer_of(target) == actor.id
                                                    and files_leave_for(actor, target.person))
        case Action.VIEW_LEAVE:
            requester = target.person
            if requester.id == actor.id:
                return True
            if position is Position.GRID_WORKER:
                return False
            return covers(actor, requester)
        case Action.VIEW_LEAVE_DETAILS:
            # Why someone is away (a diagnosis, a family matter) is for the requester, the
            # approvers of the request and the administrator; the front desk and the
            # inspectors see that and until when someone is away, not why.
            return (target.person.id == actor.id or position is Position.ADMIN
                    or filer_of(target) == actor.id or _decides_leave(actor, target))
        case Action.DECIDE_LEAVE:
            return _decides_leave(actor, target)
        case Action.REVOKE_LEAVE:
            return is_first_approver(actor, target)
        case Action.RECORD_RETURN:
            requester = target.person
            if requester.id == actor.id:
                return True
            return position in COMMUNITY_OFFICE and requester.community_id == actor.community_id
        case Action.VIEW_LEAVE_QUEUE:
            return position in LEAVE_APPROVERS
        case Action.MANAGE_SCHEDULE | Action.LOCK_MONTH:
            if position is Position.ADMIN:
                return True
            return position is Position.STREET_LEADER and target is not None and covers(actor, target)
        case Action.VIEW_ATTENDANCE | Action.VIEW_ENTITLEMENTS:
            # 工作规范 二(四): 考勤 is kept by the 书记 and 站长, watched by the 街镇 and district;
            # so is who has how many days of 年休假 left (each person sees their own on 我的请假).
            if position in (Position.GRID_WORKER, Position.FRONT_DESK):
                return False
            return covers(actor, target)
        case Action.VIEW_COMP_TIME:
            # Each person their own; the people who confirm it, and those who watch 考勤.
            if isinstance(target, Person) and target.id == actor.id:
                return target.position in ON_THE_BOARD
            if position in (Position.GRID_WORKER, Position.FRONT_DESK):
                return False
            return covers(actor, target)
        case Action.CONFIRM_COMP_TIME:
            return confirms_comp_time(actor, target)
        case Action.RECORD_OVERTIME:
            # A community (target): whether the actor records 加班 for anyone of it.
            if isinstance(target, Community):
                return ((position in COMMUNITY_HEADS and actor.community_id == target.id)
                        or (position is Position.STREET_LEADER and covers(actor, target)))
            return confirms_comp_time(actor, target)
        case Action.REQUEST_CORRECTION:
            return position in ON_THE_BOARD
        case Action.DECIDE_CORRECTION:
            # 工作规范 二(四): 考勤 is the 书记's and 站长's; their own goes to the 街镇.
            return is_first_approver(actor, target)
        case Action.VIEW_LEAVE_CALENDAR:
            return position is not Position.GRID_WORKER and covers(actor, target)
        case Action.MANAGE_CHECKLIST:
            return position in (Position.ADMIN, Position.INSPECTOR)
        case Action.INSPECT:
            return _inspects(actor, target)
        case Action.VIEW_INSPECTION:
            return _views_inspection(actor, target)
        case Action.FIX_ACTION:
            return position in COMMUNITY_HEADS and actor.community_id == target.community_id
        case Action.REVIEW_ACTION:
            return _inspects_community(actor, target.community)
        case Action.FOLLOW_INSPECTIONS:
            return position in INSPECTORS | COMMUNITY_HEADS | {Position.ADMIN}
        case Action.VIEW_DRAW:
            return position is Position.ADMIN or target.drawn_by_id == actor.id
        case Action.DRAW_SAMPLE | Action.PUBLISH_BULLETIN:
            return position in INSPECTORS and covers(actor, target)
        case Action.VIEW_BULLETIN:
            if position in INSPECTORS | {Position.ADMIN}:
                return target.street_id is None or covers(actor, target.street)
            return (position in COMMUNITY_HEADS and actor.community is not None
                    and (target.street_id is None or target.street_id == actor.street_id))
        case Action.LODGE_OBJECTION:
            return (position in COMMUNITY_HEADS and actor.community is not None
                    and (target.street_id is None or target.street_id == actor.street_id))
        case Action.ANSWER_OBJECTION:
            return position in INSPECTORS and covers(actor, target.bulletin.street)
        case Action.VIEW_ASSESSMENT:
            # 工作规范 三(二): the 街镇 assesses its communities; the 书记/站长 see their own
            # community's results, everyone their own.
            if isinstance(target, Person) and target.id == actor.id:
                return True
            if position in (Position.GRID_WORKER, Position.FRONT_DESK):
                return False
            return covers(actor, target)
        case Action.ADJUST_ASSESSMENT:
            return (position is Position.SECRETARY and isinstance(target, Person) and target.id != actor.id
                    and actor.community_id is not None and target.community_id == actor.community_id)
        case Action.LOCK_ASSESSMENT:
            return position is Position.STREET_LEADER and isinstance(target, Street) and covers(actor, target)
        case Action.MANAGE_ASSESSMENT_RULES:
            if position is Position.ADMIN:
                return True
            return position is Position.STREET_LEADER and target is not None and covers(actor, target)
        case Action.VIEW_DASHBOARD:
            # Leaders watch trends: the 书记/站长 their community, the 街镇 its street,
            # district staff everything; workers and the front desk have their own pages.
            return position not in (Position.GRID_WORKER, Position.FRONT_DESK) and covers(actor, target)
        case Action.VIEW_GUIDE | Action.EDIT_GUIDE | Action.SET_LOCAL_CONTACTS:
            return guide_access(actor, action, target)
        case Action.ISSUE_NOTICE_SHEET:
            # 八个一 二: the community office tells a resident everything at once.
            return position in COMMUNITY_OFFICE and isinstance(target, Community) \
                and actor.community_id == target.id
        case Action.VIEW_NOTICE_SHEETS:
            if position in COMMUNITY_OFFICE:
                return isinstance(target, Community) and actor.community_id == target.id
            return position in (Position.ADMIN, Position.STREET_LEADER, Position.INSPECTOR) and covers(actor, target)
        case Action.MANAGE_HALL_INFO:
            # 八个一 八: the hall screen is kept current by the community's 书记/站长.
            if position is Position.ADMIN:
                return isinstance(target, Community)
            return position in COMMUNITY_HEADS and isinstance(target, Community) and actor.community_id == target.id
        case Action.VIEW_ASSIGNMENTS | Action.VIEW_PUBLICITY | Action.MANAGE_ASSIGNMENTS | Action.RECORD_SUPERVISION \
                | Action.VIEW_COVERAGE:
            return _responsibility(actor, action, target)
        case (Action.VIEW_MATTERS | Action.VIEW_MATTER | Action.VIEW_MATTER_PHONE | Action.REGISTER_MATTER
              | Action.HANDLE_MATTER | Action.DIRECT_MATTER | Action.ASSIGN_FROM_ABOVE):
            return matters_can(actor, action, target)
    return False


def matters_can(actor: Person, action: Action, target) -> bool:
    """便民服务事项 (工作规范 一(六), 八个一 六): a 网格员 sees what they found or hold and
    their grid's matters; the front desk and the 书记/站长 their community's; the 街镇 its
    street's; district staff watch all. The resident's phone is for the handling
    chain only: who found it, who holds it, the community's 书记/站长."""
    position = actor.position
    if action is Action.REGISTER_MATTER:
        # A community (target); None: whether the actor registers matters at all.
        return position in ON_THE_BOARD and actor.community_id is not None and (
            target is None or community_id_of(target) == actor.community_id)
    if action is Action.ASSIGN_FROM_ABOVE:
        return position is Position.STREET_LEADER and target is not None and covers(actor, target)
    if action is Action.VIEW_MATTERS:
        if target is None:
            return position in ON_THE_BOARD
        return position is not Position.GRID_WORKER and covers(actor, target)
    matter = target
    mine = actor.id in (matter.found_by_id, matter.holder_id)
    head = position in COMMUNITY_HEADS and actor.community_id == matter.community_id
    match action:
        case Action.VIEW_MATTER:
            if mine or head:
                return True
            if position is Position.GRID_WORKER:
                return actor.grid_id is not None and actor.grid_id == matter.grid_id
            if position is Position.FRONT_DESK:
                return actor.community_id == matter.community_id
            return covers(actor, matter.community)
        case Action.VIEW_MATTER_PHONE:
            return mine or head
        case Action.HANDLE_MATTER:
            return actor.id == matter.holder_id or head
        case Action.DIRECT_MATTER:
            return head or (position is Position.STREET_LEADER and covers(actor, matter.community))
    return False


def guide_access(actor: Person, action: "Action", target) -> bool:
    """办事指南 (八个一 三): the district's list is kept by the administrator, a 街镇's
    own items by its leader, a community's local items and its own contacts for any
    item by its 书记/站长 (and the 街镇 above them). Everyone reads the district's
    items; a 街镇's or a community's items are read inside that street or community.
    A target with `scope_key` is a service item; otherwise a scope (None, Street, Community)."""
    position = actor.position
    if hasattr(target, "scope_key"):
        scope = target.community if target.community_id is not None else target.street
        if action is Action.VIEW_GUIDE:
            return scope is None or _reads_guide_scope(actor, scope)
        if action is Action.SET_LOCAL_CONTACTS:
            return False
        return _edits_guide_scope(actor, scope)
    if action is Action.VIEW_GUIDE:
        return target is None or _reads_guide_scope(actor, target)
    if action is Action.SET_LOCAL_CONTACTS:
        return isinstance(target, Community) and (
            (position in COMMUNITY_HEADS and actor.community_id == target.id)
            or (position in (Position.STREET_LEADER, Position.ADMIN) and covers(actor, target)))
    return _edits_guide_scope(actor, target)


def _reads_guide_scope(actor: Person, scope) -> bool:
    if actor.position.level is Level.DISTRICT:
        return True
    if isinstance(scope, Street):
        return actor.street_id == scope.id
    return covers(actor, scope)


def _edits_guide_scope(actor: Person, scope) -> bool:
    position = actor.position
    if position is Position.ADMIN:
        return True
    if scope is None:
        return False
    if position is Position.STREET_LEADER:
        return covers(actor, scope)
    return position in COMMUNITY_HEADS and isinstance(scope, Community) and actor.community_id == scope.id


def _responsibility(actor: Person, action: Action, target) -> bool:
    """通知 工作要求 三(一)(二): the administrator or the 街镇 assigns; everyone of a
    community reads its 公示 (it hangs on the wall); the 街镇领导 keeps a log of the
    communities they answer for (which ones is the rules' question); the 街镇 and the
    district watch the coverage."""
    position = actor.position
    if action is Action.VIEW_PUBLICITY:
        return covers(actor, target)
    if action is Action.VIEW_ASSIGNMENTS:
        return position not in (Position.GRID_WORKER, Position.FRONT_DESK) and covers(actor, target)
    if action is Action.MANAGE_ASSIGNMENTS:
        return position is Position.ADMIN or (position is Position.STREET_LEADER and target is not None
                                              and covers(actor, target))
    if action is Action.RECORD_SUPERVISION:
        return position is Position.STREET_LEADER and (target is None or covers(actor, target))
    return (position in (Position.STREET_LEADER, Position.INSPECTOR, Position.ADMIN)
            and (target is not None or position is not Position.STREET_LEADER) and covers(actor, target))


# 工作规范 三(三): the district's 社区办 with the 督查股/效能股 checks every community;
# a 街镇's leaders check the communities they are responsible for (通知 三(一)).
INSPECTORS = {Position.INSPECTOR, Position.STREET_LEADER}


def _inspects_community(actor: Person, community) -> bool:
    return actor.position in INSPECTORS and isinstance(community, Community) and covers(actor, community)


def _inspects(actor: Person, target) -> bool:
    """Starting needs the community in scope; answering and submitting also needs
    the inspection to be one's own. Without a target: whether one inspects at all."""
    if target is None:
        return actor.position in INSPECTORS
    if isinstance(target, Community):
        return _inspects_community(actor, target)
    community = getattr(target, "community", None)
    return target is not None and target.inspector_id == actor.id and _inspects_community(actor, community)


def _views_inspection(actor: Person, target) -> bool:
    """Inspectors in scope and the admin see everything; the community's 书记/站长
    see their own community's submitted inspections."""
    community = target if isinstance(target, Community) else getattr(target, "community", None)
    if community is None:
        return False
    if actor.position is Position.ADMIN or _inspects_community(actor, community):
        return True
    if actor.position in COMMUNITY_HEADS and actor.community_id == community.id:
        return isinstance(target, Community) or target.submitted
    return False


COMMUNITY_HEADS = {Position.SECRETARY, Position.STATION_HEAD}
LEAVE_APPROVERS = COMMUNITY_HEADS | {Position.STREET_LEADER}


def files_leave_for(actor: Person, person) -> bool:
    """代请假 (工作规范 二(四): leave is asked of the 社区书记、站长, so they are the ones
    who can take it down for someone who cannot ask, e.g. a worker in hospital): the
    community's 书记 or 站长 files for an active person on their own board: a worker, a
    front-desk clerk, or the other head (the 站长 for the 书记 and the other way round).
    Nobody else does: not the front desk (they keep the board, not leave), not the
    街镇领导 (they decide a head's leave; a street has one, so they could not also file
    it), not the 督查 nor the 管理员 (accounts, not people's absences). Without a
    person: whether the actor files for anyone at all."""
    if actor.position not in COMMUNITY_HEADS or actor.community_id is None:
        return False
    if person is None:
        return True
    return (isinstance(person, Person) and person.id != actor.id and person.active
            and person.position in ON_THE_BOARD and person.community_id == actor.community_id)


def confirms_comp_time(actor: Person, person) -> bool:
    """Who turns a person's rest-day work into 调休 (and records their 加班): whoever
    decides their leave first (工作规范 二(四): 考勤 is the 书记's and 站长's): for
    a worker or front-desk clerk the community's 书记 or 站长, for a 书记 or 站长
    their 街镇领导; never the person themself."""
    if not isinstance(person, Person) or not person.active or person.position not in ON_THE_BOARD:
        return False
    if actor.id == person.id:
        return False
    if person.position in COMMUNITY_HEADS:
        return actor.position is Position.STREET_LEADER and actor.street_id == person.street_id
    return actor.position in COMMUNITY_HEADS and actor.community_id == person.community_id


def filer_of(leave) -> int | None:
    """The person who filed a request for its requester (代请假), else None (补卡 too)."""
    filed_by = getattr(leave, "filed_by", None)
    return filed_by.person_id if filed_by is not None else None


def is_first_approver(actor: Person, leave) -> bool:
    """Who takes the first decision on a request (and revokes it once approved):

    1. a worker's or front-desk clerk's: the community's 书记 or 站长 (工作规范 二(四));
    2. a 书记's or 站长's own: their 街镇领导;
    3. nobody their own, and nobody a request they filed for someone else (代请假).
       When the 书记 files for a worker, the 站长 decides (and the other way round);
       if the community has no other active head, the decision moves up to the next
       approver in the chain, the 街镇领导 of the worker's street. A head's own leave
       filed by the other head is decided by the 街镇 anyway (rule 2).

    The second decision on long leave is the 街镇's (is_street_approver). The approval
    queues say the same in SQL (portal.leave.rules.queue_for). Also asked for 补卡,
    which has no filer."""
    requester = leave.person
    filer = filer_of(leave)
    if actor.id in (requester.id, filer):
        return False
    of_the_street = actor.position is Position.STREET_LEADER and actor.street_id == requester.street_id
    if requester.position in COMMUNITY_HEADS:
        return of_the_street
    if actor.position in COMMUNITY_HEADS:
        return actor.community_id == requester.community_id
    return of_the_street and filer is not None and not another_head(requester.community_id, filer)


def another_head(community_id: int | None, besides: int) -> bool:
    """Whether the community has an active 书记 or 站长 who can log in, other than `besides`."""
    return db.session.scalar(
        select(Person.id).join(Account, Account.person_id == Person.id).where(
            Person.community_id == community_id, Person.active.is_(True), Account.active.is_(True),
            Person.position.in_(list(COMMUNITY_HEADS)), Person.id != besides).limit(1)) is not None


def is_street_approver(actor: Person, leave) -> bool:
    """Long leave of community staff needs a second decision by their 街镇 (never the
    requester's, never the filer's)."""
    return (leave.needs_street and actor.id not in (leave.person.id, filer_of(leave))
            and actor.position is Position.STREET_LEADER and actor.street_id == leave.person.street_id)


def _decides_leave(actor: Person, leave) -> bool:
    """Whether the actor is one of the request's approvers; which stage is open
    now, and whether it is still open, is the leave rules' business (so a late
    second approver learns who decided, instead of a bare refusal)."""
    return is_first_approver(actor, leave) or is_street_approver(actor, leave)


def actor_state(account) -> tuple:
    """Everything `can` reads of an account: what was rendered for one state of it
    may be shown again to the same state (kept boards, navigation)."""
    person = account.person
    return (account.id, account.active, person.id, person.active, person.position, person.community_id,
            person.street_id)


def require(account, action: Action, target=None, explanation: str | None = None) -> None:
    """Abort with 403 unless allowed; 404 would hide that the object exists, but
    inside one district's intranet a clear refusal serves users better. A Chinese
    `explanation` replaces the general one on the refusal page."""
    if not can(account, action, target):
        abort(403, description=explanation)
