"""请假 and 销假 (工作规范 二(四); 八个一 四): filing, balances, approval, cancellation
and return. No request objects here; callers commit once, and every change is
audited in the same transaction.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app, g, has_request_context
from sqlalchemy import bindparam, exists, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from portal import clock, halfday, memo, versions
from portal.attendance import freshness
from portal.audit import log as audit
from portal.auth.models import Account
from portal.auth.policy import (
    COMMUNITY_HEADS,
    ON_THE_BOARD,
    Action,
    actor_state,
    can,
    is_first_approver,
    is_street_approver,
)
from portal.comptime import ledger as comptime
from portal.errors import FieldErrors
from portal.extensions import db
from portal.halfday import Half
from portal.leave import behalf
from portal.leave.models import LeaveEntitlement, LeaveRequest, LeaveStatus, LeaveType
from portal.people.models import Person
from portal.text import PHONE_RE, has_control
from portal.workdays import rules as workdays

OPEN = (LeaveStatus.PENDING, LeaveStatus.PENDING_STREET, LeaveStatus.APPROVED)
RESERVING = (*OPEN, LeaveStatus.COMPLETED)  # statuses that use up days
MAX_REASON = 500

# 《职工带薪年休假条例》第三条: 1–10 years of service 5 days, 10–20 years 10, 20 and more 15.
ANNUAL_LEAVE_STEPS = ((20, Decimal(15)), (10, Decimal(10)), (1, Decimal(5)))

SEEDED_TYPES = (
    # code, name, advance_required, uses_balance, document_expected, counts_holidays
    ("personal", "事假", True, False, False, False),
    ("sick", "病假", False, False, True, False),
    ("annual", "年休假", True, True, False, False),
    ("marriage", "婚假", True, False, True, False),
    ("bereavement", "丧假", False, False, False, False),
    ("maternity", "产假", True, False, True, True),
    ("paternity", "陪产假", False, False, True, False),
    ("compensatory", "调休", True, False, False, False),
    ("other", "其他", True, False, False, False),
    # Approved field work away from the grid (培训、外出开会): 外 on the 考勤表, not 假.
    ("field", "公务外出", True, False, False, False),
)
FIELD_WORK = "field"
# 调休 draws on the days earned by rest-day work (portal.comptime.ledger): checked when
# filed, drawn oldest first when finally approved, given back when revoked or cut short.
COMPENSATORY = "compensatory"


def seed_leave_types() -> None:
    """The types above, adding any an older install lacks; admins' edits are kept."""
    existing = set(db.session.scalars(select(LeaveType.code)))
    for order, (code, name, advance, balance, document, holidays) in enumerate(SEEDED_TYPES, start=1):
        if code in existing:
            continue
        db.session.add(LeaveType(code=code, name=name, sort_order=order, advance_required=advance,
                                 uses_balance=balance, document_expected=document, counts_holidays=holidays))
    db.session.flush()


def active_types() -> list[LeaveType]:
    return list(db.session.scalars(select(LeaveType).where(LeaveType.active.is_(True)).order_by(LeaveType.sort_order)))


# -- balances -------------------------------------------------------------------------

def service_years(person: Person, year: int) -> int:
    if person.service_start is None:
        return 0
    start = person.service_start
    years = year - start.year - (1 if (start.month, start.day) > (1, 1) else 0)
    return max(years, 0)


def entitlement(person: Person, year: int) -> tuple[Decimal, str]:
    """The year's 年休假 days and where the figure comes from: an administrator's
    override for that person and year (the exception), else the regulation's figure."""
    override = db.session.scalar(select(LeaveEntitlement).where(
        LeaveEntitlement.person_id == person.id, LeaveEntitlement.year == year))
    if override is not None:
        return Decimal(override.days), f"管理员核定：{override.reason}"
    return statutory_entitlement(person, year)


def statutory_entitlement(person: Person, year: int) -> tuple[Decimal, str]:
    """The year's 年休假 by 参加工作时间 (《职工带薪年休假条例》第三条); in the year of
    入职本社区时间 prorated by the calendar days left in it, whole days only
    (《企业职工带薪年休假实施办法》第五条: 剩余日历天数 ÷ 365 × 全年天数)."""
    if person.service_start is None:
        return Decimal(0), "未填写参加工作时间，无法计算年休假（请管理员在人员信息中填写）"
    joined = person.community_start
    if joined is not None and joined.year > year:
        return Decimal(0), f"{joined.year}年才入职本社区"
    years = service_years(person, year)
    full = next((days for threshold, days in ANNUAL_LEAVE_STEPS if years >= threshold), None)
    if full is None:
        return Decimal(0), "累计工作不满 1 年，无年休假（《职工带薪年休假条例》）"
    source = f"累计工作 {years} 年（《职工带薪年休假条例》）"
    if joined is not None and joined.year == year:
        left = (date(year, 12, 31) - joined).days + 1
        days = Decimal(int(full * left / 365))
        return days, (f"{source}；{joined.month}月{joined.day}日入职本社区，按当年剩余 {left} 天折算"
                      "（《企业职工带薪年休假实施办法》第五条）")
    return full, source


