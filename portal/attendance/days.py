"""Stored day results: every person's judged day, written when its inputs change.

A day's √ 迟 早 缺 假 休 is derived from the activity log, approved leave, the work
calendar, the 街镇's settings and where the person belongs. It used to be derived
again on every read; now it is judged once per write and read many times
(Zulip's analytics pattern: the code that writes an input fills the figures):

- `restate(person_days)` judges those (person, day) pairs with the one rule
  (`rules.day_result`) and writes their DayRecord rows, then the MonthTally and
  WeekTally rows that sum them, in the caller's transaction.
- The session hooks at the bottom of this module call it at every commit, for the
  days the flushed writes touch: an activity event (its day and the days either
  side: a visit may cross midnight), a leave request (the days of its span, before
  and after the change), a person's move, deactivation or go-live date (today on),
  a calendar day, a settings row (from its effective date). A writer cannot forget
  them, whatever the route, and the lower layers (the activity log, leave) do not
  import attendance to get it done.
- Days in a month the 街镇 has closed (封账) are never rewritten: the writers refuse
  changes dated in them, and restate skips them as well.
- `fill()` makes a community's days final up to yesterday and judges the days
  nothing was written for (a 缺勤 has no event), remembering per community and
  month how far it got (DayFill). `close_days()` fills every community: it runs
  from `flask close-days` (cron, a few minutes after midnight). A page
  that reads stored rows first fills what it reads (`ensure_closed`): one query
  when the night's run has done it, the work itself when it has not.
"""
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, case, delete, event, func, insert, literal, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload

from portal import clock
from portal.activity.models import ActivityEvent, MonthLock
from portal.attendance import rules, settings
from portal.attendance.models import DayFill, DayRecord, MonthTally, WeekTally
from portal.extensions import db

PENDING_KEY = "attendance.days.pending"   # session.info: {person id or ALL: set of days, or ALL}
ALL = "*"


# -- what is stored of a DayResult ---------------------------------------------------------

class Membership(NamedTuple):
    """Where a person belonged on a day: kept with the day's row."""

    street_id: int
    community_id: int
    grid_number: int | None
    position: str


def membership_of(person) -> Membership:
    return Membership(person.street_id, person.community_id, person.grid.number if person.grid else None,
                      person.position.value)


def record_of(result: rules.DayResult, person_id: int, where: Membership, schedule: rules.Schedule,
              settings_id: int | None, final: bool, now: datetime) -> dict:
    patrols = result.patrols
    completed = [iv.minutes for iv in (patrols.intervals if patrols else ()) if not iv.open]
    return {
        "person_id": person_id, "day": result.day, "week": rules.week_of(result.day)[0],
        "street_id": where.street_id, "community_id": where.community_id,
        "grid_number": where.grid_number, "position": where.position,
        "code": result.code.value, "symbol": result.symbol, "workday": result.workday, "day_name": result.day_name,
        "late_minutes": result.late_minutes, "early_minutes": result.early_minutes,
        "flags": "|".join(result.flags)[:200], "needs_review": result.needs_review,
        "leave_type": result.leave_type, "leave_halves": ",".join(result.leave_halves),
        "present_days": result.present_days, "absent_days": result.absent_days, "leave_days": result.leave_days,
        "worked_minutes": result.worked_minutes, "visit_minutes": result.visit_minutes,
        "patrol_required": patrols.required if patrols else 0, "patrol_done": patrols.done if patrols else 0,
        "patrol_min_minutes": patrols.min_minutes if patrols else 0,
        "patrol_short": ",".join(str(m) for m in patrols.short_minutes)[:100] if patrols else "",
        "patrol_minutes": sum(completed),
        "patrol_ratio_bp": rules.ratio_bp(patrols.done, patrols.required) if patrols else None,
        "visit_target": schedule.weekly_visit_minutes, "settings_id": settings_id,
        "logged": result.clock_in is not None or bool(result.visits) or bool(patrols and patrols.intervals)
        or bool(result.anomalies) or rules.FLAG_ACTIVITY_ON_LEAVE in result.flags,
        "clock_in": result.clock_in, "clock_out": result.clock_out,
        "judged_at": now, "final": final,
    }


class StoredPatrols:
    """What is kept of a day's 一日双巡: what the sheet and 考核 read of a PatrolResult."""

    __slots__ = ("required", "done", "min_minutes", "short_minutes", "ratio_bp")

    def __init__(self, required: int, done: int, min_minutes: int, short_minutes: tuple, bp: int | None):
        self.required, self.done, self.min_minutes = required, done, min_minutes
        self.short_minutes, self.ratio_bp = short_minutes, bp

    @property
    def ratio(self) -> float | None:
        return None if self.ratio_bp is None else self.ratio_bp / 10000

    @property
    def label(self) -> str:
        return f"巡查 {self.done}/{self.required}" if self.required else "巡查 —"


