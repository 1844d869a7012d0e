"""The one writer of the activity log, and the sequence checks it applies.

Every event reaches the log through `record_event` (a status set on the board, a
销假 that brings someone back) or `record_correction` (an approved 补卡, dated in
the past). Each writes the event, the person's current-status row, the
community's board version and an audit entry in the caller's one transaction;
nothing here commits. Nothing here imports a feature: the board, leave and
attendance call down into it.

The sequence checks are pure (plain kinds and instants, no database), so 考勤 and
the board's forms share one answer to "can this event follow the day so far?":
one 签到 a day, no 签退 before it, no end without a start, one patrol or 入户 at a
time, and a patrol or 入户 that crosses midnight can still be ended.
"""
import re
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import clock, memo
from portal.activity import locks
from portal.activity.models import (
    AWAY_KINDS,
    WORK_STARTS,
    ActivityEvent,
    BoardVersion,
    CurrentStatus,
    EventKind,
)
from portal.audit import log as audit
from portal.auth.policy import Action, can
from portal.errors import FieldErrors
from portal.extensions import db
from portal.people.models import Person
from portal.text import field_text

MAX_DESTINATION = 100
MAX_NOTE = 200
MAX_HOUSEHOLD = 30
MAX_AHEAD = timedelta(hours=24)
MAX_VISIT_MINUTES = 12 * 60      # a longer 入户 is a forgotten 入户结束, not work
ID_LIKE = re.compile(r"\d{15,}|\d{17}[\dXx]")
ENDS = {EventKind.PATROL_START: EventKind.PATROL_END, EventKind.VISIT_START: EventKind.VISIT_END}


# -- time as people see it ------------------------------------------------------------

def local_minute(moment: datetime) -> datetime:
    """Local time, to the minute shown to people."""
    return clock.to_local(moment).replace(second=0, microsecond=0)


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes between two instants as shown (09:00:50 → 10:30:10 is 90)."""
    return int((local_minute(end) - local_minute(start)).total_seconds() // 60)


def day_bounds(day) -> tuple[datetime, datetime]:
    """A local day as [start, end) instants."""
    start = datetime.combine(day, time(0, 0), tzinfo=clock.LOCAL_TZ)
    return start, start + timedelta(days=1)


# -- sequence checks (pure) -----------------------------------------------------------

def check_visit_duration(minutes: int | None) -> str | None:
    """A Chinese message for an impossible 入户 duration, else None."""
    if minutes is None:
        return None
    if minutes < 0:
        return "入户结束时间不能早于开始时间。"
    if minutes > MAX_VISIT_MINUTES:
        return "单次入户不能超过 12 小时，请核对开始和结束时间。"
    return None


def open_at_midnight(events_before_today: Iterable, now: datetime) -> set[EventKind]:
    """The starts (巡查开始 / 入户开始) among the events before today (in order) that
    were never ended and began at most 12 h before `now`: a visit from 21:00 may end
    at 00:20, while one forgotten since yesterday morning does not block today."""
    running: dict[EventKind, datetime] = {}
    for event in events_before_today:
        kind = EventKind.of(event.kind)
        if kind in ENDS:
            running[kind] = event.at
        elif kind is EventKind.PATROL_END:
            running.pop(EventKind.PATROL_START, None)
        elif kind is EventKind.VISIT_END:
            running.pop(EventKind.VISIT_START, None)
    return {kind for kind, at in running.items() if minutes_between(at, now) <= MAX_VISIT_MINUTES}


def check_clock_event(kind, previous_kinds_today: Iterable, open_since_yesterday: Iterable = ()) -> str | None:
    """A Chinese message when `kind` cannot follow today's earlier events (in
    order, EventKind or values), else None. One 签到 a day, also during a patrol or
    入户; 签退 may be repeated (the last counts); 巡查 and 入户 may start before 签到
    or after 签退 (a worker may go straight to the grid; evening and weekend visits),
    but one at a time.
    `open_since_yesterday` (see open_at_midnight) are starts still running at
    midnight, so a visit or patrol that crosses midnight can be ended."""
    kind = EventKind.of(kind)
    if kind is None:
        return "未知的状态，请从按钮中选择。"
    carried = {EventKind.of(k) for k in open_since_yesterday}
    clocked_in = False
    patrol_open = EventKind.PATROL_START in carried
    visit_open = EventKind.VISIT_START in carried
    for previous in previous_kinds_today:
        previous = EventKind.of(previous)
        if previous is EventKind.CLOCK_IN:
            clocked_in = True
        elif previous is EventKind.PATROL_START:
            patrol_open = True
        elif previous is EventKind.PATROL_END:
            patrol_open = False
        elif previous is EventKind.VISIT_START:
            visit_open = True
        elif previous is EventKind.VISIT_END:
            visit_open = False
    if kind is EventKind.CLOCK_IN and clocked_in:
        return "今天已经签到。"
    if kind is EventKind.CLOCK_OUT and not clocked_in:
        return "今天还没有签到，不能签退。"
    if kind is EventKind.PATROL_END and not patrol_open:
        return "没有进行中的巡查，不能结束巡查。"
    if kind is EventKind.VISIT_END and not visit_open:
        return "没有进行中的入户，不能结束入户。"
    if kind is EventKind.PATROL_START and patrol_open:
        return "上一次巡查还没有结束，不能重新开始巡查。"
    if kind is EventKind.VISIT_START and visit_open:
        return "上一次入户还没有结束，不能重新开始入户。"
    # 签到 may come during a patrol or 入户 (a worker who went straight to the grid).
    if kind not in (EventKind.PATROL_END, EventKind.VISIT_END, EventKind.CLOCK_IN):
        if patrol_open:
            return "巡查还没有结束，请先结束巡查。"
        if visit_open:
            return "入户还没有结束，请先结束入户。"
    return None


# -- board versions ---------------------------------------------------------------------

BOARD_STATES = "board.states"  # portal.memo: what this worker last read of each board


def board_version(community_id: int) -> int:
    return db.session.scalar(select(BoardVersion.version).where(BoardVersion.community_id == community_id)) or 0


def bump_board_version(community_id: int, now: datetime) -> int:
    """Increment a community's board version and return it. The UPDATE's row lock
    orders concurrent writers of one board; the first write ever inserts the row,
    in a savepoint so that losing that race only means updating instead."""
    bump = (update(BoardVersion).where(BoardVersion.community_id == community_id)
            .values(version=BoardVersion.version + 1, changed_at=now))
    if db.session.execute(bump).rowcount == 0:
        try:
            with db.session.begin_nested():
                db.session.add(BoardVersion(community_id=community_id, version=1, changed_at=now))
        except IntegrityError:
            db.session.execute(bump)
    memo.forget(BOARD_STATES, community_id)
    return board_version(community_id)


# -- reading the log --------------------------------------------------------------------

def events_on(day, *, person_id: int | None = None, community_id: int | None = None) -> list[ActivityEvent]:
    """One day's log, of a person or of a whole community, in order."""
    start, end = day_bounds(day)
    query = (select(ActivityEvent).where(ActivityEvent.at >= start, ActivityEvent.at < end)
             .options(joinedload(ActivityEvent.entered_by), joinedload(ActivityEvent.person))
             .order_by(ActivityEvent.at, ActivityEvent.id))
    if person_id is not None:
        query = query.where(ActivityEvent.person_id == person_id)
    if community_id is not None:
        query = query.where(ActivityEvent.community_id == community_id)
    return list(db.session.scalars(query))


