"""Who is told what, and when.

Notices are rows, written when their occasion happens:
- a leave request filed, decided, revoked or asked to be revoked: `leave_notices`,
  called at commit for every request the transaction wrote (watch.py), so no writer
  of leave has to remember it;
- an inspection's 整改 assigned to a community: `action_notices`, likewise;
- a matter handed to a person (分派, 上级交办 to a person, 接手 by someone else):
  `matter_notices`, from the hand-overs the matters' steps note (watch.py);
- what only the clock brings (逾期未销假, 整改 due in two days or overdue, 超时未归,
  a matter past its time limit while open):
  `sweep`, run by `flask notices-sweep` from cron and on opening the 消息 list for the
  reader's own community.
Each notice has a key naming its occasion; a person gets one notice per key (a unique
constraint), so every path above may run again and again. Muted kinds are not written.
"""
import re
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.activity.models import AWAY_KINDS, CurrentStatus
from portal.activity.rules import day_bounds, local_minute
from portal.audit import log as audit
from portal.auth.models import Account
from portal.auth.policy import COMMUNITY_HEADS, COMMUNITY_OFFICE, Action, can
from portal.errors import FieldErrors
from portal.extensions import db
from portal.inspections.models import ActionStatus, CorrectiveAction
from portal.leave import rules as leave_rules
from portal.leave.models import LeaveRequest, LeaveStatus
from portal.matters.models import OPEN as MATTER_OPEN
from portal.matters.models import Matter
from portal.notifications.models import Notice, NoticeKind, NoticePrefs
from portal.people.models import Person, Position

DUE_SOON_DAYS = 2
LIST_SIZE = 50
EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,80}\.[A-Za-z]{2,24}")
DECIDED = {LeaveStatus.APPROVED: "已批准", LeaveStatus.REJECTED: "未批准", LeaveStatus.REVOKED: "已撤销"}


# -- writing ----------------------------------------------------------------------------

def _muted(person_id: int) -> set[str]:
    prefs = db.session.get(NoticePrefs, person_id)
    return prefs.muted_kinds if prefs else set()


def notify(person_id: int, kind: NoticeKind, key: str, title: str, url: str, now: datetime | None = None) -> bool:
    """Write the notice unless the person has it already or muted its kind (caller
    commits). True when written."""
    if kind.value in _muted(person_id):
        return False
    if db.session.scalar(select(Notice.id).where(Notice.person_id == person_id, Notice.key == key)):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Notice(person_id=person_id, kind=kind, key=key[:80], title=title[:200], url=url,
                                  created_at=now or clock.now()))
    except IntegrityError:  # written meanwhile by a concurrent transaction
        return False
    return True


def _accounts(query) -> list[Account]:
    return list(db.session.scalars(select(Account).join(Person, Person.id == Account.person_id)
                                   .where(Account.active.is_(True), Person.active.is_(True), query)))


def _days(leave: LeaveRequest) -> str:
    text = f"{leave.days:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _who(leave: LeaveRequest) -> str:
    return f"{leave.person.name} {leave.leave_type.name} {clock.format_date(leave.start_date)}起 {_days(leave)}天"


def _approvers(leave: LeaveRequest, action: Action) -> list[Account]:
    candidates = _accounts(or_(
        (Person.community_id == leave.community_id) & Person.position.in_(list(COMMUNITY_HEADS)),
        (Person.street_id == leave.street_id) & (Person.position == Position.STREET_LEADER)))
    return [a for a in candidates if a.person_id != leave.person_id and can(a, action, leave)]


def leave_notices(leave_ids, now: datetime | None = None) -> int:
    """The notices each request's present state calls for: to its approvers while it
    waits (or a revocation is asked), to the requester once decided or revoked."""
    written = 0
    for leave in db.session.scalars(select(LeaveRequest).where(LeaveRequest.id.in_(list(leave_ids)))):
        url = f"/leave/{leave.id}"
        status = leave.status
        if status in (LeaveStatus.PENDING, LeaveStatus.PENDING_STREET):
            for approver in _approvers(leave, Action.DECIDE_LEAVE):
                written += notify(approver.person_id, NoticeKind.LEAVE_WAITING, f"leave:{leave.id}:{status.value}",
                                  f"待您审批：{_who(leave)}", url, now)
        elif status is LeaveStatus.APPROVED and getattr(leave, "revoke_requested_at", None) is not None:
            for approver in _approvers(leave, Action.REVOKE_LEAVE):
                written += notify(approver.person_id, NoticeKind.LEAVE_WAITING, f"leave:{leave.id}:revoke",
                                  f"申请撤销请假，待您处理：{_who(leave)}", url, now)
        if status in DECIDED:
            written += notify(leave.person_id, NoticeKind.LEAVE_DECIDED, f"leave:{leave.id}:{status.value}",
                              f"您的请假{DECIDED[status]}：{leave.leave_type.name} "
                              f"{clock.format_date(leave.start_date)}起 {_days(leave)}天", url, now)
    return written


