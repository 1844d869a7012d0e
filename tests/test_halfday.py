"""One half-day for leave, attendance and the board: 上午 before 12:00 in Qingshan."""
from datetime import UTC, date, datetime

import pytest

from portal import halfday
from portal.halfday import Half

FRIDAY = date(2026, 11, 27)


def test_the_afternoon_begins_at_noon_in_qingshan():
    assert halfday.half_of(datetime(2026, 11, 27, 3, 59, tzinfo=UTC)) is Half.AM  # 11:59
    assert halfday.half_of(datetime(2026, 11, 27, 4, 0, tzinfo=UTC)) is Half.PM   # 12:00


def test_leave_rows_keep_storing_am_and_pm():
    assert [half.value for half in Half] == ["am", "pm"]


def test_a_friday_afternoon_is_followed_by_saturday_morning():
    assert halfday.from_index(halfday.index(FRIDAY, Half.PM) + 1) == (date(2026, 11, 28), Half.AM)


def test_a_stored_value_counts_like_its_half():
    assert halfday.index(FRIDAY, "pm") == halfday.index(FRIDAY, Half.PM)


def test_anything_else_is_refused_never_read_as_an_afternoon():
    with pytest.raises(ValueError, match="请选择上午或下午"):
        halfday.index(FRIDAY, "PM")


def test_an_instant_falls_in_its_local_half_day():
    after_midnight = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)  # 00:30 on Saturday in Qingshan
    assert halfday.index_of(after_midnight) == halfday.index(date(2026, 11, 28), Half.AM)
