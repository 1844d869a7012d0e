"""The monthly 考勤表 of a community or a 街镇: a row per person, a column per day,
summary columns.

The cells are the stored day results (portal.attendance.days): a month is read,
never judged here. A street's month is a large table to render, so the pages take
it from `views`: plain data (no ORM objects) and the HTML rendered from it, kept
per worker process under the data versions of everything it was computed from
(portal.attendance.freshness says which writes change which)."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from io import BytesIO

from flask import current_app
from markupsafe import Markup, escape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import clock, memo, versions
from portal.activity.models import ActivityEvent
from portal.attendance import days, freshness, rules, settings
from portal.attendance.models import DayRecord, WeekTally
from portal.auth.policy import ON_THE_BOARD
from portal.extensions import db
from portal.org.models import Community, Grid
from portal.people.models import Person, Position
from portal.spreadsheet import append

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


def _month_frame(community_ids: list[int], first: date, today: date | None):
    """(today, the month's days, the last day judged, community id → (order, name)),
    the month's past days closed first."""
    today = today or clock.today()
    span = month_span(first)
    days.ensure_closed(community_ids, first, span[-1], today)
    last = min(span[-1], today - timedelta(days=1))
    units = {cid: (order, name) for cid, order, name in db.session.execute(
        select(Community.id, Community.sort_order, Community.name).where(Community.id.in_(community_ids)))}
    return today, span, last, units


def build(title: str, community_ids: list[int], first: date, today: date | None = None,
          person_id: int | None = None) -> Sheet:
    """The full sheet (DayResult cells, None for days not judged yet) from the stored
    day rows (portal.attendance.days): each person's days in these communities as
    they belonged then, so a closed month reads as it was locked and a person who
    moved or left keeps the days they worked here. `person_id` keeps that row only."""
    today, span, last, units = _month_frame(community_ids, first, today)
    stored = days.records(community_ids, first, last, person_id) if last >= first else {}
    query = select(Person).where(Person.community_id.in_(community_ids), Person.active.is_(True),
                                 Person.position.in_(list(ON_THE_BOARD)))
    if person_id is not None:
        query = query.where(Person.id == person_id)
    current = {p.id: p for p in db.session.scalars(query.options(joinedload(Person.grid)))}
    here = set(current)
    others = [pid for pid in stored if pid not in current]
    if others:
        current |= {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(others))
                                                      .options(joinedload(Person.grid)))}
    missing = days.missing_years(first, span[-1])
    rows = []
    for pid, person in current.items():
        records = stored.get(pid, [])
        by_day = {r.day: days.result_of(r) for r in records}
        cells = [by_day.get(day) or _before_portal(person, day, today) for day in span]
        if records and pid not in here:
            # Left since (moved away, deactivated): where they were, as stored.
            latest = records[-1]
            label = f"第{latest.grid_number}网格" if latest.grid_number else Position(latest.position).label
            community_id, grid_number = latest.community_id, latest.grid_number or 0
        else:
            label = None
            community_id, grid_number = person.community_id, person.grid.number if person.grid else 0
        if community_id not in units:
            continue
        rows.append(Row(person, cells, rules.month_summary(c for c in cells if c is not None), label,
                        (units[community_id][0], grid_number, pid), community_id))
    rows.sort(key=lambda row: row.order)
    return Sheet(title, first, span, rows, missing, {cid: name for cid, (_order, name) in units.items()})


def _before_portal(person: Person, day: date, today: date):
    """Days before a person's go-live are 未入系统 ("—"), not waiting to be judged."""
    if day < today and person.portal_start is not None and day < person.portal_start:
        return rules.DayResult(day=day, code=rules.Code.NOT_IN_PORTAL, symbol=rules.SYMBOLS[rules.Code.NOT_IN_PORTAL],
                               workday=False)
    return None


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
    """This week's 弹性入户 per grid worker (minutes, target, progress) from the stored
    week sums (today's finished visits included); the 书记/站长 see it beside the
    month sheet."""
    today = today or clock.today()
    days.ensure_closed(community_ids, rules.week_of(today)[0], today, today)
    people = db.session.scalars(select(Person).where(
        Person.community_id.in_(community_ids), Person.active.is_(True), Person.grid_id.is_not(None))
        .options(joinedload(Person.grid), joinedload(Person.community))).all()
    progress = week_progress([p.id for p in people], today)
    return [WeekRow(person.name, person.community.name, person.grid.label, *progress[person.id])
            for person in sorted(people, key=lambda p: (p.community.sort_order, p.grid.number))]


