"""考核 rules as settings: a district default and per-街镇 overrides, each from a
date, the same way as the 考勤 schedule (portal/attendance/settings.py). 工作规范 三(二) leaves the
method and the grades to each 街镇; the defaults below are a starting point."""
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import or_, select

from portal import clock, dated
from portal.assessment import rules
from portal.assessment.models import AssessmentLock, AssessmentSettings
from portal.errors import FieldErrors
from portal.extensions import db

__all__ = ["DEFAULTS", "LABELS", "for_period", "history", "parse", "reset_to_default", "save", "settings_for"]

WEIGHTS = ("weight_attendance", "weight_patrol", "weight_visits", "weight_inspection", "weight_matters")
OPTIONAL = ("weight_matters",)  # left empty: 0, the part is not counted
DEDUCTIONS = ("late_points", "early_points", "absent_points", "overdue_return_points", "overdue_action_points")
GRADES = ("excellent_from", "pass_from", "basic_from")

DEFAULTS = {
    "weight_attendance": 40, "weight_patrol": 20, "weight_visits": 20, "weight_inspection": 20, "weight_matters": 0,
    "late_points": Decimal("1"), "early_points": Decimal("1"), "absent_points": Decimal("2"),
    "overdue_return_points": Decimal("2"), "overdue_action_points": Decimal("2"),
    "excellent_from": Decimal("90"), "pass_from": Decimal("75"), "basic_from": Decimal("60"),
}
LABELS = {
    "weight_attendance": "出勤（权重）", "weight_patrol": "巡查达标“一日双巡”（权重）",
    "weight_visits": "入户每周 5 小时（权重）", "weight_inspection": "“八个统一”督查得分（权重）",
    "weight_matters": "便民服务事项按时办结（权重，0 为不计）",
    "late_points": "每次迟到扣分", "early_points": "每次早退扣分", "absent_points": "每天缺勤扣分",
    "overdue_return_points": "每次逾期未销假扣分", "overdue_action_points": "每项逾期未整改扣分（书记、站长）",
    "excellent_from": "优秀（不低于）", "pass_from": "合格（不低于）", "basic_from": "基本合格（不低于）",
}
MAX_DEDUCTION = Decimal("20")


BEGINNING = date(2000, 1, 1)  # the first rules apply from before any period in the portal


def ensure_default() -> AssessmentSettings:
    row = db.session.scalar(select(AssessmentSettings).where(AssessmentSettings.street_id.is_(None))
                            .order_by(AssessmentSettings.effective_from).limit(1))
    if row is None:
        row = AssessmentSettings(street_id=None, effective_from=BEGINNING, **DEFAULTS)
        db.session.add(row)
        db.session.flush()
    return row


def settings_for(street_id: int | None, day: date | None = None) -> AssessmentSettings:
    """The rules in force for the street (its own, else the district default) on
    `day` (today): the same timeline as the 考勤 schedule."""
    day = day or clock.today()
    rows = db.session.scalars(select(AssessmentSettings).where(
        or_(AssessmentSettings.street_id == street_id, AssessmentSettings.street_id.is_(None)),
        AssessmentSettings.effective_from <= day).order_by(AssessmentSettings.effective_from.desc())).all()
    own = next((r for r in rows if r.street_id is not None and street_id is not None), None)
    if own is not None and not own.follows_default:
        return own
    return next((r for r in rows if r.street_id is None), None) or ensure_default()


def for_period(street_id: int, end: date, today: date | None = None) -> AssessmentSettings:
    """A period is judged by the rules in force on its last day, a running one by
    today's: a period already over keeps the rules it was judged with."""
    today = today or clock.today()
    return settings_for(street_id, min(end, today))


def history(street_id: int | None) -> list[AssessmentSettings]:
    return dated.history(AssessmentSettings, street_id)


