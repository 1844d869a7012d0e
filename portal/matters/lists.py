"""What the matters pages read: lists with overdue first, the per-grid and
per-community tables, the monthly figures (SQL over the stored rows: status,
due_at, closed_at, closed_on_time, satisfaction), and the xlsx export."""
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

from openpyxl import Workbook
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from portal import clock, spreadsheet
from portal.extensions import db
from portal.matters.models import OPEN, Matter, Satisfaction
from portal.org.models import Community, Grid
from portal.people.models import Person, Position

LIST_LOAD = (selectinload(Matter.kind), selectinload(Matter.urgency), selectinload(Matter.grid),
             selectinload(Matter.holder), selectinload(Matter.community))


def _overdue_first(now: datetime):
    return (case((and_(Matter.status.in_(list(OPEN)), Matter.due_at < now), 0), else_=1), Matter.due_at)


def mine(person: Person, now: datetime | None = None, limit: int = 50) -> list[Matter]:
    """What the person holds or found: open ones first (overdue at the top), then
    the latest closed."""
    now = now or clock.now()
    return list(db.session.scalars(select(Matter).options(*LIST_LOAD).where(
        or_(Matter.holder_id == person.id, Matter.found_by_id == person.id))
        .order_by(case((Matter.status.in_(list(OPEN)), 0), else_=1), *_overdue_first(now), Matter.id.desc())
        .limit(limit)))


def open_in(community_id: int | None = None, street_id: int | None = None, grid_id: int | None = None,
            now: datetime | None = None, limit: int = 200) -> list[Matter]:
    now = now or clock.now()
    query = select(Matter).options(*LIST_LOAD).where(Matter.status.in_(list(OPEN)))
    if community_id is not None:
        query = query.where(Matter.community_id == community_id)
    if street_id is not None:
        query = query.where(Matter.street_id == street_id)
    if grid_id is not None:
        query = query.where(Matter.grid_id == grid_id)
    return list(db.session.scalars(query.order_by(*_overdue_first(now), Matter.id).limit(limit)))


def overdue_count(now: datetime, *, holder_id: int | None = None, community_id: int | None = None) -> int:
    query = select(func.count()).select_from(Matter).where(Matter.status.in_(list(OPEN)), Matter.due_at < now)
    if holder_id is not None:
        query = query.where(Matter.holder_id == holder_id)
    if community_id is not None:
        query = query.where(Matter.community_id == community_id)
    return db.session.scalar(query) or 0


@dataclass
class Tally:
    label: str
    open: int = 0
    overdue: int = 0
    found: int = 0
    closed: int = 0
    on_time: int = 0
    satisfied: int = 0
    rated: int = 0

    @property
    def satisfaction(self) -> str:
        return f"{self.satisfied * 100 // self.rated}%" if self.rated else "—"