def result_of(record) -> rules.DayResult:
    """A stored day (a DayRecord or a row with its columns) as a DayResult."""
    return rules.DayResult(
        day=record.day, code=rules.Code(record.code), symbol=record.symbol, workday=record.workday,
        day_name=record.day_name, late_minutes=record.late_minutes, early_minutes=record.early_minutes,
        flags=tuple(f for f in record.flags.split("|") if f), needs_review=record.needs_review,
        leave_type=record.leave_type, leave_halves=tuple(h for h in record.leave_halves.split(",") if h),
        present_days=Decimal(record.present_days), absent_days=Decimal(record.absent_days),
        leave_days=Decimal(record.leave_days), worked_minutes=record.worked_minutes,
        visit_minutes=record.visit_minutes, clock_in=record.clock_in, clock_out=record.clock_out,
        patrols=StoredPatrols(record.patrol_required, record.patrol_done, record.patrol_min_minutes,
                              tuple(int(m) for m in record.patrol_short.split(",") if m), record.patrol_ratio_bp),
    )


# -- judging -------------------------------------------------------------------------------

def leave_days(ids, first: date, last: date) -> tuple[dict, set]:
    """Approved leave of these people touching first..last: the spans that excuse days
    per person, and the (person, day) pairs of 公务外出, which is work (外 on the sheet)."""
    from portal.leave.rules import FIELD_WORK

    spans, field_days = defaultdict(list), set()
    for leave in db.session.scalars(_statements()["leave"], {"ids": list(ids), "first": first, "last": last}):
        span = rules.leave_span(leave)
        if not span:
            continue
        if leave.leave_type.code == FIELD_WORK:
            day = span[0]
            while day <= span[2]:
                field_days.add((leave.person_id, day))
                day += timedelta(days=1)
        else:
            spans[leave.person_id].append(span)
    return spans, field_days


def calendars(first: date, last: date) -> tuple[dict, list[int]]:
    """Each covered year's Calendar over first..last, and the years not entered."""
    from portal.workdays import rules as workdays

    found, missing = {}, []
    for year in range(first.year, last.year + 1):
        try:
            found[year] = workdays.load_calendar(max(first, date(year, 1, 1)), min(last, date(year, 12, 31)))
        except workdays.CalendarMissing:
            missing.append(year)
    return found, missing


def missing_years(first: date, last: date) -> list[int]:
    """The years of first..last whose work calendar has not been entered."""
    from portal.workdays.models import CalendarYear

    covered = set(db.session.scalars(select(CalendarYear.year).where(
        CalendarYear.year.between(first.year, last.year))))
    return [year for year in range(first.year, last.year + 1) if year not in covered]


def _events(ids, first: date, last: date) -> dict:
    around = timedelta(minutes=rules.MAX_VISIT_MINUTES)  # visits and patrols across midnight
    start = datetime.combine(first, time(0), tzinfo=clock.LOCAL_TZ) - around
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ) + around
    events = defaultdict(list)
    # Plain rows, not ORM objects: a street's month is tens of thousands of events.
    for row in db.session.execute(_statements()["events"], {"ids": list(ids), "start": start, "end": end}):
        events[(row.person_id, clock.to_local(row.at).date())].append(row)
    return events


def events_around(events: dict, person_id: int, day: date) -> list:
    """The person's events of the day before, the day and the day after."""
    return [*events.get((person_id, day - timedelta(days=1)), ()), *events.get((person_id, day), ()),
            *events.get((person_id, day + timedelta(days=1)), ())]


def _locked(street_ids, first: date, last: date) -> set[tuple[int, date]]:
    return set(db.session.execute(_statements()["locked"], {"ids": list(street_ids), "first": first.replace(day=1),
                                                            "last": last}).all())