def _charged_span(leave: LeaveRequest) -> tuple[int, int]:
    """The half-days a request uses up: a 销假 ends it the half-day before the return."""
    first, last = halfday.index(leave.start_date, leave.start_half), halfday.index(leave.end_date, leave.end_half)
    if leave.status is LeaveStatus.COMPLETED and leave.returned_date is not None and leave.returned_half is not None:
        last = min(last, halfday.index(leave.returned_date, leave.returned_half) - 1)
    return first, last


def days_in_year(first: int, last: int, year: int, counts_holidays: bool = False) -> Decimal:
    """The working days (all days, for types that count holidays) of the half-days
    [first, last] that fall in `year`: leave from 30 Dec to 3 Jan is charged to each
    year for its own days (《职工带薪年休假条例》 counts 年休假 per calendar year)."""
    first = max(first, halfday.index(date(year, 1, 1), Half.AM))
    last = min(last, halfday.index(date(year, 12, 31), Half.PM))
    if last < first:
        return Decimal(0)
    (start, start_half), (end, end_half) = halfday.from_index(first), halfday.from_index(last)
    return workdays.working_days(start, start_half.value, end, end_half.value, count_holidays=counts_holidays)


def used_days(person_id: int, type_id: int, year: int, excluding: int | None = None) -> Decimal:
    """Days of this type used or reserved in `year`. A request inside the year counts
    what it took (or asks for); one across New Year counts only its days in the year."""
    requests = db.session.scalars(select(LeaveRequest).where(
        LeaveRequest.person_id == person_id, LeaveRequest.type_id == type_id,
        LeaveRequest.status.in_(RESERVING),
        LeaveRequest.start_date <= date(year, 12, 31), LeaveRequest.end_date >= date(year, 1, 1),
        *([LeaveRequest.id != excluding] if excluding is not None else []),
    ).options(joinedload(LeaveRequest.leave_type)))
    used = Decimal(0)
    for leave in requests:
        taken = leave.days_taken if leave.days_taken is not None else leave.days
        if leave.start_date.year == leave.end_date.year:
            used += taken
            continue
        try:
            used += min(days_in_year(*_charged_span(leave), year, leave.leave_type.counts_holidays), taken)
        except workdays.CalendarMissing:
            # The other year's calendar is gone: the start year carries the request, as it was filed.
            used += taken if leave.start_date.year == year else Decimal(0)
    return used


@dataclass
class Balance:
    year: int
    entitled: Decimal
    source: str
    used: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.entitled - self.used


def annual_balance(person: Person, year: int | None = None) -> Balance | None:
    annual = db.session.scalar(select(LeaveType).where(LeaveType.uses_balance.is_(True)).limit(1))
    if annual is None:
        return None
    year = year or clock.today().year
    entitled, source = entitlement(person, year)
    return Balance(year, entitled, source, used_days(person.id, annual.id, year))


def set_entitlement(actor, person: Person, year: int, days_text: str, reason: str) -> LeaveEntitlement:
    errors = {}
    try:
        days = Decimal(str(days_text).strip())
        if days < 0 or days > 60 or days * 2 != int(days * 2):
            raise ValueError
    except (ArithmeticError, ValueError):
        errors["days"] = "天数应为 0–60 之间、以半天为单位的数字。"
        days = None
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        errors["reason"] = "请填写核定理由（不超过 200 字）。"
    elif has_control(reason, strict=True):
        errors["reason"] = "核定理由不能含控制字符。"
    if not 2017 <= year <= 2100:
        errors["year"] = "年份无效。"
    if errors:
        raise FieldErrors(errors)
    row = db.session.scalar(select(LeaveEntitlement).where(
        LeaveEntitlement.person_id == person.id, LeaveEntitlement.year == year))
    before = {"days": str(row.days), "reason": row.reason} if row else None
    if row is None:
        row = LeaveEntitlement(person_id=person.id, year=year)
        db.session.add(row)
    row.days, row.reason, row.set_by_id, row.set_at = days, reason, actor.id, clock.now()
    db.session.flush()
    audit.record(actor, "leave.entitlement_set", row, before=before,
                 after={"person_id": person.id, "year": year, "days": str(days), "reason": reason})
    return row


# -- filing ---------------------------------------------------------------------------

@dataclass
class LeaveInput:
    type_id: int | None
    start_date: date | None
    start_half: str | None
    end_date: date | None
    end_half: str | None
    reason: str = ""
    destination: str = ""
    phone: str = ""


