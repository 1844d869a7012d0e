"""Whether a day of a 街镇 lies in a closed (封账) month. Every writer of something
dated (an event, 补卡, leave, the work calendar, settings) asks here before writing;
locking and unlocking a month is the 街镇's business (portal.attendance.locks)."""
from datetime import date

from sqlalchemy import select

from portal import clock
from portal.activity.models import MonthLock
from portal.errors import FieldErrors
from portal.extensions import db

LOCKED_MESSAGE = "{year}年{month}月的考勤已由街镇封账，不能再修改；如确需更正，请街镇先解除封账。"


def first_of(day: date) -> date:
    return day.replace(day=1)


def lock_of(street_id: int | None, day: date) -> MonthLock | None:
    if street_id is None:
        return None
    return db.session.scalar(select(MonthLock).where(MonthLock.street_id == street_id,
                                                     MonthLock.month == first_of(day)))


def is_locked(street_id: int | None, day: date) -> bool:
    lock = lock_of(street_id, day)
    return lock is not None and lock.is_locked


def refuse_if_locked(street_id: int | None, day: date, field: str = "day") -> None:
    if is_locked(street_id, day):
        raise FieldErrors({field: LOCKED_MESSAGE.format(year=day.year, month=day.month)})


def locks_between(street_id: int | None, first: date, last: date) -> list[MonthLock]:
    """The locked months of a street (or of any street, street_id None) touching first..last."""
    query = select(MonthLock).where(MonthLock.month.between(first_of(first), first_of(last)),
                                    MonthLock.unlocked_at.is_(None)).order_by(MonthLock.month)
    if street_id is not None:
        query = query.where(MonthLock.street_id == street_id)
    return list(db.session.scalars(query))


def closed_message(lock: MonthLock) -> str:
    """Names the lock and who can lift it."""
    street = lock.street.name
    return (f"{street}{lock.month.year}年{lock.month.month}月的考勤已于{clock.format_date(lock.locked_at)}封账，"
            f"不能再修改；如确需更正，请{street}的街镇领导先解除封账（须写明理由）。")


def refuse_span(street_id: int | None, first: date, last: date, field: str = "day") -> None:
    """Refuse a change to any day first..last that lies in a month the street (any
    street, for street_id None: the work calendar is everyone's) has closed."""
    locked = locks_between(street_id, first, last)
    if locked:
        raise FieldErrors({field: closed_message(locked[0])})