@cache
def _statements() -> dict:
    """The judge's reads, built once: every status change judges its day with them
    (building a statement costs more than running it on one person's day)."""
    from portal.leave.models import LeaveRequest, LeaveStatus
    from portal.people.models import Person

    ids, first, last = bindparam("ids", expanding=True), bindparam("first"), bindparam("last")
    return {
        "people": select(Person).where(Person.id.in_(ids)).options(joinedload(Person.grid)),
        "leave": select(LeaveRequest).where(
            LeaveRequest.person_id.in_(ids), LeaveRequest.status.in_((LeaveStatus.APPROVED, LeaveStatus.COMPLETED)),
            LeaveRequest.start_date <= last, LeaveRequest.end_date >= first)
        .options(joinedload(LeaveRequest.leave_type)),
        "events": select(ActivityEvent.person_id, ActivityEvent.kind, ActivityEvent.at).where(
            ActivityEvent.person_id.in_(ids), ActivityEvent.at >= bindparam("start"),
            ActivityEvent.at < bindparam("end")).order_by(ActivityEvent.at, ActivityEvent.id),
        "locked": select(MonthLock.street_id, MonthLock.month).where(
            MonthLock.street_id.in_(ids), MonthLock.month.between(first, last), MonthLock.unlocked_at.is_(None)),
        "kept": select(DayRecord.person_id, DayRecord.day, DayRecord.street_id, DayRecord.community_id,
                       DayRecord.grid_number, DayRecord.position).where(
            DayRecord.person_id.in_(ids), DayRecord.day.between(first, last)),
    }


def judge(people, days_of: dict[int, Iterable[date]], today: date) -> list[dict]:
    """DayRecord rows for these people's days (days of a year without a work
    calendar, before a person's go-live and in closed months are left out), from
    inputs loaded once for them all; days from `today` on are provisional."""
    from portal.people.models import Position

    wanted = {p.id: sorted(days_of.get(p.id, ())) for p in people}
    every = [d for days in wanted.values() for d in days]
    if not every:
        return []
    first, last = min(every), max(every)
    found, _missing = calendars(first, last)
    ids = [p.id for p in people]
    events = _events(ids, first, last)
    spans, field_days = leave_days(ids, first, last)
    # A past day judged again keeps where the person belonged then (a move since
    # does not carry their old days to the new community).
    kept = {(r.person_id, r.day): Membership(r.street_id, r.community_id, r.grid_number, r.position)
            for r in db.session.execute(_statements()["kept"], {
                "ids": ids, "first": first, "last": min(last, today - timedelta(days=1))})}
    timeline = settings.timeline({p.street_id for p in people} | {m.street_id for m in kept.values()})
    locked = _locked({p.street_id for p in people} | {m.street_id for m in kept.values()}, first, last)
    now = clock.now()
    rows = []
    for person in people:
        current = membership_of(person) if person.community_id is not None else None
        for day in wanted[person.id]:
            where = kept.get((person.id, day)) or current
            calendar = found.get(day.year)
            if where is None or calendar is None or (person.portal_start is not None and day < person.portal_start) \
                    or (where.street_id, day.replace(day=1)) in locked:
                continue
            row = timeline.row_on(where.street_id, day)
            schedule = timeline.schedule_on(where.street_id, day)
            result = rules.day_result(day, events_around(events, person.id, day), spans.get(person.id, ()),
                                      calendar, schedule, approved_field_work=(person.id, day) in field_days,
                                      portal_start=person.portal_start,
                                      patrol_duty=where.position == Position.GRID_WORKER.value)
            rows.append(record_of(result, person.id, where, schedule, row.id, day < today, now))
    return rows


def _upsert(rows: list[dict]) -> None:
    if not rows:
        return
    stmt = _upsert_statement(db.session.connection().dialect.name)
    for start in range(0, len(rows), 2000):
        db.session.execute(stmt, rows[start:start + 2000])