def week_progress(person_ids, today: date) -> dict[int, tuple[int, int, float]]:
    """(minutes, target, progress 0–1) of this week's 入户 for each person: the one
    reading of the week's 入户 hours that 我的考勤, the 书记's box and 考核 share."""
    monday = rules.week_of(today)[0]
    communities = set(db.session.scalars(select(Person.community_id).where(
        Person.id.in_(list(person_ids)), Person.community_id.is_not(None))))
    days.ensure_closed(communities, monday, today, today)
    found = {t.person_id: t for t in db.session.scalars(select(WeekTally).where(
        WeekTally.person_id.in_(list(person_ids)), WeekTally.week == monday))}
    default = None
    result = {}
    for person_id in person_ids:
        tally = found.get(person_id)
        if tally is not None and tally.visit_target:
            target = tally.visit_target
        else:
            default = default if default is not None else settings.settings_for(None, today).weekly_visit_minutes
            target = default
        minutes = tally.visit_minutes if tally is not None else 0
        result[person_id] = (minutes, target, rules.week_ratio(minutes, target))
    return result


def schedules_for(street_ids: set) -> settings.Timeline:
    """Each street's working hours over time: its own rules, else the district
    default, as they applied on each day (`.schedule_on(street, day)`)."""
    return settings.timeline(street_ids)


# -- what the pages keep ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CellView:
    """What the page and the xlsx show of a DayResult, and its table cell (`html`)."""

    code: str       # Code value, for the CSS class
    symbol: str
    review: bool
    title: str      # the tooltip
    html: str = field(default="", compare=False, repr=False)
    opening: str = field(default="", compare=False, repr=False)  # the <td …> of `html`, for a linked cell


def cell_view(result: rules.DayResult) -> CellView:
    """A day's cell: 迟15 with the tooltip (迟到 15 分钟；巡查 1/2), and its <td>."""
    title = result.label
    if result.patrols and result.patrols.required:
        title += "；" + result.patrols.label
    code, symbol, review = result.code.value, rules.cell_text(result), result.needs_review
    opening = f'<td class="num sym sym-{code}{" review" if review else ""}" title="{escape(title)}">'
    return CellView(code, symbol, review, title, f"{opening}{escape(symbol)}</td>", opening)


PENDING_CELL = f'<td class="num sym sym-pending">{PENDING}</td>'


DAY_URL = "/attendance/people/{person_id}/days/{month}-"   # + the day's two digits: attendance.day_detail


def row_cells(row: "RowView", first: date | None = None) -> Markup:
    """A row's day cells and totals as the table shows them. They are written here,
    not by a template loop: a street's month is thousands of cells, and a template
    step per cell costs more than all the rest of the page. With the month's `first`
    day, each judged day links to its detail (the events of the day)."""
    if first is None:
        cells = "".join(PENDING_CELL if cell is None else cell.html for cell in row.cells)
    else:
        base = DAY_URL.format(person_id=row.person_id, month=first.strftime("%Y-%m"))
        cells = "".join(PENDING_CELL if cell is None else
                        f'{cell.opening}<a href="{base}{n:02d}">{escape(cell.symbol)}</a></td>'
                        for n, cell in enumerate(row.cells, start=1))
    summary = row.summary
    totals = "".join(f'<td class="num sum sum-{n}">{summary_text(summary.get(column)) if summary else ""}</td>'
                     for n, column in enumerate(rules.SUMMARY_COLUMNS))
    return Markup(f"{cells}\n    {totals}")


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
    """What the page shows of a built sheet (`month_view` reads the same from the
    stored rows directly)."""
    seen: dict = {}  # equal cells shared: a month of 正常 is one object
    names = sheet.community_names
    rows = []
    for row in sheet.rows:
        cells = []
        for cell in row.cells:
            if cell is not None:
                cell = cell_view(cell)
                cell = seen.setdefault(cell, cell)
            cells.append(cell)
        p = row.person
        label = row.label or (p.grid.label if p.grid else p.position.label)
        rows.append(RowView(p.id, p.name, label, tuple(cells), row.summary, names.get(row.community_id, "")))
    return SheetView(sheet.first, sheet.days, rows, sheet.calendar_missing,
                     len({row.community_id for row in sheet.rows}) > 1)