def _tally_columns(first: date, after: date, now: datetime):
    start = datetime.combine(first, datetime.min.time(), tzinfo=clock.LOCAL_TZ)
    end = datetime.combine(after, datetime.min.time(), tzinfo=clock.LOCAL_TZ)
    is_open = Matter.status.in_(list(OPEN))
    closed_in = and_(Matter.closed_at >= start, Matter.closed_at < end)

    def total(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return (total(is_open), total(and_(is_open, Matter.due_at < now)),
            total(and_(Matter.created_at >= start, Matter.created_at < end)), total(closed_in),
            total(and_(closed_in, Matter.closed_on_time.is_(True))),
            total(and_(closed_in, Matter.satisfaction.in_([Satisfaction.SATISFIED, Satisfaction.BASIC]))),
            total(and_(closed_in, Matter.satisfaction.is_not(None))))


def month_bounds(first: date) -> tuple[date, date]:
    return first, date(first.year + first.month // 12, first.month % 12 + 1, 1)


def by_grid(community: Community, first: date, now: datetime | None = None) -> list[Tally]:
    """Per grid of the community: open, overdue, found, closed (on time) and satisfied in the month."""
    now = now or clock.now()
    _, after = month_bounds(first)
    rows = db.session.execute(select(Matter.grid_id, *_tally_columns(first, after, now))
                              .where(Matter.community_id == community.id).group_by(Matter.grid_id)).all()
    found = {r[0]: r[1:] for r in rows}
    tallies = [Tally(g.label, *found.get(g.id, ())) for g in community.grids]
    if None in found:
        tallies.append(Tally("不分网格", *found[None]))
    return tallies


def open_by_grid(grid_ids: list[int], now: datetime | None = None) -> dict[int, tuple[int, int]]:
    """Open and overdue matters of each grid now (one statement): the 包网格 head's table."""
    if not grid_ids:
        return {}
    now = now or clock.now()
    is_open = Matter.status.in_(list(OPEN))
    rows = db.session.execute(
        select(Matter.grid_id, func.count(), func.coalesce(func.sum(case((Matter.due_at < now, 1), else_=0)), 0))
        .where(Matter.grid_id.in_(grid_ids), is_open).group_by(Matter.grid_id))
    return {grid_id: (int(count), int(late)) for grid_id, count, late in rows}


def by_community(street_id: int, first: date, now: datetime | None = None) -> list[tuple[Community, Tally]]:
    now = now or clock.now()
    _, after = month_bounds(first)
    rows = db.session.execute(select(Matter.community_id, *_tally_columns(first, after, now))
                              .where(Matter.street_id == street_id).group_by(Matter.community_id)).all()
    found = {r[0]: r[1:] for r in rows}
    communities = db.session.scalars(select(Community).where(Community.street_id == street_id)
                                     .order_by(Community.sort_order)).all()
    return [(c, Tally(c.name, *found.get(c.id, ()))) for c in communities]


def by_worker(community_id: int, first: date, now: datetime | None = None) -> list[Tally]:
    """Per holder (the worker a matter's figures count for) in the month."""
    now = now or clock.now()
    _, after = month_bounds(first)
    rows = db.session.execute(select(Person.name, *_tally_columns(first, after, now))
                              .join(Person, Person.id == Matter.holder_id)
                              .where(Matter.community_id == community_id)
                              .group_by(Person.id, Person.name).order_by(Person.name)).all()
    return [Tally(r[0], *r[1:]) for r in rows]


def totals(tallies) -> Tally:
    whole = Tally("合计")
    for t in tallies:
        for name in ("open", "overdue", "found", "closed", "on_time", "satisfied", "rated"):
            setattr(whole, name, getattr(whole, name) + getattr(t, name))
    return whole


EXPORT_HEADERS = ("编号", "类别", "紧急程度", "社区", "网格", "地点", "情况", "来源", "状态", "登记时间", "期限",
                  "办结时间", "按时办结", "办理结果", "反馈方式", "居民评价")


def export(community_ids: list[int], first: date, last: date) -> bytes:
    """The matters registered in the period, as xlsx (no residents' phones)."""
    start = datetime.combine(first, datetime.min.time(), tzinfo=clock.LOCAL_TZ)
    end = datetime.combine(last, datetime.max.time(), tzinfo=clock.LOCAL_TZ)
    rows = db.session.scalars(select(Matter).options(*LIST_LOAD).where(
        Matter.community_id.in_(community_ids), Matter.created_at >= start, Matter.created_at <= end)
        .order_by(Matter.id)).all()
    grid_numbers = dict(db.session.execute(select(Grid.id, Grid.number)
                                           .where(Grid.community_id.in_(community_ids))).all())
    body = [(m.number, m.kind.name, m.urgency.name, m.community.name,
             f"第{grid_numbers[m.grid_id]}网格" if m.grid_id in grid_numbers else "",
             m.place or "", m.description, m.source.label, m.status.label, clock.format_datetime(m.created_at),
             clock.format_datetime(m.due_at), clock.format_datetime(m.closed_at) if m.closed_at else "",
             "" if m.closed_on_time is None else ("是" if m.closed_on_time else "否"), m.resolution or "",
             m.feedback_how or "", m.satisfaction.label if m.satisfaction else "") for m in rows]
    book = Workbook()
    sheet = book.active
    sheet.title = "事项"
    spreadsheet.append(sheet, EXPORT_HEADERS)
    for row in body:
        spreadsheet.append(sheet, row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def overdue_for(person: Person, now: datetime | None = None, limit: int = 10) -> list[Matter]:
    """Overdue matters a home page shows: those the person holds; for the community's
    书记/站长 every overdue matter of the community (unassigned 上报 ones included)."""
    now = now or clock.now()
    query = select(Matter).options(*LIST_LOAD).where(Matter.status.in_(list(OPEN)), Matter.due_at < now)
    if person.position in (Position.SECRETARY, Position.STATION_HEAD) and person.community_id is not None:
        query = query.where(Matter.community_id == person.community_id)
    else:
        query = query.where(Matter.holder_id == person.id)
    return list(db.session.scalars(query.order_by(Matter.due_at).limit(limit)))


STAFF = (Position.GRID_WORKER, Position.FRONT_DESK, Position.SECRETARY, Position.STATION_HEAD)


def assignable(community_id: int) -> list[Person]:
    """Whom the 书记/站长 may 分派 a matter to: the community's active staff."""
    return list(db.session.scalars(select(Person).options(selectinload(Person.grid)).where(
        Person.community_id == community_id, Person.active.is_(True), Person.position.in_(list(STAFF)))
        .order_by(Person.position, Person.name)))


def staff_of(street_id: int) -> list[tuple[Community, list[Person]]]:
    """Who a 上级交办 may name: the active staff of each community of the street."""
    people = db.session.scalars(select(Person).options(selectinload(Person.grid)).where(
        Person.street_id == street_id, Person.community_id.is_not(None), Person.active.is_(True),
        Person.position.in_(list(STAFF))).order_by(Person.community_id, Person.position, Person.name)).all()
    communities = {c.id: c for c in db.session.scalars(select(Community).where(Community.street_id == street_id))}
    grouped: dict[int, list[Person]] = {}
    for person in people:
        grouped.setdefault(person.community_id, []).append(person)
    return [(communities[cid], grouped[cid]) for cid in sorted(grouped, key=lambda i: communities[i].sort_order)]
