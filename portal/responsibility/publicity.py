"""网格责任人公示 (八个一 三: 定人、定格、定责，网格责任人公示): for one community, each
grid with its 网格员 and phone, its 包网格 书记/站长, and the community's 包社区 街镇领导,
as of a day. Read from the assignments each time it is shown, so it follows them."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.leave.cover import covers_on
from portal.org.models import Community, Grid
from portal.people.models import Person, Position
from portal.responsibility import rules


@dataclass
class Line:
    grid: Grid
    worker: Person | None
    phone: str | None
    head: Person | None
    cover: Person | None  # 代班 while the worker is on approved leave today


@dataclass
class Publicity:
    community: Community
    day: date
    leader: Person | None
    lines: list[Line]


def phone_of(person: Person | None, community: Community) -> str | None:
    if person is None:
        return None
    if person.public_office_phone or not person.phone:
        return community.office_phone
    return person.phone


def publicity(community: Community, day: date) -> Publicity:
    workers = {p.grid_id: p for p in db.session.scalars(select(Person).where(
        Person.community_id == community.id, Person.position == Position.GRID_WORKER, Person.active.is_(True),
        Person.grid_id.is_not(None)))}
    heads = rules.grid_heads(community.id, day)
    covers = covers_on(community.id, day)
    lines = [Line(grid, workers.get(grid.id), phone_of(workers.get(grid.id), community), heads.get(grid.id),
                  covers[grid.id].person if grid.id in covers else None) for grid in community.grids]
    return Publicity(community, day, rules.community_leaders([community.id], day).get(community.id), lines)