@dataclass
class Preview:
    """What a request would cost, shown before it is submitted."""

    days: Decimal | None = None
    leave_type: LeaveType | None = None
    balance: Balance | None = None
    late_filed: bool = False
    needs_street: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    charged: Decimal | None = None  # the part of `days` charged to `balance`'s year
    comp_available: Decimal | None = None  # 调休: days earned and usable at the start, less pending requests

    @property
    def balance_after(self) -> Decimal | None:
        if self.balance is None or self.days is None:
            return None
        return self.balance.remaining - (self.days if self.charged is None else self.charged)


def _half(value) -> Half | None:
    try:
        return Half(value)
    except ValueError:
        return None


def overlapping(person_id: int, start: int, end: int, excluding: int | None = None) -> list[LeaveRequest]:
    """The person's own pending or approved leave that shares a half-day with [start, end]."""
    first, _ = halfday.from_index(start)
    last, _ = halfday.from_index(end)
    query = select(LeaveRequest).where(
        LeaveRequest.person_id == person_id, LeaveRequest.status.in_(OPEN),
        LeaveRequest.start_date <= last, LeaveRequest.end_date >= first,
    )
    if excluding is not None:
        query = query.where(LeaveRequest.id != excluding)
    return [r for r in db.session.scalars(query)
            if halfday.index(r.start_date, r.start_half) <= end and start <= halfday.index(r.end_date, r.end_half)]


def preview(person: Person, data: LeaveInput, config, now: datetime | None = None) -> Preview:
    """Days, balance and routing of a request, with every problem found (nothing written)."""
    now = now or clock.now()
    result = Preview()
    errors = result.errors
    leave_type = db.session.get(LeaveType, data.type_id) if data.type_id else None
    if leave_type is None or not leave_type.active:
        errors["type_id"] = "请选择请假类型。"
    result.leave_type = leave_type
    start_half, end_half = _half(data.start_half), _half(data.end_half)
    if data.start_date is None or start_half is None:
        errors["start_date"] = "请填写开始日期并选择上午或下午。"
    if data.end_date is None or end_half is None:
        errors["end_date"] = "请填写结束日期并选择上午或下午。"
    if "start_date" in errors or "end_date" in errors:
        return result
    start, end = halfday.index(data.start_date, start_half), halfday.index(data.end_date, end_half)
    if end < start:
        errors["end_date"] = "结束时间不能早于开始时间。"
        return result
    if data.end_date - data.start_date > timedelta(days=400):
        errors["end_date"] = "一次请假不能超过一年，请分段申请。"
        return result
    today = clock.to_local(now).date()
    if data.start_date < today - timedelta(days=60):
        errors["start_date"] = "只能补请 60 天以内的假。"
        return result
    if leave_type is not None:
        try:
            result.days = workdays.working_days(data.start_date, start_half.value, data.end_date, end_half.value,
                                                count_holidays=leave_type.counts_holidays)
        except workdays.CalendarMissing as missing:
            years = "、".join(str(y) for y in missing.years)
            errors["start_date"] = f"{years}年的工作日历尚未录入，暂不能计算请假天数，请联系管理员。"
            return result
        if result.days == 0:
            if start == end:
                errors["start_date"] = "所选半天是节假日或休息日，不需要请假。"
            else:
                errors["end_date"] = "所选时段没有工作日（都是节假日或休息日），不需要请假。"
        result.late_filed = start < halfday.index_of(now)
        if result.late_filed and leave_type.advance_required:
            errors["start_date"] = f"{leave_type.name}须提前报批（八个一 四），不能补请；病假等可以补请。"
        if leave_type.uses_balance and result.days:
            for year in range(data.start_date.year, data.end_date.year + 1):
                balance = annual_balance(person, year)
                if balance is None:
                    break
                needed = result.days if data.start_date.year == data.end_date.year \
                    else days_in_year(start, end, year, leave_type.counts_holidays)
                if year == data.start_date.year:
                    result.balance, result.charged = balance, needed
                if needed > balance.remaining:
                    errors["type_id"] = (f"{leave_type.name}余额不足：{year}年剩余 "
                                         f"{balance.remaining.normalize():f} 天，本次在{year}年需 "
                                         f"{needed.normalize():f} 天。")
                    break
    if leave_type is not None and leave_type.code == COMPENSATORY and result.days:
        result.comp_available = comp_available(person.id, leave_type.id, data.start_date)
        if result.days > result.comp_available:
            errors["type_id"] = (f"调休余额不足：{clock.format_date(data.start_date)}起可用 "
                                 f"{comptime.days_text(result.comp_available)} 天（已扣除待审批的调休），本次需 "
                                 f"{comptime.days_text(result.days)} 天。调休须先由书记或站长确认休息日的工作。")
    if (closed := _closed_message(person.street_id, data.start_date, data.end_date)) is not None:
        errors["start_date"] = closed
    clash = overlapping(person.id, start, end)
    if clash:
        errors["start_date"] = "与已有的请假重叠：" + "；".join(f"{r.leave_type.name} {r.span_label}" for r in clash)
    if result.days is not None and person.position not in COMMUNITY_HEADS:
        result.needs_street = result.days > Decimal(config["LEAVE_STREET_APPROVAL_OVER_DAYS"])
    return result