@cache
def _upsert_statement(dialect: str):
    """Built once per dialect: every status change writes its day through it."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    table = DayRecord.__table__
    stmt = upsert(table)
    keys = [c.name for c in table.columns if c.name not in ("person_id", "day")]
    return stmt.on_conflict_do_update(index_elements=[table.c.person_id, table.c.day],
                                      set_={k: stmt.excluded[k] for k in keys})


# -- tallies ---------------------------------------------------------------------------------

def _sum(condition, value=1):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def sums():
    """The Tally fields as SQL sums over DayRecord rows, in Tally's order: the SQL
    mirror of `rules.Tally.of` (tests/test_stored_days.py holds them equal)."""
    D = DayRecord
    present = D.workday & (D.present_days > 0) & D.patrol_ratio_bp.is_not(None)
    return [func.count().label("days"), _sum(D.workday).label("workdays"),
            func.coalesce(func.sum(case((D.workday, D.present_days), else_=0)), 0).label("present_days"),
            func.coalesce(func.sum(case((D.workday, D.absent_days), else_=0)), 0).label("absent_days"),
            func.coalesce(func.sum(case((D.workday, D.leave_days), else_=0)), 0).label("leave_days"),
            _sum(D.workday & (D.late_minutes > 0)).label("late_count"),
            _sum(D.workday & (D.early_minutes > 0)).label("early_count"),
            _sum(D.needs_review).label("review_count"),
            func.coalesce(func.sum(D.visit_minutes), 0).label("visit_minutes"),
            _sum(present).label("patrol_days"), _sum(present, D.patrol_ratio_bp).label("patrol_ratio_bp"),
            _sum(D.logged).label("logged_days")]


def refresh_tallies(person_ids, days: Iterable[date], today: date | None = None) -> None:
    """Rewrite the month and week sums of these people for the months and weeks of
    these days, from their DayRecords (one statement per month and per week). The
    month sums take final days only (today's row is provisional); the week sums
    take today's too (this week's 入户 so far)."""
    ids = sorted(set(person_ids))
    days = set(days)
    if not ids or not days:
        return
    D = DayRecord
    # Today's row is provisional and not in the month sums: a write about today
    # rewrites only the week's.
    for month in sorted({d.replace(day=1) for d in days if today is None or d < today}):
        last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        for chunk in _chunks(ids):
            db.session.execute(delete(MonthTally).where(MonthTally.person_id.in_(chunk), MonthTally.month == month))
            query = select(
                D.person_id, literal(month).label("month"), D.community_id, func.max(D.street_id),
                func.max(D.grid_number), func.max(D.position), *sums(),
            ).where(D.person_id.in_(chunk), D.day.between(month, last), D.final.is_(True)) \
                .group_by(D.person_id, D.community_id)
            db.session.execute(insert(MonthTally).from_select(
                ["person_id", "month", "community_id", "street_id", "grid_number", "position",
                 *(c.name for c in sums())], query))
    delete_weeks, insert_weeks = _week_statements()
    connection = db.session.connection()  # Core: the ORM would read the parameters as rows to insert
    for week in sorted({rules.week_of(d)[0] for d in days}):
        for chunk in _chunks(ids):
            connection.execute(delete_weeks, {"people": chunk, "week": week})
            connection.execute(insert_weeks, {"people": chunk, "week": week})


@cache
def _week_statements():
    """Built once: every status change rewrites its week's sums with them."""
    D = DayRecord
    people, week = bindparam("people", expanding=True), bindparam("week")
    duty = D.workday & (D.code != rules.Code.LEAVE.value)
    query = select(D.person_id, D.week, func.count(), _sum(duty),
                   func.coalesce(func.sum(D.visit_minutes), 0), func.max(D.visit_target)) \
        .where(D.person_id.in_(people), D.week == week).group_by(D.person_id, D.week)
    return (delete(WeekTally).where(WeekTally.person_id.in_(people), WeekTally.week == week),
            insert(WeekTally).from_select(["person_id", "week", "days", "duty_days", "visit_minutes",
                                           "visit_target"], query))


