"""调休 earned by rest-day work (工作规范 二(二) 弹性工时: 入户 in the evening and at
weekends is part of the job). A rest day or holiday on which a person did 入户 or
巡查 is proposed to the person's 书记/站长 (a 书记's or 站长's own, to their 街镇领导)
with that day's minutes; they confirm it (the rule's days, or fewer) or decide it
does not count, so not every weekend minute turns into leave. They may also record
a 加班 that the activity log does not hold (a meeting, a flood watch).

The rule (the 考勤 settings of the person's 街镇 in force that day,
portal.attendance.settings): at least `comptime_half_day_minutes` of work earns half
a day, at least `comptime_full_day_minutes` a whole day, never more for one day;
the days can start a 调休 up to `comptime_valid_months` after the day worked.

Proposals are not stored: they are the stored day results (DayRecord: 休息 days
with visit and patrol minutes) that nobody has decided on yet, read in one query.
A decision is a CompTimeCredit (portal.comptime.models) that keeps the minutes and
days as decided, whatever later happens to the day; a day in a closed (封账) month
is neither decided nor recorded. Spending the days is portal.comptime.ledger's.

A recorded 加班 needs no second approver: the one who records it is the approver a
confirmation needs anyway (never the person themself, see
portal.auth.policy.confirms_comp_time), it is audited, and the person sees it on
their own page at once; a second signature would double the work of every weekend
for no one else who knows whether the work was done.
"""
import calendar as month_calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import clock
from portal.activity import locks
from portal.activity.models import ActivityEvent, EventKind
from portal.attendance import settings
from portal.attendance.models import DayRecord
from portal.attendance.rules import Code
from portal.audit import log as audit
from portal.auth.models import Account
from portal.auth.policy import ON_THE_BOARD, Action, can, confirms_comp_time
from portal.comptime import ledger
from portal.comptime.models import CompTimeCredit, CompTimeDraw, CreditSource, CreditStatus
from portal.errors import FieldErrors
from portal.extensions import db
from portal.people.models import Person
from portal.text import has_control
from portal.workdays import rules as workdays

HALF, WHOLE, ZERO = Decimal("0.5"), Decimal(1), Decimal(0)
MAX_NOTE = 200
LOOKBACK_MONTHS = 24  # the longest validity a setting allows: older days could earn nothing usable


# -- the rule ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    half_day_minutes: int = 120
    full_day_minutes: int = 240
    valid_months: int = 6

    @classmethod
    def of(cls, row) -> "Rule":
        return cls(row.comptime_half_day_minutes, row.comptime_full_day_minutes, row.comptime_valid_months)


def earned_days(minutes: int, rule: Rule) -> Decimal:
    """A whole day from `full_day_minutes` of rest-day work, half a day from
    `half_day_minutes`, nothing below; one day at most for one day worked."""
    if minutes >= rule.full_day_minutes:
        return WHOLE
    if minutes >= rule.half_day_minutes:
        return HALF
    return ZERO


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def expires_on(work_day: date, rule: Rule) -> date:
    """The last day a 调休 drawn on this day's credit may start."""
    return add_months(work_day, rule.valid_months) - timedelta(days=1)


def parse_days(text: str | None, allowed: Decimal) -> tuple[Decimal | None, str | None]:
    """The days a confirmation grants: 0.5 or 1, not more than the rule gives."""
    raw = (text or "").strip()
    try:
        days = Decimal(raw) if raw.isascii() and len(raw) <= 4 else None
    except InvalidOperation:
        days = None
    if days is None or days not in (HALF, WHOLE):
        return None, "请选择半天或一天。"
    if days > allowed:
        return None, f"按规则该日最多计 {ledger.days_text(allowed)} 天调休。"
    return days, None


def _text(value: str | None, label: str, required: bool) -> tuple[str | None, str | None]:
    value = (value or "").strip()
    if not value:
        return None, (f"请填写{label}。" if required else None)
    if len(value) > MAX_NOTE or has_control(value, allow_newlines=True, strict=True):
        return None, f"{label}不能超过 {MAX_NOTE} 字，且不能含控制字符。"
    return value, None


# -- proposals: rest days with work that nobody has decided on ---------------------------

@dataclass
class Source:
    """A 入户 or 巡查 of the day, as the decision page lists it."""

    kind: str
    start: datetime
    end: datetime | None

    @property
    def label(self) -> str:
        """"入户 09:00–13:30" (local time; an unfinished one says so)."""
        end = clock.to_local(self.end).strftime("%H:%M") if self.end else "未结束"
        return f"{self.kind} {clock.to_local(self.start).strftime('%H:%M')}–{end}"


