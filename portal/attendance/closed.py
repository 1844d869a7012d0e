"""A closed (封帐) month's day results, stored when the 街镇 locks it.

"封帐" closes a month for payroll: its figures must not move afterwards. So the
lock stores every judged day of the street's people (DayRecord), with where each
person belonged, and the 考勤表 of a locked month is read from those rows: a later
settings edit, a person's move or deactivation, or anything else that is allowed
leaves the month exactly as it was locked. Changes dated inside a locked month are
refused by the writers themselves (portal.attendance.locks).

Relocking after an unlock with a reason judges the month again; what changed
between the two locks is returned for the audit log.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, insert, select

from portal import clock
from portal.attendance import rules
from portal.attendance.models import DayRecord, MonthLock
from portal.extensions import db


@dataclass(frozen=True)
class StoredPatrols:
    """What is kept of a day's 一日双巡: what the sheet and the assessment read of a
    PatrolResult."""

    required: int
    done: int
    min_minutes: int
    short_minutes: tuple[int, ...]

    @property
    def ratio(self) -> float | None:
        return None if self.required == 0 else self.done / self.required

    @property
    def label(self) -> str:
        return f"巡查 {self.done}/{self.required}" if self.required else "巡查 —"


def locked_streets(street_ids, first: date) -> set[int]:
    """Which of these streets have this month locked now."""
    if not street_ids:
        return set()
    return set(db.session.scalars(select(MonthLock.street_id).where(
        MonthLock.street_id.in_(list(street_ids)), MonthLock.month == first, MonthLock.unlocked_at.is_(None))))


def record_of(result: rules.DayResult, person, now) -> dict:
    patrols = result.patrols
    return {
        "person_id": person.id, "day": result.day, "street_id": person.street_id,
        "community_id": person.community_id, "grid_number": person.grid.number if person.grid else None,
        "position": person.position.value, "code": result.code.value, "symbol": result.symbol,
        "workday": result.workday, "day_name": result.day_name, "late_minutes": result.late_minutes,
        "early_minutes": result.early_minutes, "flags": "|".join(result.flags), "needs_review": result.needs_review,
        "leave_type": result.leave_type, "leave_halves": ",".join(result.leave_halves),
        "present_days": result.present_days, "absent_days": result.absent_days, "leave_days": result.leave_days,
        "worked_minutes": result.worked_minutes, "visit_minutes": result.visit_minutes,
        "patrol_required": patrols.required if patrols else 0, "patrol_done": patrols.done if patrols else 0,
        "patrol_min_minutes": patrols.min_minutes if patrols else 0,
        "patrol_short": ",".join(str(m) for m in patrols.short_minutes) if patrols else "",
        "judged_at": now,
    }


def result_of(record: DayRecord) -> rules.DayResult:
    """The stored day as the sheet, the summaries and the assessment read a DayResult."""
    return rules.DayResult(
        day=record.day, code=rules.Code(record.code), symbol=record.symbol, workday=record.workday,
        day_name=record.day_name, late_minutes=record.late_minutes, early_minutes=record.early_minutes,
        flags=tuple(f for f in record.flags.split("|") if f), needs_review=record.needs_review,
        leave_type=record.leave_type, leave_halves=tuple(h for h in record.leave_halves.split(",") if h),
        present_days=Decimal(record.present_days), absent_days=Decimal(record.absent_days),
        leave_days=Decimal(record.leave_days), worked_minutes=record.worked_minutes,
        visit_minutes=record.visit_minutes,
        patrols=StoredPatrols(record.patrol_required, record.patrol_done, record.patrol_min_minutes,
                              tuple(int(m) for m in record.patrol_short.split(",") if m)),
    )


def records(community_ids, first: date, last: date) -> dict[int, list[DayRecord]]:
    """Stored days of these communities' people (as they belonged then), by person."""
    found = defaultdict(list)
    for record in db.session.scalars(select(DayRecord).where(
            DayRecord.community_id.in_(list(community_ids)), DayRecord.day.between(first, last))
            .order_by(DayRecord.person_id, DayRecord.day)):
        found[record.person_id].append(record)
    return found


def store(street_id: int, first: date, last: date, rows) -> list[str]:
    """Replace the street's stored days first..last by `rows` ((person, [DayResult])),
    and say which cells changed against what was stored before (a relock)."""
    before = {(r.person_id, r.day): r.symbol for r in db.session.scalars(select(DayRecord).where(
        DayRecord.street_id == street_id, DayRecord.day.between(first, last)))}
    now = clock.now()
    fresh = [record_of(result, person, now) for person, results in rows for result in results if result is not None]
    db.session.execute(delete(DayRecord).where(DayRecord.street_id == street_id,
                                               DayRecord.day.between(first, last)))
    if fresh:
        db.session.execute(insert(DayRecord), fresh)
    if not before:
        return []
    after = {(r["person_id"], r["day"]): r["symbol"] for r in fresh}
    return [f"{person_id}:{day.isoformat()} {before.get((person_id, day), '')}→{after.get((person_id, day), '')}"
            for person_id, day in sorted(set(before) | set(after))
            if before.get((person_id, day)) != after.get((person_id, day))]
