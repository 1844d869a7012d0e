"""A grid's month in figures, for the 书记/站长 who 包网格 (通知 工作要求 三(二)): the
patrols and 入户 its people logged (the stored day results), and the community's
open 整改. A later feature adds its own columns through `extra`: each is
(label, fn(grids, first, last) → {grid_id: value})."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from portal.attendance.models import DayRecord
from portal.extensions import db
from portal.inspections.models import ActionStatus, CorrectiveAction
from portal.org.models import Grid
from portal.responsibility.supervision import month_bounds

Column = tuple[str, Callable[[list[Grid], date, date], dict[int, object]]]


@dataclass
class GridFigures:
    grid: Grid
    patrols: int = 0
    visit_minutes: int = 0
    open_actions: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def visit_hours(self) -> str:
        return f"{self.visit_minutes / 60:.1f}"


def grid_figures(grids: list[Grid], month: date, extra: Iterable[Column] = ()) -> list[GridFigures]:
    first, last = month_bounds(month)
    rows = {g.id: GridFigures(g) for g in grids}
    by_place = {(g.community_id, g.number): g.id for g in grids}
    community_ids = sorted({g.community_id for g in grids})
    if not community_ids:
        return []
    for community_id, number, patrols, visits in db.session.execute(
            select(DayRecord.community_id, DayRecord.grid_number, func.sum(DayRecord.patrol_done),
                   func.sum(DayRecord.visit_minutes))
            .where(DayRecord.community_id.in_(community_ids), DayRecord.grid_number.is_not(None),
                   DayRecord.day.between(first, last))
            .group_by(DayRecord.community_id, DayRecord.grid_number)):
        grid_id = by_place.get((community_id, number))
        if grid_id is not None:
            rows[grid_id].patrols, rows[grid_id].visit_minutes = int(patrols or 0), int(visits or 0)
    open_by_community = dict(db.session.execute(
        select(CorrectiveAction.community_id, func.count()).where(
            CorrectiveAction.community_id.in_(community_ids), CorrectiveAction.status != ActionStatus.VERIFIED)
        .group_by(CorrectiveAction.community_id)).all())
    for row in rows.values():
        row.open_actions = open_by_community.get(row.grid.community_id, 0)
    for label, column in extra:
        values = column(grids, first, last)
        for grid_id, row in rows.items():
            row.extra[label] = values.get(grid_id, 0)
    return [rows[g.id] for g in grids]


def _open_matters(grids: list[Grid], first: date, last: date) -> dict[int, object]:
    from portal.matters.lists import open_by_grid

    return {grid_id: f"{count}（逾期{late}）" if late else count
            for grid_id, (count, late) in open_by_grid([g.id for g in grids]).items()}


# 便民服务事项 still open in each grid now, overdue ones counted in brackets.
MATTER_COLUMNS: tuple[Column, ...] = (("未办结事项", _open_matters),)


def home_panel(person, today: date) -> dict:
    """What a home page shows of 包社区/包网格: a leader's gaps this month, a 书记's or
    站长's grids with their figures, the administrator's units without anyone."""
    from portal.people.models import Position
    from portal.responsibility import rules, supervision

    month = today.replace(day=1)
    if person.position is Position.STREET_LEADER:
        return {"resp_gaps": supervision.my_gaps(person, month), "resp_month": month}
    if person.position in rules.HEADS:
        return {"resp_grids": grid_figures(rules.assigned_grids(person.id, today), month, MATTER_COLUMNS),
                "resp_month": month}
    if person.position is Position.ADMIN:
        return {"resp_unassigned": rules.gaps(day=today)}
    return {}
