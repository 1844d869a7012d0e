"""代班 (通知 八个一 三, 定人定格): while a 网格员 is on approved leave someone named looks
after the grid: the grid's 包网格 书记/站长 or a neighbouring grid's worker who is not
away. The approver names them with the approval; a person who is away on those days
themselves is refused. The cover shows on the board card, the hall screen and the
网格责任人公示 for the days of the leave."""
from datetime import date

from sqlalchemy import or_, select

from portal import clock
from portal.activity.rules import bump_board_version
from portal.audit import log as audit
from portal.errors import FieldErrors
from portal.extensions import db
from portal.leave.models import LeaveCover, LeaveRequest, LeaveStatus
from portal.people.models import Person, Position
from portal.responsibility.models import Assignment, AssignmentKind

COVERING = (Position.GRID_WORKER, Position.SECRETARY, Position.STATION_HEAD)
AWAY = (LeaveStatus.APPROVED, LeaveStatus.PENDING_STREET)


def needs_cover(leave: LeaveRequest) -> bool:
    person = leave.person
    return person.position is Position.GRID_WORKER and person.grid_id is not None


def away_ids(person_ids: list[int], first: date, last: date, excluding: int | None = None) -> set[int]:
    """Of these people, those with approved (or street-pending) leave on any of these days."""
    if not person_ids:
        return set()
    query = select(LeaveRequest.person_id).where(
        LeaveRequest.person_id.in_(person_ids), LeaveRequest.status.in_(AWAY),
        LeaveRequest.start_date <= last, LeaveRequest.end_date >= first)
    if excluding is not None:
        query = query.where(LeaveRequest.id != excluding)
    return set(db.session.scalars(query))


def candidates(leave: LeaveRequest) -> list[tuple[Person, str]]:
    """Who may cover, suggested first: the grid's 包网格 head, then the workers of the
    neighbouring grids, then the community's other heads and workers; nobody away."""
    person = leave.person
    people = list(db.session.scalars(select(Person).where(
        Person.community_id == person.community_id, Person.active.is_(True), Person.id != person.id,
        Person.position.in_(list(COVERING))).order_by(Person.id)))
    away = away_ids([p.id for p in people], leave.start_date, leave.end_date, excluding=leave.id)
    head_id = db.session.scalar(select(Assignment.person_id).where(
        Assignment.kind == AssignmentKind.GRID, Assignment.grid_id == person.grid_id,
        Assignment.valid_from <= leave.start_date,
        or_(Assignment.valid_to.is_(None), Assignment.valid_to >= leave.start_date)))
    number = person.grid.number if person.grid else 0

    def rank(p: Person):
        if p.id == head_id:
            return (0, 0)
        if p.grid is not None and abs(p.grid.number - number) == 1:
            return (1, p.grid.number)
        return (2 if p.position is not Position.GRID_WORKER else 3, p.grid.number if p.grid else 0)

    found = []
    for p in sorted((p for p in people if p.id not in away), key=rank):
        r = rank(p)[0]
        note = "包网格" if r == 0 else (f"相邻{p.grid.label}" if r == 1 else (p.grid.label if p.grid else p.position.label))
        found.append((p, note))
    return found


def check(leave: LeaveRequest, cover_raw: str | None) -> Person | None:
    """The named cover, or None when none is named; FieldErrors when not acceptable."""
    text = (cover_raw or "").strip()
    if not text:
        return None
    if not needs_cover(leave):
        raise FieldErrors({"cover_id": "只有网格员请假才需指定代班人员。"})
    cover = db.session.get(Person, int(text)) if text.isascii() and text.isdigit() and len(text) < 10 else None
    person = leave.person
    if (cover is None or not cover.active or cover.id == person.id or cover.community_id != person.community_id
            or cover.position not in COVERING):
        raise FieldErrors({"cover_id": "代班人员须是本社区在册的网格员、书记或站长。"})
    if away_ids([cover.id], leave.start_date, leave.end_date, excluding=leave.id):
        raise FieldErrors({"cover_id": f"{cover.name}在这段时间也请假了，不能代班，请另选他人。"})
    return cover


def name_cover(actor, leave: LeaveRequest, cover: Person) -> LeaveCover:
    """Record (or replace) the cover of a request (caller commits, with the decision)."""
    row = db.session.scalar(select(LeaveCover).where(LeaveCover.leave_id == leave.id))
    before = {"person_id": row.person_id} if row else None
    if row is None:
        row = LeaveCover(leave_id=leave.id, grid_id=leave.person.grid_id, community_id=leave.person.community_id,
                         person_id=cover.id, named_by_id=actor.id)
        db.session.add(row)
    else:
        row.person_id, row.named_by_id = cover.id, actor.id
    db.session.flush()
    if leave.community_id is not None:
        bump_board_version(leave.community_id, clock.now())
    audit.record(actor, "leave.cover_named", leave, before=before,
                 after={"person_id": cover.id, "grid_id": row.grid_id})
    return row


def covers_for(leave_ids: list[int]) -> dict[int, LeaveCover]:
    if not leave_ids:
        return {}
    return {c.leave_id: c for c in db.session.scalars(select(LeaveCover).where(LeaveCover.leave_id.in_(leave_ids)))}


def covers_on(community_id: int, day: date) -> dict[int, LeaveCover]:
    """Covers of grids whose worker is on approved leave on the day, by grid id."""
    rows = db.session.scalars(select(LeaveCover).join(LeaveRequest, LeaveRequest.id == LeaveCover.leave_id).where(
        LeaveCover.community_id == community_id, LeaveRequest.status == LeaveStatus.APPROVED,
        LeaveRequest.start_date <= day, LeaveRequest.end_date >= day))
    return {c.grid_id: c for c in rows}