def _chunks(ids: list, size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


# -- writing ---------------------------------------------------------------------------------

def _people(ids):
    return db.session.scalars(_statements()["people"], {"ids": list(ids)}).unique().all()


def restate(person_days: dict[int, set[date]], today: date | None = None) -> int:
    """Judge these people's days again and store them (caller's transaction). A
    person off the board (deactivated, or moved to a post without 考勤) keeps the
    rows of the days before today and loses today's provisional one. Returns the
    number of rows written."""
    from portal.auth.policy import ON_THE_BOARD

    today = today or clock.today()
    later = {(p, d) for p, days in person_days.items() for d in days if d > today}
    if later:  # days still to come are judged when they come, unless already stored
        stored = set(db.session.execute(select(DayRecord.person_id, DayRecord.day).where(
            DayRecord.person_id.in_({p for p, _d in later}), DayRecord.day.in_({d for _p, d in later}))).all())
        later -= stored
    person_days = {p: {d for d in days if (p, d) not in later} for p, days in person_days.items()}
    person_days = {p: days for p, days in person_days.items() if days}
    if not person_days:
        return 0
    people = _people(person_days)
    on_board = [p for p in people if p.active and p.position in ON_THE_BOARD and p.community_id is not None]
    off_board = [p for p in people if p not in on_board]
    touched_days: set[date] = set()
    if off_board:
        for person in off_board:
            past = {d for d in person_days[person.id] if d < today}
            existing = set(db.session.scalars(select(DayRecord.day).where(
                DayRecord.person_id == person.id, DayRecord.day.in_(list(past))))) if past else set()
            person_days[person.id] = existing
        ids = [p.id for p in off_board]
        db.session.execute(delete(DayRecord).where(DayRecord.person_id.in_(ids), DayRecord.day >= today,
                                                   DayRecord.final.is_(False)))
        touched_days.add(today)
        on_board += [p for p in off_board if person_days[p.id] and p.community_id is not None]
    rows = judge(on_board, person_days, today)
    _upsert(rows)
    touched_days |= {d for days in person_days.values() for d in days}
    refresh_tallies([p.id for p in people], touched_days, today)
    return len(rows)


def restate_everyone(days: Iterable[date], street_ids: set[int] | None = None, today: date | None = None) -> int:
    """These days of everyone who has a row on them (of these streets): a calendar
    day or a settings change applies to them all. Days not judged yet are judged
    with the new inputs when they are filled; today's rows are provisional anyway."""
    today = today or clock.today()
    days = {d for d in days if d <= today}
    if not days:
        return 0
    query = select(DayRecord.person_id, DayRecord.day).where(DayRecord.day.between(min(days), max(days)))
    if street_ids is not None:
        query = query.where(DayRecord.street_id.in_(list(street_ids)))
    person_days: dict[int, set[date]] = defaultdict(set)
    for person_id, day in db.session.execute(query):
        if day in days:
            person_days[person_id].add(day)
    return restate(person_days, today)


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _months(first: date, last: date) -> list[date]:
    month, found = first.replace(day=1), []
    while month <= last:
        found.append(month)
        month = month_end(month) + timedelta(days=1)
    return found


def _first_day(community_ids=None) -> date | None:
    """The first day anybody on the board (here) is judged: their go-live."""
    from portal.auth.policy import ON_THE_BOARD
    from portal.people.models import Person

    query = select(func.min(Person.portal_start)).where(Person.position.in_(list(ON_THE_BOARD)))
    if community_ids is not None:
        query = query.where(Person.community_id.in_(list(community_ids)))
    return db.session.scalar(query)


def fill(community_ids, first: date, last: date, today: date | None = None, commit: bool = True) -> int:
    """Make the days first..last (up to yesterday) of these communities final: judge
    every day not judged yet for everyone on their boards, and mark the provisional
    rows final. What is filled is kept per community and month (DayFill), so a
    second run, or a run over filled days, changes nothing and costs one query.
    Commits per month unless `commit` is False (inside the caller's transaction)."""
    today = today or clock.today()
    last = min(last, today - timedelta(days=1))
    ids = sorted(set(community_ids))
    if not ids or first > last:
        return 0
    missing = missing_years(first, last)
    if missing:  # days of a year without a work calendar wait for it (not marked filled)
        last = min(last, date(missing[0], 1, 1) - timedelta(days=1))
        if first > last:
            return 0
    months = _months(first, last)
    done = {(c, m): through for c, m, through in db.session.execute(select(
        DayFill.community_id, DayFill.month, DayFill.closed_through).where(
        DayFill.community_id.in_(ids), DayFill.month.between(months[0], months[-1])))}
    written = 0
    for month in months:
        through = min(month_end(month), last if month == months[-1] and missing else today - timedelta(days=1))
        behind: dict[date, list[int]] = defaultdict(list)  # first day to judge → communities
        for community_id in ids:
            closed = done.get((community_id, month))
            if closed is None or closed < through:
                start = closed + timedelta(days=1) if closed is not None else month
                behind[start].append(community_id)
        if not behind:
            continue
        for start, communities in behind.items():
            written += _fill_span(communities, start, through, today)
        for community_id in (c for group in behind.values() for c in group):
            row = db.session.get(DayFill, (community_id, month))
            if row is None:
                db.session.add(DayFill(community_id=community_id, month=month, closed_through=through,
                                       updated_at=clock.now()))
            else:
                row.closed_through, row.updated_at = through, clock.now()
        db.session.flush()
        if commit:
            db.session.commit()
    return written


def _fill_span(community_ids: list[int], first: date, last: date, today: date) -> int:
    from portal.auth.policy import ON_THE_BOARD
    from portal.people.models import Person

    people = db.session.scalars(select(Person).where(
        Person.active.is_(True), Person.position.in_(list(ON_THE_BOARD)), Person.community_id.in_(community_ids))
        .options(joinedload(Person.grid))).unique().all()
    span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    rows = judge(people, {p.id: span for p in people}, today)
    _upsert(rows)
    # Provisional rows of people who left meanwhile become final as they stand.
    db.session.execute(update(DayRecord).where(DayRecord.community_id.in_(community_ids),
                                               DayRecord.day.between(first, last), DayRecord.final.is_(False))
                       .values(final=True))
    ids = set(db.session.scalars(select(DayRecord.person_id).where(
        DayRecord.community_id.in_(community_ids), DayRecord.day.between(first, last)).distinct()))
    refresh_tallies(ids | {p.id for p in people}, span)
    return len(rows)


def close_days(until: date | None = None, today: date | None = None, commit: bool = True) -> int:
    """The day-close: every community's days up to `until` (yesterday) final, from
    the first go-live on. `flask close-days` runs it after midnight."""
    from portal.org.models import Community

    today = today or clock.today()
    until = min(until or today - timedelta(days=1), today - timedelta(days=1))
    first = _first_day()
    if first is None or first > until:
        return 0
    return fill(db.session.scalars(select(Community.id)).all(), first, until, today, commit)


def ensure_closed(community_ids, first: date, last: date, today: date | None = None) -> None:
    """Before reading stored rows of these communities first..last: fill what the
    day-close has not (normally nothing; then this is one query). A page that reads
    inside a transaction that has written (a lock, a report being frozen) fills
    inside it; a plain read commits the fill at once."""
    today = today or clock.today()
    settle()
    start = _first_day(community_ids) if first is None else first
    if start is None:
        return
    busy = bool(db.session.new or db.session.dirty or db.session.deleted or db.session.info.get(PENDING_KEY))
    fill(community_ids, max(start, first or start), last, today, commit=not busy)


def refill(first: date, last: date, community_ids=None) -> None:
    """Forget how far these months are judged (outside closed months), so the next
    read or day-close judges them again from the data."""
    from portal.org.models import Community

    streets = dict(db.session.execute(select(Community.id, Community.street_id)).all())
    locked = _locked(set(streets.values()), first, last)
    query = select(DayFill).where(DayFill.month.between(first.replace(day=1), last))
    if community_ids is not None:
        query = query.where(DayFill.community_id.in_(list(community_ids)))
    for row in db.session.scalars(query):
        if (streets.get(row.community_id), row.month) not in locked:
            db.session.delete(row)
    db.session.flush()


def forget_year(year: int) -> None:
    """A year's calendar removed: its stored days go too (outside closed months)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    locked = _locked(set(db.session.scalars(select(DayRecord.street_id).where(
        DayRecord.day.between(first, last)).distinct())), first, last)
    gone = db.session.execute(select(DayRecord.person_id, DayRecord.day, DayRecord.street_id).where(
        DayRecord.day.between(first, last))).all()
    doomed = [(p, d) for p, d, street in gone if (street, d.replace(day=1)) not in locked]
    for person_id, day in doomed:
        db.session.execute(delete(DayRecord).where(DayRecord.person_id == person_id, DayRecord.day == day))
    refresh_tallies({p for p, _d in doomed}, {d for _p, d in doomed})


def moved_start(person_id: int, earliest: date, today: date) -> None:
    """A person's go-live moved: their days before it go (outside closed months),
    and their community's months from the earlier of the two dates are filled
    again when next read."""
    from portal.people.models import Person

    person = db.session.get(Person, person_id)
    if person is None or person.community_id is None:
        return
    locked = {m for _s, m in _locked({person.street_id}, earliest, today)}
    for record in db.session.scalars(select(DayRecord).where(
            DayRecord.person_id == person_id, DayRecord.day < person.portal_start)):
        if record.day.replace(day=1) not in locked:
            db.session.delete(record)
    refill(earliest, today, [person.community_id])
    refresh_tallies([person_id], _span_days(earliest, today, today))


# -- reading ---------------------------------------------------------------------------------

def records(community_ids, first: date, last: date, person_id: int | None = None) -> dict[int, list[DayRecord]]:
    """Stored days of these communities' people (as they belonged then), by person."""
    query = select(DayRecord).where(DayRecord.community_id.in_(list(community_ids)),
                                    DayRecord.day.between(first, last))
    if person_id is not None:
        query = query.where(DayRecord.person_id == person_id)
    found = defaultdict(list)
    for record in db.session.scalars(query.order_by(DayRecord.person_id, DayRecord.day)):
        found[record.person_id].append(record)
    return found


def month_tallies(community_ids, month: date) -> dict[int, rules.Tally]:
    """Per person, the stored sums (MonthTally) of their final days of the month in
    these communities: the 考勤表's totals once the month is filled to yesterday."""
    T = MonthTally.__table__.c
    found: dict[int, rules.Tally] = {}
    for person_id, *values in db.session.execute(
            select(T.person_id, *(T[name] for name in rules.Tally.__dataclass_fields__))
            .where(T.community_id.in_(list(community_ids)), T.month == month)):
        tally = rules.Tally.of_values(values)
        found[person_id] = found[person_id] + tally if person_id in found else tally
    return found


def snapshot(street_id: int, first: date, last: date) -> dict[str, str]:
    """The street's cells first..last as people read them ("<person>:<day>" → 迟15)."""
    return {f"{r.person_id}:{r.day.isoformat()}": rules.cell_text(result_of(r)) for r in db.session.scalars(
        select(DayRecord).where(DayRecord.street_id == street_id, DayRecord.day.between(first, last)))}


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [f"{key} {before.get(key, '')}→{after.get(key, '')}" for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)]


