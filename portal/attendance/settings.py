"""Schedule settings: a district default and per-街镇 overrides, each changed from a
date on (past days keep the rules they were judged with)."""
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import or_, select

from portal import clock, dated
from portal.attendance import rules
from portal.attendance.models import AttendanceSettings
from portal.errors import FieldErrors
from portal.extensions import db

# Defaults, pending each 街镇's own hours. Patrol minimum: 工作规范 二(二) says each
# patrol at least 1.5 h, 八个一 六 says at least 1 h; the stricter figure is the default.
DEFAULTS = {
    "morning_start": time(8, 30), "morning_end": time(12, 0),
    "summer_afternoon_start": time(14, 30), "summer_afternoon_end": time(18, 0),
    "winter_afternoon_start": time(14, 0), "winter_afternoon_end": time(17, 30),
    "summer_from": "05-01", "winter_from": "10-01",
    "late_grace_minutes": 5, "early_grace_minutes": 5,
    "patrols_per_day": 2, "patrol_min_minutes": 90, "weekly_visit_minutes": 300,
    "corrections_per_month": 3,
    # 调休 earned by rest-day work (portal.comptime): a rest day or holiday with this
    # much 入户/巡查 earns half a day, or a whole day; days can be taken for this long.
    "comptime_half_day_minutes": 120, "comptime_full_day_minutes": 240, "comptime_valid_months": 6,
    # 离线补传 (portal.activity.offline): a tap kept on a phone without a connection is
    # accepted when it reaches the server at most this many hours after it was made.
    "offline_replay_max_hours": 12,
}
LABELS = {
    "morning_start": "上午上班", "morning_end": "上午下班",
    "summer_afternoon_start": "夏季下午上班", "summer_afternoon_end": "夏季下午下班",
    "winter_afternoon_start": "冬季下午上班", "winter_afternoon_end": "冬季下午下班",
    "summer_from": "夏季作息起始日（月-日）", "winter_from": "冬季作息起始日（月-日）",
    "late_grace_minutes": "迟到宽限（分钟）", "early_grace_minutes": "早退宽限（分钟）",
    "patrols_per_day": "每日巡查次数", "patrol_min_minutes": "每次巡查最少分钟",
    "weekly_visit_minutes": "每周入户最少分钟", "corrections_per_month": "每月补卡次数上限",
    "comptime_half_day_minutes": "休息日工作满多少分钟计半天调休", "comptime_full_day_minutes": "满多少分钟计一天调休",
    "comptime_valid_months": "调休有效期（月）",
    "offline_replay_max_hours": "离线补传最长时限（小时）",
}
RANGES = {
    "late_grace_minutes": (0, 60), "early_grace_minutes": (0, 60), "patrols_per_day": (0, 4),
    "patrol_min_minutes": (30, 240), "weekly_visit_minutes": (0, 2400), "corrections_per_month": (0, 31),
    "comptime_half_day_minutes": (30, 720), "comptime_full_day_minutes": (60, 1440), "comptime_valid_months": (1, 24),
    "offline_replay_max_hours": (1, 72),
}
TIMES = ("morning_start", "morning_end", "summer_afternoon_start", "summer_afternoon_end",
         "winter_afternoon_start", "winter_afternoon_end")
MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


BEGINNING = date(2000, 1, 1)  # the first rules apply from before anyone's first day in the portal


def ensure_default() -> AttendanceSettings:
    row = db.session.scalar(select(AttendanceSettings).where(AttendanceSettings.street_id.is_(None))
                            .order_by(AttendanceSettings.effective_from).limit(1))
    if row is None:
        row = AttendanceSettings(street_id=None, effective_from=BEGINNING, **DEFAULTS)
        db.session.add(row)
        db.session.flush()
    return row


@dataclass
class Timeline:
    """The rules of some streets (and the district default) over time: which row
    applies to a street on a day. Loaded at once, asked per day without a query."""

    default: list[AttendanceSettings]
    own: dict[int, list[AttendanceSettings]]
    _schedules: dict = field(default_factory=dict)

    @staticmethod
    def _latest(rows: list[AttendanceSettings], day: date) -> AttendanceSettings | None:
        index = bisect_right([r.effective_from for r in rows], day)
        return rows[index - 1] if index else None

    def row_on(self, street_id: int | None, day: date) -> AttendanceSettings:
        own = self._latest(self.own.get(street_id, []), day) if street_id is not None else None
        if own is not None and not own.follows_default:
            return own
        return self._latest(self.default, day) or self.default[0]

    def schedule_on(self, street_id: int | None, day: date) -> rules.Schedule:
        row = self.row_on(street_id, day)
        if row.id not in self._schedules:
            self._schedules[row.id] = rules.Schedule.from_settings(row)
        return self._schedules[row.id]


def timeline(street_ids) -> Timeline:
    """One query for the rows of these streets and of the district default."""
    wanted = [s for s in set(street_ids) if s is not None]
    rows = db.session.scalars(select(AttendanceSettings).where(
        or_(AttendanceSettings.street_id.in_(wanted), AttendanceSettings.street_id.is_(None)))
        .order_by(AttendanceSettings.effective_from, AttendanceSettings.id)).all()
    if not any(r.street_id is None for r in rows):
        rows = [ensure_default(), *rows]
    own: dict[int, list] = {}
    for row in rows:
        if row.street_id is not None:
            own.setdefault(row.street_id, []).append(row)
    return Timeline([r for r in rows if r.street_id is None], own)


