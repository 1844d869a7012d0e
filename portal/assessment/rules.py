"""The pure core of 考核: one person's result for a period from plain inputs (the
day results of portal/attendance/rules.py, the week's 入户, inspection scores,
逾期未销假 and overdue 整改, adjustments). No database, no request: unit-tested
directly. Gathering the inputs is portal/assessment/results.py.

How a total is made (工作规范 三(一)(二): 季度考核和年度考核相结合, the 街镇 sets the
method; the weights, deductions and grades are its settings):

- Four parts, each a rate between 0 and 1 times its weight: 出勤率 (days present ÷
  days that had to be worked; leave is excused), 一日双巡 (the mean daily patrol
  ratio, as on the 考勤表), 弹性入户 (each complete week's minutes ÷ the weekly
  target, capped at 1, averaged over the weeks) and the “八个统一” inspections of
  the person's community in the period (mean score; per-person items count only
  the person's own answers when people were named present).
- A part that does not apply (no inspection in the period; patrols and visits for
  anyone but a 网格员) drops out and the other weights are scaled up to 100, so a
  front-desk clerk is not marked down for not patrolling.
- Then deductions per occurrence (迟到, 早退, 缺勤 day, 逾期未销假, overdue 整改 for
  the 书记/站长 who own it) and the 书记's adjustments; the total stays within 0–100.
- Every point lost is one line naming the day, the week, the leave request, the
  inspection item or the 整改 behind it, so the lines and the total always agree.
- 便民服务事项 (issue 15), a fifth part only where the 街镇 gives it a weight (0 by
  default: no part, no column, results as before): each matter due in the period up
  to yesterday earns 1 if it was closed on time, 0 if closed late or still open past
  its time limit; a resident's 不满意 at the feedback halves what it earned. The rate
  is the mean. A 网格员 (or anyone) is judged on the matters they hold, the 书记 and
  站长 on all of their community's (they own its loop, as its 整改). No matter due:
  the part does not apply.
- Which dates count: what the 考勤 gives (出勤, 巡查, 入户 and 迟到/早退/缺勤) counts
  the judged days, from the 街镇's first 签到 on record (days before it were not kept
  here) to yesterday; the inspections, 逾期未销假 and overdue 整改 count by their own
  date anywhere in the period, since they were recorded whenever they happened. The
  person's page states both spans, each section of its breakdown its own.
"""
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from portal.attendance import rules as attendance

ZERO, HUNDRED = Decimal(0), Decimal(100)
GRADES = ("优秀", "合格", "基本合格", "不合格")
PARTS = {"attendance": "出勤", "patrol": "巡查（一日双巡）", "visits": "入户（每周 5 小时）",
         "inspection": "“八个统一”督查"}
MATTERS = "matters"    # the optional fifth part: only with a weight (parts_of)
LABELS = {**PARTS, MATTERS: "便民服务事项"}
HALF = Decimal("0.5")


def parts_of(rules_json: dict) -> dict[str, str]:
    """The parts a report shows (its columns): the four, and 便民服务事项 where the
    rules it was computed with weigh it (a locked period's rules from before it
    have no such key)."""
    return LABELS if str(rules_json.get("weight_matters") or "0") != "0" else PARTS


