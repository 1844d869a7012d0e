"""The work calendar (工作日历): which days are 工作日, for leave and attendance.

Monday to Friday are workdays and weekends are rest days, except for the days in
the `calendar_days` table: 法定假日 (holiday, even on a weekday) and 调休上班日
(a Saturday or Sunday that is worked). A year is known only when it has a
`calendar_years` row: prefilled from the chinese-calendar package, or entered by
an administrator from the State Council's notice and confirmed complete. Asking
about any other year raises `CalendarMissing`; nothing is ever guessed.

An administrator may also import the year from the notice's text
(portal.workdays.notice reads it; `import_notice` below stores it and confirms
the year at once).

No request objects here; callers commit once, and every change is audited in the
same transaction.
"""
import calendar as std_calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import chinese_calendar
from sqlalchemy import event, func, insert, select

from portal import clock, halfday
from portal.audit import log as audit
from portal.errors import FieldErrors
from portal.extensions import db
from portal.text import has_control
from portal.workdays.models import CalendarDay, CalendarSource, CalendarYear, DayKind

MIN_YEAR, MAX_YEAR = 2004, 2100
MAX_NAME = 40

# The package names holidays in English, one name per day.
PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
# The seven festivals of 《全国年节及纪念日放假办法》, for the "is the year complete" hint.
FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")

KIND_LABELS = {
    "workday": "工作日",
    "weekend": "休息日",
    "holiday": "法定假日",
    "adjusted_workday": "调休上班日",
}


class CalendarMissing(Exception):
    """The holidays of these years have not been entered: no workday can be computed."""

    def __init__(self, years):
        self.years = sorted(set(years))
        super().__init__("、".join(str(y) for y in self.years) + "年的工作日历尚未录入。")


@dataclass(frozen=True)
class DayInfo:
    kind: str            # workday | weekend | holiday | adjusted_workday
    name: str | None = None

    @property
    def is_workday(self) -> bool:
        return self.kind in ("workday", "adjusted_workday")

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def plain_kind(day: date) -> str:
    return "weekend" if day.weekday() >= 5 else "workday"


@dataclass
class Calendar:
    """The calendar of a span of days, loaded at once: ask it about any day in it
    without another query (attendance over a month, leave over its span)."""

    start: date
    end: date
    special: dict[date, DayInfo] = field(default_factory=dict)

    def info(self, day: date) -> DayInfo:
        if not self.start <= day <= self.end:
            raise ValueError(f"{day.isoformat()} is outside the loaded span")
        return self.special.get(day) or DayInfo(plain_kind(day))

    def is_workday(self, day: date) -> bool:
        return self.info(day).is_workday


def load_calendar(start: date, end: date) -> Calendar:
    """Two statements whatever the span: the covered years, then its special days.
    Read once per transaction and span (a status change asks about today four
    times: its sequence check, the day's result, the card and the board's counts);
    a write to the calendar in the transaction forgets what was read."""
    if end < start:
        raise ValueError("结束日期不能早于开始日期。")
    read = db.session.info.setdefault(_READ_IN_TRANSACTION, {})
    found = read.get((start, end))
    if found is None:
        found = read[(start, end)] = _load_calendar(start, end)
    return found


_READ_IN_TRANSACTION = "workdays.calendars"   # session.info: {(start, end): Calendar}
_CALENDAR_TABLES = frozenset({"calendar_days", "calendar_years"})


@event.listens_for(db.session, "after_flush")
def _forget_on_flush(session, flush_context):
    if any(getattr(obj, "__tablename__", None) in _CALENDAR_TABLES
           for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_READ_IN_TRANSACTION, None)


@event.listens_for(db.session, "do_orm_execute")
def _forget_on_statement(state):
    table = getattr(state.statement, "table", None)  # ORM or Core insert/update/delete
    if (state.is_insert or state.is_update or state.is_delete) and getattr(table, "name", None) in _CALENDAR_TABLES:
        state.session.info.pop(_READ_IN_TRANSACTION, None)


@event.listens_for(db.session, "after_transaction_end")
def _forget_at_end(session, transaction):
    if transaction.parent is None:
        session.info.pop(_READ_IN_TRANSACTION, None)


