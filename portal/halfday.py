"""Half-days: the unit of leave, of 一日双巡 and of the board's day turning over.

上午 is before 12:00 in Qingshan, 下午 from 12:00. A half-day is also one number
(the day's ordinal × 2, + 1 for 下午), so spans compare, overlap and step simply.
"am"/"pm" are the values leave rows store: they never change."""
import enum
from datetime import date, datetime, time

from portal import clock

NOON = time(12, 0)


class Half(enum.StrEnum):
    AM = "am"
    PM = "pm"

    @property
    def label(self) -> str:
        return "上午" if self is Half.AM else "下午"


def half_of(moment: datetime) -> Half:
    """上午 before 12:00 local time, 下午 from 12:00."""
    return Half.AM if clock.to_local(moment).time() < NOON else Half.PM


def index(day: date, half) -> int:
    """`half` is a Half or its stored value; anything else is refused, never read as 下午."""
    try:
        half = Half(getattr(half, "value", half))
    except ValueError:
        raise ValueError("请选择上午或下午。") from None
    return day.toordinal() * 2 + (0 if half is Half.AM else 1)


def from_index(number: int) -> tuple[date, Half]:
    return date.fromordinal(number // 2), (Half.AM if number % 2 == 0 else Half.PM)


def index_of(moment: datetime | None = None) -> int:
    """The half-day an instant (by default now) falls in, in Qingshan."""
    local = clock.to_local(moment or clock.now())
    return index(local.date(), half_of(local))