def one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rules:
    weight_attendance: int = 40
    weight_patrol: int = 20
    weight_visits: int = 20
    weight_inspection: int = 20
    weight_matters: int = 0
    late_points: Decimal = Decimal(1)
    early_points: Decimal = Decimal(1)
    absent_points: Decimal = Decimal(2)
    overdue_return_points: Decimal = Decimal(2)
    overdue_action_points: Decimal = Decimal(2)
    excellent_from: Decimal = Decimal(90)
    pass_from: Decimal = Decimal(75)
    basic_from: Decimal = Decimal(60)

    def __post_init__(self):
        weights = (self.weight_attendance, self.weight_patrol, self.weight_visits, self.weight_inspection,
                   self.weight_matters)
        if sum(weights) != 100 or min(weights) < 0:
            raise ValueError(f"weights must be non-negative and add up to 100: {weights}")
        if not HUNDRED >= self.excellent_from > self.pass_from > self.basic_from > ZERO:
            raise ValueError("grade thresholds must be descending within 0–100")

    @classmethod
    def from_settings(cls, row) -> "Rules":
        return cls(**{name: (int(getattr(row, name)) if name.startswith("weight_") else Decimal(getattr(row, name)))
                      for name in cls.__dataclass_fields__})

    def as_json(self) -> dict:
        """As a locked period keeps them; weight_matters only when it counts, so that
        rules without matters read exactly as before."""
        return {name: str(getattr(self, name)) for name in self.__dataclass_fields__
                if name != "weight_matters" or self.weight_matters}

    def grade(self, total: Decimal | None) -> str | None:
        if total is None:
            return None
        if total >= self.excellent_from:
            return GRADES[0]
        if total >= self.pass_from:
            return GRADES[1]
        if total >= self.basic_from:
            return GRADES[2]
        return GRADES[3]


@dataclass(frozen=True)
class InspectionInput:
    """One submitted inspection as it counts for one person: `earned` of `applicable`
    points, the points each failed item lost, and the 一票否决 items failed."""

    inspection_id: int
    day: date
    earned: Decimal
    applicable: int
    vetoed: bool = False
    losses: tuple[tuple[int, str, Decimal], ...] = ()   # (item id, item text, points lost)
    veto_items: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Occurrence:
    """A 逾期未销假 (kind "leave") or an overdue 整改 (kind "action")."""

    kind: str
    id: int
    label: str


@dataclass(frozen=True)
class MatterOutcome:
    """One matter due in the period as it counts for one person (a line's source)."""

    id: int
    label: str         # e.g. "SX000012 居民诉求（期限 11月20日）"
    on_time: bool      # closed by its time limit
    unsatisfied: bool  # the resident said 不满意 at the feedback

    @property
    def earned(self) -> Decimal:
        return (Decimal(1) if self.on_time else ZERO) * (HALF if self.unsatisfied else 1)


class MatterSum(NamedTuple):
    """A person's matters due in the period in sum: how many, how many closed on time,
    and how many of those the resident was not satisfied with (as SQL counts them)."""

    count: int = 0
    on_time: int = 0
    on_time_unsatisfied: int = 0

    @property
    def earned(self) -> Decimal:
        return Decimal(self.on_time) - HALF * self.on_time_unsatisfied


@dataclass(frozen=True)
class Adjustment:
    id: int
    points: Decimal
    reason: str


class Week(NamedTuple):
    """A complete Monday–Sunday week with a day on duty: its 入户 minutes and target."""

    monday: date
    minutes: int
    target: int

    @property
    def ratio_bp(self) -> int:
        """Minutes ÷ target in 1/10000, capped at 1 (the stored weeks are read the same way)."""
        return 10000 if self.target <= 0 or self.minutes >= self.target else self.minutes * 10000 // self.target


class WeekSum(NamedTuple):
    """The complete weeks of a period in sum: how many, and their ratios added up
    (each capped at 1) in 1/10000, as SQL adds up the stored weeks."""

    count: int = 0
    ratio_bp: int = 0


@dataclass
class PersonInput:
    """One person's inputs for a period. The figures come from `tally` (sums of the
    judged days) and `weeks`; `days` (the DayResults) only explain them line by line
    on the person's page. Given days alone, the sums are taken from them."""

    days: Sequence = ()      # attendance DayResult, for the judged days of the period
    grid_worker: bool = False  # 一日双巡 and 弹性入户 are the 网格员's duties
    visit_target: int = 300  # minutes a week (attendance settings), for weeks taken from `days`
    inspections: Sequence[InspectionInput] = ()
    overdue_returns: Sequence[Occurrence] = ()
    overdue_actions: Sequence[Occurrence] = ()
    adjustments: Sequence[Adjustment] = ()
    tally: attendance.Tally | None = None
    weeks: Sequence[Week] | None = None
    week_sum: WeekSum | None = None  # instead of `weeks`, when no line is wanted
    matters: Sequence[MatterOutcome] | None = None  # each matter (lines), or
    matter_sum: MatterSum | None = None             # their sums only

    def __post_init__(self):
        if self.matter_sum is None:
            found = self.matters or ()
            self.matter_sum = MatterSum(len(found), sum(1 for m in found if m.on_time),
                                        sum(1 for m in found if m.on_time and m.unsatisfied))
        if self.tally is None:
            self.tally = attendance.Tally.of(self.days)
        if self.weeks is None and self.week_sum is None:
            self.weeks = weeks_of(self.days, self.visit_target)
        if self.week_sum is None:
            counted = [w for w in self.weeks if w.target > 0]
            self.week_sum = WeekSum(len(counted), sum(w.ratio_bp for w in counted))