def _load_calendar(start: date, end: date) -> Calendar:
    years = range(start.year, end.year + 1)
    covered = set(db.session.scalars(
        select(CalendarYear.year).where(CalendarYear.year.between(start.year, end.year))))
    missing = [y for y in years if y not in covered]
    if missing:
        raise CalendarMissing(missing)
    rows = db.session.execute(
        select(CalendarDay.day, CalendarDay.kind, CalendarDay.name).where(CalendarDay.day.between(start, end)))
    return Calendar(start, end, {d: DayInfo(DayKind(k).value, n) for d, k, n in rows})


def day_kind(day: date) -> DayInfo:
    return load_calendar(day, day).info(day)


def is_workday(day: date) -> bool:
    return day_kind(day).is_workday


def working_days(start: date, start_half, end: date, end_half, count_holidays: bool = False) -> Decimal:
    """Days from start's half (上午 am / 下午 pm) to end's half, both included, in
    half days: Mon am → Mon am is 0.5, Mon am → Tue pm 2, Mon pm → Tue am 1.
    Only workdays count, unless `count_holidays` (every calendar day counts, as for
    产假); that needs no calendar, so it never raises CalendarMissing."""
    first, last = halfday.index(start, start_half), halfday.index(end, end_half)
    if end < start:
        raise ValueError("结束日期不能早于开始日期。")
    if last < first:
        raise ValueError("同一天内结束时间不能早于开始时间（不能从下午到上午）。")
    if count_holidays:
        return Decimal(last - first + 1) / 2
    cal = load_calendar(start, end)
    halves = 0
    for index in range(first, last + 1):
        if cal.is_workday(date.fromordinal(index // 2)):
            halves += 1
    return Decimal(halves) / 2


# -- coverage ------------------------------------------------------------------------

def covered_years() -> list[int]:
    return list(db.session.scalars(select(CalendarYear.year).order_by(CalendarYear.year)))


def missing_years(today: date) -> list[int]:
    """The years people are about to need that nobody has entered: this year, and
    next year once it is December."""
    wanted = [today.year] + ([today.year + 1] if today.month == 12 else [])
    covered = set(db.session.scalars(select(CalendarYear.year).where(CalendarYear.year.in_(wanted))))
    return [y for y in wanted if y not in covered]


@dataclass
class YearStatus:
    year: int
    covered: CalendarYear | None
    holidays: int = 0
    adjusted_workdays: int = 0
    admin_days: int = 0      # rows entered or changed by an admin

    @property
    def state(self) -> str:
        if self.covered is None:
            return "missing"
        return "package" if self.covered.source is CalendarSource.PACKAGE else "admin"

    @property
    def label(self) -> str:
        return {"missing": "未录入", "package": "已覆盖：来自 chinese-calendar",
                "admin": "已覆盖：管理员录入并确认"}[self.state]


def year_statuses(today: date) -> list[YearStatus]:
    """Last year to next year, and every year with anything stored, newest first."""
    year_expr = func.extract("year", CalendarDay.day)
    counts = db.session.execute(
        select(year_expr, CalendarDay.kind, CalendarDay.source, func.count()).group_by(
            year_expr, CalendarDay.kind, CalendarDay.source))
    stored = {y.year: y for y in db.session.scalars(select(CalendarYear))}
    statuses: dict[int, YearStatus] = {}
    for year in {today.year - 1, today.year, today.year + 1, *stored}:
        statuses[year] = YearStatus(year, stored.get(year))
    for year, kind, source, count in counts:
        status = statuses.setdefault(int(year), YearStatus(int(year), stored.get(int(year))))
        if DayKind(kind) is DayKind.HOLIDAY:
            status.holidays += count
        else:
            status.adjusted_workdays += count
        if CalendarSource(source) is CalendarSource.ADMIN:
            status.admin_days += count
    return [statuses[y] for y in sorted(statuses, reverse=True)]


def year_days(year: int) -> list[CalendarDay]:
    """The special days of a year, in date order (covered or not: the admin's draft)."""
    return list(db.session.scalars(
        select(CalendarDay).where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(CalendarDay.day)))


def year_of(year: int) -> CalendarYear | None:
    return db.session.get(CalendarYear, year)


@dataclass(frozen=True)
class GridDay:
    day: date
    info: DayInfo


def month_grids(year: int, days: list[CalendarDay] | Mapping[date, DayInfo]
                ) -> list[tuple[int, list[list[GridDay | None]]]]:
    """Twelve months of weeks, Monday first; None pads the first and last week. The
    special days are stored rows, or a mapping (a notice not yet saved)."""
    special = days if isinstance(days, Mapping) else {d.day: DayInfo(d.kind.value, d.name) for d in days}
    months = []
    for month in range(1, 13):
        weeks = []
        for week in std_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append([GridDay(d, special.get(d) or DayInfo(plain_kind(d))) if d.month == month else None
                          for d in week])
        months.append((month, weeks))
    return months


def festivals_missing(days: list[CalendarDay]) -> list[str]:
    """Which of the seven festivals have no holiday yet (a hint before confirming)."""
    named = " ".join(d.name or "" for d in days if d.kind is DayKind.HOLIDAY)
    return [f for f in FESTIVALS if f not in named]


# -- the chinese-calendar package ------------------------------------------------------

def package_covers(year: int) -> bool:
    try:
        chinese_calendar.get_holiday_detail(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def package_years() -> list[int]:
    """The years the installed package knows (probed, so a newer release with the
    next year's data is picked up without a code change)."""
    today = clock.today()
    candidates = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    candidates |= {today.year - 1, today.year, today.year + 1}
    return [y for y in sorted(candidates) if MIN_YEAR <= y <= MAX_YEAR and package_covers(y)]


def chinese_name(english: str | None) -> str | None:
    parts = [p.strip() for p in re.split(r"[,/;，、]", english or "") if p.strip()]
    name = "/".join(PACKAGE_NAMES.get(p, p) for p in parts)
    return name[:MAX_NAME] or None


def package_days(year: int) -> dict[date, tuple[DayKind, str | None]]:
    """The package's holidays (every day of each break, weekend days included) and
    调休上班日 (weekend days that are worked) of one year."""
    days: dict[date, tuple[DayKind, str | None]] = {}
    for day, name in chinese_calendar.holidays.items():
        if day.year == year:
            days[day] = (DayKind.HOLIDAY, chinese_name(name))
    for day, name in chinese_calendar.workdays.items():
        if day.year == year and day.weekday() >= 5:
            days[day] = (DayKind.ADJUSTED_WORKDAY, chinese_name(name))
    return days


def prefill_from_package(years=None, actor=None) -> list[int]:
    """Store the package's holidays and 调休上班日 for each year it covers that is
    not covered yet, with the year's CalendarYear row; returns the years stored.
    Idempotent: a covered year is left alone. In a year an admin has started on
    (rows but no confirmation) the admin's days are kept and the rest filled in.
    Audited when an actor is given (None from the CLI and the seed)."""
    wanted = package_years() if years is None else sorted({int(y) for y in years})
    wanted = [y for y in wanted if MIN_YEAR <= y <= MAX_YEAR and package_covers(y)]
    if not wanted:
        return []
    covered = set(db.session.scalars(select(CalendarYear.year).where(CalendarYear.year.in_(wanted))))
    wanted = [y for y in wanted if y not in covered]
    if not wanted:
        return []
    existing = set(db.session.scalars(select(CalendarDay.day).where(
        CalendarDay.day.between(date(wanted[0], 1, 1), date(wanted[-1], 12, 31)))))
    now = clock.now()
    actor_id = getattr(actor, "id", None)
    rows, done = [], []
    for year in wanted:
        facts = package_days(year)
        new = {d: f for d, f in facts.items() if d not in existing}
        rows += [{"day": d, "kind": kind, "name": name, "source": CalendarSource.PACKAGE,
                  "updated_at": now, "updated_by_id": actor_id} for d, (kind, name) in sorted(new.items())]
        db.session.add(CalendarYear(year=year, source=CalendarSource.PACKAGE, confirmed_at=now,
                                    confirmed_by_id=actor_id))
        if actor is not None:
            audit.record(actor, "calendar.prefilled", object_type="calendar_years", object_id=year, after={
                "year": year,
                "holidays": sum(1 for kind, _ in new.values() if kind is DayKind.HOLIDAY),
                "adjusted_workdays": sum(1 for kind, _ in new.values() if kind is DayKind.ADJUSTED_WORKDAY),
                "kept_admin_days": len(facts) - len(new),
            })
        done.append(year)
    if rows:
        db.session.execute(insert(CalendarDay), rows)
    db.session.flush()
    return done


def prefill_year(actor, year: int) -> int:
    """One year from the package, asked for from the calendar page."""
    _check_year(year, "year")
    if year_of(year) is not None:
        raise FieldErrors({"year": f"{year}年已覆盖，无需导入。"})
    if not package_covers(year):
        raise FieldErrors({"year": f"已安装的 chinese-calendar 没有{year}年的数据，请根据国务院办公厅通知手工录入。"})
    prefill_from_package([year], actor=actor)
    return year


# -- an administrator's changes --------------------------------------------------------

def _check_year(year, field_name: str) -> None:
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise FieldErrors({field_name: f"只能录入 {MIN_YEAR}–{MAX_YEAR} 年的日历。"})


def snapshot(row: CalendarDay) -> dict:
    return {"day": row.day.isoformat(), "kind": row.kind.value, "name": row.name, "source": row.source.value}


def _check_day(day, year: int | None, errors: dict[str, str]) -> None:
    if not isinstance(day, date):
        errors["day"] = "请填写有效的日期（年-月-日）。"
    elif not MIN_YEAR <= day.year <= MAX_YEAR:
        errors["day"] = f"只能录入 {MIN_YEAR}–{MAX_YEAR} 年的日期。"
    elif year is not None and day.year != year:
        errors["day"] = f"日期不在{year}年内，请到该年的页面录入。"


def _refuse_closed(day: date, errors: dict[str, str]) -> None:
    """The calendar is everyone's: a day in a month any 街镇 has closed (封账) stays."""
    from portal.activity import locks

    try:
        locks.refuse_span(None, day, day)
    except FieldErrors as locked:
        errors["day"] = locked.errors["day"]


def set_day(actor, day, kind, name, *, year: int | None = None) -> CalendarDay:
    """Enter or change one day. `year`, when given, is the year of the page the
    admin is on: a date of another year is refused rather than filed elsewhere."""
    errors: dict[str, str] = {}
    _check_day(day, year, errors)
    try:
        kind = DayKind(str(kind or ""))
    except ValueError:
        errors["kind"] = "请选择“法定假日”或“调休上班日”。"
        kind = None
    name = (name or "").strip()
    if has_control(name, strict=True):
        errors["name"] = "名称不能包含控制字符。"
    elif len(name) > MAX_NAME:
        errors["name"] = f"名称不能超过 {MAX_NAME} 个字。"
    elif kind is DayKind.HOLIDAY and not name:
        errors["name"] = "法定假日须填写名称，如：春节、国庆节。"
    if kind is DayKind.ADJUSTED_WORKDAY and "day" not in errors and day.weekday() < 5:
        errors["day"] = "调休上班日只能是星期六或星期日（星期一至五本来就上班）。"
    if "day" not in errors:
        _refuse_closed(day, errors)
    if errors:
        raise FieldErrors(errors)
    row = db.session.get(CalendarDay, day)
    now = clock.now()
    if row is None:
        row = CalendarDay(day=day, kind=kind, name=name or None, source=CalendarSource.ADMIN,
                          updated_at=now, updated_by_id=actor.id)
        db.session.add(row)
        db.session.flush()
        audit.record(actor, "calendar.day_set", object_type="calendar_days", object_id=day.isoformat(),
                     after=snapshot(row))
        return row
    if row.kind is kind and (row.name or "") == name:
        return row  # nothing changed
    before = snapshot(row)
    row.kind, row.name, row.source = kind, name or None, CalendarSource.ADMIN
    row.updated_at, row.updated_by_id = now, actor.id
    db.session.flush()
    audit.record(actor, "calendar.day_set", object_type="calendar_days", object_id=day.isoformat(),
                 before=before, after=snapshot(row))
    return row


def clear_day(actor, day, *, year: int | None = None) -> None:
    """Remove a day's entry: it becomes a plain workday or weekend again."""
    errors: dict[str, str] = {}
    _check_day(day, year, errors)
    if not errors:
        _refuse_closed(day, errors)
    if errors:
        raise FieldErrors(errors)
    row = db.session.get(CalendarDay, day)
    if row is None:
        raise FieldErrors({"day": f"{clock.format_date(day)}没有特殊安排，无需删除。"})
    before = snapshot(row)
    db.session.delete(row)
    db.session.flush()
    audit.record(actor, "calendar.day_cleared", object_type="calendar_days", object_id=day.isoformat(),
                 before=before)


def confirm_year(actor, year) -> CalendarYear:
    """An admin's word that the year's holidays and 调休 are entered in full; from
    now on the year's workdays are computed from the table."""
    _check_year(year, "year")
    if year_of(year) is not None:
        raise FieldErrors({"year": f"{year}年已确认，无需重复确认。"})
    holidays = db.session.scalar(select(func.count()).select_from(CalendarDay).where(
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)), CalendarDay.kind == DayKind.HOLIDAY))
    if not holidays:
        raise FieldErrors({"year": f"{year}年尚未录入任何法定假日，不能确认该年已录入完整。"})
    row = CalendarYear(year=year, source=CalendarSource.ADMIN, confirmed_at=clock.now(), confirmed_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    adjusted = db.session.scalar(select(func.count()).select_from(CalendarDay).where(
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)),
        CalendarDay.kind == DayKind.ADJUSTED_WORKDAY))
    audit.record(actor, "calendar.year_confirmed", object_type="calendar_years", object_id=year,
                 after={"year": year, "holidays": holidays, "adjusted_workdays": adjusted})
    return row