def settings_for(street_id: int | None, day: date | None = None) -> AttendanceSettings:
    """The rules that apply to the street (its own, else the district default) on
    `day` (today)."""
    return timeline({street_id}).row_on(street_id, day or clock.today())


def offline_replay_max_hours(street_id: int | None, day: date | None = None) -> int:
    """How old a 离线补传 tap may be, by the street's rules on the tap's day."""
    return settings_for(street_id, day).offline_replay_max_hours


def history(street_id: int | None) -> list[AttendanceSettings]:
    """Every row of the street (or of the district default), newest date first."""
    return dated.history(AttendanceSettings, street_id)


def parse(form: dict) -> tuple[dict, dict[str, str]]:
    """Typed values and field → Chinese message for everything wrong."""
    values, errors = {}, {}
    for name in TIMES:
        raw = str(form.get(name, "")).strip()
        try:
            hour, minute = (int(p) for p in raw.split(":")[:2])
            values[name] = time(hour, minute)
        except (ValueError, OverflowError):  # "99999999999:00" overflows time()
            errors[name] = f"{LABELS[name]}应为“时:分”，如 08:30。"
    for name in ("summer_from", "winter_from"):
        raw = str(form.get(name, "")).strip()
        if MONTH_DAY.match(raw):
            values[name] = raw
        else:
            errors[name] = f"{LABELS[name]}应为“月-日”，如 05-01。"
    for name, (low, high) in RANGES.items():
        raw = str(form.get(name, "")).strip()
        if raw.isascii() and raw.isdigit() and len(raw) < 10 and low <= int(raw) <= high:
            values[name] = int(raw)
        else:
            errors[name] = f"{LABELS[name]}应为 {low}–{high} 之间的整数。"
    if not errors:
        for season in ("summer", "winter"):
            sequence = [values["morning_start"], values["morning_end"],
                        values[f"{season}_afternoon_start"], values[f"{season}_afternoon_end"]]
            if sequence != sorted(sequence) or len(set(sequence)) != 4:
                errors[f"{season}_afternoon_start"] = "上午、下午的上下班时间须依次递增，且上午下班不晚于下午上班。"
        if values["summer_from"] == values["winter_from"]:
            errors["winter_from"] = "冬季与夏季作息起始日不能相同。"
        if values["comptime_half_day_minutes"] >= values["comptime_full_day_minutes"]:
            errors["comptime_full_day_minutes"] = "计一天调休的分钟数须多于计半天的分钟数。"
    return values, errors


MAX_AHEAD_DAYS = 366


def parse_effective_day(text: str | None, today: date) -> tuple[date | None, str | None]:
    """The date a settings change applies from, as typed: default tomorrow, today or
    later (past days keep the rules they were judged with), at most a year ahead."""
    text = (text or "").strip()
    if not text:
        return today + timedelta(days=1), None
    day = clock.parse_date(text) if len(text) == 10 else None
    if day is None:
        return None, "生效日期应为“年-月-日”，如 2026-12-02。"
    if day < today:
        return None, "生效日期不能早于今天：已经过去的日子按当时的规则计算，不能改。"
    if day > today + timedelta(days=MAX_AHEAD_DAYS):
        return None, "生效日期不能晚于一年之后。"
    return day, None


def parse_effective(text: str | None, street_id: int | None, today: date) -> tuple[date | None, str | None]:
    """The date a schedule change applies from (parse_effective_day), never in a
    closed (封账) month."""
    day, problem = parse_effective_day(text, today)
    if problem:
        return None, problem
    from portal.activity import locks

    try:
        locks.refuse_span(street_id, day, day, field="effective_from")
    except FieldErrors as locked:
        return None, locked.errors["effective_from"]
    return day, None


def save(actor, street_id: int | None, form: dict, effective_from: str | None = None) -> AttendanceSettings:
    """Set the district default (street_id None) or a street's rules from a date
    (default: tomorrow); the rows before it stay as they were (caller commits)."""
    values, errors = parse(form)
    day, problem = parse_effective(effective_from, street_id, clock.today())
    if problem:
        errors["effective_from"] = problem
    if errors:
        raise FieldErrors(errors)
    previous = settings_for(street_id, day)
    return dated.write(actor, AttendanceSettings, street_id, day, values,
                       {name: str(getattr(previous, name)) for name in values}, "attendance.settings_saved")


def reset_to_default(actor, street_id: int, effective_from: str | None = None) -> None:
    """From a date on (default: tomorrow), the street follows the district default again."""
    day, problem = parse_effective(effective_from, street_id, clock.today())
    if problem:
        raise FieldErrors({"effective_from": problem})
    dated.follow_default(actor, AttendanceSettings, street_id, day, settings_for(street_id, day), DEFAULTS,
                         "attendance.settings_reset")
