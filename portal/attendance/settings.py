"""Schedule settings: a district default and per-街镇 overrides (issue: 考勤 part 1)."""
import re
from datetime import time

from sqlalchemy import select

from portal import clock
from portal.attendance.models import AttendanceSettings
from portal.audit import rules as audit
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
}
LABELS = {
    "morning_start": "上午上班", "morning_end": "上午下班",
    "summer_afternoon_start": "夏季下午上班", "summer_afternoon_end": "夏季下午下班",
    "winter_afternoon_start": "冬季下午上班", "winter_afternoon_end": "冬季下午下班",
    "summer_from": "夏季作息起始日（月-日）", "winter_from": "冬季作息起始日（月-日）",
    "late_grace_minutes": "迟到宽限（分钟）", "early_grace_minutes": "早退宽限（分钟）",
    "patrols_per_day": "每日巡查次数", "patrol_min_minutes": "每次巡查最少分钟",
    "weekly_visit_minutes": "每周入户最少分钟", "corrections_per_month": "每月补卡次数上限",
}
RANGES = {
    "late_grace_minutes": (0, 60), "early_grace_minutes": (0, 60), "patrols_per_day": (0, 4),
    "patrol_min_minutes": (30, 240), "weekly_visit_minutes": (0, 2400), "corrections_per_month": (0, 31),
}
TIMES = ("morning_start", "morning_end", "summer_afternoon_start", "summer_afternoon_end",
         "winter_afternoon_start", "winter_afternoon_end")
MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class SettingsError(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def ensure_default() -> AttendanceSettings:
    row = db.session.scalar(select(AttendanceSettings).where(AttendanceSettings.street_id.is_(None)))
    if row is None:
        row = AttendanceSettings(street_id=None, **DEFAULTS)
        db.session.add(row)
        db.session.flush()
    return row


def settings_for(street_id: int | None) -> AttendanceSettings:
    """The street's own settings if it has them, else the district default."""
    if street_id is not None:
        own = db.session.scalar(select(AttendanceSettings).where(AttendanceSettings.street_id == street_id))
        if own is not None:
            return own
    return ensure_default()


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
    return values, errors


def save(actor, street_id: int | None, form: dict) -> AttendanceSettings:
    """Set the district default (street_id None) or a street's override (caller commits)."""
    values, errors = parse(form)
    if errors:
        raise SettingsError(errors)
    row = db.session.scalar(select(AttendanceSettings).where(
        AttendanceSettings.street_id.is_(None) if street_id is None else AttendanceSettings.street_id == street_id))
    before = None
    if row is None:
        row = AttendanceSettings(street_id=street_id, **values)
        db.session.add(row)
    else:
        before = {name: str(getattr(row, name)) for name in values}
        for name, value in values.items():
            setattr(row, name, value)
    row.updated_at, row.updated_by_id = clock.now(), actor.id
    db.session.flush()
    after = {name: str(value) for name, value in values.items()}
    changed_before, changed_after = audit.diff(before or {}, after)
    audit.record(actor, "attendance.settings_saved", row, before=changed_before or None,
                 after={"street_id": street_id, **changed_after})
    return row


def reset_to_default(actor, street_id: int) -> None:
    row = db.session.scalar(select(AttendanceSettings).where(AttendanceSettings.street_id == street_id))
    if row is not None:
        audit.record(actor, "attendance.settings_reset", row, before={"street_id": street_id})
        db.session.delete(row)