def comp_available(person_id: int, type_id: int, start: date) -> Decimal:
    """调休 a new request starting `start` may still ask for: the confirmed, unexpired
    days (portal.comptime.ledger) less what the person's pending 调休 requests ask."""
    pending = db.session.scalar(select(func.sum(LeaveRequest.days)).where(
        LeaveRequest.person_id == person_id, LeaveRequest.type_id == type_id,
        LeaveRequest.status.in_((LeaveStatus.PENDING, LeaveStatus.PENDING_STREET))))
    return comptime.balance(person_id, start) - Decimal(pending or 0)


def _is_comp(leave: LeaveRequest) -> bool:
    return leave.leave_type is not None and leave.leave_type.code == COMPENSATORY


def check_text(data: LeaveInput) -> dict[str, str]:
    errors = {}
    reason = (data.reason or "").strip()
    if not reason:
        errors["reason"] = "请填写请假事由。"
    elif len(reason) > MAX_REASON or has_control(reason, allow_newlines=True, strict=True):
        errors["reason"] = f"事由不能超过 {MAX_REASON} 字，且不能含控制字符。"
    destination = (data.destination or "").strip()
    if not destination:
        errors["destination"] = "请填写请假期间的去向（工作规范：告知事由及去向）。"
    elif len(destination) > 100 or has_control(destination, strict=True):
        errors["destination"] = "去向不能超过 100 字，且不能含控制字符。"
    phone = (data.phone or "").strip().replace(" ", "")
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = "联系电话应为 11 位手机号码，或形如 0472-1234567 的固定电话。"
    return errors


def submit(actor, person: Person, data: LeaveInput, config, attachment=None,
           now: datetime | None = None, behalf_reason: str | None = None) -> LeaveRequest:
    """File a request (caller commits). `attachment` is a portal.leave.files.Stored
    already checked. For someone else it is 代请假 (portal.leave.behalf): the actor
    must be allowed to file for the person, and `behalf_reason` says why the person
    could not; the days and balances are the person's. Raises PermissionError or
    FieldErrors; nothing written then."""
    own = actor.person_id == person.id
    if not (can(actor, Action.REQUEST_LEAVE) if own else can(actor, Action.FILE_LEAVE_FOR, person)):
        raise PermissionError("only one's own leave, or 代请假 by the person's 书记/站长")
    now = now or clock.now()
    result = preview(person, data, config, now)
    errors = {**check_text(data), **result.errors, **({} if own else behalf.check_reason(behalf_reason))}
    if errors:
        raise FieldErrors(errors)
    leave = LeaveRequest(
        person_id=person.id, community_id=person.community_id, street_id=person.street_id,
        type_id=result.leave_type.id, start_date=data.start_date, start_half=Half(data.start_half),
        end_date=data.end_date, end_half=Half(data.end_half), days=result.days,
        reason=data.reason.strip(), destination=data.destination.strip(),
        phone=(data.phone or "").strip().replace(" ", "") or None,
        late_filed=result.late_filed, needs_street=result.needs_street, status=LeaveStatus.PENDING,
        created_at=now, created_by_id=actor.id,
        filed_by_id=None if own else actor.id, behalf_reason=None if own else behalf_reason.strip(),
    )
    if attachment is not None:
        leave.attachment_file, leave.attachment_name, leave.attachment_type = (
            attachment.stored_name, attachment.original_name, attachment.content_type)
    db.session.add(leave)
    db.session.flush()
    audit.record(actor, "leave.requested", leave, on_behalf_of=None if own else person,
                 after={**snapshot(leave), **({} if own else {"filed_by": actor.id})})
    if not own:
        behalf.filed_on_behalf.send(leave)
    return leave


def _closed_message(street_id: int | None, first: date, last: date) -> str | None:
    """A leave that would change days of a closed (封账) month is refused: the message
    names the lock and who can lift it."""
    from portal.activity import locks

    try:
        locks.refuse_span(street_id, first, last)
    except FieldErrors as locked:
        return locked.errors["day"]
    return None


def snapshot(leave: LeaveRequest) -> dict:
    return {
        "person_id": leave.person_id, "type": leave.leave_type.name if leave.leave_type else leave.type_id,
        "start": f"{leave.start_date.isoformat()} {leave.start_half.value}",
        "end": f"{leave.end_date.isoformat()} {leave.end_half.value}",
        "days": str(leave.days), "status": leave.status.value,
    }


# -- decisions ------------------------------------------------------------------------

class AlreadyDecided(FieldErrors):
    """Someone else got there first; the message says who and when."""