@dataclass
class Proposal:
    person: Person
    day: date
    day_name: str | None
    visit_minutes: int
    patrol_minutes: int
    days: Decimal            # by the rule in force that day
    rule: Rule
    locked: bool = False     # in a closed (封账) month: cannot be decided
    sources: list[Source] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return self.visit_minutes + self.patrol_minutes

    @property
    def expires_on(self) -> date:
        return expires_on(self.day, self.rule)


def _rules_of(records) -> dict:
    timeline = settings.timeline({r.street_id for r in records})
    return {(r.street_id, r.day): Rule.of(timeline.row_on(r.street_id, r.day)) for r in records}


def proposals(community_ids=None, person_id: int | None = None, today: date | None = None,
              with_sources: bool = True) -> list[Proposal]:
    """Rest days and holidays before today with 入户/巡查 enough for half a day (as
    stored when the events were written: a day is over once today is not it) and
    not yet decided, of these communities or of one person, oldest first; days that
    could earn nothing usable any more (past the longest validity) are left out."""
    today = today or clock.today()
    earliest = add_months(today, -LOOKBACK_MONTHS)
    query = (select(DayRecord).outerjoin(CompTimeCredit, and_(CompTimeCredit.person_id == DayRecord.person_id,
                                                              CompTimeCredit.work_day == DayRecord.day))
             .where(DayRecord.code == Code.REST.value, DayRecord.workday.is_(False),
                    DayRecord.day >= earliest, DayRecord.day < today,
                    (DayRecord.visit_minutes + DayRecord.patrol_minutes) > 0, CompTimeCredit.id.is_(None))
             .order_by(DayRecord.day, DayRecord.person_id))
    if person_id is not None:
        query = query.where(DayRecord.person_id == person_id)
    if community_ids is not None:
        query = query.where(DayRecord.community_id.in_(list(community_ids)))
    records = list(db.session.scalars(query))
    if not records:
        return []
    rule_of = _rules_of(records)
    people = {p.id: p for p in db.session.scalars(
        select(Person).where(Person.id.in_({r.person_id for r in records})).options(joinedload(Person.grid)))}
    closed = {(lock.street_id, lock.month) for lock in locks.locks_between(None, records[0].day, records[-1].day)}
    found = []
    for record in records:
        rule = rule_of[(record.street_id, record.day)]
        days = earned_days(record.visit_minutes + record.patrol_minutes, rule)
        if days == 0 or expires_on(record.day, rule) < today:
            continue
        found.append(Proposal(people[record.person_id], record.day, record.day_name, record.visit_minutes,
                              record.patrol_minutes, days, rule,
                              locked=(record.street_id, locks.first_of(record.day)) in closed))
    if with_sources:
        _attach_sources(found)
    return found


_STARTS = {EventKind.VISIT_START: "入户", EventKind.PATROL_START: "巡查"}
_ENDS = {EventKind.VISIT_END: EventKind.VISIT_START, EventKind.PATROL_END: EventKind.PATROL_START}


def _attach_sources(found: list[Proposal]) -> None:
    """The 入户 and 巡查 of each proposed day, from the activity log (one query)."""
    if not found:
        return
    first = datetime.combine(min(p.day for p in found), datetime.min.time(), tzinfo=clock.LOCAL_TZ)
    last = datetime.combine(max(p.day for p in found) + timedelta(days=1), datetime.min.time(),
                            tzinfo=clock.LOCAL_TZ)
    wanted = {(p.person.id, p.day): p for p in found}
    kinds = [*_STARTS, *_ENDS]
    events = db.session.scalars(select(ActivityEvent).where(
        ActivityEvent.person_id.in_({p.person.id for p in found}), ActivityEvent.at >= first,
        ActivityEvent.at < last, ActivityEvent.kind.in_(kinds)).order_by(ActivityEvent.at, ActivityEvent.id))
    open_of: dict = defaultdict(dict)
    for event in events:
        kind = EventKind(event.kind)
        proposal = wanted.get((event.person_id, clock.to_local(event.at).date()))
        if kind in _STARTS and proposal is not None:
            source = Source(_STARTS[kind], event.at, None)
            proposal.sources.append(source)
            open_of[event.person_id][kind] = source
        elif kind in _ENDS and (source := open_of[event.person_id].pop(_ENDS[kind], None)) is not None:
            source.end = event.at


# -- decisions ----------------------------------------------------------------------------

class AlreadyDecided(FieldErrors):
    """Someone else decided the day first."""


def _person(person_id) -> Person | None:
    return db.session.get(Person, person_id) if isinstance(person_id, int) else None


def _refuse_closed(person: Person, day: date, field_name: str) -> None:
    locks.refuse_if_locked(person.street_id, day, field=field_name)


