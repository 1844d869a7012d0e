"""The monthly 考勤表 of a community or a 街镇: a row per person, a column per day,
summary columns. Built from a fixed number of bulk queries (people, the month's
events, its leave, the calendar, the settings), whatever the number of people.

A street's month is ~3,500 day results in pure Python and a large table to
render, so the pages take it from `month_view`/`week_view`: plain data (no ORM
objects) and the HTML rendered from it, kept per worker process under the data
versions of everything it was computed from (portal.attendance.freshness says
which writes change which), read in one statement before the data."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from io import BytesIO

from flask import current_app
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import clock, versions
from portal.attendance import closed, freshness, rules, settings
from portal.attendance.models import MonthLock
from portal.auth.policy import ON_THE_BOARD
from portal.board.models import ActivityEvent
from portal.extensions import db
from portal.leave.models import LeaveRequest, LeaveStatus
from portal.leave.rules import FIELD_WORK
from portal.org.models import Community
from portal.people.models import Person, Position
from portal.spreadsheet import append
from portal.workdays import rules as workdays

PENDING = "·"  # today, still under way: not judged yet


@dataclass
class Row:
    person: Person
    cells: list            # DayResult, or None for days not yet judged
    summary: dict
    label: str | None = None   # the grid or position as stored in a closed month (else the person's now)
    order: tuple = ()
    community_id: int | None = None  # where the row belongs (stored in a closed month)


@dataclass
class Sheet:
    title: str
    first: date
    days: list[date]
    rows: list[Row]
    calendar_missing: list[int]
    community_names: dict = field(default_factory=dict)

    @property
    def summary_columns(self):
        return rules.SUMMARY_COLUMNS


def month_span(first: date) -> list[date]:
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def build(title: str, community_ids: list[int], first: date, today: date | None = None,
          person_id: int | None = None) -> Sheet:
    """The full sheet (DayResult cells); `person_id` keeps that person's row only.
    Communities of a street that has closed (封帐) the month are read from the days
    stored at the lock (portal.attendance.closed), the others judged from the log."""
    today = today or clock.today()
    days = month_span(first)
    units = db.session.execute(
        select(Community.id, Community.sort_order, Community.name, MonthLock.id).where(Community.id.in_(community_ids))
        .outerjoin(MonthLock, (MonthLock.street_id == Community.street_id) & (MonthLock.month == first)
                   & MonthLock.unlocked_at.is_(None))).all()
    sort_order = {cid: order for cid, order, _name, _lock in units}
    stored = [cid for cid, _order, _name, lock in units if lock is not None]
    live = [cid for cid in community_ids if cid not in stored]
    sheet = Sheet(title, first, days, [], [])
    if live:
        sheet = judge_live(title, live, first, days, today, person_id)
    sheet.community_names = {cid: name for cid, _order, name, _lock in units}
    if stored:
        sheet.rows += _stored(stored, first, days, sort_order, person_id)
        sheet.rows.sort(key=lambda row: row.order)
    return sheet


def _stored(community_ids: list[int], first: date, days: list[date], sort_order: dict,
            person_id: int | None) -> list[Row]:
    found = closed.records(community_ids, days[0], days[-1])
    if person_id is not None:
        found = {pid: records for pid, records in found.items() if pid == person_id}
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(list(found))))}
    rows = []
    for pid, records in found.items():
        by_day = {r.day: closed.result_of(r) for r in records}
        results = [by_day[d] for d in days if d in by_day]
        last = records[-1]
        label = f"第{last.grid_number}网格" if last.grid_number else Position(last.position).label
        rows.append(Row(people[pid], [by_day.get(d) for d in days], rules.month_summary(results), label,
                        (sort_order.get(last.community_id, 0), last.grid_number or 0, pid), last.community_id))
    return rows


def judge_live(title: str, community_ids: list[int], first: date, days: list[date], today: date,
            person_id: int | None) -> Sheet:
    query = select(Person).where(Person.community_id.in_(community_ids), Person.active.is_(True),
                                 Person.position.in_(list(ON_THE_BOARD)))
    if person_id is not None:
        query = query.where(Person.id == person_id)
    people = db.session.scalars(query.options(joinedload(Person.grid), joinedload(Person.community))).all()
    people = sorted(people, key=lambda p: (p.community.sort_order, p.grid.number if p.grid else 0, p.id))
    judged = [d for d in days if d < today]
    try:
        calendar = workdays.load_calendar(days[0], days[-1])
    except workdays.CalendarMissing as missing:
        return Sheet(title, first, days, [Row(p, [None] * len(days), {}) for p in people], missing.years)
    # A visit or patrol that crosses midnight pairs with the neighbouring day's events.
    around = timedelta(minutes=rules.MAX_VISIT_MINUTES)
    start = datetime.combine(days[0], time(0), tzinfo=clock.LOCAL_TZ) - around
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ) + around
    ids = [p.id for p in people]
    events = defaultdict(list)
    # Plain rows, not ORM objects: a street's month is tens of thousands of events.
    for event in db.session.execute(select(ActivityEvent.person_id, ActivityEvent.kind, ActivityEvent.at).where(
            ActivityEvent.person_id.in_(ids), ActivityEvent.at >= start, ActivityEvent.at < end)
            .order_by(ActivityEvent.at, ActivityEvent.id)):
        events[(event.person_id, clock.to_local(event.at).date())].append(event)
    spans, field_days = leave_days(ids, days[0], days[-1])
    schedules = schedules_for({p.street_id for p in people})
    rows = []
    for person in people:
        results = [rules.day_result(day, events_around(events, person.id, day), spans.get(person.id, ()),
                                    calendar, schedules.schedule_on(person.street_id, day),
                                    approved_field_work=(person.id, day) in field_days,
                                    portal_start=person.portal_start,
                                    patrol_duty=person.position is Position.GRID_WORKER) for day in judged]
        cells = results + [None] * (len(days) - len(results))
        rows.append(Row(person, cells, rules.month_summary(results),
                        order=(person.community.sort_order, person.grid.number if person.grid else 0, person.id),
                        community_id=person.community_id))
    return Sheet(title, first, days, rows, [])


def events_around(events: dict, person_id: int, day: date) -> list:
    """The person's events of the day before, the day and the day after."""
    return [*events.get((person_id, day - timedelta(days=1)), ()), *events.get((person_id, day), ()),
            *events.get((person_id, day + timedelta(days=1)), ())]


