"""The pure core of 考勤: day results, patrols and visits from the activity log.

Everything here works on plain inputs (events with `.kind` and `.at`, leave spans
as tuples, a loaded workdays `Calendar`, a `Schedule`): no database access and no
request objects, so a whole street's month sheet is computed from a few bulk
queries, and every rule is unit-tested directly.

Sources (seeds/000_e12ade7e72b50434.txt): 工作规范 二(二) "一日双巡", each patrol at
least 1.5 h, and "弹性工时" household visits of at least 5 h a week at noon, in the
evening or at weekends; 八个一 六 says each patrol at least 1 h; 工作规范 二(四) puts
考勤 with the 社区书记/站长.

Decisions an office would otherwise argue about, made once here:

- Times are judged as people see them: local Asia/Shanghai, to the minute (the
  seconds of an event are dropped), so 08:35:59 is "08:35".
- Grace: within `late_grace_minutes` of the block start is on time; beyond it the
  whole lateness counts (08:41 against 08:30 with 5 minutes' grace is 迟到 11
  minutes, not 6). The same for 早退 against the block end.
- 签到 once a day: the first clock-in counts, a second one is an anomaly. 签退 may be
  repeated (updating the time, as attendance apps allow): the last one counts. A
  clock-out before any clock-in is an anomaly and is ignored.
- No clock-out (未签退): flagged, `needs_review`, and the code stays what the
  clock-in gives (正常 or 迟到); it is not turned into 早退. The 书记/站长 settles it
  (补卡, or a judgement).
- Late and early on one day: code 迟到 (first), flags carry both, both minutes are
  kept, the cell symbol is "迟/早" (上午/下午: lateness is about arriving, early
  leaving about the afternoon), and the month counts it once in each column.
- Half-day leave covers its block; the other block is judged alone, and the cell
  shows both halves in 上午/下午 order: "假/√", "迟/假", "假/缺".
- A day's result is never stored: it is recomputed from the log, leave and the
  calendar, so a 补卡 or a 销假 changes it at once.
- A patrol or 入户 belongs to the day it starts on, even when it ends after
  midnight (an evening visit from 21:00 to 00:20 is 200 minutes of that evening).
- Days before a person's `portal_start` (go-live, or a new hire's first day) are
  "未入系统": not 缺勤, and not counted in any total.
"""
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from portal import halfday
from portal.activity.models import EventKind
from portal.activity.rules import MAX_VISIT_MINUTES, check_visit_duration, minutes_between
from portal.activity.rules import local_minute as _minute
from portal.clock import LOCAL_TZ, to_local
from portal.halfday import Half, half_of

AM, PM = Half.AM, Half.PM
HALVES = tuple(Half)
HALF_LABELS = {half: half.label for half in Half}
HALF_DAY = Decimal("0.5")

Block = tuple[time, time]


