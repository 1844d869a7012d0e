"""Gathering 考核 inputs from the data and keeping the 街镇's decisions: the results
of a 街镇 or a community for a period (reusing the 考勤表's day results, the leave
rules' 逾期未销假 and the inspections' scoring), a 书记's adjustments, and the lock
that freezes a period. Callers commit."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import clock
from portal.activity.models import ActivityEvent, EventKind
from portal.assessment import rules, settings
from portal.assessment.models import AssessmentAdjustment, AssessmentLock
from portal.attendance import days
from portal.attendance import rules as attendance
from portal.attendance.models import DayRecord, MonthTally, WeekTally
from portal.audit import log as audit
from portal.auth.policy import ON_THE_BOARD, Action, can
from portal.errors import FieldErrors
from portal.extensions import db
from portal.inspections import rules as inspection_rules
from portal.inspections.models import (
    ActionStatus,
    ChecklistItem,
    CorrectiveAction,
    Inspection,
    InspectionAnswer,
    InspectionStatus,
)
from portal.leave import rules as leave_rules
from portal.leave.models import LeaveRequest, LeaveStatus
from portal.org.models import Street
from portal.people.models import Person, Position
from portal.text import has_control

HEADS = (Position.SECRETARY, Position.STATION_HEAD)  # they own the 整改 (工作规范 三(三))
MAX_ADJUSTMENT = Decimal("20")


@dataclass
class Report:
    street: Street
    period: str
    label: str
    start: date
    end: date
    counted: tuple[date, date] | None       # the days judged: from the first 签到 on record, up to yesterday
    rules: dict
    people: list[dict] = field(default_factory=list)
    lock: AssessmentLock | None = None

    def for_community(self, community_id: int) -> list[dict]:
        return [p for p in self.people if p["community_id"] == community_id]

    def person(self, person_id: int) -> dict | None:
        return next((p for p in self.people if p["person_id"] == person_id), None)

    def communities(self) -> list[dict]:
        """One row per community: people, grade counts and the mean total."""
        rows: dict[int, dict] = {}
        for p in self.people:
            row = rows.setdefault(p["community_id"], {"id": p["community_id"], "name": p["community"], "people": 0,
                                                      "grades": dict.fromkeys(rules.GRADES, 0), "totals": []})
            row["people"] += 1
            if p["grade"]:
                row["grades"][p["grade"]] += 1
                row["totals"].append(Decimal(p["total"]))
        for row in rows.values():
            totals = row.pop("totals")
            row["mean"] = str(rules.one_decimal(sum(totals, Decimal(0)) / len(totals))) if totals else None
        return list(rows.values())


def parse_period(text: str | None) -> tuple[str, tuple[date, date, str]]:
    """The period asked for, or this quarter when the text is not one."""
    parsed = rules.parse_period(text)
    if parsed is None:
        text = rules.period_of(clock.today())
        parsed = rules.parse_period(text)
    return text.strip(), parsed


def _serialise_street(street_id: int) -> None:
    """Adjustments and the lock of one street queue on the street's row, so an
    adjustment is either in the locked snapshot or refused (SQLite's writers queue anyway)."""
    db.session.execute(select(Street.id).where(Street.id == street_id).with_for_update())


def lock_of(street_id: int, period: str) -> AssessmentLock | None:
    return db.session.scalar(select(AssessmentLock).where(AssessmentLock.street_id == street_id,
                                                          AssessmentLock.period == period))


def report(street: Street, period: str, community_ids: list[int] | None = None, today: date | None = None,
           use_lock: bool = True, person_id: int | None = None, detail: bool = False) -> Report:
    """The results of the street (or of some of its communities, or of one person)
    for a period: the frozen ones when the 街镇 has locked it, else computed now from
    the stored sums of the judged days, so a year costs what a quarter does. With
    `detail` (a person's page, the lock) every line behind the figures is listed."""
    period, (start, end, label) = parse_period(period)
    lock = lock_of(street.id, period) if use_lock else None
    if lock is not None:
        people = lock.snapshot["people"]
        if community_ids is not None:
            people = [p for p in people if p["community_id"] in community_ids]
        if person_id is not None:
            people = [p for p in people if p["person_id"] == person_id]
        counted = lock.snapshot.get("counted")
        return Report(street, period, label, start, end,
                      tuple(date.fromisoformat(d) for d in counted) if counted else None,
                      lock.snapshot["rules"], people, lock)
    today = today or clock.today()
    ids = community_ids if community_ids is not None else [c.id for c in street.communities]
    days.ensure_closed(ids, start, end, today)
    rule_set = rules.Rules.from_settings(settings.for_period(street.id, end, today))
    members = _members(ids, start, end, today, person_id)
    people = db.session.scalars(select(Person).where(Person.id.in_(list(members)))
                                .options(joinedload(Person.grid))).all()
    units = {c.id: c for c in street.communities}
    people = sorted(people, key=lambda p: (units[members[p.id][0]].sort_order, p.position is not Position.SECRETARY,
                                           p.position is not Position.STATION_HEAD,
                                           members[p.id][1] or 999, p.id))
    first = _first_day([c.id for c in street.communities])
    counted = None
    if first is not None and max(start, first) <= min(end, today - timedelta(days=1)):
        counted = (max(start, first), min(end, today - timedelta(days=1)))
    person_ids = [p.id for p in people]
    tallies = _tallies(person_ids, ids, counted) if counted else {}
    weeks = _weeks(person_ids, counted, detail) if counted else {}
    judged = _days(person_ids, ids, counted) if counted and detail else {}
    last = counted[1] if counted else min(end, today - timedelta(days=1))
    inspections = _inspections(ids, start, end)
    returns = _overdue_returns(person_ids, start, last)
    overdue_actions = _overdue_actions(ids, start, last, today)
    adjustments = defaultdict(list)
    for a in db.session.scalars(select(AssessmentAdjustment).where(
            AssessmentAdjustment.person_id.in_(person_ids), AssessmentAdjustment.period == period)
            .order_by(AssessmentAdjustment.id)):
        adjustments[a.person_id].append(rules.Adjustment(a.id, a.points, a.reason))
    rows = []
    for person in people:
        community_id, grid_number, position = members[person.id]
        data = rules.PersonInput(
            days=judged.get(person.id, ()), grid_worker=position == Position.GRID_WORKER.value,
            tally=tallies.get(person.id, attendance.Tally()),
            **({"weeks": weeks.get(person.id, [])} if detail else {"week_sum": weeks.get(person.id, rules.WeekSum())}),
            inspections=[_for_person(i, person.id) for i in inspections.get(community_id, [])],
            overdue_returns=returns.get(person.id, []),
            overdue_actions=overdue_actions.get(community_id, []) if Position(position) in HEADS else [],
            adjustments=adjustments.get(person.id, []))
        result = rules.assess(data, rule_set)
        rows.append({"person_id": person.id, "name": person.name, "community_id": community_id,
                     "community": units[community_id].name, "position": Position(position).label,
                     "grid": f"第{grid_number}网格" if grid_number else "", **result.as_json()})
    return Report(street, period, label, start, end, counted, rule_set.as_json(), rows, None)


def _members(community_ids: list[int], start: date, end: date, today: date,
             person_id: int | None) -> dict[int, tuple[int, int | None, str]]:
    """Who is assessed, with their community, grid number and position: everyone
    with judged days here in the period (as they belonged then, the latest month
    winning), and everyone on the board here now."""
    found = {}
    query = select(MonthTally.person_id, MonthTally.community_id, MonthTally.grid_number, MonthTally.position) \
        .where(MonthTally.community_id.in_(community_ids), MonthTally.month.between(start, end)) \
        .order_by(MonthTally.month)
    if person_id is not None:
        query = query.where(MonthTally.person_id == person_id)
    for pid, community_id, grid_number, position in db.session.execute(query):
        found[pid] = (community_id, grid_number, position)
    if start <= today:
        now = select(Person).where(Person.community_id.in_(community_ids), Person.active.is_(True),
                                   Person.position.in_(list(ON_THE_BOARD))).options(joinedload(Person.grid))
        if person_id is not None:
            now = now.where(Person.id == person_id)
        for person in db.session.scalars(now):
            found.setdefault(person.id, (person.community_id, person.grid.number if person.grid else None,
                                         person.position.value))
    return found


def _first_day(community_ids: list[int]) -> date | None:
    """The first day counted: the street's first 签到 on record (days before it were
    not kept in this system, whatever go-live date was entered), and not before
    the first day judged."""
    first_clock_in = db.session.scalar(select(func.min(ActivityEvent.at)).where(
        ActivityEvent.community_id.in_(community_ids), ActivityEvent.kind == EventKind.CLOCK_IN))
    if first_clock_in is None:
        return None
    first_judged = db.session.scalar(select(func.min(DayRecord.day)).where(DayRecord.community_id.in_(community_ids)))
    return max(clock.to_local(first_clock_in).date(), first_judged or date.min)


def _tallies(person_ids: list[int], community_ids: list[int], counted: tuple[date, date]) -> dict:
    """Each person's sums over the counted days here: whole months from the stored
    month sums, the part-months at either end (the running month) from the days."""
    found: dict[int, attendance.Tally] = defaultdict(attendance.Tally)
    if not person_ids:
        return found
    first, last = counted
    whole_from = first if first.day == 1 else (first + timedelta(days=32)).replace(day=1)
    whole_to = last if last == (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1) \
        else last.replace(day=1) - timedelta(days=1)
    if whole_from > whole_to:  # no whole month: the days themselves
        whole_from, whole_to = last + timedelta(days=1), last
    # Always the same three statements (head, whole months, tail), whatever the span.
    queries = [days.tally_query(person_ids, community_ids, first, whole_from - timedelta(days=1)),
               days.tally_query(person_ids, community_ids, whole_to + timedelta(days=1), last)]
    T = MonthTally
    queries.append(select(T.person_id, *(func.sum(getattr(T, name)).label(name)
                                         for name in attendance.Tally.__dataclass_fields__))
                   .where(T.person_id.in_(person_ids), T.community_id.in_(community_ids),
                          T.month.between(whole_from, whole_to)).group_by(T.person_id))
    for query in queries:
        for row in db.session.execute(query):
            found[row.person_id] += attendance.Tally.of_row(row)
    return found


def _weeks(person_ids: list[int], counted: tuple[date, date], detail: bool) -> dict:
    """Complete weeks inside the counted days with a day on duty and a target, from
    the week sums: each week (a person's page lists them), or per person only their
    number and the sum of their ratios (a street's page), taken in SQL."""
    found = defaultdict(list)
    if not person_ids:
        return found
    W = WeekTally
    where = (W.person_id.in_(person_ids), W.week >= counted[0], W.week <= counted[1] - timedelta(days=6),
             W.days == 7, W.duty_days > 0, W.visit_target > 0)
    if detail:
        for row in db.session.execute(select(W.person_id, W.week, W.visit_minutes, W.visit_target).where(*where)
                                      .order_by(W.person_id, W.week)):
            found[row.person_id].append(rules.Week(row.week, row.visit_minutes, row.visit_target))
        return found
    ratio = case((W.visit_minutes >= W.visit_target, 10000), else_=W.visit_minutes * 10000 // W.visit_target)
    return {person_id: rules.WeekSum(count, int(total)) for person_id, count, total in db.session.execute(
        select(W.person_id, func.count(), func.sum(ratio)).where(*where).group_by(W.person_id))}


def _days(person_ids: list[int], community_ids: list[int], counted: tuple[date, date]) -> dict[int, list]:
    """Each person's stored days over the span (for the lines of a person's page)."""
    found = defaultdict(list)
    for record in db.session.scalars(select(DayRecord).where(
            DayRecord.person_id.in_(person_ids), DayRecord.community_id.in_(community_ids),
            DayRecord.day.between(*counted)).order_by(DayRecord.person_id, DayRecord.day)):
        found[record.person_id].append(days.result_of(record))
    return found


@dataclass
class _Inspection:
    row: Inspection
    items: list
    texts: dict
    answers: list
    cached: dict = field(default_factory=dict)


def _inspections(community_ids: list[int], start: date, end: date) -> dict[int, list[_Inspection]]:
    lo = datetime.combine(start, time(0), tzinfo=clock.LOCAL_TZ)
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ)
    found = list(db.session.scalars(select(Inspection).where(
        Inspection.status == InspectionStatus.SUBMITTED, Inspection.community_id.in_(community_ids),
        Inspection.submitted_at >= lo, Inspection.submitted_at < hi).order_by(Inspection.submitted_at)))
    if not found:
        return {}
    items_by_version: dict[int, list] = defaultdict(list)
    for item in db.session.scalars(select(ChecklistItem).where(
            ChecklistItem.version_id.in_({i.version_id for i in found}))):
        items_by_version[item.version_id].append(item)
    answers = defaultdict(list)
    for a in db.session.scalars(select(InspectionAnswer).where(
            InspectionAnswer.inspection_id.in_([i.id for i in found]))):
        answers[a.inspection_id].append(inspection_rules.Answer(a.item_id, a.person_id, a.verdict.value))
    by_community = defaultdict(list)
    for i in found:
        items = items_by_version[i.version_id]
        by_community[i.community_id].append(_Inspection(
            i, [inspection_rules.Item(it.id, it.section, it.points, it.per_person, it.veto) for it in items],
            {it.id: it.text for it in items}, answers[i.id]))
    return by_community


NOBODY = [0]  # no person has id 0: per-person items then have no answers and drop out


def _for_person(inspection: _Inspection, person_id: int) -> rules.InspectionInput:
    """The office items count for everyone in the community. Per-person items count
    each person's own answers when people were named present, so a colleague's
    failure costs only that colleague, and someone not present is judged on the
    office items alone; with nobody named they were answered once, for everyone."""
    named = list(inspection.row.present_ids or [])
    key = person_id if person_id in named else None
    if key not in inspection.cached:
        if not named:
            present, answers = [], inspection.answers
        else:
            present = [person_id] if key is not None else NOBODY
            answers = [a for a in inspection.answers if a.person_id in (None, key)]
        score = inspection_rules.score(inspection.items, present, answers)
        losses, vetoes = rules.item_losses(
            inspection.items, lambda item: inspection_rules.subjects(item, present), answers)
        inspection.cached[key] = rules.InspectionInput(
            inspection.row.id, clock.to_local(inspection.row.submitted_at).date(), score.earned, score.applicable,
            score.vetoed, tuple((item_id, inspection.texts[item_id], lost) for item_id, lost in losses),
            tuple((item_id, inspection.texts[item_id]) for item_id in vetoes))
    return inspection.cached[key]


def _overdue_returns(person_ids: list[int], start: date, last: date) -> dict[int, list[rules.Occurrence]]:
    """逾期未销假 of leave that ended in the period: still not recorded (the leave rules'
    is_overdue), or recorded after the expected first half-day back."""
    found = defaultdict(list)
    rows = db.session.scalars(select(LeaveRequest).where(
        LeaveRequest.person_id.in_(person_ids), LeaveRequest.status.in_((LeaveStatus.APPROVED, LeaveStatus.COMPLETED)),
        LeaveRequest.end_date >= start, LeaveRequest.end_date <= last)
        .options(joinedload(LeaveRequest.leave_type)).order_by(LeaveRequest.end_date))
    calendars: dict = {}
    for leave in rows:
        if leave.status is LeaveStatus.APPROVED:
            late = leave_rules.is_overdue(leave, calendars=calendars)
        else:
            recorded = clock.to_local(leave.returned_recorded_at).date() if leave.returned_recorded_at else None
            # The expected return is never before the leave's last day: only later records need the calendar.
            back = None if recorded is None or recorded <= leave.end_date \
                else leave_rules.return_day(leave, calendars)
            late = back is not None and recorded > back[0]
        if late:
            found[leave.person_id].append(rules.Occurrence("leave", leave.id,
                                                           f"{leave.leave_type.name} {leave.span_label}"))
    return found


def _overdue_actions(community_ids: list[int], start: date, last: date, today: date) -> dict[int, list]:
    """整改 due in the period and not fixed by the due date (still open, or fixed late)."""
    found = defaultdict(list)
    rows = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.community_id.in_(community_ids), CorrectiveAction.due_on >= start,
        CorrectiveAction.due_on <= last).options(joinedload(CorrectiveAction.item))
        .order_by(CorrectiveAction.due_on, CorrectiveAction.id))
    for action in rows:
        if action.status is ActionStatus.OPEN:
            late = action.due_on < today
        else:
            late = action.fixed_at is not None and clock.to_local(action.fixed_at).date() > action.due_on
        if late:
            found[action.community_id].append(rules.Occurrence(
                "action", action.id, f"{action.item.text}（期限 {clock.format_date(action.due_on)}）"))
    return found