# The stored columns a cell shows (its text, classes and tooltip): days with equal
# values share one CellView, made once. Table columns, not the model's attributes:
# the rows are plain (no ORM loading step per row).
_DAYS = DayRecord.__table__.c
_CELL_COLUMNS = (_DAYS.code, _DAYS.symbol, _DAYS.day_name, _DAYS.leave_type, _DAYS.flags, _DAYS.leave_halves,
                 _DAYS.late_minutes, _DAYS.early_minutes, _DAYS.needs_review, _DAYS.patrol_required,
                 _DAYS.patrol_done)


def _stored_cell(columns: tuple) -> CellView:
    code, symbol, day_name, leave_type, flags, halves, late, early, review, required, done = columns
    return cell_view(rules.DayResult(
        day=date.min, code=rules.Code(code), symbol=symbol, workday=True, day_name=day_name,
        late_minutes=late, early_minutes=early, flags=tuple(f for f in flags.split("|") if f),
        needs_review=review, leave_type=leave_type, leave_halves=tuple(h for h in halves.split(",") if h),
        patrols=days.StoredPatrols(required, done, 0, (), None)))


def month_view(community_ids: list[int], first: date, today: date | None = None) -> SheetView:
    """What `view_of(build(...))` gives, read straight from the stored rows: the
    columns a cell shows as plain rows (a CellView per distinct cell), the totals
    from the stored month sums. The first view of a street's month reads thousands
    of days: a fixed number of statements, and little Python per day."""
    today, span, last, units = _month_frame(community_ids, first, today)
    people = _people_now(community_ids)
    cells_of: dict[int, list] = {}
    if last >= first:
        made: dict = {}
        for row in db.session.execute(select(_DAYS.person_id, _DAYS.day, *_CELL_COLUMNS).where(
                _DAYS.community_id.in_(community_ids), _DAYS.day.between(first, last))):
            cells = cells_of.get(row[0])
            if cells is None:
                cells = cells_of[row[0]] = [None] * len(span)
            key = row[2:]
            cell = made.get(key)
            if cell is None:
                cell = made[key] = _stored_cell(key)
            cells[row[1].day - 1] = cell
        others = [pid for pid in cells_of if pid not in people]
        if others:
            people |= _people_then(others, community_ids, first, last)
    totals = days.month_tallies(community_ids, first)
    missing = days.missing_years(first, span[-1])
    before = _before_portal_cell()
    rows = []
    for pid, (name, portal_start, community_id, grid_number, label) in people.items():
        if community_id not in units:
            continue
        cells = cells_of.get(pid) or [None] * len(span)
        if portal_start is not None and portal_start > first:
            for n in range(min((portal_start - first).days, (today - first).days, len(span))):
                if cells[n] is None:
                    cells[n] = before
        summary = rules.summary_of(totals.get(pid) or rules.Tally())
        order, unit = units[community_id]
        rows.append(((order, grid_number, pid), RowView(pid, name, label, tuple(cells), summary, unit), community_id))
    rows.sort(key=lambda row: row[0])
    return SheetView(first, span, [row for _order, row, _c in rows], missing,
                     len({community_id for _order, _row, community_id in rows}) > 1)


def _people_now(community_ids) -> dict[int, tuple]:
    """The people on these boards: name, go-live, community, grid number (0 for
    none), label (the grid or the position)."""
    return {pid: (name, start, community_id, number or 0,
                  f"第{number}网格" if number is not None else Position(position).label)
            for pid, name, start, community_id, position, number in db.session.execute(
                select(Person.id, Person.name, Person.portal_start, Person.community_id, Person.position, Grid.number)
                .outerjoin(Grid, Grid.id == Person.grid_id)
                .where(Person.community_id.in_(community_ids), Person.active.is_(True),
                       Person.position.in_(list(ON_THE_BOARD))))}


