"""考核 rules as settings: a district default and per-街镇 overrides, the same way
as the 考勤 schedule (portal/attendance/settings.py). 工作规范 三(二) leaves the
method and the grades to each 街镇; the defaults below are a starting point."""
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from portal import clock
from portal.assessment.models import AssessmentSettings
from portal.audit import log as audit
from portal.errors import FieldErrors
from portal.extensions import db

__all__ = ["DEFAULTS", "LABELS", "parse", "reset_to_default", "save", "settings_for"]

WEIGHTS = ("weight_attendance", "weight_patrol", "weight_visits", "weight_inspection")
DEDUCTIONS = ("late_points", "early_points", "absent_points", "overdue_return_points", "overdue_action_points")
GRADES = ("excellent_from", "pass_from", "basic_from")

DEFAULTS = {
    "weight_attendance": 40, "weight_patrol": 20, "weight_visits": 20, "weight_inspection": 20,
    "late_points": Decimal("1"), "early_points": Decimal("1"), "absent_points": Decimal("2"),
    "overdue_return_points": Decimal("2"), "overdue_action_points": Decimal("2"),
    "excellent_from": Decimal("90"), "pass_from": Decimal("75"), "basic_from": Decimal("60"),
}
LABELS = {
    "weight_attendance": "出勤（权重）", "weight_patrol": "巡查达标“一日双巡”（权重）",
    "weight_visits": "入户每周 5 小时（权重）", "weight_inspection": "“八个统一”督查得分（权重）",
    "late_points": "每次迟到扣分", "early_points": "每次早退扣分", "absent_points": "每天缺勤扣分",
    "overdue_return_points": "每次逾期未销假扣分", "overdue_action_points": "每项逾期未整改扣分（书记、站长）",
    "excellent_from": "优秀（不低于）", "pass_from": "合格（不低于）", "basic_from": "基本合格（不低于）",
}
MAX_DEDUCTION = Decimal("20")


def ensure_default() -> AssessmentSettings:
    row = db.session.scalar(select(AssessmentSettings).where(AssessmentSettings.street_id.is_(None)))
    if row is None:
        row = AssessmentSettings(street_id=None, **DEFAULTS)
        db.session.add(row)
        db.session.flush()
    return row


def settings_for(street_id: int | None) -> AssessmentSettings:
    """The street's own rules if it has them, else the district default."""
    if street_id is not None:
        own = db.session.scalar(select(AssessmentSettings).where(AssessmentSettings.street_id == street_id))
        if own is not None:
            return own
    return ensure_default()


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
        if raw.isascii() and raw.isdigit() and len(raw) <= 3 and int(raw) <= 100:
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
            errors["weights"] = f"四项权重合计应为 100，现在是 {total}。"
    if not any(name in errors for name in GRADES):
        if not values["excellent_from"] > values["pass_from"]:
            errors["pass_from"] = "“合格”分数线须低于“优秀”，等次之间不能重叠。"
        if not values["pass_from"] > values["basic_from"]:
            errors["basic_from"] = "“基本合格”分数线须低于“合格”，等次之间不能重叠。"
    return values, errors


def _text(values: dict) -> dict:
    return {name: str(value) for name, value in values.items()}


def save(actor, street_id: int | None, form: dict) -> AssessmentSettings:
    """Set the district default (street_id None) or a street's override (caller commits).
    Anything wrong: FieldErrors, nothing written."""
    values, errors = parse(form)
    if errors:
        raise FieldErrors(errors)
    row = db.session.scalar(select(AssessmentSettings).where(
        AssessmentSettings.street_id.is_(None) if street_id is None else AssessmentSettings.street_id == street_id))
    # A street's first own rules are audited against the district default it used until now.
    used = row if row is not None else (ensure_default() if street_id is not None else None)
    before = _text({name: getattr(used, name) for name in values}) if used is not None else None
    if row is None:
        row = AssessmentSettings(street_id=street_id, **values)
        db.session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    row.updated_at, row.updated_by_id = clock.now(), actor.id
    db.session.flush()
    changed_before, changed_after = audit.diff(before or {}, _text(values))
    audit.record(actor, "assessment.settings_saved", row, before=changed_before or None,
                 after={"street_id": street_id, **changed_after})
    return row


def reset_to_default(actor, street_id: int) -> None:
    row = db.session.scalar(select(AssessmentSettings).where(AssessmentSettings.street_id == street_id))
    if row is not None:
        audit.record(actor, "assessment.settings_reset", row,
                     before={"street_id": street_id, **_text({n: getattr(row, n) for n in DEFAULTS})})
        db.session.delete(row)