# -- the 书记's adjustments and the 街镇's lock ------------------------------------------------

def _locked_message(label: str) -> str:
    return f"{label}的考核结果已由街镇确认锁定，不能再调整。"


def adjust(actor, person: Person, period_text: str, points_text: str, reason: str) -> AssessmentAdjustment:
    """A 书记's 加分 or 减分 with the reason; refused into a locked period."""
    if not can(actor, Action.ADJUST_ASSESSMENT, person):
        raise PermissionError("not this person's 书记")
    errors = {}
    parsed = rules.parse_period(period_text)
    if parsed is None:
        raise FieldErrors({"period": "考核期间无效。"})
    period = period_text.strip()
    _serialise_street(person.street_id)
    if lock_of(person.street_id, period) is not None:
        raise FieldErrors({"points": _locked_message(parsed[2])})
    if parsed[0] > clock.today():
        errors["period"] = "该考核期间尚未开始。"
    try:
        points = Decimal(str(points_text).strip())
        if not points.is_finite() or points != points.quantize(Decimal("0.1")):
            raise InvalidOperation
    except InvalidOperation:
        points = None
    if points is None or points == 0 or abs(points) > MAX_ADJUSTMENT:
        errors["points"] = f"调整分值应为 -{MAX_ADJUSTMENT} 到 {MAX_ADJUSTMENT} 之间、不为 0 的数，最多一位小数（减分写负数）。"
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "请写明调整理由。"
    elif len(reason) > 200:
        errors["reason"] = "理由不能超过 200 字。"
    elif has_control(reason, allow_newlines=True):
        errors["reason"] = "调整理由不能含控制字符。"
    if errors:
        raise FieldErrors(errors)
    row = AssessmentAdjustment(person_id=person.id, street_id=person.street_id, period=period, points=points,
                               reason=reason, created_at=clock.now(), created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "assessment.adjusted", row, on_behalf_of=None,
                 after={"person_id": person.id, "period": period, "points": str(points), "reason": reason})
    return row


