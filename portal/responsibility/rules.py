"""包社区 and 包网格 (通知 工作要求 三(一)(二)): each 街镇领导 answers for communities of
their street, each 书记 and 站长 for grids of their community, on dated terms.

A unit (community or grid) has at most one responsible person on any day. A new term
that starts after the open term of the same unit ends that term the day before (the
history shows the hand-over); any other overlap is refused. Every edit moves the
unit's book version by compare-and-set (DESIGN "SQLite under concurrency"), so of two
simultaneous edits one wins and the other is told to reload: the history stays one
consistent sequence of terms.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.audit import log as audit
from portal.auth.policy import Action, can
from portal.errors import FieldErrors
from portal.extensions import db
from portal.org.models import Community, Grid, Street
from portal.people.models import Person, Position
from portal.responsibility.models import Assignment, AssignmentBook, AssignmentKind

EARLIEST = date(2017, 1, 1)  # the notice's year: no term starts before it
HEADS = (Position.SECRETARY, Position.STATION_HEAD)


class Conflict(FieldErrors):
    """Someone else changed the same assignments first."""


def scope_of(kind: AssignmentKind, unit_id: int) -> str:
    """A street's 包社区 book, or a community's 包网格 book."""
    return f"{'street' if kind is AssignmentKind.COMMUNITY else 'community'}:{unit_id}"


def book_version(scope: str) -> int:
    return db.session.scalar(select(AssignmentBook.version).where(AssignmentBook.scope == scope)) or 0


def _move_book(scope: str, expected: int) -> None:
    """The compare-and-set: the first write of the edit's transaction."""
    message = {"form": "分包安排刚被他人修改，请刷新页面后重试。"}
    if expected == 0 and book_version(scope) == 0:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(AssignmentBook).values(scope=scope, version=1))
        except IntegrityError:
            raise Conflict(message) from None
        return
    result = db.session.execute(
        update(AssignmentBook).where(AssignmentBook.scope == scope, AssignmentBook.version == expected)
        .values(version=expected + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(message)


def snapshot(a: Assignment) -> dict:
    return {"kind": a.kind.value, "person_id": a.person_id, "community_id": a.community_id,
            "grid_id": a.grid_id, "valid_from": a.valid_from.isoformat(),
            "valid_to": a.valid_to.isoformat() if a.valid_to else None}


def parse_term_date(raw: str | None, field: str, label: str, errors: dict, required: bool) -> date | None:
    text = (raw or "").strip()
    if not text:
        if required:
            errors[field] = f"请填写{label}。"
        return None
    day = clock.parse_date(text) if len(text) == 10 else None
    if day is None:
        errors[field] = f"{label}不是有效日期（格式如 2026-11-01）。"
        return None
    if day < EARLIEST or day > clock.today() + timedelta(days=366):
        errors[field] = f"{label}须在 2017 年之后、一年以内。"
        return None
    return day


def _overlapping(kind: AssignmentKind, unit_id: int, first: date, last: date | None) -> list[Assignment]:
    unit = Assignment.community_id if kind is AssignmentKind.COMMUNITY else Assignment.grid_id
    query = select(Assignment).where(Assignment.kind == kind, unit == unit_id,
                                     or_(Assignment.valid_to.is_(None), Assignment.valid_to >= first))
    if last is not None:
        query = query.where(Assignment.valid_from <= last)
    return list(db.session.scalars(query.order_by(Assignment.valid_from)))


def check_person(kind: AssignmentKind, person: Person | None, community: Community) -> str | None:
    if person is None or not person.active:
        return "请选择在册人员。"
    if kind is AssignmentKind.COMMUNITY:
        if person.position is not Position.STREET_LEADER or person.street_id != community.street_id:
            return "包社区的须是本街镇的街镇领导。"
    elif person.position not in HEADS or person.community_id != community.id:
        return "包网格的须是本社区的书记或站长。"
    return None


def assign(actor, kind: AssignmentKind, unit, person: Person | None, first_raw: str | None,
           last_raw: str | None, expected_version: int) -> Assignment:
    """A new term for a community (unit: Community) or a grid (unit: Grid). The caller
    has checked that the unit belongs to the page's street or community."""
    community = unit if kind is AssignmentKind.COMMUNITY else unit.community
    if not can(actor, Action.MANAGE_ASSIGNMENTS, community):
        raise PermissionError("not the admin or this street")
    errors: dict[str, str] = {}
    if (problem := check_person(kind, person, community)) is not None:
        errors["person_id"] = problem
    first = parse_term_date(first_raw, "valid_from", "起始日期", errors, required=True)
    last = parse_term_date(last_raw, "valid_to", "截止日期", errors, required=False)
    if first and last and last < first:
        errors["valid_to"] = "截止日期不能早于起始日期。"
    if errors:
        raise FieldErrors(errors)
    unit_scope = community.street_id if kind is AssignmentKind.COMMUNITY else community.id
    _move_book(scope_of(kind, unit_scope), expected_version)
    for term in _overlapping(kind, unit.id, first, last):
        if term.valid_to is None and term.valid_from < first and last is None:
            before = snapshot(term)
            term.valid_to = first - timedelta(days=1)
            term.version += 1
            audit.record(actor, "responsibility.ended", term, before=before, after=snapshot(term))
            continue
        raise FieldErrors({"valid_from": f"与{term.person.name}的任期（{_term_label(term)}）重叠，请调整日期。"})
    term = Assignment(kind=kind, person_id=person.id, street_id=community.street_id, community_id=community.id,
                      grid_id=unit.id if kind is AssignmentKind.GRID else None, valid_from=first, valid_to=last,
                      created_by_id=actor.id)
    db.session.add(term)
    db.session.flush()
    audit.record(actor, "responsibility.assigned", term, after=snapshot(term))
    return term


def end_term(actor, term: Assignment, last_raw: str | None, expected_version: int) -> Assignment:
    """End an open term on a given day (the person no longer answers for the unit)."""
    if not can(actor, Action.MANAGE_ASSIGNMENTS, term.community):
        raise PermissionError("not the admin or this street")
    errors: dict[str, str] = {}
    last = parse_term_date(last_raw, "valid_to", "截止日期", errors, required=True)
    if last is not None and last < term.valid_from:
        errors["valid_to"] = "截止日期不能早于起始日期。"
    if term.valid_to is not None:
        errors["valid_to"] = "该任期已结束。"
    if errors:
        raise FieldErrors(errors)
    unit_scope = term.street_id if term.kind is AssignmentKind.COMMUNITY else term.community_id
    _move_book(scope_of(term.kind, unit_scope), expected_version)
    before = snapshot(term)
    result = db.session.execute(
        update(Assignment).where(Assignment.id == term.id, Assignment.version == term.version,
                                 Assignment.valid_to.is_(None))
        .values(valid_to=last, version=term.version + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict({"form": "分包安排刚被他人修改，请刷新页面后重试。"})
    db.session.refresh(term)
    audit.record(actor, "responsibility.ended", term, before=before, after=snapshot(term))
    return term


def _bump_book(scope: str) -> None:
    """Move a book without an expected version: a change made elsewhere (a person moved
    or out of service) makes any assignment page open at the time stale."""
    moved = db.session.execute(
        update(AssignmentBook).where(AssignmentBook.scope == scope)
        .values(version=AssignmentBook.version + 1).execution_options(synchronize_session=False))
    if moved.rowcount == 1:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(AssignmentBook).values(scope=scope, version=1))
    except IntegrityError:
        _bump_book(scope)


def end_terms_of(actor, person: Person, day: date | None = None) -> list[dict]:
    """The person has moved (street, community, position) or left service: every term
    still running on `day` (today) or later that they may no longer hold ends the day
    before, and one that had not begun is withdrawn, so the unit shows as a gap from
    the day of the change. Audited, in the caller's transaction (caller commits).
    Returns the snapshots of the terms as they now are (withdrawn ones as they were)."""
    day = day or clock.today()
    terms = db.session.scalars(select(Assignment).where(
        Assignment.person_id == person.id, or_(Assignment.valid_to.is_(None), Assignment.valid_to >= day))
        .order_by(Assignment.id)).all()
    changed = []
    for term in terms:
        if check_person(term.kind, person, term.community) is None:
            continue
        _bump_book(scope_of(term.kind, term.street_id if term.kind is AssignmentKind.COMMUNITY
                            else term.community_id))
        before = snapshot(term)
        if term.valid_from >= day:
            db.session.delete(term)
            db.session.flush()
            audit.record(actor, "responsibility.withdrawn", object_type=Assignment.__tablename__,
                         object_id=term.id, community_id=term.community_id, before=before,
                         after={"reason": "person_changed"})
            changed.append(before)
            continue
        result = db.session.execute(
            update(Assignment).where(Assignment.id == term.id, Assignment.version == term.version)
            .values(valid_to=day - timedelta(days=1), version=term.version + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise Conflict({"form": "分包安排刚被他人修改，请刷新页面后重试。"})
        db.session.refresh(term)
        audit.record(actor, "responsibility.ended", term, before=before,
                     after={**snapshot(term), "reason": "person_changed"})
        changed.append(snapshot(term))
    return changed


def _term_label(term: Assignment) -> str:
    end = clock.format_date(term.valid_to) if term.valid_to else "至今"
    return f"{clock.format_date(term.valid_from)} 至 {end}" if term.valid_to else f"{clock.format_date(term.valid_from)}起"


def term_label(term: Assignment) -> str:
    return _term_label(term)


# -- reading ---------------------------------------------------------------------------

def _current(query, day: date):
    return query.where(Assignment.valid_from <= day,
                       or_(Assignment.valid_to.is_(None), Assignment.valid_to >= day))


def community_leaders(community_ids: list[int], day: date) -> dict[int, Person]:
    """The 包社区 leader of each community on a day (absent: a gap)."""
    rows = db.session.execute(_current(
        select(Assignment.community_id, Person).join(Person, Person.id == Assignment.person_id)
        .where(Assignment.kind == AssignmentKind.COMMUNITY, Assignment.community_id.in_(community_ids)), day))
    return {community_id: person for community_id, person in rows}


def grid_heads(community_id: int, day: date) -> dict[int, Person]:
    """The 包网格 书记/站长 of each grid of a community on a day, by grid id."""
    rows = db.session.execute(_current(
        select(Assignment.grid_id, Person).join(Person, Person.id == Assignment.person_id)
        .where(Assignment.kind == AssignmentKind.GRID, Assignment.community_id == community_id), day))
    return {grid_id: person for grid_id, person in rows}


def history(kind: AssignmentKind, *, street_id: int | None = None, community_id: int | None = None) -> list[Assignment]:
    query = select(Assignment).where(Assignment.kind == kind)
    if street_id is not None:
        query = query.where(Assignment.street_id == street_id)
    if community_id is not None:
        query = query.where(Assignment.community_id == community_id)
    return list(db.session.scalars(query.order_by(Assignment.community_id, Assignment.grid_id,
                                                  Assignment.valid_from.desc())))


def assigned_communities(person_id: int, first: date, last: date) -> list[Community]:
    """Communities a leader answered for on any day between first and last."""
    ids = db.session.scalars(
        select(Assignment.community_id).where(
            Assignment.kind == AssignmentKind.COMMUNITY, Assignment.person_id == person_id,
            Assignment.valid_from <= last, or_(Assignment.valid_to.is_(None), Assignment.valid_to >= first))
        .distinct()).all()
    if not ids:
        return []
    return list(db.session.scalars(select(Community).where(Community.id.in_(ids)).order_by(Community.sort_order)))


def assigned_grids(person_id: int, day: date) -> list[Grid]:
    ids = db.session.scalars(_current(select(Assignment.grid_id).where(
        Assignment.kind == AssignmentKind.GRID, Assignment.person_id == person_id), day)).all()
    if not ids:
        return []
    return list(db.session.scalars(select(Grid).where(Grid.id.in_(ids)).order_by(Grid.number)))


def answers_for(person_id: int, community_id: int, day: date) -> bool:
    return db.session.scalar(_current(select(Assignment.id).where(
        Assignment.kind == AssignmentKind.COMMUNITY, Assignment.person_id == person_id,
        Assignment.community_id == community_id), day).limit(1)) is not None


@dataclass
class Gaps:
    communities: list[Community]       # without a 包社区 leader today
    grids: list[Grid]                   # without a 包网格 书记/站长 today

    @property
    def empty(self) -> bool:
        return not self.communities and not self.grids


def gaps(street_id: int | None = None, community_id: int | None = None, day: date | None = None) -> Gaps:
    """Units nobody answers for today, within a community, a street or the district."""
    day = day or clock.today()
    communities = select(Community)
    if street_id is not None:
        communities = communities.where(Community.street_id == street_id)
    if community_id is not None:
        communities = communities.where(Community.id == community_id)
    led = _current(select(Assignment.community_id).where(Assignment.kind == AssignmentKind.COMMUNITY), day)
    headed = _current(select(Assignment.grid_id).where(Assignment.kind == AssignmentKind.GRID), day)
    open_communities = db.session.scalars(
        communities.where(Community.id.not_in(led)).order_by(Community.street_id, Community.sort_order)).all()
    grids = select(Grid).join(Community, Community.id == Grid.community_id).where(Grid.id.not_in(headed))
    if street_id is not None:
        grids = grids.where(Community.street_id == street_id)
    if community_id is not None:
        grids = grids.where(Grid.community_id == community_id)
    open_grids = db.session.scalars(grids.order_by(Community.street_id, Community.sort_order, Grid.number)).all()
    return Gaps(list(open_communities), list(open_grids))


def leaders_of(street: Street) -> list[Person]:
    return list(db.session.scalars(select(Person).where(
        Person.street_id == street.id, Person.position == Position.STREET_LEADER, Person.active.is_(True))
        .order_by(Person.id)))


def heads_of(community: Community) -> list[Person]:
    return list(db.session.scalars(select(Person).where(
        Person.community_id == community.id, Person.position.in_(list(HEADS)), Person.active.is_(True))
        .order_by(Person.position.desc(), Person.id)))