# -- the State Council's notice, imported whole ---------------------------------------

@dataclass
class NoticeChanges:
    """What importing a notice does to the days already entered for its year. The
    notice replaces the admin's unconfirmed draft: a day it sets differently is
    overwritten, a day it does not mention is removed, the rest are added."""

    added: list[date] = field(default_factory=list)
    unchanged: list[date] = field(default_factory=list)
    overwritten: list[tuple[CalendarDay, DayInfo]] = field(default_factory=list)  # row → what the notice says
    removed: list[CalendarDay] = field(default_factory=list)

    @property
    def touches_entries(self) -> bool:
        return bool(self.overwritten or self.removed)


def notice_open(year: int) -> None:
    """A notice may be imported only into a year nobody has confirmed yet."""
    _check_year(year, "notice")
    covered = year_of(year)
    if covered is not None:
        raise FieldErrors({"notice": f"{year}年已覆盖（{covered.source.label}，{clock.format_date(covered.confirmed_at)}），"
                                       f"不能再导入通知；如需修改，请在{year}年的日历页面逐日修改。"})


def notice_changes(year: int, parsed) -> NoticeChanges:
    """Compare a parsed notice (portal.workdays.notice.ParsedNotice) with the year's rows."""
    wanted = parsed.special
    changes = NoticeChanges()
    existing = {row.day: row for row in year_days(year)}
    for day, info in wanted.items():
        row = existing.get(day)
        if row is None:
            changes.added.append(day)
        elif row.kind.value == info.kind and (row.name or None) == info.name:
            changes.unchanged.append(day)
        else:
            changes.overwritten.append((row, info))
    changes.removed = [row for day, row in existing.items() if day not in wanted]
    return changes