def person_span(person: Person, first: date, last: date, today: date | None = None) -> tuple[list, list[int]]:
    """One person's results over a span (the worker's own page), and the years whose
    work calendar is missing (then the cells are None: not judged, not 缺)."""
    built = build("", [person.community_id], first, today, person_id=person.id)
    row = next((r for r in built.rows if r.person.id == person.id), None)
    if row is None:
        return [], built.calendar_missing
    return ([(day, cell) for day, cell in zip(built.days, row.cells, strict=True) if day <= last],
            built.calendar_missing)


def person_days(person: Person, first: date, last: date, today: date | None = None) -> list:
    return person_span(person, first, last, today)[0]


def cell_text(cell) -> str:
    return PENDING if cell is None else cell.symbol


def summary_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value * 100:.0f}%"
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def workbook(sheet: "SheetView", title: str) -> BytesIO:
    """The same layout as the page: Chinese headers, frozen panes, landscape print."""
    book = Workbook()
    ws = book.active
    ws.title = f"{sheet.first.year}年{sheet.first.month}月"
    append(ws, [title])
    ws["A1"].font = Font(bold=True, size=14)
    unit = ["社区"] if sheet.several_communities else []
    header = ["姓名", *unit, "网格/职务", *[str(d.day) for d in sheet.days], *sheet.summary_columns]
    append(ws, header)
    thin = Side(style="thin", color="999999")
    rest = PatternFill("solid", fgColor="EEEEEE")
    for row in sheet.rows:
        append(ws, [row.name, *([row.community] if unit else []), row.label,
                   *[cell_text(c) for c in row.cells],
                   *[summary_text(row.summary.get(col)) if row.summary else "" for col in sheet.summary_columns]])
    for r in ws.iter_rows(min_row=2, max_row=ws.max_row):
        for cell in r:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(horizontal="center", vertical="center")
    for cell in ws[2]:
        cell.font = Font(bold=True)
    first_day_column = 3 + len(unit)
    for index, day in enumerate(sheet.days, start=first_day_column):
        if day.weekday() >= 5:
            for r in range(2, ws.max_row + 1):
                ws.cell(row=r, column=index).fill = rest
        ws.column_dimensions[get_column_letter(index)].width = 5.5
    ws.column_dimensions["A"].width = 10
    for column in range(2, first_day_column):
        ws.column_dimensions[get_column_letter(column)].width = 14
    for offset in range(len(sheet.summary_columns)):
        ws.column_dimensions[get_column_letter(first_day_column + len(sheet.days) + offset)].width = 9
    append(ws, [])
    append(ws, ["图例：" + "  ".join(f"{s} {label}" for s, label in rules.LEGEND) + f"  {PENDING} 未结束"])
    ws.freeze_panes = f"{get_column_letter(first_day_column)}3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


@dataclass(frozen=True, slots=True)
class WeekRow:
    name: str
    community: str
    grid: str
    minutes: int
    target: int
    ratio: float


def week_visits(community_ids: list[int], today: date | None = None) -> list[WeekRow]:
    """This week's 弹性入户 per grid worker (minutes, target, progress), one query
    for the events; the 书记/站长 see it beside the month sheet."""
    today = today or clock.today()
    monday, sunday = rules.week_of(today)
    start = datetime.combine(monday, time(0), tzinfo=clock.LOCAL_TZ)
    end = datetime.combine(sunday + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ)
    people = db.session.scalars(select(Person).where(
        Person.community_id.in_(community_ids), Person.active.is_(True), Person.grid_id.is_not(None))
        .options(joinedload(Person.grid), joinedload(Person.community))).all()
    events = defaultdict(list)
    for event in db.session.execute(select(ActivityEvent.person_id, ActivityEvent.kind, ActivityEvent.at).where(
            ActivityEvent.person_id.in_([p.id for p in people]), ActivityEvent.at >= start, ActivityEvent.at < end,
            ActivityEvent.kind.in_(("visit_start", "visit_end"))).order_by(ActivityEvent.at, ActivityEvent.id)):
        events[event.person_id].append(event)
    schedules = schedules_for({p.street_id for p in people})
    result = []
    for person in sorted(people, key=lambda p: (p.community.sort_order, p.grid.number)):
        intervals = rules.pair_intervals(events.get(person.id, ()), "visit_start", "visit_end", None)
        result.append(WeekRow(person.name, person.community.name, person.grid.label,
                              *rules.week_visit_progress(intervals, schedules.schedule_on(person.street_id, today))))
    return result