def parse_effective(text: str | None, street_id: int | None, today: date) -> tuple[date | None, str | None]:
    """The day a change applies from: the 考勤 rule for dates (today or later, default
    tomorrow, at most a year ahead), and never inside a period the 街镇 has locked."""
    from portal.attendance.settings import parse_effective_day

    day, problem = parse_effective_day(text, today)
    if problem:
        return None, problem
    locked = db.session.scalars(select(AssessmentLock.period).where(
        AssessmentLock.street_id == street_id) if street_id is not None else select(AssessmentLock.period)).all()
    for period in locked:
        parsed = rules.parse_period(period)
        if parsed and parsed[0] <= day <= parsed[1]:
            return None, f"{parsed[2]}的考核结果已经确认锁定，生效日期不能在其中。"
    return day, None


def _decimal(raw) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip())
        if not value.is_finite() or value != value.quantize(Decimal("0.1")):
            return None
    except InvalidOperation:  # also a quantize beyond the context's precision ("1e999")
        return None
    return value.quantize(Decimal("0.1"))


def parse(form: dict) -> tuple[dict, dict[str, str]]:
    """Typed values and field → Chinese message for everything wrong."""
    values, errors = {}, {}
    for name in WEIGHTS:
        raw = str(form.get(name, "")).strip()
        if not raw and name in OPTIONAL:
            values[name] = 0
        elif raw.isascii() and raw.isdigit() and len(raw) <= 3 and int(raw) <= 100:
            values[name] = int(raw)
        else:
            errors[name] = f"{LABELS[name]}应为 0–100 之间的整数。"
    for name in DEDUCTIONS:
        value = _decimal(form.get(name, ""))
        if value is not None and 0 <= value <= MAX_DEDUCTION:
            values[name] = value
        else:
            errors[name] = f"{LABELS[name]}应为 0–{MAX_DEDUCTION} 之间的数，最多一位小数。"
    for name in GRADES:
        value = _decimal(form.get(name, ""))
        if value is not None and 0 < value <= 100:
            values[name] = value
        else:
            errors[name] = f"{LABELS[name]}应为 0–100 之间的分数，最多一位小数。"
    if not any(name in errors for name in WEIGHTS):
        total = sum(values[name] for name in WEIGHTS)
        if total != 100:
            errors["weights"] = f"{'五' if values['weight_matters'] else '四'}项权重合计应为 100，现在是 {total}。"
    if not any(name in errors for name in GRADES):
        if not values["excellent_from"] > values["pass_from"]:
            errors["pass_from"] = "“合格”分数线须低于“优秀”，等次之间不能重叠。"
        if not values["pass_from"] > values["basic_from"]:
            errors["basic_from"] = "“基本合格”分数线须低于“合格”，等次之间不能重叠。"
    return values, errors


def _text(values: dict) -> dict:
    return {name: str(value) for name, value in values.items()}


def save(actor, street_id: int | None, form: dict, effective_from: str | None = None) -> AssessmentSettings:
    """Set the district default (street_id None) or a street's rules from a date
    (default: tomorrow); earlier rows stay (caller commits). Anything wrong:
    FieldErrors, nothing written."""
    values, errors = parse(form)
    day, problem = parse_effective(effective_from, street_id, clock.today())
    if problem:
        errors["effective_from"] = problem
    if errors:
        raise FieldErrors(errors)
    used = settings_for(street_id, day)
    return dated.write(actor, AssessmentSettings, street_id, day, values,
                       _text({name: getattr(used, name) for name in values}), "assessment.settings_saved")


def reset_to_default(actor, street_id: int, effective_from: str | None = None) -> None:
    """From a date on (default: tomorrow) the street follows the district default again."""
    day, problem = parse_effective(effective_from, street_id, clock.today())
    if problem:
        raise FieldErrors({"effective_from": problem})
    dated.follow_default(actor, AssessmentSettings, street_id, day, settings_for(street_id, day), DEFAULTS,
                         "assessment.settings_reset")