def lock(actor, street: Street, period_text: str) -> AssessmentLock:
    """The 街镇 confirms a finished period: its results are kept as they are now."""
    if not can(actor, Action.LOCK_ASSESSMENT, street):
        raise PermissionError("not this street's leader")
    parsed = rules.parse_period(period_text)
    if parsed is None:
        raise FieldErrors({"period": "考核期间无效。"})
    period = period_text.strip()
    if parsed[1] >= clock.today():
        raise FieldErrors({"period": f"{parsed[2]}尚未结束，结束后才能确认锁定。"})
    _serialise_street(street.id)
    if lock_of(street.id, period) is not None:
        raise FieldErrors({"period": f"{parsed[2]}的考核结果已经确认锁定。"})
    computed = report(street, period, use_lock=False, detail=True)
    snapshot = {"rules": computed.rules, "people": computed.people,
                "counted": [d.isoformat() for d in computed.counted] if computed.counted else None}
    row = AssessmentLock(street_id=street.id, period=period, locked_at=clock.now(), locked_by_id=actor.id,
                         snapshot=snapshot)
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise FieldErrors({"period": f"{parsed[2]}的考核结果已经确认锁定。"}) from None
    grades = {g: sum(1 for p in computed.people if p["grade"] == g) for g in rules.GRADES}
    audit.record(actor, "assessment.locked", row, after={"street_id": street.id, "period": period,
                                                         "people": len(computed.people), "grades": grades})
    return row


def adjustments_of(person_id: int, period: str) -> list[AssessmentAdjustment]:
    return list(db.session.scalars(select(AssessmentAdjustment).where(
        AssessmentAdjustment.person_id == person_id, AssessmentAdjustment.period == period)
        .options(joinedload(AssessmentAdjustment.created_by)).order_by(AssessmentAdjustment.id)))