def _decided_message(leave: LeaveRequest) -> str:
    db.session.refresh(leave)
    who, when = None, None
    if leave.status in (LeaveStatus.PENDING_STREET,) or (leave.first_decided_by and not leave.street_decided_by):
        who, when = leave.first_decided_by, leave.first_decided_at
    if leave.street_decided_by is not None:
        who, when = leave.street_decided_by, leave.street_decided_at
    if leave.status is LeaveStatus.WITHDRAWN:
        return "该申请已由本人撤回。"
    if who is None:
        return f"该申请当前状态为“{leave.status.label}”，不能再处理。"
    return f"该申请已由{who.person.name}于{clock.format_datetime(when)}处理（{leave.status.label}）。"


def _compare_and_set(leave: LeaveRequest, expected: LeaveStatus, **values) -> None:
    """The decision happens once: UPDATE … WHERE status = expected, one row or none,
    on SQLite and PostgreSQL alike (SELECT … FOR UPDATE is dropped on SQLite)."""
    result = db.session.execute(
        update(LeaveRequest).where(LeaveRequest.id == leave.id, LeaveRequest.status == expected)
        .values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise AlreadyDecided({"decision": _decided_message(leave)})
    db.session.refresh(leave)


def decide(actor, leave: LeaveRequest, approve: bool, comment: str | None,
           now: datetime | None = None) -> LeaveRequest:
    """Approve or reject at the request's open stage (caller commits)."""
    if not can(actor, Action.DECIDE_LEAVE, leave):
        raise PermissionError("not an approver of this request")
    now = now or clock.now()
    comment = (comment or "").strip()
    if len(comment) > MAX_REASON or has_control(comment, allow_newlines=True, strict=True):
        raise FieldErrors({"comment": f"意见不能超过 {MAX_REASON} 字，且不能含控制字符。"})
    if not approve and not comment:
        raise FieldErrors({"comment": "驳回时请写明理由。"})
    expected = leave.status
    before = snapshot(leave)
    street_stage = expected is LeaveStatus.PENDING_STREET
    if expected not in (LeaveStatus.PENDING, LeaveStatus.PENDING_STREET):
        raise AlreadyDecided({"decision": _decided_message(leave)})
    if street_stage and not is_street_approver(actor.person, leave):
        raise FieldErrors({"decision": "社区已批准，等待街镇领导审批。"})
    if not street_stage and not is_first_approver(actor.person, leave):
        raise FieldErrors({"decision": "须先由社区书记或站长审批。"})
    if approve and (closed := _closed_message(leave.street_id, leave.start_date, leave.end_date)) is not None:
        raise FieldErrors({"decision": closed})
    if approve:
        new = LeaveStatus.PENDING_STREET if (not street_stage and leave.needs_street) else LeaveStatus.APPROVED
    else:
        new = LeaveStatus.REJECTED
    if street_stage:
        values = {"street_decided_by_id": actor.id, "street_decided_at": now, "street_comment": comment or None}
    else:
        values = {"first_decided_by_id": actor.id, "first_decided_at": now, "first_comment": comment or None}
    _compare_and_set(leave, expected, status=new, **values)
    if new is LeaveStatus.APPROVED and _is_comp(leave):
        # In the decision's transaction: a balance another approval took first
        # raises, and the caller's rollback leaves the request as it was.
        comptime.draw(actor, leave.id, leave.person_id, leave.days, leave.start_date)
    audit.record(actor, "leave.approved" if approve else "leave.rejected", leave,
                 before=before, after={**snapshot(leave), "comment": comment or None})
    return leave


def withdraw(actor, leave: LeaveRequest, now: datetime | None = None) -> None:
    """Before any decision: the requester, or the 书记/站长 who filed it for them."""
    if not can(actor, Action.WITHDRAW_LEAVE, leave):
        raise PermissionError("only the requester or the filer withdraws")
    if leave.status not in (LeaveStatus.PENDING, LeaveStatus.PENDING_STREET):
        raise AlreadyDecided({"decision": _decided_message(leave)})
    before = snapshot(leave)
    _compare_and_set(leave, leave.status, status=LeaveStatus.WITHDRAWN)
    audit.record(actor, "leave.withdrawn", leave, before=before, after=snapshot(leave),
                 on_behalf_of=leave.person if actor.person_id != leave.person_id else None)


def revoke(actor, leave: LeaveRequest, reason: str, now: datetime | None = None) -> str:
    """Approved leave that has not started: the approver revokes it; the requester
    asks, and the approver's revoke is the consent. Returns what happened."""
    now = now or clock.now()
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON or has_control(reason, allow_newlines=True, strict=True):
        raise FieldErrors({"revoke_reason": f"请写明撤销理由（不超过 {MAX_REASON} 字）。"})
    if leave.status is not LeaveStatus.APPROVED:
        raise AlreadyDecided({"revoke_reason": _decided_message(leave)})
    if halfday.index(leave.start_date, leave.start_half) <= halfday.index_of(now):
        raise FieldErrors({"revoke_reason": "假期已经开始，不能撤销；返岗后请办理销假。"})
    if leave.person_id == actor.person_id:
        leave.revoke_requested_at = now
        leave.revoke_reason = reason
        audit.record(actor, "leave.revoke_requested", leave, after={"reason": reason})
        return "requested"
    if not can(actor, Action.REVOKE_LEAVE, leave):
        raise PermissionError("not the approver")
    before = snapshot(leave)
    _compare_and_set(leave, LeaveStatus.APPROVED, status=LeaveStatus.REVOKED, revoked_by_id=actor.id,
                     revoked_at=now, revoke_reason=reason)
    if _is_comp(leave):
        comptime.refund(actor, leave.id)
    audit.record(actor, "leave.revoked", leave, before=before, after={**snapshot(leave), "reason": reason})
    return "revoked"


def record_return(actor, leave: LeaveRequest, returned_date: date | None, returned_half: str | None,
                  now: datetime | None = None) -> LeaveRequest:
    """销假: the first half-day back at work. An early return gives back the unused
    days; the board shows the person 在岗 again."""
    if not can(actor, Action.RECORD_RETURN, leave):
        raise PermissionError("may not record this return")
    now = now or clock.now()
    half = _half(returned_half)
    if returned_date is None or half is None:
        raise FieldErrors({"returned_date": "请填写返岗日期并选择上午或下午。"})
    if leave.status is not LeaveStatus.APPROVED:
        raise AlreadyDecided({"returned_date": _decided_message(leave)})
    back = halfday.index(returned_date, half)
    start = halfday.index(leave.start_date, leave.start_half)
    if back <= start:
        raise FieldErrors({"returned_date": "返岗时间应晚于请假开始时间；未开始的假请撤销。"})
    if back > halfday.index_of(now):
        raise FieldErrors({"returned_date": "返岗时间不能晚于现在：请在返岗后办理销假。"})
    if back <= halfday.index(leave.end_date, leave.end_half) and (closed := _closed_message(
            leave.street_id, returned_date, leave.end_date)) is not None:
        raise FieldErrors({"returned_date": closed})
    last_day, last_half = halfday.from_index(min(back - 1, halfday.index(leave.end_date, leave.end_half)))
    try:
        taken = workdays.working_days(leave.start_date, leave.start_half.value, last_day, last_half.value,
                                      count_holidays=leave.leave_type.counts_holidays)
    except workdays.CalendarMissing:
        taken = leave.days
    before = snapshot(leave)
    _compare_and_set(leave, LeaveStatus.APPROVED, status=LeaveStatus.COMPLETED, returned_date=returned_date,
                     returned_half=half, returned_recorded_by_id=actor.id, returned_recorded_at=now,
                     days_taken=min(taken, leave.days))
    if _is_comp(leave) and leave.days_taken < leave.days:
        comptime.refund(actor, leave.id, leave.days - leave.days_taken)
    audit.record(actor, "leave.returned", leave, before=before,
                 after={**snapshot(leave), "returned": f"{returned_date.isoformat()} {half.value}",
                        "days_taken": str(leave.days_taken)},
                 on_behalf_of=leave.person if actor.person_id != leave.person_id else None)
    if returned_date == clock.to_local(now).date():
        from portal.activity.rules import record_event

        record_event(actor, leave.person, "back", note="销假返岗", now=now)
    return leave


def is_overdue(leave: LeaveRequest, now: datetime | None = None, calendars: dict | None = None) -> bool:
    """逾期未销假: approved leave, no return recorded, and its expected return (the
    first working half-day after it, by the work calendar) has begun. A leave that
    ends before a weekend or a holiday is not overdue during it. When the calendar
    of the return's year is not entered the return day is unknown, and nobody is
    booked as overdue on a guess (the board says why)."""
    if leave.status is not LeaveStatus.APPROVED:
        return False
    current = halfday.index_of(now)
    if halfday.index(leave.end_date, leave.end_half) >= current:
        return False
    back = return_day(leave, calendars)
    return back is not None and halfday.index(*back) <= current


# -- what people see ------------------------------------------------------------------

def my_requests(person_id: int) -> list[LeaveRequest]:
    return list(db.session.scalars(
        select(LeaveRequest).where(LeaveRequest.person_id == person_id)
        .options(joinedload(LeaveRequest.leave_type), joinedload(LeaveRequest.filed_by))
        .order_by(LeaveRequest.start_date.desc(), LeaveRequest.id.desc())
    ))


def _street_decides_first():
    """In SQL, policy.is_first_approver's rule 3 for the 街镇: a request filed for a
    worker by a head of a community that has no other active head who can log in."""
    head, login = aliased(Person), aliased(Account)
    filer = select(Account.person_id).where(Account.id == LeaveRequest.filed_by_id).scalar_subquery()
    return LeaveRequest.filed_by_id.is_not(None) & Person.position.not_in(list(COMMUNITY_HEADS)) & ~exists(
        select(head.id).join(login, login.person_id == head.id).where(
            head.community_id == Person.community_id, head.active.is_(True), login.active.is_(True),
            head.position.in_(list(COMMUNITY_HEADS)), head.id != filer))


def queue_for(account) -> list[LeaveRequest]:
    """Requests waiting for this approver's decision, and revocations they were asked for
    (the chain is portal.auth.policy.is_first_approver's: nobody sees what they filed)."""
    person = account.person
    query = (select(LeaveRequest).join(Person, Person.id == LeaveRequest.person_id)
             .options(joinedload(LeaveRequest.leave_type), joinedload(LeaveRequest.person),
                      joinedload(LeaveRequest.filed_by))
             .where(or_(LeaveRequest.filed_by_id.is_(None), LeaveRequest.filed_by_id != account.id))
             .order_by(LeaveRequest.start_date, LeaveRequest.id))
    if person.position in COMMUNITY_HEADS:
        query = query.where(
            LeaveRequest.community_id == person.community_id, Person.id != person.id,
            Person.position.not_in(list(COMMUNITY_HEADS)),
            or_(LeaveRequest.status == LeaveStatus.PENDING,
                (LeaveRequest.status == LeaveStatus.APPROVED) & LeaveRequest.revoke_requested_at.is_not(None)),
        )
    elif person.street_id is not None:
        decides_first = Person.position.in_(list(COMMUNITY_HEADS)) | _street_decides_first()
        query = query.where(
            LeaveRequest.street_id == person.street_id, Person.id != person.id,
            or_(LeaveRequest.status == LeaveStatus.PENDING_STREET,
                (LeaveRequest.status == LeaveStatus.PENDING) & decides_first,
                (LeaveRequest.status == LeaveStatus.APPROVED) & LeaveRequest.revoke_requested_at.is_not(None)
                & decides_first),
        )
    else:
        return []
    return list(db.session.scalars(query))


def overdue_for(account, now: datetime | None = None) -> list[LeaveRequest]:
    """逾期未销假 that this approver should chase (or one's own)."""
    person = account.person
    today = clock.to_local(now or clock.now()).date()
    query = (select(LeaveRequest).join(Person, Person.id == LeaveRequest.person_id)
             .where(LeaveRequest.status == LeaveStatus.APPROVED, LeaveRequest.end_date <= today)
             .options(joinedload(LeaveRequest.leave_type), joinedload(LeaveRequest.person)))
    if person.position in COMMUNITY_HEADS:
        query = query.where(LeaveRequest.community_id == person.community_id)
    elif person.street_id is not None and person.community_id is None:
        query = query.where(LeaveRequest.street_id == person.street_id)
    else:
        query = query.where(LeaveRequest.person_id == person.id)
    calendars: dict = {}
    return [r for r in db.session.scalars(query) if is_overdue(r, now, calendars)]


@dataclass(frozen=True)
class QueueRow:
    """A request as the approval queue lists it (plain data, kept across requests)."""

    id: int
    person_name: str
    type_name: str
    late_filed: bool
    span_label: str
    days: Decimal
    status: LeaveStatus
    revoke_requested: bool
    filed_by_name: str | None = None  # 代请假: who filed it for the person


@dataclass(frozen=True)
class ApproverQueue:
    pending: tuple[QueueRow, ...]   # 待我审批
    overdue: tuple[QueueRow, ...]   # 逾期未销假


def _row(leave: LeaveRequest) -> QueueRow:
    return QueueRow(leave.id, leave.person.name, leave.leave_type.name, leave.late_filed, leave.span_label,
                    leave.days, leave.status, leave.revoke_requested_at is not None,
                    leave.filed_by.person.name if leave.filed_by is not None else None)


def approver_queue(account, now: datetime | None = None) -> memo.Kept:
    """`queue_for` and `overdue_for` of this approver, kept by the worker while the
    leave and the people of the approver's street (and the leave types) are
    unchanged and the half-day is the same: the navigation's badge on every page
    of every 书记, 站长 and 街镇领导 counts it."""
    person = account.person
    scopes = [freshness.GLOBAL, freshness.street_scope(person.street_id)] if person.street_id else [freshness.GLOBAL]
    stamp = versions.read(db.session, scopes, current_app.config["VERSIONS_MAX_AGE"])
    key = (*actor_state(account), stamp, halfday.index_of(now))
    return memo.kept("leave.queue", key, lambda: ApproverQueue(
        tuple(_row(r) for r in queue_for(account)), tuple(_row(r) for r in overdue_for(account, now))),
        versions.uncommitted(db.session), size=1024, clean_after=lambda: not versions.uncommitted(db.session))


@dataclass
class Staffing:
    """Who else in the community is away during a request, and who remains."""

    staff: int
    away: list[LeaveRequest]
    on_duty_min: int
    minimum: int

    @property
    def below_minimum(self) -> bool:
        return self.on_duty_min < self.minimum


def staffing(leave: LeaveRequest, config) -> Staffing | None:
    if leave.community_id is None:
        return None
    staff = db.session.scalar(select(func.count()).select_from(Person).where(
        Person.community_id == leave.community_id, Person.active.is_(True),
        Person.position.in_(list(ON_THE_BOARD))))
    others = list(db.session.scalars(
        select(LeaveRequest).where(
            LeaveRequest.community_id == leave.community_id, LeaveRequest.id != leave.id,
            LeaveRequest.person_id != leave.person_id,
            LeaveRequest.status.in_((*OPEN, LeaveStatus.COMPLETED)),
            LeaveRequest.start_date <= leave.end_date, LeaveRequest.end_date >= leave.start_date,
        ).options(joinedload(LeaveRequest.person), joinedload(LeaveRequest.leave_type))
    ))
    others = [o for o in others if o.status is not LeaveStatus.COMPLETED
              or (o.returned_date and o.returned_date > leave.start_date)]
    busiest = 0
    day = leave.start_date
    while day <= leave.end_date:
        busiest = max(busiest, sum(1 for o in others if o.start_date <= day <= o.end_date))
        day += timedelta(days=1)
    minimum = int(staff * config["LEAVE_MIN_ON_DUTY_RATIO"] + 0.999)
    return Staffing(staff=staff, away=others, on_duty_min=staff - 1 - busiest, minimum=minimum)


# Approved leave begun by today and not yet 销假 (overdue included): what puts a
# card on leave. Parameters: communities, today.
_ON_LEAVE_TODAY = (LeaveRequest.community_id.in_(bindparam("communities", expanding=True)),
                   LeaveRequest.status == LeaveStatus.APPROVED, LeaveRequest.start_date <= bindparam("today"))
# Built once: every card of every board rendering reads it.
_LEAVE_TODAY = select(LeaveRequest).where(*_ON_LEAVE_TODAY).options(joinedload(LeaveRequest.leave_type))
# The people it finds, as a subquery for counts taken in SQL (same parameters).
ON_LEAVE_TODAY = select(LeaveRequest.person_id).where(*_ON_LEAVE_TODAY).distinct().subquery()


def leave_today(community_ids: list[int], today: date) -> dict[int, LeaveRequest]:
    """Approved leave covering today (or overdue, not yet 销假) by person, for the board."""
    rows = db.session.scalars(_LEAVE_TODAY, {"communities": list(community_ids), "today": today})
    return {r.person_id: r for r in rows}


def _year_calendar(year: int, calendars: dict) -> "workdays.Calendar | None":
    if year not in calendars:
        try:
            calendars[year] = workdays.load_calendar(date(year, 1, 1), date(year, 12, 31))
        except workdays.CalendarMissing:
            calendars[year] = None
    return calendars[year]


def return_day(leave: LeaveRequest, calendars: dict | None = None) -> tuple[date, Half] | None:
    """The first working half-day after the leave (its expected 返岗), or None when
    it falls in a year whose work calendar is not entered: then nobody can say.
    `calendars` (year → Calendar or None) is reused across calls by a caller
    that asks about many requests; without it, one request's calls share theirs
    (a list page asks once per row)."""
    if calendars is None:
        calendars = g.setdefault("leave_calendars", {}) if has_request_context() else {}
    day, half = halfday.from_index(halfday.index(leave.end_date, leave.end_half) + 1)
    for _ in range(366):
        calendar = _year_calendar(day.year, calendars)
        if calendar is None:
            return None
        if calendar.is_workday(day):
            return day, half
        day, half = day + timedelta(days=1), Half.AM
    return None


def return_year_missing(leave: LeaveRequest) -> int | None:
    """The year whose missing calendar leaves the return day unknown (for the message)."""
    if return_day(leave) is not None:
        return None
    day, _half = halfday.from_index(halfday.index(leave.end_date, leave.end_half) + 1)
    return next(y for y in range(day.year, day.year + 2) if _year_calendar(y, {}) is None)


def month_leave(community_id: int, first: date, last: date) -> list[LeaveRequest]:
    return list(db.session.scalars(
        select(LeaveRequest).where(
            LeaveRequest.community_id == community_id,
            LeaveRequest.status.in_((*OPEN, LeaveStatus.COMPLETED)),
            LeaveRequest.start_date <= last, LeaveRequest.end_date >= first,
        ).options(joinedload(LeaveRequest.person), joinedload(LeaveRequest.leave_type))
        .order_by(LeaveRequest.start_date)
    ))


def update_type(actor, leave_type: LeaveType, flags: dict[str, bool]) -> None:
    before = {name: getattr(leave_type, name) for name in flags}
    for name, value in flags.items():
        setattr(leave_type, name, value)
    changed_before, changed_after = audit.diff(before, flags)
    if changed_after:
        audit.record(actor, "leave.type_updated", leave_type, before=changed_before, after=changed_after)