# -- the writes that change a day: session hooks -------------------------------------------

def _local_day(moment) -> date | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return clock.to_local(moment).date()
    return moment


ENDS = frozenset({"patrol_end", "visit_end"})
STARTS = frozenset({"patrol_start", "visit_start"})


def event_days(at: datetime, kind=None, today: date | None = None) -> set[date]:
    """The days an event can change: its own, and the neighbour within 12 h when it
    can pair across midnight (an end in the morning may close yesterday evening's
    visit or patrol; a start in the evening, tomorrow's end, for a day already
    judged). `kind` None: either."""
    local = clock.to_local(at)
    day = local.date()
    kind = str(getattr(kind, "value", kind)) if kind is not None else None
    if local.hour < 12 and (kind is None or kind in ENDS):
        return {day, day - timedelta(days=1)}
    if local.hour >= 12 and (kind is None or kind in STARTS) and (today is None or day < today):
        return {day, day + timedelta(days=1)}
    return {day}


def _history(obj, name: str) -> set:
    state = sa_inspect(obj)
    history = state.attrs[name].history
    values = set(history.added) | set(history.unchanged) | set(history.deleted)
    if not values:
        values = {getattr(obj, name)}
    return {v for v in values if v is not None}


def _changed(obj, names) -> bool:
    state = sa_inspect(obj)
    return any(state.attrs[n].history.has_changes() for n in names)