def _people_then(person_ids, community_ids, first: date, last: date) -> dict[int, tuple]:
    """People with days here who left since (moved away, deactivated): where they
    were on their last day here, as stored."""
    found = {}
    for pid, name, start, community_id, position, number in db.session.execute(
            select(DayRecord.person_id, Person.name, Person.portal_start, DayRecord.community_id,
                   DayRecord.position, DayRecord.grid_number).join(Person, Person.id == DayRecord.person_id)
            .where(DayRecord.person_id.in_(person_ids), DayRecord.community_id.in_(community_ids),
                   DayRecord.day.between(first, last)).order_by(DayRecord.person_id, DayRecord.day)):
        found[pid] = (name, start, community_id, number or 0,
                      f"第{number}网格" if number else Position(position).label)
    return found


def _before_portal_cell() -> CellView:
    return cell_view(rules.DayResult(day=date.min, code=rules.Code.NOT_IN_PORTAL,
                                     symbol=rules.SYMBOLS[rules.Code.NOT_IN_PORTAL], workday=False))


def _scopes(street_ids, days) -> list[str]:
    streets = sorted(set(street_ids))
    return [freshness.GLOBAL, *(freshness.street_scope(s) for s in streets),
            *(freshness.day_scope(s, d) for s in streets for d in days)]


def views(community_ids: list[int], street_ids, first: date, today: date | None = None,
          week: bool = False) -> tuple[memo.Kept, memo.Kept | None]:
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
    stamp = dict(zip(wanted, versions.read(db.session, wanted, current_app.config["VERSIONS_MAX_AGE"]),
                     strict=True))
    dirty = versions.uncommitted(db.session)

    def clean() -> bool:
        return not versions.uncommitted(db.session)

    month = memo.kept("attendance.sheet", ("month", communities, first, len(judged),
                                               tuple(stamp[s] for s in month_scopes)),
                          lambda: month_view(community_ids, first, today), dirty,
                          size=current_app.config.get("SHEET_MEMO_SIZE", 32), clean_after=clean)
    if not week:
        return month, None
    return month, memo.kept("attendance.sheet", ("week", communities, monday,
                                                     tuple(stamp[s] for s in week_scopes)),
                                lambda: week_visits(community_ids, today), dirty,
                                size=current_app.config.get("SHEET_MEMO_SIZE", 32), clean_after=clean)


@dataclass
class DayDetail:
    """One person's day as the 考勤表's cell opens it: the stored result (None while
    not judged) and the day's events, 离线补传 ones marked (ActivityEvent.offline)."""

    day: date
    community_id: int | None   # where the person belonged that day (their community now if not judged)
    cell: CellView | None
    result: rules.DayResult | None
    events: list


def day_detail(person: Person, day: date) -> DayDetail:
    record = db.session.get(DayRecord, (person.id, day))
    start = datetime.combine(day, time(0), tzinfo=clock.LOCAL_TZ)
    events = db.session.scalars(select(ActivityEvent).where(
        ActivityEvent.person_id == person.id, ActivityEvent.at >= start,
        ActivityEvent.at < start + timedelta(days=1)).order_by(ActivityEvent.at, ActivityEvent.id)).all()
    result = days.result_of(record) if record is not None else None
    return DayDetail(day, record.community_id if record is not None else person.community_id,
                     cell_view(result) if result is not None else None, result, list(events))


@dataclass
class TodaySoFar:
    """A worker's day as it stands: today's events, 一日双巡 so far, and this
    week's 入户 against the target ((minutes, target minutes, ratio))."""

    events: list
    patrols: rules.PatrolResult
    week: tuple
    schedule: rules.Schedule


def today_so_far(person: Person, today: date) -> TodaySoFar:
    start = datetime.combine(today, time(0), tzinfo=clock.LOCAL_TZ)
    events = db.session.scalars(select(ActivityEvent).where(
        ActivityEvent.person_id == person.id, ActivityEvent.at >= start).order_by(ActivityEvent.at)).all()
    schedule = rules.Schedule.from_settings(settings.settings_for(person.street_id))
    patrols = rules.patrol_result(rules.pair_intervals(events, "patrol_start", "patrol_end", None), schedule, today)
    return TodaySoFar(events, patrols, week_progress([person.id], today)[person.id], schedule)