def weeks_of(days: Sequence, target: int) -> list[Week]:
    """The complete weeks (judged all seven days; a period's partial first and last
    weeks are left out) with a day on duty (a week wholly on leave is excused)."""
    by_monday: dict[date, list] = {}
    for result in days:
        by_monday.setdefault(attendance.week_of(result.day)[0], []).append(result)
    return [Week(monday, sum(r.visit_minutes for r in week), target) for monday, week in sorted(by_monday.items())
            if len(week) == 7 and any(r.workday and r.code is not attendance.Code.LEAVE for r in week)]


@dataclass(frozen=True)
class Line:
    """A point earned or lost: `part` is a PARTS key, "deduction" or "adjustment";
    `link` says what it is about: {"kind": "day"|"week"|"leave"|"inspection"|"action"
    |"adjustment", …}."""

    part: str
    label: str
    points: Decimal
    link: dict

    def as_json(self) -> dict:
        return {"part": self.part, "label": self.label, "points": str(self.points), "link": self.link}


@dataclass
class Part:
    key: str
    weight: int
    rate: Decimal | None          # None: does not apply to this person or period
    scaled_weight: Decimal = ZERO  # the weight after parts that do not apply dropped out
    detail: str = ""

    @property
    def points(self) -> Decimal | None:
        return None if self.rate is None else self.scaled_weight * self.rate


@dataclass
class Result:
    parts: list[Part]
    lines: list[Line] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    total: Decimal | None = None
    grade: str | None = None
    deducted: Decimal = ZERO
    adjusted: Decimal = ZERO

    def as_json(self) -> dict:
        """Plain strings and numbers, the way a locked period keeps it."""
        def text(value):
            return None if value is None else str(one_decimal(value) if isinstance(value, Decimal) else value)

        return {
            "total": text(self.total), "grade": self.grade, "counts": self.counts,
            "deductions": text(self.deducted), "adjustments": text(self.adjusted),
            "parts": [{"key": p.key, "label": LABELS[p.key], "weight": p.weight, "scaled_weight": text(p.scaled_weight),
                       "rate": None if p.rate is None else f"{p.rate * 100:.1f}", "points": text(p.points),
                       "detail": p.detail} for p in self.parts],
            "lines": [line.as_json() for line in self.lines],
        }


def _rate(numerator, denominator) -> Decimal:
    return Decimal(numerator) / Decimal(denominator)