def _heads_of(community_id: int, positions=COMMUNITY_HEADS) -> list[Account]:
    return _accounts((Person.community_id == community_id) & Person.position.in_(list(positions)))


def action_notices(action_ids, now: datetime | None = None) -> int:
    """整改 assigned to a community: its 书记 and 站长 are told."""
    written = 0
    for action in db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.id.in_(list(action_ids)))):
        for head in _heads_of(action.community_id):
            written += notify(head.person_id, NoticeKind.ACTION_ASSIGNED, f"action:{action.id}:assigned",
                              f"整改交办：{action.item.text[:60]}，"
                              f"{clock.format_date(action.due_on)}前完成", f"/inspections/actions/{action.id}", now)
    return written


def _matter_title(matter: Matter) -> str:
    return f"{matter.number} {matter.kind.name}：{matter.description[:40]}"


def matter_notices(handed, now: datetime | None = None) -> int:
    """A matter handed to a person who did not take it themselves: they are told; a
    matter taken over (接手) by someone else: its former holder is told."""
    written = 0
    for matter_id, step, before, after, actor_person_id in handed:
        matter = db.session.get(Matter, matter_id)
        if matter is None or step.id is None:
            continue
        key, url = f"matter:{matter.id}:step:{step.id}", f"/matters/{matter.id}"
        if after is not None and after != actor_person_id:
            written += notify(after, NoticeKind.MATTER_ASSIGNED, key,
                              f"事项交办给您：{_matter_title(matter)}，"
                              f"{clock.format_datetime(matter.due_at)}前办结", url, now)
        if step.step == "taken" and before is not None and before not in (actor_person_id, after):
            taker = db.session.get(Person, after) if after is not None else None
            written += notify(before, NoticeKind.MATTER_ASSIGNED, key,
                              f"您的事项已由{taker.name if taker else '他人'}接手办理：{_matter_title(matter)}",
                              url, now)
    return written


def sweep(now: datetime | None = None, community_ids=None) -> int:
    """The notices only time brings, for the given communities (None: all). Idempotent."""
    now = now or clock.now()
    today = clock.to_local(now).date()
    return (_sweep_leave(now, community_ids) + _sweep_actions(today, now, community_ids)
            + _sweep_away(now, today, community_ids) + _sweep_matters(now, community_ids))


def _sweep_leave(now: datetime, community_ids) -> int:
    today = clock.to_local(now).date()
    query = select(LeaveRequest).where(LeaveRequest.status == LeaveStatus.APPROVED, LeaveRequest.end_date <= today)
    if community_ids is not None:
        query = query.where(LeaveRequest.community_id.in_(list(community_ids)))
    written, calendars = 0, {}
    for leave in db.session.scalars(query):
        if not leave_rules.is_overdue(leave, now, calendars):
            continue
        key, url = f"leave:{leave.id}:overdue", f"/leave/{leave.id}"
        written += notify(leave.person_id, NoticeKind.LEAVE_OVERDUE, key,
                          f"逾期未销假：您的{leave.leave_type.name}已到期，请及时销假", url, now)
        for approver in _approvers(leave, Action.REVOKE_LEAVE):
            written += notify(approver.person_id, NoticeKind.LEAVE_OVERDUE, key,
                              f"逾期未销假：{_who(leave)}", url, now)
    return written


def _sweep_actions(today: date, now: datetime, community_ids) -> int:
    query = select(CorrectiveAction).where(CorrectiveAction.status == ActionStatus.OPEN,
                                           CorrectiveAction.due_on <= today + timedelta(days=DUE_SOON_DAYS))
    if community_ids is not None:
        query = query.where(CorrectiveAction.community_id.in_(list(community_ids)))
    written = 0
    for action in db.session.scalars(query):
        overdue = action.due_on < today
        kind = NoticeKind.ACTION_OVERDUE if overdue else NoticeKind.ACTION_DUE
        title = (f"整改已逾期（{clock.format_date(action.due_on)}到期）" if overdue
                 else f"整改将于{clock.format_date(action.due_on)}到期")
        for head in _heads_of(action.community_id):
            written += notify(head.person_id, kind, f"action:{action.id}:{kind.value}:{action.due_on.isoformat()}",
                              title, f"/inspections/actions/{action.id}", now)
    return written