# -- schedule ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Schedule:
    """The hours a 街镇 works to. The notice leaves hours to each 街镇: the defaults
    below (08:30–12:00; afternoons 14:30–18:00 in summer, 14:00–17:30 in winter;
    summer hours from 5月1日, winter hours from 10月1日, as Baotou offices commonly
    switch) are defaults pending each 街镇's setting (attendance.settings).

    `summer_from` and `winter_from` are (month, day): summer hours apply from
    summer_from up to the day before winter_from."""

    summer_morning: Block = (time(8, 30), time(12, 0))
    summer_afternoon: Block = (time(14, 30), time(18, 0))
    winter_morning: Block = (time(8, 30), time(12, 0))
    winter_afternoon: Block = (time(14, 0), time(17, 30))
    summer_from: tuple[int, int] = (5, 1)
    winter_from: tuple[int, int] = (10, 1)
    late_grace_minutes: int = 5
    early_grace_minutes: int = 5
    patrols_per_day: int = 2          # 工作规范 二(二) "一日双巡": 上、下午各巡查一次
    # 工作规范 二(二): 每次巡查时间不得少于1.5个小时 (90); 八个一 六: 每次巡查时间不得少于
    # 1小时 (60). The stricter figure is the default; a 街镇 may set 60.
    patrol_min_minutes: int = 90
    weekly_visit_minutes: int = 300   # 弹性入户: 每周不少于5小时

    def __post_init__(self):
        for season in ("summer", "winter"):
            morning, afternoon = getattr(self, f"{season}_morning"), getattr(self, f"{season}_afternoon")
            sequence = [*morning, *afternoon]
            if sequence != sorted(sequence) or len(set(sequence)) != 4:
                raise ValueError(f"{season} blocks must be increasing: {sequence}")
        for switch in (self.summer_from, self.winter_from):
            date(2000, *switch)  # raises ValueError on a day that does not exist (2000 is a leap year)
        if self.summer_from == self.winter_from:
            raise ValueError("summer and winter hours cannot start on the same day")
        for name in ("late_grace_minutes", "early_grace_minutes", "patrols_per_day", "patrol_min_minutes",
                     "weekly_visit_minutes"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")

    @classmethod
    def from_settings(cls, row) -> "Schedule":
        """From an AttendanceSettings row (or anything with its attribute names):
        one morning block for both seasons, switch dates as "MM-DD" strings."""
        def month_day(text: str) -> tuple[int, int]:
            month, day = (int(part) for part in str(text).split("-"))
            return month, day

        morning = (row.morning_start, row.morning_end)
        return cls(
            summer_morning=morning, winter_morning=morning,
            summer_afternoon=(row.summer_afternoon_start, row.summer_afternoon_end),
            winter_afternoon=(row.winter_afternoon_start, row.winter_afternoon_end),
            summer_from=month_day(row.summer_from), winter_from=month_day(row.winter_from),
            late_grace_minutes=row.late_grace_minutes, early_grace_minutes=row.early_grace_minutes,
            patrols_per_day=row.patrols_per_day, patrol_min_minutes=row.patrol_min_minutes,
            weekly_visit_minutes=row.weekly_visit_minutes,
        )

    def is_summer(self, day: date) -> bool:
        key = (day.month, day.day)
        if self.summer_from < self.winter_from:
            return self.summer_from <= key < self.winter_from
        return key >= self.summer_from or key < self.winter_from

    def blocks_for(self, day: date) -> tuple[Block, Block]:
        """(morning, afternoon), each (start, end), for this date's season."""
        if self.is_summer(day):
            return self.summer_morning, self.summer_afternoon
        return self.winter_morning, self.winter_afternoon


# -- events and intervals ---------------------------------------------------------------

@dataclass(frozen=True)
class Anomaly:
    """Something in the log that does not add up; listed for the 书记/站长, never fatal."""

    message: str
    at: datetime | None = None

    def __str__(self) -> str:
        return f"{to_local(self.at):%H:%M} {self.message}" if self.at is not None else self.message


class _Event(NamedTuple):
    kind: EventKind
    at: datetime


_kind = EventKind.of


def _clock_minutes(moment: datetime) -> int:
    local = _minute(moment)
    return local.hour * 60 + local.minute


def _time_minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _ordered(events: Iterable, start: datetime | None = None, end: datetime | None = None
             ) -> tuple[list[_Event], list[Anomaly]]:
    """Events in time order (stable for equal times), kinds normalised, outside
    [start, end) dropped; unknown kinds are reported, not raised."""
    kept, anomalies = [], []
    for event in events:
        at = to_local(event.at)
        if (start is not None and at < start) or (end is not None and at >= end):
            continue
        kind = _kind(event.kind)
        if kind is None:
            anomalies.append(Anomaly(f"未知的事件类型“{event.kind}”，已忽略", at))
            continue
        kept.append(_Event(kind, at))
    kept.sort(key=lambda e: e.at)
    return kept, anomalies


@dataclass(frozen=True)
class Interval:
    """A patrol or a visit: `end` None means it was never ended (open), and then
    `minutes` is 0: an open interval is flagged, never counted."""

    start: datetime
    end: datetime | None
    minutes: int
    flags: tuple[str, ...] = ()

    @property
    def open(self) -> bool:
        return self.end is None


class Intervals(list):
    """A list of Interval, with the anomalies found while pairing (`.anomalies`)."""

    def __init__(self, items: Iterable[Interval] = (), anomalies: Iterable[Anomaly] = ()):
        super().__init__(items)
        self.anomalies: list[Anomaly] = list(anomalies)


NOUNS = {EventKind.PATROL_START: "巡查", EventKind.VISIT_START: "入户"}
RESTARTED = "未结束即重新开始"
PATROL_OPEN = "巡查未结束"
VISIT_OPEN = "入户未结束"


def pair_intervals(events: Iterable, start_kind, end_kind, day_end: datetime | None) -> Intervals:
    """Pair one person's start/end events into intervals, in time order.

    - an end with no start before it: an anomaly, no interval;
    - a start while one is running: the running one closes nothing; it stays an
      open interval flagged "未结束即重新开始" (an anomaly too), the new one runs on;
    - a start with no end by `day_end`: an open interval flagged "巡查未结束" /
      "入户未结束", 0 minutes. Events at or after `day_end` are not considered
      (None: no cut-off).
    """
    start_kind, end_kind = EventKind(start_kind), EventKind(end_kind)
    noun = NOUNS.get(start_kind, start_kind.label)
    ordered, _unknown = _ordered(events, end=day_end)
    result = Intervals()
    running: datetime | None = None
    for event in ordered:
        if event.kind is start_kind:
            if running is not None:
                result.append(Interval(running, None, 0, (RESTARTED,)))
                result.anomalies.append(Anomaly(f"{noun}{RESTARTED}", event.at))
            running = event.at
        elif event.kind is end_kind:
            if running is None:
                result.anomalies.append(Anomaly(f"{noun}结束没有对应的{noun}开始", event.at))
            else:
                result.append(Interval(running, event.at, minutes_between(running, event.at)))
                running = None
    if running is not None:
        result.append(Interval(running, None, 0, (f"{noun}未结束",)))
    return result


# -- patrols ----------------------------------------------------------------------------

@dataclass(frozen=True)
class PatrolResult:
    """一日双巡 for one day. `morning`/`afternoon` are the patrols that count for
    each half-day (the longest completed one started in it), whether or not long
    enough; `short` lists every completed patrol under the minimum; `ratio` is
    done ÷ required (None when none is required: rest day, leave, field work)."""

    day: date
    required: int
    done: int
    min_minutes: int
    morning: Interval | None
    afternoon: Interval | None
    short: tuple[Interval, ...]
    open: tuple[Interval, ...]
    intervals: tuple[Interval, ...]
    ratio: float | None

    @property
    def short_minutes(self) -> list[int]:
        return [iv.minutes for iv in self.short]

    def ok(self, interval: Interval | None) -> bool:
        return interval is not None and not interval.open and interval.minutes >= self.min_minutes

    @property
    def label(self) -> str:
        return f"巡查 {self.done}/{self.required}" if self.required else "巡查 —"


def patrol_result(intervals: Iterable[Interval], schedule: Schedule, day: date,
                  halves: Iterable[str] = HALVES) -> PatrolResult:
    """Judge the day's patrols (intervals from pair_intervals; those starting on
    another day are ignored) against `schedule.patrol_min_minutes`.

    `halves` are the half-days the person is on duty (a half-day of leave drops
    that half's patrol). Each patrol counts once, and only whole: two short ones
    do not add up (工作规范: "每次巡查时间不得少于…"). `patrols_per_day` is split
    evenly between the halves, an odd one counting in either (2 → one 上午 and
    one 下午, 1 → one at any time)."""
    mine = tuple(iv for iv in intervals if to_local(iv.start).date() == day)
    on_duty = set(halves)
    per_half = schedule.patrols_per_day // 2
    quota = {h: per_half if h in on_duty else 0 for h in HALVES}
    anywhere = schedule.patrols_per_day % 2 if on_duty else 0
    required = quota[AM] + quota[PM] + anywhere

    best: dict[str, Interval | None] = {AM: None, PM: None}
    good = {AM: 0, PM: 0}
    for iv in mine:
        if iv.open:
            continue
        half = half_of(iv.start)
        if best[half] is None or iv.minutes > best[half].minutes:
            best[half] = iv
        if iv.minutes >= schedule.patrol_min_minutes:
            good[half] += 1
    counted = sum(min(good[h], quota[h]) for h in HALVES)
    spare = sum(good[h] - min(good[h], quota[h]) for h in HALVES)
    done = min(counted + min(spare, anywhere), required)
    return PatrolResult(
        day=day, required=required, done=done, min_minutes=schedule.patrol_min_minutes,
        morning=best[AM], afternoon=best[PM],
        short=tuple(iv for iv in mine if not iv.open and iv.minutes < schedule.patrol_min_minutes),
        open=tuple(iv for iv in mine if iv.open), intervals=mine,
        ratio=None if required == 0 else done / required,
    )


# -- visits (弹性入户) ------------------------------------------------------------------

def visit_anomalies(intervals: Iterable[Interval]) -> list[Anomaly]:
    return [Anomaly(f"入户时长 {iv.minutes} 分钟不合理，未计入", iv.start)
            for iv in intervals if not iv.open and check_visit_duration(iv.minutes)]


def visit_minutes(intervals: Iterable[Interval]) -> int:
    """Completed visits' minutes; open ones, negative ones and ones over 12 h are not counted."""
    return sum(iv.minutes for iv in intervals if not iv.open and check_visit_duration(iv.minutes) is None)


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the day's week (weekend visits count toward it)."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def week_ratio(minutes: int, target: int) -> float:
    """A week's 弹性入户 progress, 0–1 (capped: more does not make up another week)."""
    return 1.0 if target <= 0 else min(minutes / target, 1.0)


# -- leave ------------------------------------------------------------------------------

def leave_span(leave) -> tuple | None:
    """A LeaveRequest (or look-alike) as the tuple day_result takes, or None when it
    puts nothing on the calendar: only 已批准 and 已销假 count, and a 销假 ends the
    leave the half-day before the recorded return."""
    status = str(getattr(leave.status, "value", leave.status))
    if status not in ("approved", "completed"):
        return None
    first = halfday.index(leave.start_date, leave.start_half)
    last = halfday.index(leave.end_date, leave.end_half)
    if status == "completed" and leave.returned_date is not None and leave.returned_half is not None:
        last = min(last, halfday.index(leave.returned_date, leave.returned_half) - 1)
    if last < first:
        return None
    return (leave.start_date, halfday.from_index(first)[1], *halfday.from_index(last), leave.leave_type.name)


def leave_halves(day: date, leave_spans: Iterable[tuple]) -> dict[str, str]:
    """Half-day → leave type name, for the halves of `day` the spans cover."""
    covered: dict[str, str] = {}
    for start_day, start_half, end_day, end_half, type_name in leave_spans:
        first, last = halfday.index(start_day, start_half), halfday.index(end_day, end_half)
        for half in HALVES:
            if first <= halfday.index(day, half) <= last:
                covered.setdefault(half, type_name)
    return covered


# -- the day ----------------------------------------------------------------------------

class Code(enum.StrEnum):
    NORMAL = "normal"
    LATE = "late"
    EARLY = "early"
    ABSENT = "absent"
    LEAVE = "leave"
    REST = "rest"
    FIELD = "field"
    NOT_IN_PORTAL = "not_in_portal"

    @property
    def label(self) -> str:
        return CODE_LABELS[self]

    @property
    def symbol(self) -> str:
        return SYMBOLS[self]


CODE_LABELS = {Code.NORMAL: "正常", Code.LATE: "迟到", Code.EARLY: "早退", Code.ABSENT: "缺勤",
               Code.LEAVE: "请假", Code.REST: "休息", Code.FIELD: "外出", Code.NOT_IN_PORTAL: "未入系统"}
SYMBOLS = {Code.NORMAL: "√", Code.LATE: "迟", Code.EARLY: "早", Code.ABSENT: "缺",
           Code.LEAVE: "假", Code.REST: "休", Code.FIELD: "外", Code.NOT_IN_PORTAL: "—"}
LATE_AND_EARLY = "迟/早"
# The month sheet's legend, in its order.
LEGEND = [*((SYMBOLS[c], CODE_LABELS[c]) for c in Code),
          (LATE_AND_EARLY, "迟到且早退"), ("假/√", "半天请假（上午/下午）")]

FLAG_LATE = "迟到"
FLAG_EARLY = "早退"
FLAG_NO_CLOCK_IN = "未签到"
FLAG_NO_CLOCK_OUT = "未签退"
FLAG_ACTIVITY_ON_LEAVE = "请假期间有记录"


@dataclass(frozen=True)
class DayResult:
    """One person's 考勤 for one day, with everything the month sheet, the worker's
    page and the 书记's review need. Day counts are Decimal half-days."""

    day: date
    code: Code
    symbol: str
    workday: bool
    day_name: str | None = None          # 国庆节 … from the calendar
    late_minutes: int = 0
    early_minutes: int = 0
    flags: tuple[str, ...] = ()
    needs_review: bool = False
    leave_type: str | None = None
    leave_halves: tuple[str, ...] = ()   # "am"/"pm" covered by leave
    present_days: Decimal = Decimal(0)   # 出勤: 1, 0.5 beside half-day leave, 0
    absent_days: Decimal = Decimal(0)
    leave_days: Decimal = Decimal(0)
    clock_in: datetime | None = None
    clock_out: datetime | None = None
    worked_minutes: int = 0
    patrols: PatrolResult | None = None
    visits: tuple[Interval, ...] = ()
    visit_minutes: int = 0
    anomalies: tuple[Anomaly, ...] = ()

    @property
    def late(self) -> bool:
        return FLAG_LATE in self.flags

    @property
    def early(self) -> bool:
        return FLAG_EARLY in self.flags

    @property
    def label(self) -> str:
        """A sentence for a tooltip: 迟到 11 分钟，早退 20 分钟; 上午请假（事假），下午正常."""
        if self.code is Code.REST:
            return "休息" + (f"（{self.day_name}）" if self.day_name else "")
        if self.code is Code.NOT_IN_PORTAL:
            return "尚未纳入系统考勤（上线或入职之前）"
        if self.code is Code.LEAVE:
            return f"请假（{self.leave_type}）"
        parts = []
        if self.late:
            parts.append(f"迟到 {self.late_minutes} 分钟")
        if self.early:
            parts.append(f"早退 {self.early_minutes} 分钟")
        if not parts:
            parts.append(self.code.label)
        if FLAG_NO_CLOCK_OUT in self.flags:
            parts.append(FLAG_NO_CLOCK_OUT)
        duty = "，".join(parts)
        if self.leave_halves:
            leave_half = self.leave_halves[0]
            other = PM if leave_half == AM else AM
            leave = f"{HALF_LABELS[leave_half]}请假（{self.leave_type}）"
            duty = f"{HALF_LABELS[other]}{duty}"
            return f"{leave}，{duty}" if leave_half == AM else f"{duty}，{leave}"
        return duty


def cell_text(result: "DayResult") -> str:
    """What a 考勤表 cell shows: the symbol, with the minutes late or early written
    out (迟15, 早20, 假/迟15), so nobody has to hover to read them."""
    text = result.symbol
    if result.late_minutes:
        text = text.replace(SYMBOLS[Code.LATE], f"{SYMBOLS[Code.LATE]}{result.late_minutes}", 1)
    if result.early_minutes:
        text = text.replace(SYMBOLS[Code.EARLY], f"{SYMBOLS[Code.EARLY]}{result.early_minutes}", 1)
    return text


def _symbol(code: Code, late: bool, early: bool, leave: dict[str, str]) -> str:
    duty = SYMBOLS[code]
    if late and early:
        duty = LATE_AND_EARLY if not leave else "迟早"
    if not leave:
        return duty
    return f"{SYMBOLS[Code.LEAVE]}/{duty}" if AM in leave else f"{duty}/{SYMBOLS[Code.LEAVE]}"


def _within(intervals: Intervals, start: datetime, end: datetime) -> Intervals:
    """The intervals that start in [start, end), with the anomalies found there."""
    return Intervals([iv for iv in intervals if start <= iv.start < end],
                     [a for a in intervals.anomalies if a.at is None or start <= a.at < end])


def day_result(day: date, events: Iterable, leave_spans: Iterable[tuple], calendar, schedule: Schedule,
               approved_field_work: bool = False, portal_start: date | None = None,
               patrol_duty: bool = True) -> DayResult:
    """One person's day, from their events (anything with .kind, an EventKind or its
    value, and .at, an aware datetime; clock-ins and -outs of other local days are
    ignored, but a patrol or 入户 belongs to the day it starts on: one that started
    the evening before and ended after midnight is paired across it, so pass the
    neighbouring days' events too; up to 12 h either side are looked at),
    `leave_spans` of APPROVED/COMPLETED leave as (start_date, start_half, end_date,
    end_half, type_name) with any 销假 already applied (see leave_span), and a
    workdays Calendar covering the day (outside it: ValueError, as Calendar.info).

    `patrol_duty` is False for people who do not patrol (front desk, 书记, 站长):
    no 一日双巡 is required of them, so their 巡查达标率 is "—", not 0 %.

    In order: a non-workday is 休息 (events still count: worked minutes, visits
    toward the week's 弹性入户); leave on both halves is 请假; approved field work
    is 外出; no clock-in is 缺勤; otherwise 迟到/早退/正常 against the on-duty
    blocks. See the module docstring for grace, repeated and missing clocks.

    The result is final only once the day is over: for today, the caller shows it
    as provisional (a missing clock-out or clock-in may still come)."""
    info = calendar.info(day)
    if portal_start is not None and day < portal_start:
        return DayResult(day=day, code=Code.NOT_IN_PORTAL, symbol=SYMBOLS[Code.NOT_IN_PORTAL], workday=False,
                         day_name=info.name)
    day_start = datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
    day_end = day_start + timedelta(days=1)
    around = timedelta(minutes=MAX_VISIT_MINUTES)
    nearby, anomalies = _ordered(events, day_start - around, day_end + around)
    anomalies = [a for a in anomalies if day_start <= a.at < day_end]
    ordered = [e for e in nearby if day_start <= e.at < day_end]

    clock_in = clock_out = None
    for event in ordered:
        if event.kind is EventKind.CLOCK_IN:
            if clock_in is None:
                clock_in = event.at
            else:
                anomalies.append(Anomaly("重复签到，以第一次签到为准", event.at))
        elif event.kind is EventKind.CLOCK_OUT:
            if clock_in is None:
                anomalies.append(Anomaly("签退前没有签到，已忽略", event.at))
            else:
                clock_out = event.at  # a later 签退 updates the time
    worked = minutes_between(clock_in, clock_out) if clock_in and clock_out else 0

    patrol_intervals = _within(pair_intervals(nearby, EventKind.PATROL_START, EventKind.PATROL_END, None),
                               day_start, day_end)
    visits = _within(pair_intervals(nearby, EventKind.VISIT_START, EventKind.VISIT_END, None), day_start, day_end)
    anomalies += patrol_intervals.anomalies + visits.anomalies + visit_anomalies(visits)
    anomalies.sort(key=lambda a: (a.at is None, a.at or day_start))

    leave = leave_halves(day, leave_spans) if info.is_workday else {}
    on_duty = [h for h in HALVES if h not in leave] if info.is_workday else []
    duty_days = HALF_DAY * len(on_duty)
    leave_days = HALF_DAY * len(leave)
    leave_type = "、".join(dict.fromkeys(leave.values())) or None

    # 一日双巡 is the 网格员's duty (工作规范 二(二)); office staff have none to meet.
    if not patrol_duty or not info.is_workday or not on_duty or approved_field_work:
        patrol_halves: list[str] = []
    else:
        patrol_halves = on_duty
    patrols = patrol_result(patrol_intervals, schedule, day, patrol_halves)

    flags: list[str] = []
    if patrols.open:
        flags.append(PATROL_OPEN)
    if any(iv.open for iv in visits):
        flags.append(VISIT_OPEN)
    common = dict(day=day, workday=info.is_workday, day_name=info.name, clock_in=clock_in, clock_out=clock_out,
                  worked_minutes=worked, patrols=patrols, visits=tuple(visits),
                  visit_minutes=visit_minutes(visits), anomalies=tuple(anomalies))

    if not info.is_workday:
        return DayResult(code=Code.REST, symbol=SYMBOLS[Code.REST], flags=tuple(flags),
                         needs_review=bool(anomalies), **common)
    if not on_duty:
        if ordered:
            flags.append(FLAG_ACTIVITY_ON_LEAVE)
        return DayResult(code=Code.LEAVE, symbol=SYMBOLS[Code.LEAVE], flags=tuple(flags),
                         needs_review=bool(ordered or anomalies), leave_type=leave_type,
                         leave_halves=tuple(leave), leave_days=leave_days, **common)
    leave_part = dict(leave_type=leave_type, leave_halves=tuple(leave), leave_days=leave_days)
    if approved_field_work:
        return DayResult(code=Code.FIELD, symbol=_symbol(Code.FIELD, False, False, leave), flags=tuple(flags),
                         needs_review=bool(anomalies), present_days=duty_days, **leave_part, **common)
    if clock_in is None:
        flags.insert(0, FLAG_NO_CLOCK_IN)
        return DayResult(code=Code.ABSENT, symbol=_symbol(Code.ABSENT, False, False, leave), flags=tuple(flags),
                         needs_review=bool(ordered or anomalies), absent_days=duty_days, **leave_part, **common)

    morning, afternoon = schedule.blocks_for(day)
    first_block = morning if AM in on_duty else afternoon
    last_block = afternoon if PM in on_duty else morning
    late_by = _clock_minutes(clock_in) - _time_minutes(first_block[0])
    late = late_by > schedule.late_grace_minutes
    early = False
    early_by = 0
    judged: list[str] = []
    if late:
        judged.append(FLAG_LATE)
    if clock_out is not None:
        early_by = _time_minutes(last_block[1]) - _clock_minutes(clock_out)
        early = early_by > schedule.early_grace_minutes
        if early:
            judged.append(FLAG_EARLY)
    else:
        judged.append(FLAG_NO_CLOCK_OUT)
    code = Code.LATE if late else Code.EARLY if early else Code.NORMAL
    return DayResult(code=code, symbol=_symbol(code, late, early, leave), flags=tuple(judged + flags),
                     needs_review=clock_out is None or bool(flags) or bool(anomalies),
                     late_minutes=late_by if late else 0, early_minutes=early_by if early else 0,
                     present_days=duty_days, **leave_part, **common)


# -- the month --------------------------------------------------------------------------

SUMMARY_COLUMNS = ("出勤天数", "迟到次数", "早退次数", "缺勤天数", "请假天数", "巡查达标率", "入户小时", "待核查天数")


def ratio_bp(done: int, required: int) -> int | None:
    """A day's 一日双巡 ratio in 1/10000, rounded half up: the one figure the sheet,
    the dashboards and 考核 all add up (integers add up alike in every database)."""
    if required <= 0:
        return None
    return (done * 10000 * 2 + required) // (2 * required)


def day_ratio_bp(result: DayResult) -> int | None:
    patrols = result.patrols
    if patrols is None:
        return None
    stored = getattr(patrols, "ratio_bp", False)
    return stored if stored is not False else ratio_bp(patrols.done, patrols.required)


@dataclass(frozen=True)
class Tally:
    """The sums of a run of day results that every period figure is made of. The
    stored MonthTally and WeekTally rows are these sums taken in SQL
    (portal.attendance.days.refresh_tallies mirrors `of`); `logged_days` is only
    known there (whether the log had anything that day)."""

    days: int = 0
    workdays: int = 0
    present_days: Decimal = Decimal(0)
    absent_days: Decimal = Decimal(0)
    leave_days: Decimal = Decimal(0)
    late_count: int = 0
    early_count: int = 0
    review_count: int = 0
    visit_minutes: int = 0
    patrol_days: int = 0     # workdays present with patrols required
    patrol_ratio_bp: int = 0  # the sum of their ratios, 1/10000
    logged_days: int = 0

    @classmethod
    def of(cls, results: Iterable[DayResult]) -> "Tally":
        results = list(results)
        workdays = [r for r in results if r.workday]
        patrol = [bp for r in workdays if r.present_days > 0 and (bp := day_ratio_bp(r)) is not None]
        return cls(
            days=len(results), workdays=len(workdays),
            present_days=sum((r.present_days for r in workdays), Decimal(0)),
            absent_days=sum((r.absent_days for r in workdays), Decimal(0)),
            leave_days=sum((r.leave_days for r in workdays), Decimal(0)),
            late_count=sum(1 for r in workdays if r.late_minutes > 0),
            early_count=sum(1 for r in workdays if r.early_minutes > 0),
            review_count=sum(1 for r in results if r.needs_review),
            visit_minutes=sum(r.visit_minutes for r in results),
            patrol_days=len(patrol), patrol_ratio_bp=sum(patrol))

    @classmethod
    def of_row(cls, row) -> "Tally":
        """From a MonthTally row (or a row of its sums)."""
        return cls.of_values([getattr(row, name) for name in cls.__dataclass_fields__])

    @classmethod
    def of_values(cls, values) -> "Tally":
        """From the stored sums in the fields' order (a plain row of them)."""
        return cls(*(_half_days(value) if half else int(value or 0)
                     for value, half in zip(values, _HALF_DAY_FIELDS, strict=True)))

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(**{name: getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__})

    @property
    def patrol_rate(self) -> float | None:
        """The mean daily 一日双巡 ratio (None: no day required a patrol)."""
        return None if self.patrol_days == 0 else round(self.patrol_ratio_bp / self.patrol_days / 10000, 4)

    @property
    def attendance_rate(self) -> float | None:
        """出勤 ÷ (出勤 + 缺勤); approved leave is neither."""
        counted = self.present_days + self.absent_days
        return None if counted == 0 else float(self.present_days / counted)

    @property
    def visit_hours(self) -> Decimal:
        return (Decimal(self.visit_minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# Which of Tally's fields are half-day counts (the rest are whole numbers).
_HALF_DAY_FIELDS = tuple(name in ("present_days", "absent_days", "leave_days") for name in Tally.__dataclass_fields__)


def _half_days(value) -> Decimal:
    """A sum of half-days as read back from the database (a float in SQLite)."""
    return Decimal(round(float(value or 0) * 2)) / 2


def month_summary(results: Iterable[DayResult]) -> dict:
    """The summary columns of the monthly 考勤表 for one person's day results.

    出勤天数, 缺勤天数 and 请假天数 are Decimal half-days over workdays (外出 counts as
    出勤); a day both late and early counts once in 迟到次数 and once in 早退次数;
    巡查达标率 is the mean daily patrol ratio over workdays with 出勤 and a patrol
    requirement (None when there is none); 入户小时 is all visit minutes, weekends
    included, ÷ 60, one decimal (half up)."""
    return summary_of(Tally.of(results))


def summary_of(tally: Tally) -> dict:
    return {
        "出勤天数": tally.present_days, "迟到次数": tally.late_count, "早退次数": tally.early_count,
        "缺勤天数": tally.absent_days, "请假天数": tally.leave_days, "巡查达标率": tally.patrol_rate,
        "入户小时": tally.visit_hours, "待核查天数": tally.review_count,
    }
