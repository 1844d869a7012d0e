"""Gathering 考核 inputs from the data and keeping the 街镇's decisions: the results
of a 街镇 or a community for a period (reusing the 考勤表's day results, the leave
rules' 逾期未销假 and the inspections' scoring), a 书记's adjustments, and the lock
that freezes a period. Callers commit."""
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, case, func, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import clock, halfday, memo, versions
from portal.activity.models import ActivityEvent, EventKind
from portal.assessment import rules, settings
from portal.assessment.models import AssessmentAdjustment, AssessmentLock
from portal.assessment.watch import ASSESSMENT, matters_scope
from portal.attendance import days, freshness
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
from portal.leave.models import LeaveRequest, LeaveStatus, LeaveType, span_label
from portal.matters.models import OPEN, Matter, MatterKind, Satisfaction
from portal.org.models import Grid, Street
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
    kept: memo.Kept | None = None   # what this worker keeps of an unlocked report (its rendered tables)

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
    units = {c.id: (c.sort_order, c.name) for c in street.communities}
    ids = community_ids if community_ids is not None else list(units)
    days.ensure_closed(ids, start, end, today)
    if person_id is not None or detail:
        return Report(street, period, label, start, end, *_computed(street, period, start, end, today, units, ids,
                                                                    person_id, detail))
    # A street's or a community's table is asked for far more often than its inputs
    # change: it is kept under the versions of all of them (the 考勤表's scopes for the
    # days it counts, and the inspections' and 考核's own), read before the data.
    stamp = versions.read(db.session, report_scopes(street.id, start, end, today),
                          current_app.config["VERSIONS_MAX_AGE"])
    kept = memo.kept("assessment.reports", (street.id, period, tuple(ids), today, stamp),
                     lambda: _computed(street, period, start, end, today, units, ids, None, False),
                     dirty=versions.uncommitted(db.session), size=64,
                     clean_after=lambda: not versions.uncommitted(db.session))
    return Report(street, period, label, start, end, *kept.data, None, kept)


def report_scopes(street_id: int, start: date, end: date, today: date) -> list[str]:
    """The data versions a street's report for start..end is kept under on `today`."""
    last = min(end, today - timedelta(days=1))
    return [freshness.GLOBAL, freshness.street_scope(street_id), ASSESSMENT, matters_scope(street_id),
            *(freshness.day_scope(street_id, start + timedelta(days=n)) for n in range(max(0, (last - start).days + 1)))]


def _computed(street: Street, period: str, start: date, end: date, today: date, units: dict, ids: list[int],
              person_id: int | None, detail: bool) -> tuple:
    """(the days counted, the rules as JSON, one row per person) computed from the
    stored sums and the inspections."""
    rule_set = rules.Rules.from_settings(settings.for_period(street.id, end, today))
    members = _members(ids, start, end, today, person_id)
    person_ids = sorted(members, key=lambda pid: (
        units[members[pid].community_id][0], members[pid].now is not Position.SECRETARY,
        members[pid].now is not Position.STATION_HEAD, members[pid].grid_number or 999, pid))
    first = _first_day(list(units))
    counted = None
    if first is not None and max(start, first) <= min(end, today - timedelta(days=1)):
        counted = (max(start, first), min(end, today - timedelta(days=1)))
    tallies = _tallies(person_id, ids, counted) if counted else {}
    weeks = _weeks(person_ids, counted, detail) if counted else {}
    judged = _days(person_ids, ids, counted) if counted and detail else {}
    last = counted[1] if counted else min(end, today - timedelta(days=1))
    inspections = _inspections(ids, start, end)
    returns = _overdue_returns(person_ids, start, last)
    overdue_actions = _overdue_actions(ids, start, last, today)
    matters = None
    if rule_set.weight_matters:
        one = (person_id, members[person_id].community_id) if person_id in members else None
        matters = _matters(ids, start, last, detail, one)
    adjustments = defaultdict(list)
    A = AssessmentAdjustment
    for a in db.session.execute(select(A.id, A.person_id, A.points, A.reason).where(
            A.person_id.in_(person_ids), A.period == period).order_by(A.id)):
        adjustments[a.person_id].append(rules.Adjustment(a.id, a.points, a.reason))
    rows = []
    for pid in person_ids:
        member = members[pid]
        position = Position(member.position)
        data = rules.PersonInput(
            days=judged.get(pid, ()), grid_worker=position is Position.GRID_WORKER,
            tally=tallies.get(pid, attendance.Tally()),
            **({"weeks": weeks.get(pid, [])} if detail else {"week_sum": weeks.get(pid, rules.WeekSum())}),
            inspections=[_for_person(i, pid) for i in inspections.get(member.community_id, ())],
            overdue_returns=returns.get(pid, []),
            overdue_actions=overdue_actions.get(member.community_id, []) if position in HEADS else [],
            adjustments=adjustments.get(pid, []),
            **(_matters_of(matters, pid, member.community_id, position in HEADS, detail) if matters else {}))
        result = rules.assess(data, rule_set)
        rows.append({"person_id": pid, "name": member.name, "community_id": member.community_id,
                     "community": units[member.community_id][1], "position": position.label,
                     "grid": f"第{member.grid_number}网格" if member.grid_number else "", **result.as_json()})
    return counted, rule_set.as_json(), rows