def _events_before(person_id: int, day, now: datetime) -> tuple[list[ActivityEvent], list[ActivityEvent]]:
    """(the last 12 h of yesterday's events, today's events up to now), in order: a
    patrol or 入户 that crosses midnight is ended from yesterday's tail."""
    start, _end = day_bounds(day)
    since = start - timedelta(minutes=MAX_VISIT_MINUTES)
    events = list(db.session.scalars(
        select(ActivityEvent).where(ActivityEvent.person_id == person_id, ActivityEvent.at >= since,
                                    ActivityEvent.at <= now).order_by(ActivityEvent.at, ActivityEvent.id)))
    return [e for e in events if e.at < start], [e for e in events if e.at >= start]


# -- writing the log --------------------------------------------------------------------

def _sequence_problem(person: Person, kind: EventKind, now: datetime) -> str | None:
    """Why `kind` cannot be recorded for this person now (a closed month, or the
    day's sequence), else None."""
    day = clock.to_local(now).date()
    if locks.is_locked(person.street_id, day):
        return locks.LOCKED_MESSAGE.format(year=day.year, month=day.month)
    yesterday, earlier = _events_before(person.id, day, now)
    problem = check_clock_event(kind, [e.kind for e in earlier], open_at_midnight(yesterday, now))
    if problem is None and kind is EventKind.VISIT_END:
        start = next((e for e in reversed(yesterday + earlier) if e.kind is EventKind.VISIT_START), None)
        if start is not None:
            problem = check_visit_duration(minutes_between(start.at, now))
    return problem


def _checked_input(person: Person, kind_value: str, destination, note, household, expected_return,
                   now: datetime) -> tuple:
    """(kind, destination, note, household, expected_return) cleaned, or FieldErrors."""
    errors: dict[str, str] = {}
    kind = EventKind.of(kind_value)
    if kind is None:
        errors["kind"] = "未知的状态，请从按钮中选择。"
    elif problem := _sequence_problem(person, kind, now):
        errors["kind"] = problem
    destination = field_text(destination, MAX_DESTINATION, "destination", "去向", errors)
    note = field_text(note, MAX_NOTE, "note", "备注", errors)
    household = field_text(household, MAX_HOUSEHOLD, "household", "入户门牌", errors)
    if household and ID_LIKE.search(household):
        errors["household"] = "入户门牌只填楼-单元-室，不要填写身份证号等个人信息。"
    if kind is not EventKind.VISIT_START:
        household = None
    if kind not in AWAY_KINDS:
        expected_return = None  # only someone who is away comes back
    if expected_return is not None:
        if expected_return <= now:
            errors["expected_return"] = "预计返回时间不能早于现在。"
        elif expected_return > now + MAX_AHEAD:
            errors["expected_return"] = "预计返回时间不能晚于 24 小时之后。"
    if errors:
        raise FieldErrors(errors)
    return kind, destination, note, household, expected_return