def _decided_message(person: Person, day: date) -> str:
    credit = db.session.scalar(select(CompTimeCredit).where(CompTimeCredit.person_id == person.id,
                                                           CompTimeCredit.work_day == day))
    if credit is None:
        return "该日已处理。"
    who = credit.decided_by.person.name if credit.decided_by is not None else "他人"
    return (f"{person.name}{clock.format_date(day)}的调休已由{who}于{clock.format_datetime(credit.decided_at)}"
            f"处理（{credit.status.label}）。")


def _store(actor, credit: CompTimeCredit, action: str) -> CompTimeCredit:
    """Insert the decision; the day's unique key makes a second decision fail, on
    SQLite and PostgreSQL alike (the savepoint keeps the caller's transaction)."""
    person = credit.person or db.session.get(Person, credit.person_id)
    try:
        with db.session.begin_nested():
            db.session.add(credit)
    except IntegrityError:
        raise AlreadyDecided({"day": _decided_message(person, credit.work_day)}) from None
    audit.record(actor, action, credit, after=snapshot(credit))
    return credit


def snapshot(credit: CompTimeCredit) -> dict:
    return {"person_id": credit.person_id, "day": credit.work_day.isoformat(), "source": credit.source.value,
            "minutes": credit.minutes, "suggested": ledger.days_text(credit.suggested_days),
            "days": ledger.days_text(credit.days), "status": credit.status.value,
            "expires_on": credit.expires_on.isoformat() if credit.expires_on else None,
            "note": credit.note, "comment": credit.comment}


def _proposal(person: Person, day: date | None, today: date) -> Proposal:
    if day is None:
        raise FieldErrors({"day": "请选择日期。"})
    found = [p for p in proposals(person_id=person.id, today=today, with_sources=False) if p.day == day]
    if not found:
        if db.session.scalar(select(CompTimeCredit.id).where(CompTimeCredit.person_id == person.id,
                                                            CompTimeCredit.work_day == day)):
            raise AlreadyDecided({"day": _decided_message(person, day)})
        raise FieldErrors({"day": f"{person.name}{clock.format_date(day)}没有待确认的休息日工作。"})
    return found[0]


def decide(actor, person: Person, day: date | None, confirm: bool, days_text: str | None, comment: str | None,
           now: datetime | None = None) -> CompTimeCredit:
    """Confirm a proposed day (with the rule's days or fewer) or decide that it does
    not count (with a reason). Caller commits; FieldErrors leave nothing written."""
    if not can(actor, Action.CONFIRM_COMP_TIME, person):
        raise PermissionError("not this person's approver")
    now = now or clock.now()
    proposal = _proposal(person, day, clock.to_local(now).date())
    errors = {}
    comment, problem = _text(comment, "理由" if not confirm else "说明", required=not confirm)
    if problem:
        errors["comment"] = problem
    days = ZERO
    if confirm:
        days, problem = parse_days(days_text, proposal.days)
        if problem:
            errors["days"] = problem
    if errors:
        raise FieldErrors(errors)
    _refuse_closed(person, proposal.day, "day")
    credit = CompTimeCredit(
        person=person, person_id=person.id, community_id=person.community_id, street_id=person.street_id,
        work_day=proposal.day, day_name=proposal.day_name, source=CreditSource.ACTIVITY,
        visit_minutes=proposal.visit_minutes, patrol_minutes=proposal.patrol_minutes,
        suggested_days=proposal.days, days=days, remaining=days,
        expires_on=proposal.expires_on if confirm else None,
        status=CreditStatus.CONFIRMED if confirm else CreditStatus.REJECTED,
        comment=comment, decided_by_id=actor.id, decided_at=now)
    return _store(actor, credit, "comptime.confirmed" if confirm else "comptime.rejected")


def parse_hours(text: str | None) -> tuple[int | None, str | None]:
    raw = (text or "").strip()
    try:
        hours = Decimal(raw) if raw.isascii() and 0 < len(raw) <= 5 else None
    except InvalidOperation:
        hours = None
    if hours is None or not hours.is_finite() or hours <= 0 or hours > 24 or (hours * 2) % 1:
        return None, "加班时长应为 0.5–24 之间的小时数，以半小时计（如 4 或 4.5）。"
    return int(hours * 60), None