class _Member(NamedTuple):
    """Who is assessed: where they belonged in the period (the latest month of it
    wins) and, for the order of the table, their name and position now."""

    community_id: int
    grid_number: int | None
    position: str
    name: str
    now: Position


def _members(community_ids: list[int], start: date, end: date, today: date,
             person_id: int | None) -> dict[int, _Member]:
    """Who is assessed, with their community, grid number and position: everyone
    with judged days here in the period (as they belonged then, the latest month
    winning), and everyone on the board here now."""
    T = MonthTally
    found = {}
    months = select(T.person_id, T.community_id, T.grid_number, T.position, func.row_number().over(
        partition_by=T.person_id, order_by=T.month.desc()).label("latest")) \
        .where(T.community_id.in_(community_ids), T.month.between(start, end))
    if person_id is not None:
        months = months.where(T.person_id == person_id)
    months = months.subquery()
    for pid, *member in db.session.execute(
            select(months.c.person_id, months.c.community_id, months.c.grid_number, months.c.position,
                   Person.name, Person.position).join(Person, Person.id == months.c.person_id)
            .where(months.c.latest == 1)):
        found[pid] = _Member(*member)
    if start <= today:
        now = select(Person.id, Person.community_id, Grid.number, Person.position, Person.name, Person.position) \
            .outerjoin(Grid, Grid.id == Person.grid_id) \
            .where(Person.community_id.in_(community_ids), Person.active.is_(True),
                   Person.position.in_(list(ON_THE_BOARD)))
        if person_id is not None:
            now = now.where(Person.id == person_id)
        for pid, community_id, grid_number, position, name, _now in db.session.execute(now):
            found.setdefault(pid, _Member(community_id, grid_number, position.value, name, position))
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


TALLY_FIELDS = tuple(attendance.Tally.__dataclass_fields__)


@functools.cache
def _tally_statement(spans: tuple[str, ...], one_person: bool):
    """Per person, the sums over the counted days here in one statement, whatever
    their number: each span of part-months ("head", "tail": the running month) from
    the days, the whole months ("months") from the stored month sums. Built once
    per shape, bound per read."""
    D, T = DayRecord, MonthTally
    communities = bindparam("communities", expanding=True)
    parts = []
    for span in spans:
        lo, hi = bindparam(f"{span}_from"), bindparam(f"{span}_to")
        if span == "months":
            parts.append(select(T.person_id, *(getattr(T, name) for name in TALLY_FIELDS)).where(
                T.community_id.in_(communities), T.month.between(lo, hi)))
        else:
            parts.append(select(D.person_id, *days.sums()).where(
                D.community_id.in_(communities), D.day.between(lo, hi), D.final.is_(True)).group_by(D.person_id))
    if one_person:
        parts = [part.where(part.selected_columns.person_id == bindparam("person")) for part in parts]
    both = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    return select(both.c.person_id, *(func.sum(both.c[name]).label(name) for name in TALLY_FIELDS)) \
        .group_by(both.c.person_id)


def _tallies(person_id: int | None, community_ids: list[int], counted: tuple[date, date]) -> dict:
    """Each person's sums over the counted days here (everyone's, or one person's):
    whole months from the stored month sums, the part-months at either end from the days."""
    first, last = counted
    whole_from = first if first.day == 1 else (first + timedelta(days=32)).replace(day=1)
    whole_to = last if last == (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1) \
        else last.replace(day=1) - timedelta(days=1)
    if whole_from > whole_to:  # no whole month: the days themselves
        whole_from, whole_to = last + timedelta(days=1), last
    spans = {"head": (first, whole_from - timedelta(days=1)), "months": (whole_from, whole_to),
             "tail": (whole_to + timedelta(days=1), last)}
    spans = {name: span for name, span in spans.items() if span[0] <= span[1]}
    params = {"communities": list(community_ids)} | ({"person": person_id} if person_id is not None else {})
    for name, (lo, hi) in spans.items():
        params[f"{name}_from"], params[f"{name}_to"] = lo, hi
    return {row.person_id: attendance.Tally.of_row(row)
            for row in db.session.execute(_tally_statement(tuple(spans), person_id is not None), params)}