def _span_days(first: date, last: date, today: date) -> set[date]:
    last = min(last, today)
    return {first + timedelta(days=n) for n in range((last - first).days + 1)} if first <= last else set()


class _Pending:
    """What this transaction's writes ask to be judged again, by person and for all."""

    def __init__(self):
        self.people: dict[int, set[date]] = defaultdict(set)
        self.everyone: dict = defaultdict(set)   # street id (None: every street) → days
        self.starts: dict[int, date] = {}        # person → the earlier of their old and new go-live
        self.years: set[int] = set()             # calendar years entered or removed

    def __bool__(self):
        return bool(self.people) or bool(self.everyone) or bool(self.starts) or bool(self.years)


def _pending(session) -> _Pending:
    found = session.info.get(PENDING_KEY)
    if found is None:
        found = session.info[PENDING_KEY] = _Pending()
    return found


# The tables a day is judged from whose writes the hooks below turn into days to
# judge again (tests/test_stored_days.py checks `judge` reads no other table but
# its own rows and the month locks, which refuse changes instead).
WATCHED = frozenset({"activity_events", "leave_requests", "leave_types", "people", "grids", "calendar_days",
                     "calendar_years", "attendance_settings"})
# The tables this module writes, from WATCHED alone: a page that reads them is fresh
# when its versions follow every table of WATCHED (tests/test_kept_pages.py).
DERIVED = frozenset({"attendance_days", "attendance_months", "attendance_weeks", "attendance_fill"})


def _models():
    from portal.leave.models import LeaveRequest
    from portal.org.models import Grid
    from portal.people.models import Person
    from portal.workdays.models import CalendarDay, CalendarYear

    return ActivityEvent, LeaveRequest, Person, Grid, CalendarDay, CalendarYear


def _note(session, obj, deleted: bool, today: date) -> None:
    from portal.attendance.models import AttendanceSettings
    from portal.leave.models import LeaveType

    ActivityEvent, LeaveRequest, Person, Grid, CalendarDay, CalendarYear = _models()
    pending = _pending(session)
    if isinstance(obj, ActivityEvent):
        kinds = _history(obj, "kind")
        for person_id in _history(obj, "person_id"):
            for at in _history(obj, "at"):
                pending.people[person_id] |= event_days(at, next(iter(kinds)) if len(kinds) == 1 else None, today)
    elif isinstance(obj, LeaveRequest):
        starts = _history(obj, "start_date")
        ends = _history(obj, "end_date") | {d for d in _history(obj, "returned_date")}
        if starts and ends:
            for person_id in _history(obj, "person_id"):
                pending.people[person_id] |= _span_days(min(starts), max(ends), max(ends))
    elif isinstance(obj, Person):
        if obj in session.new:
            pending.people[obj.id].add(today)  # their past days are judged when first read (fill)
        elif deleted or _changed(obj, ("active", "position", "community_id", "grid_id", "street_id",
                                       "portal_start")):
            pending.people[obj.id].add(today)
            if _changed(obj, ("portal_start",)) and obj.portal_start is not None:
                pending.starts[obj.id] = min(_history(obj, "portal_start"))
    elif isinstance(obj, LeaveType):
        if deleted or _changed(obj, ("code", "name")):
            # 公务外出 is work, other types excuse; the type's name is on the stored day.
            for person_id, start, end, returned in session.execute(select(
                    LeaveRequest.person_id, LeaveRequest.start_date, LeaveRequest.end_date,
                    LeaveRequest.returned_date).where(LeaveRequest.type_id == obj.id)):
                pending.people[person_id] |= _span_days(start, max(end, returned or end), date.max)
    elif isinstance(obj, Grid):
        if _changed(obj, ("number", "community_id")):
            pending.everyone[None].add(today)  # the grid's people; rare enough to take everyone's today
    elif isinstance(obj, CalendarDay):
        for day in _history(obj, "day"):
            pending.everyone[None].add(day)
    elif isinstance(obj, CalendarYear):
        # A whole year entered or removed: its months are judged again when next read.
        pending.years |= _history(obj, "year")
    elif isinstance(obj, AttendanceSettings):
        for start in _history(obj, "effective_from"):
            if start <= today:
                streets = _history(obj, "street_id") or {None}
                for street in streets:
                    pending.everyone[street] |= _span_days(start, today, today)