def record_overtime(actor, person: Person, day: date | None, hours: str | None, note: str | None,
                    now: datetime | None = None) -> CompTimeCredit:
    """A 加班 on a rest day or holiday, recorded (and thereby confirmed) by the
    person's 书记/站长. Caller commits."""
    if person is None or not can(actor, Action.RECORD_OVERTIME, person):
        raise FieldErrors({"person_id": "请选择人员：本社区的网格员、前台工作人员由书记或站长登记，"
                                        "书记、站长本人的加班由街镇领导登记。"})
    now = now or clock.now()
    today = clock.to_local(now).date()
    errors = {}
    minutes, problem = parse_hours(hours)
    if problem:
        errors["hours"] = problem
    note, problem = _text(note, "加班事由", required=True)
    if problem:
        errors["note"] = problem
    info = None
    if day is None:
        errors["day"] = "请填写加班日期。"
    elif day >= today:
        errors["day"] = "只能登记今天以前的加班（当天结束后再登记）。"
    else:
        try:
            info = workdays.day_kind(day)
        except workdays.CalendarMissing as missing:
            errors["day"] = str(missing)
        else:
            if info.is_workday:
                errors["day"] = f"{clock.format_date(day)}是工作日：调休只由休息日、节假日的工作获得。"
    if errors:
        raise FieldErrors(errors)
    rule = Rule.of(settings.settings_for(person.street_id, day))
    if expires_on(day, rule) < today:
        raise FieldErrors({"day": f"该日的调休有效期（{rule.valid_months} 个月）已过，不能再登记。"})
    if any(p.day == day for p in proposals(person_id=person.id, today=today, with_sources=False)):
        raise FieldErrors({"day": f"{person.name}该日已有入户/巡查记录待确认：请在“待确认”中确认，不要重复登记。"})
    days = earned_days(minutes, rule)
    if days == 0:
        raise FieldErrors({"hours": f"不足 {rule.half_day_minutes} 分钟，按规则不计调休。"})
    _refuse_closed(person, day, "day")
    credit = CompTimeCredit(
        person=person, person_id=person.id, community_id=person.community_id, street_id=person.street_id,
        work_day=day, day_name=info.name or info.label, source=CreditSource.OVERTIME, overtime_minutes=minutes,
        note=note, suggested_days=days, days=days, remaining=days, expires_on=expires_on(day, rule),
        status=CreditStatus.CONFIRMED, decided_by_id=actor.id, decided_at=now)
    return _store(actor, credit, "comptime.overtime_recorded")


# -- what people see -------------------------------------------------------------------------

@dataclass
class PersonSheet:
    """A person's 调休: what can be taken, where it came from, what is waiting."""

    person: Person
    balance: Decimal
    credits: list[CompTimeCredit]
    draws: dict[int, list[CompTimeDraw]]   # credit id → draws on it
    proposals: list[Proposal]
    today: date

    @property
    def earned(self) -> Decimal:
        return sum((Decimal(c.days) for c in self.credits if c.status is CreditStatus.CONFIRMED), ZERO)

    def expired(self, credit: CompTimeCredit) -> bool:
        return credit.expires_on is not None and credit.expires_on < self.today


def person_sheet(person: Person, today: date | None = None) -> PersonSheet:
    today = today or clock.today()
    credits = list(db.session.scalars(
        select(CompTimeCredit).where(CompTimeCredit.person_id == person.id)
        .options(joinedload(CompTimeCredit.decided_by).joinedload(Account.person))
        .order_by(CompTimeCredit.work_day.desc(), CompTimeCredit.id.desc())))
    draws: dict[int, list] = defaultdict(list)
    if credits:
        for one in db.session.scalars(
                select(CompTimeDraw).where(CompTimeDraw.credit_id.in_([c.id for c in credits]))
                .options(joinedload(CompTimeDraw.leave)).order_by(CompTimeDraw.id)):
            draws[one.credit_id].append(one)
    return PersonSheet(person, ledger.balance(person.id, today), credits, dict(draws),
                       proposals(person_id=person.id, today=today), today)


@dataclass
class PersonRow:
    person: Person
    balance: Decimal
    pending: int
    may_decide: bool


@dataclass
class CommunitySheet:
    proposals: list[Proposal]
    rows: list[PersonRow]
    recent: list[CompTimeCredit]
    people: list[Person]          # whom the viewer may record a 加班 for


def community_sheet(actor, community, today: date | None = None) -> CommunitySheet:
    """Everything the community page shows, in a fixed number of queries."""
    today = today or clock.today()
    people = list(db.session.scalars(
        select(Person).where(Person.community_id == community.id, Person.active.is_(True))
        .options(joinedload(Person.grid)).order_by(Person.id)))
    people = [p for p in people if p.position in ON_THE_BOARD]
    found = proposals([community.id], today=today)
    balances = ledger.balances([p.id for p in people], today)
    waiting: dict[int, int] = defaultdict(int)
    for proposal in found:
        waiting[proposal.person.id] += 1
    rows = [PersonRow(p, balances.get(p.id, ZERO), waiting[p.id], confirms_comp_time(actor.person, p))
            for p in people]
    recent = list(db.session.scalars(
        select(CompTimeCredit).where(CompTimeCredit.community_id == community.id)
        .options(joinedload(CompTimeCredit.person),
                 joinedload(CompTimeCredit.decided_by).joinedload(Account.person))
        .order_by(CompTimeCredit.decided_at.desc(), CompTimeCredit.id.desc()).limit(20)))
    return CommunitySheet(found, rows, recent, [r.person for r in rows if r.may_decide])