def _set_current(event: ActivityEvent, actor, version: int, on_behalf: bool) -> CurrentStatus:
    """Make `event` the person's current status at board `version`; a 签到 during
    today's patrol or 入户 only marks the day clocked in (the card stays on the work)."""
    current = db.session.get(CurrentStatus, event.person_id)
    if current is None:
        current = CurrentStatus(person_id=event.person_id, community_id=event.community_id)
        db.session.add(current)
    day = clock.to_local(event.at).date()
    if event.kind is EventKind.CLOCK_IN:
        current.clocked_in_on = day
        if current.kind in (EventKind.PATROL_START, EventKind.VISIT_START) and current.since is not None \
                and clock.to_local(current.since).date() == day:
            current.version = version
            return current
    current.event_id, current.kind, current.since = event.id, event.kind, event.at
    current.destination, current.expected_return, current.note = event.destination, event.expected_return, event.note
    current.set_by_id, current.on_behalf, current.version = actor.id, on_behalf, version
    return current


def clocked_in_today(person_id: int, now: datetime) -> bool:
    start, end = day_bounds(clock.to_local(now).date())
    return db.session.scalar(select(ActivityEvent.id).where(
        ActivityEvent.person_id == person_id, ActivityEvent.kind == EventKind.CLOCK_IN,
        ActivityEvent.at >= start, ActivityEvent.at < end).limit(1)) is not None


def record_event(actor, person: Person, kind_value: str, *, destination=None, note=None, household=None,
                 expected_return: datetime | None = None, now: datetime | None = None,
                 clock_in_first: bool = False) -> ActivityEvent:
    """Record one event and move the person's card (caller commits). Raises
    PermissionError when the actor may not set this person's status, FieldErrors
    (field → Chinese message) for bad input; nothing is written in either case.

    `clock_in_first` (the caller decides: the worker's own first work of a working
    day): when the event starts work and there is no 签到 today, a 签到 at the same
    minute is recorded before it, so a day begun on patrol is not a day of 缺勤."""
    if not can(actor, Action.SET_STATUS, person):
        raise PermissionError("may not set this person's status")
    # Concurrent writers of one card queue on the person's row (SQLite's BEGIN
    # IMMEDIATE already queues them), so the day's sequence is checked and the
    # clock read only after the previous write committed: one 签到 a day, and the
    # card's event is also the day's latest.
    db.session.execute(select(Person.id).where(Person.id == person.id).with_for_update())
    now = now or clock.now()
    kind, destination, note, household, expected_return = _checked_input(
        person, kind_value, destination, note, household, expected_return, now)

    version = bump_board_version(person.community_id, now)
    on_behalf = actor.person_id != person.id
    if clock_in_first and kind in WORK_STARTS and not clocked_in_today(person.id, now):
        implied = ActivityEvent(person_id=person.id, community_id=person.community_id, kind=EventKind.CLOCK_IN,
                                at=now, note=f"随{kind.label}签到", entered_by_id=actor.id)
        db.session.add(implied)
        db.session.flush()
        _set_current(implied, actor, version, on_behalf)
        audit.record(actor, "board.status_set", implied, on_behalf_of=person if on_behalf else None,
                     after={"person_id": person.id, "kind": EventKind.CLOCK_IN.value, "implied_by": kind.value})
    event = ActivityEvent(person_id=person.id, community_id=person.community_id, kind=kind, at=now,
                          destination=destination, expected_return=expected_return, note=note,
                          household=household, entered_by_id=actor.id)
    db.session.add(event)
    db.session.flush()
    _set_current(event, actor, version, on_behalf)
    audit.record(actor, "board.status_set", event, on_behalf_of=person if on_behalf else None,
                 after={"person_id": person.id, "kind": kind.value, "destination": destination,
                        "expected_return": expected_return.isoformat() if expected_return else None})
    return event


def record_correction(actor, person_id: int, community_id: int, kind: EventKind, at: datetime, note: str,
                      now: datetime) -> ActivityEvent:
    """An approved 补卡: the missing clock event, dated `at`, entered by the approver
    (who has checked the permission, the month lock and the monthly limit; the
    decision is audited by the caller). A 补签到 for this morning moves today's card,
    if nothing later has."""
    event = ActivityEvent(person_id=person_id, community_id=community_id, kind=kind, at=at, note=note,
                          entered_by_id=actor.id)
    db.session.add(event)
    db.session.flush()
    today = clock.to_local(now).date()
    if clock.to_local(at).date() == today:
        current = db.session.get(CurrentStatus, person_id)
        if current is None or current.since < at or clock.to_local(current.since).date() != today:
            current = _set_current(event, actor, bump_board_version(community_id, now), on_behalf=True)
            if current.event_id == event.id:
                current.note = None  # the card shows the clock event, not the 补卡's reason
        elif kind is EventKind.CLOCK_IN:  # the card stays on what came later; the day is clocked in
            current.clocked_in_on = today
            current.version = bump_board_version(community_id, now)
    return event