def import_notice(actor, year: int, parsed) -> NoticeChanges:
    """Store the notice's 法定假日 and 调休上班日 as the admin's entries and confirm the
    year, in the caller's one transaction, with one audit entry that keeps what was
    overwritten or removed."""
    notice_open(year)
    if parsed.year != year:
        raise FieldErrors({"notice": f"这是{parsed.year}年的通知，本页是{year}年的工作日历。"})
    changes = notice_changes(year, parsed)
    wanted = parsed.special
    now, before = clock.now(), [snapshot(row) for row, _ in changes.overwritten] + [
        snapshot(row) for row in changes.removed]
    for row in changes.removed:
        db.session.delete(row)
    for row, info in changes.overwritten:
        row.kind, row.name, row.source = DayKind(info.kind), info.name, CalendarSource.ADMIN
        row.updated_at, row.updated_by_id = now, actor.id
    if changes.added:
        db.session.execute(insert(CalendarDay), [
            {"day": day, "kind": DayKind(wanted[day].kind), "name": wanted[day].name, "source": CalendarSource.ADMIN,
             "updated_at": now, "updated_by_id": actor.id} for day in changes.added])
    db.session.add(CalendarYear(year=year, source=CalendarSource.ADMIN, confirmed_at=now, confirmed_by_id=actor.id))
    db.session.flush()
    audit.record(actor, "calendar.notice_imported", object_type="calendar_years", object_id=year,
                 before={"days": before} if before else None, after={
                     "year": year, "title": parsed.title,
                     "holidays": len(parsed.holidays), "adjusted_workdays": len(parsed.adjusted_workdays),
                     "festivals": [{"name": f.name, "first": f.first.isoformat(), "last": f.last.isoformat(),
                                    "adjusted_workdays": [d.isoformat() for d in f.adjusted_workdays]}
                                   for f in parsed.festivals],
                     "overwritten": [row.day.isoformat() for row, _ in changes.overwritten],
                     "removed": [row.day.isoformat() for row in changes.removed],
                 })
    return changes
