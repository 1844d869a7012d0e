"""事项设置 (the administrator's, district-wide): each urgency level's time limit in
clock or working hours, whether 核查 is part of the loop, how long a resident's phone
is kept after closing, and the kinds the district adds. (The weight of matters in the
考核 is set with the other 考核 rules, per 街镇 and from a date: portal/assessment/settings.py.)"""
from sqlalchemy import func, select

from portal.audit import log as audit
from portal.errors import FieldErrors
from portal.extensions import db
from portal.matters import rules
from portal.matters.models import MatterKind
from portal.text import has_control

LIMITS = {"hours": (1, 720), "phone_retention_days": (1, 3650)}


def _number(raw, limits: str, field: str, label: str, errors: dict) -> int | None:
    low, high = LIMITS[limits]
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) < 6) or not low <= int(text) <= high:
        errors[field] = f"{label}应为 {low}–{high} 的整数。"
        return None
    return int(text)


def save(actor, form) -> None:
    """All fields or none (FieldErrors by field name, e.g. hours-2)."""
    errors: dict[str, str] = {}
    levels = rules.urgencies()
    hours = {u.id: _number(form.get(f"hours-{u.id}"), "hours", f"hours-{u.id}", f"{u.name}时限（小时）", errors)
             for u in levels}
    retention = _number(form.get("phone_retention_days"), "phone_retention_days", "phone_retention_days",
                        "电话保留天数", errors)
    new_kind = (form.get("new_kind") or "").strip()
    if new_kind and (len(new_kind) > 20 or has_control(new_kind, strict=True)):
        errors["new_kind"] = "类别名称不超过 20 个字，不能包含控制字符。"
    elif new_kind and db.session.scalar(select(MatterKind.id).where(MatterKind.name == new_kind)):
        errors["new_kind"] = "已有这个类别。"
    if errors:
        raise FieldErrors(errors)
    row = rules.settings()
    before = {"verify": row.verify_required, "retention": row.phone_retention_days,
              "hours": {u.code: [u.hours, u.working_hours] for u in levels}}
    row.verify_required = form.get("verify_required") == "on"
    row.phone_retention_days = retention
    for u in levels:
        u.hours = hours[u.id]
        u.working_hours = form.get(f"working-{u.id}") == "on"
    after = {"verify": row.verify_required, "retention": retention,
             "hours": {u.code: [u.hours, u.working_hours] for u in levels}}
    if new_kind:
        order = (db.session.scalar(select(func.max(MatterKind.sort_order))) or 0) + 1
        kind = MatterKind(code=f"k{order}", name=new_kind, sort_order=order, active=True, from_above=False)
        db.session.add(kind)
        after["new_kind"] = new_kind
    db.session.flush()
    changed_before, changed_after = audit.diff(before, after)
    if changed_after:
        audit.record(actor, "matter.settings", row, before=changed_before, after=changed_after)
