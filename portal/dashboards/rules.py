"""Dashboard figures: month by month per 社区 and for a whole 街镇, from the same
stored day results as the 考勤表 and the same scoring as the inspections.

- 出勤率: 出勤天数 ÷ (出勤天数 + 缺勤天数) over workdays; approved leave is neither
  (工作规范 二(四) has staff ask leave before going away: leave so granted is not 缺勤).
- 巡查达标率 (一日双巡, 工作规范 二(二): "网格员每日上、下午必须在网格内各巡查一次"):
  the 考勤表's figure (the mean daily patrol ratio over days on duty), of the grid
  workers only: the office staff on the board have no patrols to do.
- 周均入户 (弹性入户 ≥ 5 h a week, 工作规范 二(二)): the grid workers' visit hours in
  the judged days of the month ÷ workers ÷ (judged days ÷ 7), against the 街镇's
  weekly target.
- 检查得分 (八个统一): the mean score of inspections submitted in the month.

A month in which nobody of a group has a single event in the log has no attendance
figures (the log was not kept yet), rather than showing everybody 缺勤.

Attendance is read from the stored month sums of the judged days
(portal.attendance.days), summarised by the 考勤表's own Tally; inspections from one
query: the number of queries does not grow with months, days or people.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal import clock
from portal.attendance import days
from portal.attendance import rules as attendance
from portal.attendance.models import MonthTally
from portal.attendance.settings import settings_for
from portal.board import rules as board
from portal.extensions import db
from portal.inspections.models import Inspection, InspectionStatus

METRICS = ("attendance", "patrol", "visits", "inspections")
DEFAULT_MONTHS, MIN_MONTHS, MAX_MONTHS = 3, 2, 12  # a quarter (季度考核) by default
TOTAL = None  # key of the whole group's figures beside each community's


def month_firsts(today: date, count: int) -> list[date]:
    """The first days of the last `count` months, oldest first, this month last."""
    first = today.replace(day=1)
    firsts = [first]
    for _ in range(count - 1):
        first = (first - timedelta(days=1)).replace(day=1)
        firsts.append(first)
    return firsts[::-1]


def running_month(months: list[date], today: date, through: date) -> tuple[int, str] | None:
    """(index, note) of the month still running among `months`, whose figures go up
    to `through` (yesterday for the judged days, today for inspections): the charts
    mark it rather than draw it like a full month. None when every month is over."""
    if not months or months[-1] != today.replace(day=1):
        return None
    if through < months[-1]:
        return len(months) - 1, "本月刚开始"
    return len(months) - 1, f"截至{through.day}日"


def parse_months(raw: str | None) -> tuple[int, str | None]:
    """How many months to show, from the query string; a bad value gives the default
    and a message."""
    text = (raw or "").strip()
    if not text:
        return DEFAULT_MONTHS, None
    if text.isascii() and text.isdigit() and MIN_MONTHS <= int(text) <= MAX_MONTHS:
        return int(text), None
    return DEFAULT_MONTHS, f"月数应为 {MIN_MONTHS}–{MAX_MONTHS} 之间的整数，已按 {DEFAULT_MONTHS} 个月显示。"


@dataclass
class Trends:
    months: list[date]
    # community id (or TOTAL) → metric → one value per month (None: no figure)
    values: dict = field(default_factory=dict)
    visit_target_hours: float = 5.0
    calendar_missing: list[int] = field(default_factory=list)

    def series(self, metric: str, key=TOTAL) -> list:
        return self.values.get(key, {}).get(metric, [None] * len(self.months))


def _rate(numerator: Decimal, denominator: Decimal) -> float | None:
    return None if denominator == 0 else float(numerator / denominator)


def attendance_figures(everyone: attendance.Tally, grid: attendance.Tally, grid_workers: int,
                       judged_days: int) -> dict:
    """出勤率 (everyone's), 巡查达标率 and 周均入户 (the grid workers') of a group from
    the sums of its people's days, by the 考勤表's own summary (attendance.rules.Tally)."""
    if everyone.days == 0:
        return {"attendance": None, "patrol": None, "visits": None}
    visits = None
    if grid_workers and judged_days:
        visits = round(float(grid.visit_hours) / grid_workers / (judged_days / 7), 2)
    return {"attendance": everyone.attendance_rate, "patrol": grid.patrol_rate, "visits": visits}


def month_tallies(community_ids: list[int], first: date, last: date) -> dict:
    """{(community id, month, grid worker?): (Tally, people)} from the stored month
    sums, one query whatever the months and people."""
    T = MonthTally
    grid = T.grid_number.is_not(None)
    rows = db.session.execute(select(
        T.community_id, T.month, grid.label("grid"), func.count(func.distinct(T.person_id)).label("people"),
        *(func.sum(getattr(T, name)).label(name) for name in attendance.Tally.__dataclass_fields__))
        .where(T.community_id.in_(community_ids), T.month.between(first, last))
        .group_by(T.community_id, T.month, grid))
    return {(row.community_id, row.month, bool(row.grid)): (attendance.Tally.of_row(row), row.people)
            for row in rows}


def trends(community_ids: list[int], months: list[date], today: date | None = None,
           street_id: int | None = None) -> Trends:
    """Each metric per month for each community and for all of them together, from
    the stored month sums of the days judged (days.ensure_closed first)."""
    today = today or clock.today()
    keys = [*community_ids, TOTAL]
    result = Trends(months=months, values={k: {m: [] for m in METRICS} for k in keys})
    result.visit_target_hours = settings_for(street_id).weekly_visit_minutes / 60
    last = (months[-1] + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    days.ensure_closed(community_ids, months[0], last, today)
    judged_last = min(last, today - timedelta(days=1))
    result.calendar_missing = days.missing_years(months[0], judged_last) if judged_last >= months[0] else []
    tallies = month_tallies(community_ids, months[0], last)
    empty = (attendance.Tally(), 0)
    for first in months:
        following = (first + timedelta(days=32)).replace(day=1)
        judged = max(0, (min(following, today) - first).days)
        groups = {}
        for key in community_ids:
            office, grid = tallies.get((key, first, False), empty), tallies.get((key, first, True), empty)
            groups[key] = (office[0] + grid[0], grid[0], grid[1])
        groups[TOTAL] = (sum((g[0] for g in groups.values()), attendance.Tally()),
                         sum((g[1] for g in groups.values()), attendance.Tally()),
                         sum(g[2] for g in groups.values()))
        for key, (everyone, grid, workers) in groups.items():
            # A month in which nobody of a group recorded anything predates the log:
            # no figure, rather than everybody 缺勤.
            figures = attendance_figures(everyone if everyone.logged_days else attendance.Tally(), grid, workers,
                                         judged)
            for metric, value in figures.items():
                result.values[key][metric].append(value)
    scores = inspection_scores(community_ids, months)
    for key in keys:
        result.values[key]["inspections"] = scores.get(key, [None] * len(months))
    return result


def inspection_scores(community_ids: list[int], months: list[date], group_of=None) -> dict:
    """Mean 八个统一 score per month of inspections submitted in it, per community and
    in total (TOTAL), or per `group_of(community_id)` when given; one query."""
    start = datetime.combine(months[0], time(0), tzinfo=clock.LOCAL_TZ)
    after = (months[-1] + timedelta(days=32)).replace(day=1)
    end = datetime.combine(after, time(0), tzinfo=clock.LOCAL_TZ)
    index = {m: n for n, m in enumerate(months)}
    sums = defaultdict(lambda: [[Decimal(0), 0] for _ in months])
    rows = db.session.execute(
        select(Inspection.community_id, Inspection.submitted_at, Inspection.score).where(
            Inspection.community_id.in_(community_ids), Inspection.status == InspectionStatus.SUBMITTED,
            Inspection.score.is_not(None), Inspection.submitted_at >= start, Inspection.submitted_at < end))
    for community_id, submitted_at, score in rows:
        n = index[clock.to_local(submitted_at).date().replace(day=1)]
        for key in ((group_of(community_id),) if group_of else (community_id, TOTAL)):
            sums[key][n][0] += Decimal(score)
            sums[key][n][1] += 1
    return {key: [round(float(total / count), 1) if count else None for total, count in cells]
            for key, cells in sums.items()}


# -- today's board, for leaders -------------------------------------------------

# The board's own columns, in the one order every page lists statuses in.
BOARD_COLUMNS = board.STATUS_COLUMNS


def board_today(community_ids: list[int]) -> tuple[dict[int, dict[str, int]], dict[str, int]]:
    """Today's whereabouts counts per community and in total, by the board's own
    rules, counted by the database (the board's cards are not built)."""
    counts = board.status_counts(community_ids)
    totals = {key: sum(c[key] for c in counts.values()) for key in board.STATUS_ORDER}
    return counts, totals