def assess(person: PersonInput, rules: Rules) -> Result:
    """The result from the period's sums; the lines that explain it come from the
    days when they are given (the person's page), and always add up to the total."""
    t = person.tally
    present, absent = t.present_days, t.absent_days
    attendance_rate = None if present + absent == 0 else present / (present + absent)
    patrol_rate = None
    if person.grid_worker and t.patrol_days:
        patrol_rate = Decimal(t.patrol_ratio_bp) / (10000 * t.patrol_days)
    weeks = person.week_sum if person.grid_worker else WeekSum()
    visit_rate = Decimal(weeks.ratio_bp) / (10000 * weeks.count) if weeks.count else None

    # “八个统一”: each inspection's earned ÷ applicable; a failed 一票否决 item takes it all.
    inspections = [i for i in person.inspections if i.applicable > 0]
    inspection_rate = None
    if inspections:
        inspection_rate = sum((ZERO if i.vetoed else _rate(i.earned, i.applicable) for i in inspections),
                              ZERO) / len(inspections)

    matters = person.matter_sum
    matter_rate = matters.earned / matters.count if matters.count else None

    parts = [Part("attendance", rules.weight_attendance, attendance_rate,
                  detail=f"出勤 {_days_text(present)} 天，缺勤 {_days_text(absent)} 天"),
             Part("patrol", rules.weight_patrol, patrol_rate,
                  detail=f"{t.patrol_days} 个应巡查日" if patrol_rate is not None else "不适用"),
             Part("visits", rules.weight_visits, visit_rate,
                  detail=f"{weeks.count} 个完整周（周一至周日）" if visit_rate is not None else "不适用"),
             Part("inspection", rules.weight_inspection, inspection_rate,
                  detail=f"{len(inspections)} 次检查" if inspections else "本期无检查")]
    if rules.weight_matters:
        parts.append(Part(MATTERS, rules.weight_matters, matter_rate, detail=(
            f"到期 {matters.count} 件，按时办结 {matters.on_time} 件"
            + (f"（其中居民不满意 {matters.on_time_unsatisfied} 件）" if matters.on_time_unsatisfied else "")
            if matters.count else "本期无到期事项")))
    applicable = sum(p.weight for p in parts if p.rate is not None)
    counts = {"late": t.late_count, "early": t.early_count,
              "absent": _days_text(absent), "overdue_returns": len(person.overdue_returns),
              "overdue_actions": len(person.overdue_actions)}
    if rules.weight_matters:
        counts["matters"] = matters.count
        counts["matters_late"] = matters.count - matters.on_time
    if applicable == 0:
        return Result(parts, counts=counts)
    for p in parts:
        if p.rate is not None:
            p.scaled_weight = HUNDRED * p.weight / applicable
    deducted = -(rules.late_points * t.late_count + rules.early_points * t.early_count
                 + rules.absent_points * absent + rules.overdue_return_points * len(person.overdue_returns)
                 + rules.overdue_action_points * len(person.overdue_actions))
    adjusted = sum((a.points for a in person.adjustments), ZERO)
    total = sum((p.points for p in parts if p.rate is not None), ZERO) + deducted + adjusted
    total = one_decimal(min(max(total, ZERO), HUNDRED))
    lines = _lines(person, rules, parts, [w for w in person.weeks or () if w.target > 0], inspections) \
        if person.days else []
    return Result(parts, lines, counts, total, rules.grade(total), deducted, adjusted)