@event.listens_for(db.session, "after_flush")
def _after_flush(session, flush_context):
    if session.info.get("attendance.days.off"):
        return
    today = clock.today()
    for obj in list(session.new) + list(session.dirty):
        _note(session, obj, False, today)
    for obj in list(session.deleted):
        _note(session, obj, True, today)


@event.listens_for(db.session, "do_orm_execute")
def _on_execute(state):
    """Bulk updates and deletes (a leave decision's compare-and-set): the rows they
    are about to touch, read with their own criteria."""
    if not (state.is_insert or state.is_update or state.is_delete) or state.session.info.get("attendance.days.off"):
        return
    mapper = state.bind_mapper
    if mapper is None:
        return
    ActivityEvent, LeaveRequest, Person, *_rest = _models()
    model = mapper.class_
    today = clock.today()
    pending = _pending(state.session)
    if state.is_insert:
        params = state.parameters
        rows = [params] if isinstance(params, dict) else list(params or ())
        for row in rows:
            if model is ActivityEvent and row.get("person_id") is not None and row.get("at") is not None:
                pending.people[row["person_id"]] |= event_days(row["at"], row.get("kind"), today)
            elif model is LeaveRequest and row.get("person_id") is not None and row.get("start_date"):
                pending.people[row["person_id"]] |= _span_days(row["start_date"], row.get("end_date")
                                                               or row["start_date"], date.max)
        return
    where = state.statement.whereclause
    if model is LeaveRequest:
        rows = state.session.execute(select(LeaveRequest.person_id, LeaveRequest.start_date, LeaveRequest.end_date,
                                            LeaveRequest.returned_date).where(where if where is not None else True))
        for person_id, start, end, returned in rows:
            pending.people[person_id] |= _span_days(start, max(end, returned or end), date.max)
    elif model is ActivityEvent:
        rows = state.session.execute(select(ActivityEvent.person_id, ActivityEvent.at)
                                     .where(where if where is not None else True))
        for person_id, at in rows:
            pending.people[person_id] |= event_days(at)
    elif model is Person:
        ids = state.session.scalars(select(Person.id).where(where if where is not None else True))
        for person_id in ids:
            pending.people[person_id].add(today)


@event.listens_for(db.session, "before_commit")
def _before_commit(session):
    if not session.info.get("attendance.days.off"):
        settle(session)


def settle(session=None) -> None:
    """Judge now what this transaction's writes so far have changed (at commit, and
    before a read inside the transaction that wrote, which then sees its own writes)."""
    session = session or db.session
    session.flush()
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    today = clock.today()
    for person_id, earliest in pending.starts.items():
        moved_start(person_id, earliest, today)
    for year in pending.years:
        refill(date(year, 1, 1), date(year, 12, 31))
        if missing_years(date(year, 1, 1), date(year, 1, 1)):  # removed: no day of it can be judged
            forget_year(year)
        restate_everyone({today} & _span_days(date(year, 1, 1), date(year, 12, 31), today), None, today)
    for street, days in pending.everyone.items():
        restate_everyone(days, None if street is None else {street}, today)
    if pending.people:
        restate(dict(pending.people), today)
    session.flush()
    session.info.pop(PENDING_KEY, None)  # restate's own writes are not inputs


@event.listens_for(db.session, "after_transaction_end")
def _after_transaction_end(session, transaction):
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


class paused:
    """Bulk loaders (the demo seed, the bench) write years of events: they turn the
    hooks off and run `close_days` once at the end."""

    def __enter__(self):
        db.session.info["attendance.days.off"] = True

    def __exit__(self, *exc):
        db.session.info.pop("attendance.days.off", None)