@functools.cache
def _week_sum_statement():
    """Per person, how many complete weeks with a day on duty and a target, and
    the sum of their ratios (each capped at 1) in 1/10000."""
    W = WeekTally
    ratio = case((W.visit_minutes >= W.visit_target, 10000), else_=W.visit_minutes * 10000 // W.visit_target)
    return select(W.person_id, func.count(), func.sum(ratio)).where(*_week_where()).group_by(W.person_id)


def _week_where():
    W = WeekTally
    return (W.person_id.in_(bindparam("people", expanding=True)), W.week >= bindparam("first"),
            W.week <= bindparam("last_monday"), W.days == 7, W.duty_days > 0, W.visit_target > 0)


def _weeks(person_ids: list[int], counted: tuple[date, date], detail: bool) -> dict:
    """Complete weeks inside the counted days with a day on duty and a target, from
    the week sums: each week (a person's page lists them), or per person only their
    number and the sum of their ratios (a street's page), taken in SQL."""
    if not person_ids:
        return {}
    params = {"people": person_ids, "first": counted[0], "last_monday": counted[1] - timedelta(days=6)}
    if not detail:
        return {person_id: rules.WeekSum(count, int(total))
                for person_id, count, total in db.session.execute(_week_sum_statement(), params)}
    found = defaultdict(list)
    W = WeekTally
    for row in db.session.execute(select(W.person_id, W.week, W.visit_minutes, W.visit_target)
                                  .where(*_week_where()).order_by(W.person_id, W.week), params):
        found[row.person_id].append(rules.Week(row.week, row.visit_minutes, row.visit_target))
    return found


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
    id: int
    day: date
    named: frozenset          # the people named present
    items: list               # the version's items (shared by its inspections)
    texts: dict               # item id → text
    answers: list
    cached: dict = field(default_factory=dict)


def _inspections(community_ids: list[int], start: date, end: date) -> dict[int, list[_Inspection]]:
    lo = datetime.combine(start, time(0), tzinfo=clock.LOCAL_TZ)
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ)
    I = Inspection  # noqa: E741
    found = db.session.execute(select(I.id, I.community_id, I.version_id, I.submitted_at, I.present_ids).where(
        I.status == InspectionStatus.SUBMITTED, I.community_id.in_(community_ids),
        I.submitted_at >= lo, I.submitted_at < hi).order_by(I.submitted_at)).all()
    if not found:
        return {}
    C = ChecklistItem
    items_by_version: dict[int, list] = defaultdict(list)
    texts: dict[int, str] = {}
    for item in db.session.execute(select(C.id, C.version_id, C.section, C.points, C.per_person, C.veto, C.text)
                                   .where(C.version_id.in_({i.version_id for i in found}))):
        items_by_version[item.version_id].append(
            inspection_rules.Item(item.id, item.section, item.points, item.per_person, item.veto))
        texts[item.id] = item.text
    A = InspectionAnswer
    answers = defaultdict(list)
    for inspection_id, item_id, person_id, verdict in db.session.execute(
            select(A.inspection_id, A.item_id, A.person_id, A.verdict).where(
                A.inspection_id.in_([i.id for i in found]))):
        answers[inspection_id].append(inspection_rules.Answer(item_id, person_id, verdict.value))
    by_community = defaultdict(list)
    for i in found:
        by_community[i.community_id].append(_Inspection(
            i.id, clock.to_local(i.submitted_at).date(), frozenset(i.present_ids or ()),
            items_by_version[i.version_id], texts, answers[i.id]))
    return by_community


NOBODY = [0]  # no person has id 0: per-person items then have no answers and drop out


def _for_person(inspection: _Inspection, person_id: int) -> rules.InspectionInput:
    """The office items count for everyone in the community. Per-person items count
    each person's own answers when people were named present, so a colleague's
    failure costs only that colleague, and someone not present is judged on the
    office items alone; with nobody named they were answered once, for everyone."""
    named = inspection.named
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
            inspection.id, inspection.day, score.earned, score.applicable,
            score.vetoed, tuple((item_id, inspection.texts[item_id], lost) for item_id, lost in losses),
            tuple((item_id, inspection.texts[item_id]) for item_id in vetoes))
    return inspection.cached[key]