def _lines(person: PersonInput, rules: Rules, parts: list[Part], weeks: list[Week], inspections) -> list[Line]:
    """Every point lost or given, naming the day, week, leave, item or adjustment."""
    scaled = {p.key: p.scaled_weight for p in parts}
    t = person.tally
    days = [r for r in person.days if r.workday]
    shares: list[tuple[str, str, Decimal, dict]] = []  # (part, label, loss as a share of the part, link)
    if parts[0].rate is not None:
        for r in days:
            if r.absent_days:
                shares.append(("attendance", f"缺勤 {_days_text(r.absent_days)} 天（计入出勤率）",
                               r.absent_days / (t.present_days + t.absent_days), {"kind": "day", "day": r.day.isoformat()}))
    if parts[1].rate is not None:
        for r in days:
            bp = attendance.day_ratio_bp(r)
            if r.present_days > 0 and bp is not None and bp < 10000:
                short = "，".join(f"{m} 分钟" for m in r.patrols.short_minutes)
                label = f"{r.patrols.label}" + (f"（时长不足：{short}）" if short else "")
                shares.append(("patrol", label, Decimal(10000 - bp) / (10000 * t.patrol_days),
                               {"kind": "day", "day": r.day.isoformat()}))
    for week in weeks if parts[2].rate is not None else ():
        if week.ratio_bp < 10000:
            sunday = week.monday + timedelta(days=6)
            shares.append(("visits", f"{week.monday.month}月{week.monday.day}日起一周入户 "
                                     f"{week.minutes / 60:.1f} 小时（应 {week.target / 60:.1f} 小时）",
                           Decimal(10000 - week.ratio_bp) / (10000 * len(weeks)),
                           {"kind": "week", "day": week.monday.isoformat(), "to": sunday.isoformat()}))
    for i in inspections:
        share = Decimal(1) / len(inspections)
        link = {"kind": "inspection", "id": i.inspection_id, "day": i.day.isoformat()}
        if i.vetoed:
            item_id, text = i.veto_items[0] if i.veto_items else (None, "一票否决")
            shares.append(("inspection", f"一票否决：{text}", share, {**link, "item": item_id}))
            continue
        for item_id, text, lost in i.losses:
            shares.append(("inspection", f"不符合：{text}", share * lost / i.applicable, {**link, "item": item_id}))
    if len(parts) > 4 and parts[4].rate is not None:
        count = person.matter_sum.count
        for m in person.matters or ():
            if m.earned < 1:
                why = ("按时办结，居民不满意" if m.on_time else "逾期办结或逾期未办结") \
                    + ("，居民不满意" if m.unsatisfied and not m.on_time else "")
                shares.append((MATTERS, f"{m.label}：{why}", (1 - m.earned) / count, {"kind": "matter", "id": m.id}))
    lines = [Line(part, label, -scaled[part] * share, link) for part, label, share, link in shares]
    for r in days:
        link = {"kind": "day", "day": r.day.isoformat()}
        if r.late_minutes:
            lines.append(Line("deduction", f"迟到 {r.late_minutes} 分钟", -rules.late_points, link))
        if r.early_minutes:
            lines.append(Line("deduction", f"早退 {r.early_minutes} 分钟", -rules.early_points, link))
        if r.absent_days:
            lines.append(Line("deduction", f"缺勤 {_days_text(r.absent_days)} 天",
                              -rules.absent_points * r.absent_days, link))
    for o in person.overdue_returns:
        lines.append(Line("deduction", f"逾期未销假：{o.label}", -rules.overdue_return_points,
                          {"kind": "leave", "id": o.id}))
    for o in person.overdue_actions:
        lines.append(Line("deduction", f"逾期未整改：{o.label}", -rules.overdue_action_points,
                          {"kind": "action", "id": o.id}))
    for a in person.adjustments:
        lines.append(Line("adjustment", a.reason, a.points, {"kind": "adjustment", "id": a.id}))
    return lines


def _days_text(value: Decimal) -> str:
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def item_losses(items: Iterable, subjects_of, answers: Iterable) -> tuple[list[tuple[int, Decimal]], list[int]]:
    """(item id, points lost) for each failed item, and the failed 一票否决 item ids, with
    the same counting as portal/inspections/rules.score: among the item's subjects
    (`subjects_of(item)`), 不适用 answers are left out and the points go in proportion."""
    by_item: dict[int, list] = {}
    for answer in answers:
        by_item.setdefault(answer.item_id, []).append(answer)
    losses, vetoes = [], []
    for item in items:
        wanted = set(subjects_of(item))
        counted = [a for a in by_item.get(item.id, []) if a.person_id in wanted and a.verdict != "na"]
        failed = sum(1 for a in counted if a.verdict == "fail")
        if counted and failed:
            losses.append((item.id, Decimal(item.points) * failed / len(counted)))
            if item.veto:
                vetoes.append(item.id)
    return losses, vetoes


PERIOD_RE = re.compile(r"^(20\d\d)(?:-Q([1-4]))?$")


def parse_period(text: str | None) -> tuple[date, date, str] | None:
    """"2026-Q4" (a quarter) or "2026" (the year) → (first day, last day, label)."""
    match = PERIOD_RE.match((text or "").strip())
    if not match:
        return None
    year = int(match.group(1))
    if match.group(2) is None:
        return date(year, 1, 1), date(year, 12, 31), f"{year}年度"
    quarter = int(match.group(2))
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
    return start, end, f"{year}年第{'一二三四'[quarter - 1]}季度"


def period_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def recent_periods(today: date) -> list[str]:
    """This quarter back to last year's first, and the two years, for the picker."""
    periods = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    while year >= today.year - 1:
        periods.append(f"{year}-Q{quarter}")
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return periods + [str(today.year), str(today.year - 1)]
