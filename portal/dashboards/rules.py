"""Dashboard figures: month by month per 社区 and for a whole 街镇, computed from the
same data and the same rules as the 考勤表 and the inspections, never stored.

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

Attendance is judged by the 考勤表's own rules (`attendance.rules.day_result` and
`month_summary`) from inputs loaded once for the whole span, inspections from one
query: the number of queries does not grow with months or people.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal import clock
from portal.attendance import rules as attendance
from portal.attendance import sheet
from portal.attendance.settings import settings_for
from portal.auth.policy import ON_THE_BOARD
from portal.board import rules as board
from portal.board.models import ActivityEvent
from portal.extensions import db
from portal.inspections.models import Inspection, InspectionStatus
from portal.people.models import Person, Position
from portal.workdays import rules as workdays

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


def attendance_figures(results: list, grid_results: list, grid_workers: int, judged_days: int) -> dict:
    """出勤率 (everyone's), 巡查达标率 and 周均入户 (the grid workers') of a group from
    its people's DayResults, by the 考勤表's own month summary."""
    if not results:
        return {"attendance": None, "patrol": None, "visits": None}
    summary = attendance.month_summary(results)
    present, absent = summary["出勤天数"], summary["缺勤天数"]
    grid = attendance.month_summary(grid_results)
    visits = None
    if grid_workers and judged_days:
        visits = round(float(grid["入户小时"]) / grid_workers / (judged_days / 7), 2)
    return {"attendance": _rate(present, present + absent), "patrol": grid["巡查达标率"], "visits": visits}


def day_results(community_ids: list[int], first: date, last: date, today: date):
    """Every board member's DayResult over [first, last] ∩ days before today, by the
    考勤表's rules, from the same inputs `attendance.sheet.build` reads (people on
    the board, events, approved leave with 公务外出 as field work, the calendar, each
    street's schedule), but loaded once for the whole span and the events as plain
    rows: five queries whatever the months and people. Returns (people, {person id:
    [DayResult]}, missing calendar years, {(person id, first of month)} with events)."""
    people = db.session.scalars(
        select(Person).where(Person.community_id.in_(community_ids), Person.active.is_(True),
                             Person.position.in_(list(ON_THE_BOARD)))).all()
    last = min(last, today - timedelta(days=1))
    if last < first or not people:
        return people, {}, [], set()
    try:
        calendar = workdays.load_calendar(first, last)
    except workdays.CalendarMissing as missing:
        # A year not yet in the work calendar (2027 …): judge the years before it.
        before = date(min(missing.years) - 1, 12, 31)
        if before < first:
            return people, {}, missing.years, set()
        people, results, _none, active = day_results(community_ids, first, before, today)
        return people, results, missing.years, active
    ids = [p.id for p in people]
    around = timedelta(minutes=attendance.MAX_VISIT_MINUTES)  # visits across midnight
    start = datetime.combine(first, time(0), tzinfo=clock.LOCAL_TZ) - around
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ) + around
    events = defaultdict(list)
    for row in db.session.execute(
            select(ActivityEvent.person_id, ActivityEvent.kind, ActivityEvent.at).where(
                ActivityEvent.person_id.in_(ids), ActivityEvent.at >= start, ActivityEvent.at < end)
            .order_by(ActivityEvent.at, ActivityEvent.id)):
        events[(row.person_id, clock.to_local(row.at).date())].append(row)
    spans, field_days = sheet.leave_days(ids, first, last)
    schedules = sheet.schedules_for({p.street_id for p in people})
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    # A day without events, leave or field work comes out the same for everyone of
    # a street (缺勤 or 休息): judged once per street and day, not once per person.
    blank: dict[tuple, attendance.DayResult] = {}

    def judge(person, day):
        nearby = sheet.events_around(events, person.id, day)
        mine = spans.get(person.id, ())
        field = (person.id, day) in field_days
        if nearby or field or (mine and attendance.leave_halves(day, mine)) or \
                (person.portal_start is not None and day < person.portal_start):
            return attendance.day_result(day, nearby, mine, calendar, schedules.schedule_on(person.street_id, day),
                                         approved_field_work=field, portal_start=person.portal_start,
                                         patrol_duty=person.position is Position.GRID_WORKER)
        key = (person.street_id, day, person.position is Position.GRID_WORKER)
        if key not in blank:
            blank[key] = attendance.day_result(day, (), (), calendar, schedules.schedule_on(person.street_id, day),
                                               patrol_duty=person.position is Position.GRID_WORKER)
        return blank[key]

    results = {person.id: [judge(person, day) for day in days] for person in people}
    active = {(person_id, day.replace(day=1)) for person_id, day in events if first <= day <= last}
    return people, results, [], active


def trends(community_ids: list[int], months: list[date], today: date | None = None,
           street_id: int | None = None) -> Trends:
    """Each metric per month for each community and for all of them together."""
    today = today or clock.today()
    keys = [*community_ids, TOTAL]
    result = Trends(months=months, values={k: {m: [] for m in METRICS} for k in keys})
    result.visit_target_hours = settings_for(street_id).weekly_visit_minutes / 60
    last = (months[-1] + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    people, results, missing, active = day_results(community_ids, months[0], last, today)
    result.calendar_missing = missing
    for first in months:
        following = (first + timedelta(days=32)).replace(day=1)
        judged = max(0, (min(following, today) - first).days)
        groups = {k: ([], [], set()) for k in keys}
        # A month in which nobody of a group recorded anything predates the log: no
        # figure, rather than everybody 缺勤.
        logged = {k for p in people if (p.id, first) in active for k in (p.community_id, TOTAL)}
        for person in people:
            cells = [r for r in results.get(person.id, ()) if first <= r.day < following]
            for key in (person.community_id, TOTAL):
                everyone, grid, workers = groups[key]
                everyone.extend(cells)
                if person.grid_id is not None:
                    grid.extend(cells)
                    workers.add(person.id)
        for key, (everyone, grid, workers) in groups.items():
            figures = attendance_figures(everyone if key in logged else [], grid, len(workers), judged)
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

# In the order a leader reads them: who is at work and where, then who is not.
BOARD_COLUMNS = [
    ("in_office", "在岗"), ("patrol", "巡查中"), ("visit", "入户中"), ("errand", "外出办事"),
    ("meeting", "开会"), ("leave", "请假"), ("overdue", board.OVERDUE_LABEL), ("not_in", "未签到"),
    ("off", "已签退"),
]


def board_today(community_ids: list[int]) -> tuple[dict[int, dict[str, int]], dict[str, int]]:
    """Today's whereabouts counts per community and in total, by the board's own rules."""
    counts = board.community_summaries(community_ids)
    totals = {key: sum(c[key] for c in counts.values()) for key in board.STATUS_ORDER}
    return counts, totals