def leave_days(ids, first: date, last: date) -> tuple[dict, set]:
    """Approved leave of these people touching first..last: the spans that excuse days
    per person, and the (person, day) pairs of 公务外出, which is work (外 on the sheet)."""
    spans, field_days = defaultdict(list), set()
    for leave in db.session.scalars(select(LeaveRequest).where(
            LeaveRequest.person_id.in_(ids), LeaveRequest.status.in_((LeaveStatus.APPROVED, LeaveStatus.COMPLETED)),
            LeaveRequest.start_date <= last, LeaveRequest.end_date >= first)
            .options(joinedload(LeaveRequest.leave_type))):
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


def schedules_for(street_ids: set) -> settings.Timeline:
    """Each street's working hours over time: its own rules, else the district
    default, as they applied on each day (`.schedule_on(street, day)`)."""
    return settings.timeline(street_ids)


# -- what the pages keep ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CellView:
    """What the page and the xlsx show of a DayResult."""

    code: str       # Code value, for the CSS class
    symbol: str
    review: bool
    title: str      # the tooltip


@dataclass(frozen=True, slots=True)
class RowView:
    person_id: int
    name: str
    label: str      # the grid, or the position
    cells: tuple    # CellView, or None for days not yet judged
    summary: dict
    community: str = ""


@dataclass(frozen=True)
class SheetView:
    first: date
    days: list[date]
    rows: list[RowView]
    calendar_missing: list[int]
    several_communities: bool = False   # a street's sheet: each row says its 社区

    @property
    def summary_columns(self):
        return rules.SUMMARY_COLUMNS


def view_of(sheet: Sheet) -> SheetView:
    seen: dict = {}  # equal cells shared: a month of 正常 is one object
    names = sheet.community_names
    rows = []
    for row in sheet.rows:
        cells = []
        for cell in row.cells:
            if cell is not None:
                title = cell.label
                if cell.patrols and cell.patrols.required:
                    title += "；" + cell.patrols.label
                cell = CellView(cell.code.value, rules.cell_text(cell), cell.needs_review, title)
                cell = seen.setdefault(cell, cell)
            cells.append(cell)
        p = row.person
        label = row.label or (p.grid.label if p.grid else p.position.label)
        rows.append(RowView(p.id, p.name, label, tuple(cells), row.summary, names.get(row.community_id, "")))
    return SheetView(sheet.first, sheet.days, rows, sheet.calendar_missing,
                     len({row.community_id for row in sheet.rows}) > 1)


def _scopes(street_ids, days) -> list[str]:
    streets = sorted(set(street_ids))
    return [freshness.GLOBAL, *(freshness.street_scope(s) for s in streets),
            *(freshness.day_scope(s, d) for s in streets for d in days)]


def views(community_ids: list[int], street_ids, first: date, today: date | None = None,
          week: bool = False) -> tuple[versions.Kept, versions.Kept | None]:
    """The month's sheet of these communities (of these streets) as the pages show
    it (SheetView), and, if asked, this week's 入户 box (WeekRow list), each from
    the process's cache while the versions of its inputs, read first and in one
    statement, are those it was computed under."""
    today = today or clock.today()
    communities = tuple(sorted(community_ids))
    judged = [d for d in month_span(first) if d < today]
    monday, _sunday = rules.week_of(today)
    month_scopes = _scopes(street_ids, judged)
    week_scopes = _scopes(street_ids, [monday + timedelta(days=n) for n in range(7)]) if week else []
    wanted = list(dict.fromkeys(month_scopes + week_scopes))
    stamp = dict(zip(wanted, versions.read(db.session, wanted, current_app.config["DATA_VERSIONS_MAX_AGE"]),
                     strict=True))
    dirty = versions.uncommitted(db.session)
    month = versions.kept("attendance.sheet", ("month", communities, first, len(judged),
                                               tuple(stamp[s] for s in month_scopes)),
                          lambda: view_of(build("", community_ids, first, today)), dirty,
                          size=current_app.config.get("SHEET_MEMO_SIZE", 32))
    if not week:
        return month, None
    return month, versions.kept("attendance.sheet", ("week", communities, monday,
                                                     tuple(stamp[s] for s in week_scopes)),
                                lambda: week_visits(community_ids, today), dirty,
                                size=current_app.config.get("SHEET_MEMO_SIZE", 32))