def _overdue_returns(person_ids: list[int], start: date, last: date) -> dict[int, list[rules.Occurrence]]:
    """逾期未销假 of leave that ended in the period: still not recorded (the leave rules'
    is_overdue), or recorded after the expected first half-day back."""
    found = defaultdict(list)
    L = LeaveRequest
    rows = db.session.execute(select(
        L.id, L.person_id, L.status, L.start_date, L.start_half, L.end_date, L.end_half, L.returned_recorded_at,
        LeaveType.name.label("type_name")).join(LeaveType, LeaveType.id == L.type_id).where(
        L.person_id.in_(person_ids), L.status.in_((LeaveStatus.APPROVED, LeaveStatus.COMPLETED)),
        L.end_date >= start, L.end_date <= last).order_by(L.end_date, L.id))
    calendars: dict = {}
    for leave in rows:  # plain rows: the leave rules read their status, end date and half
        if leave.status is LeaveStatus.APPROVED:
            late = leave_rules.is_overdue(leave, calendars=calendars)
        else:
            recorded = clock.to_local(leave.returned_recorded_at).date() if leave.returned_recorded_at else None
            # The expected return is never before the half-day after the leave: only
            # records after that day (usually the next) need the calendar to tell.
            after = halfday.from_index(halfday.index(leave.end_date, leave.end_half) + 1)[0]
            back = None if recorded is None or recorded <= after else leave_rules.return_day(leave, calendars)
            late = back is not None and recorded > back[0]
        if late:
            label = span_label(leave.start_date, leave.start_half, leave.end_date, leave.end_half)
            found[leave.person_id].append(rules.Occurrence("leave", leave.id, f"{leave.type_name} {label}"))
    return found


def _overdue_actions(community_ids: list[int], start: date, last: date, today: date) -> dict[int, list]:
    """整改 due in the period and not fixed by the due date (still open, or fixed late)."""
    found = defaultdict(list)
    A = CorrectiveAction
    rows = db.session.execute(select(A.id, A.community_id, A.status, A.due_on, A.fixed_at, ChecklistItem.text)
                              .join(ChecklistItem, ChecklistItem.id == A.item_id).where(
        A.community_id.in_(community_ids), A.due_on >= start, A.due_on <= last).order_by(A.due_on, A.id))
    for action in rows:
        if action.status is ActionStatus.OPEN:
            late = action.due_on < today
        else:
            late = action.fixed_at is not None and clock.to_local(action.fixed_at).date() > action.due_on
        if late:
            found[action.community_id].append(rules.Occurrence(
                "action", action.id, f"{action.text}（期限 {clock.format_date(action.due_on)}）"))
    return found


@dataclass
class _Matters:
    """The matters due in a period, per holder and per community: each one (detail)
    or only their sums."""

    by_holder: dict = field(default_factory=lambda: defaultdict(list))
    by_community: dict = field(default_factory=lambda: defaultdict(list))


def _matters(community_ids: list[int], start: date, last: date, detail: bool,
             one: tuple[int, int] | None = None) -> _Matters:
    """便民服务事项 due from the period's start to `last` (yesterday at most, so that a
    matter still open is overdue and the figure does not move within the day) in one
    statement: each matter for a person's page and the lock (its lines), else counts
    per holder and community, closed on time or not, and 不满意 or not. `one`: (person,
    community), only the matters that person holds or of that community."""
    found = _Matters()
    lo = datetime.combine(start, time(0), tzinfo=clock.LOCAL_TZ)
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ)
    if not community_ids or lo >= hi:
        return found
    M = Matter
    on_time = case((M.status.not_in(list(OPEN)) & M.closed_on_time.is_(True), 1), else_=0)
    unsatisfied = case((M.satisfaction == Satisfaction.UNSATISFIED, 1), else_=0)
    where = (M.community_id.in_(community_ids), M.due_at >= lo, M.due_at < hi)
    if one is not None:
        where += (or_(M.holder_id == one[0], M.community_id == one[1]),)
    if not detail:
        for community_id, holder_id, ok, unhappy, count in db.session.execute(
                select(M.community_id, M.holder_id, on_time, unsatisfied, func.count())
                .where(*where).group_by(M.community_id, M.holder_id, on_time, unsatisfied)):
            counted = rules.MatterSum(count, count if ok else 0, count if ok and unhappy else 0)
            found.by_community[community_id].append(counted)
            found.by_holder[holder_id].append(counted)
        return found
    for row in db.session.execute(select(M.id, M.community_id, M.holder_id, M.due_at, on_time.label("ok"),
                                         unsatisfied.label("unhappy"), MatterKind.name)
                                  .join(MatterKind, MatterKind.id == M.kind_id).where(*where)
                                  .order_by(M.due_at, M.id)):
        due = clock.to_local(row.due_at)
        outcome = rules.MatterOutcome(row.id, f"SX{row.id:06d} {row.name}（期限 {due.month}月{due.day}日 "
                                              f"{due:%H:%M}）", bool(row.ok), bool(row.unhappy))
        found.by_community[row.community_id].append(outcome)
        found.by_holder[row.holder_id].append(outcome)
    return found


def _matters_of(matters: _Matters, person_id: int, community_id: int, head: bool, detail: bool) -> dict:
    """A person's matters as rules.PersonInput takes them: those they hold, or for the
    书记/站长 all of the community's."""
    mine = matters.by_community.get(community_id, []) if head else matters.by_holder.get(person_id, [])
    if detail:
        return {"matters": mine}
    return {"matter_sum": rules.MatterSum(*(sum(m[i] for m in mine) for i in range(3)))}


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