def _sweep_away(now: datetime, today: date, community_ids) -> int:
    start, _end = day_bounds(today)
    query = (select(CurrentStatus).where(CurrentStatus.kind.in_(list(AWAY_KINDS)),
                                         CurrentStatus.expected_return.is_not(None),
                                         CurrentStatus.expected_return <= now, CurrentStatus.since >= start))
    if community_ids is not None:
        query = query.where(CurrentStatus.community_id.in_(list(community_ids)))
    written = 0
    for status in db.session.scalars(query):
        person = db.session.get(Person, status.person_id)
        for office in _heads_of(status.community_id, COMMUNITY_OFFICE):
            if office.person_id == person.id:
                continue
            written += notify(office.person_id, NoticeKind.AWAY_OVERDUE, f"away:{status.event_id}",
                              f"超时未归：{person.name}（{status.kind.label}，预计"
                              f"{local_minute(status.expected_return):%H:%M}返回）", f"/board/{status.community_id}",
                              now)
    return written


def _sweep_matters(now: datetime, community_ids) -> int:
    """An open matter past its time limit: its holder and the community's 书记/站长,
    once per matter (the key names the matter, not the sweep)."""
    query = select(Matter).where(Matter.status.in_(list(MATTER_OPEN)), Matter.due_at < now)
    if community_ids is not None:
        query = query.where(Matter.community_id.in_(list(community_ids)))
    written = 0
    for matter in db.session.scalars(query):
        key, url = f"matter:{matter.id}:overdue", f"/matters/{matter.id}"
        title = f"事项超期未办结（期限{clock.format_datetime(matter.due_at)}）：{_matter_title(matter)}"
        people = [matter.holder_id] if matter.holder_id is not None else []
        people += [head.person_id for head in _heads_of(matter.community_id)]
        for person_id in dict.fromkeys(people):
            written += notify(person_id, NoticeKind.MATTER_OVERDUE, key, title, url, now)
    return written


# -- reading ----------------------------------------------------------------------------

def unread_count(person_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notice).where(
        Notice.person_id == person_id, Notice.read_at.is_(None))) or 0


def newest(person_id: int, limit: int = LIST_SIZE) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.person_id == person_id)
                                   .order_by(Notice.id.desc()).limit(limit)))


def unread_after(person_id: int, after_id: int) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(
        Notice.person_id == person_id, Notice.read_at.is_(None), Notice.id > after_id).order_by(Notice.id)))


def open_notice(account, notice_id: int, now: datetime | None = None) -> Notice | None:
    """The account's own notice, marked read (caller commits); None for anyone else's."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.person_id != account.person_id:
        return None
    if notice.read_at is None:
        notice.read_at = now or clock.now()
    return notice


def mark_all_read(account, now: datetime | None = None) -> int:
    return db.session.execute(update(Notice).where(Notice.person_id == account.person_id, Notice.read_at.is_(None))
                              .values(read_at=now or clock.now())).rowcount


def prefs_of(person_id: int) -> NoticePrefs:
    return db.session.get(NoticePrefs, person_id) or NoticePrefs(person_id=person_id, muted="", email=None)


def save_prefs(account, muted, email) -> NoticePrefs:
    """Muted kinds and the digest address (caller commits). FieldErrors, nothing written."""
    errors = {}
    muted = [m for m in (muted or []) if m]
    known = {k.value for k in NoticeKind}
    if any(m not in known for m in muted):
        errors["muted"] = "未知的消息类别，请从列表中选择。"
    email = (email or "").strip()
    if email and (len(email) > 120 or not EMAIL.fullmatch(email)):
        errors["email"] = "电子邮箱格式不正确，如 name@example.cn；不需要可留空。"
    if errors:
        raise FieldErrors(errors)
    prefs = db.session.get(NoticePrefs, account.person_id)
    before = {"muted": prefs.muted, "email": prefs.email} if prefs else None
    if prefs is None:
        prefs = NoticePrefs(person_id=account.person_id)
        db.session.add(prefs)
    prefs.muted = ",".join(sorted(set(muted)))
    prefs.email = email or None
    db.session.flush()
    audit.record(account, "notices.prefs_saved", prefs, before=before,
                 after={"muted": prefs.muted, "email": prefs.email},
                 object_type="notice_prefs", object_id=account.person_id)
    return prefs
