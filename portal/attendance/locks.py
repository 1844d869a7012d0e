"""封账: a 街镇 closes a month for payroll; changes dated in it are refused until
the 街镇 unlocks it with a reason (issue: 考勤 part 8). Whether a day is closed is
asked of portal.activity.locks, by every writer of a day."""
from datetime import date, timedelta

from sqlalchemy import func, select

from portal import clock
from portal.activity.locks import first_of, lock_of
from portal.activity.models import MonthLock
from portal.audit import log as audit
from portal.auth.policy import Action, can
from portal.errors import FieldErrors
from portal.extensions import db
from portal.text import has_control

EARLIEST = date(2017, 1, 1)  # 青府办发〔2017〕72号: nothing in the portal is older


def portal_start_of(street_id: int) -> date:
    """The first day any of the street's people is judged in the portal."""
    from portal.people.models import Person

    first = db.session.scalar(select(func.min(Person.portal_start)).where(Person.street_id == street_id))
    return max(first or EARLIEST, EARLIEST)


def lock(actor, street, month: date) -> MonthLock:
    if not can(actor, Action.LOCK_MONTH, street):
        raise PermissionError("not this street's leader")
    month = first_of(month)
    this_month = first_of(clock.today())
    if month > this_month:
        raise FieldErrors({"month": "不能封账尚未开始的月份。"})
    if month == this_month:
        raise FieldErrors({"month": "本月尚未结束，不能封账：封账会冻结全街镇本月剩余日子的去向和考勤，请在月底之后封账。"})
    started = portal_start_of(street.id)
    if (month.replace(day=28) + timedelta(days=4)).replace(day=1) <= started:
        raise FieldErrors({"month": f"{month.year}年{month.month}月早于{street.name}开始使用本系统的日子"
                                  f"（{clock.format_date(started)}），没有考勤可以封账。"})
    row = lock_of(street.id, month)
    if row is not None and row.is_locked:
        raise FieldErrors({"month": f"{month.year}年{month.month}月已封账。"})
    from portal.attendance import days, sheet

    span = sheet.month_span(month)
    missing = days.missing_years(span[0], span[-1])
    if missing:
        years = "、".join(str(y) for y in missing)
        raise FieldErrors({"month": f"{years}年的工作日历尚未录入，考勤无法计算，不能封账。"})
    # The month as it stands now is what payroll is run on: every day final and
    # judged once more from the data (before the lock, which restate respects).
    days.fill([c.id for c in street.communities], span[0], span[-1], commit=False)
    days.restate_everyone(span, {street.id})
    cells = days.snapshot(street.id, span[0], span[-1])
    changed = days.changes(row.snapshot, cells) if row is not None and row.snapshot is not None else []
    now = clock.now()
    if row is None:
        row = MonthLock(street_id=street.id, month=month, locked_at=now, locked_by_id=actor.id)
        db.session.add(row)
    else:
        row.locked_at, row.locked_by_id = now, actor.id
        row.unlocked_at = row.unlocked_by_id = row.unlock_reason = None
    row.snapshot = cells
    db.session.flush()
    after = {"street_id": street.id, "month": month.isoformat(),
             "people": len({key.split(":")[0] for key in cells}), "days_stored": len(cells)}
    if changed:
        after["changed_since_last_lock"] = changed[:200] + ([f"……共 {len(changed)} 处"] if len(changed) > 200 else [])
    audit.record(actor, "attendance.month_locked", row, after=after)
    return row


def unlock(actor, street, month: date, reason: str) -> MonthLock:
    if not can(actor, Action.LOCK_MONTH, street):
        raise PermissionError("not this street's leader")
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise FieldErrors({"reason": "解除封账须写明理由（不超过 200 字）。"})
    if has_control(reason, allow_newlines=True):
        raise FieldErrors({"reason": "理由不能含控制字符。"})
    row = lock_of(street.id, first_of(month))
    if row is None or not row.is_locked:
        raise FieldErrors({"month": "该月份没有封账。"})
    row.unlocked_at, row.unlocked_by_id, row.unlock_reason = clock.now(), actor.id, reason
    audit.record(actor, "attendance.month_unlocked", row, before={"locked": True},
                 after={"street_id": street.id, "month": row.month.isoformat(), "reason": reason})
    return row
