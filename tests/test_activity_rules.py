"""The activity log's sequence checks: pure functions the one writer applies, so that
考勤 can rely on one 签到 a day, no 签退 before it and no end without a start."""
from datetime import UTC, datetime

import pytest

from portal.activity import rules as activity
from portal.activity.models import EventKind

# -- sequence checks -------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "before", "message"), [
    ("clock_in", [], None),
    ("clock_in", ["clock_in"], "今天已经签到。"),
    ("clock_in", ["clock_in", "clock_out"], "今天已经签到。"),
    ("clock_out", [], "今天还没有签到，不能签退。"),
    ("clock_out", ["clock_in"], None),
    ("clock_out", ["clock_in", "clock_out"], None),
    ("clock_out", ["clock_in", "patrol_start"], "巡查还没有结束，请先结束巡查。"),
    ("patrol_start", [], None),
    ("patrol_end", ["clock_in"], "没有进行中的巡查，不能结束巡查。"),
    ("patrol_end", [EventKind.CLOCK_IN, EventKind.PATROL_START], None),
    ("patrol_start", ["patrol_start"], "上一次巡查还没有结束，不能重新开始巡查。"),
    ("patrol_end", ["patrol_start", "patrol_end"], "没有进行中的巡查，不能结束巡查。"),
    ("visit_end", ["clock_in"], "没有进行中的入户，不能结束入户。"),
    ("visit_start", ["visit_start"], "上一次入户还没有结束，不能重新开始入户。"),
    ("visit_start", ["clock_in", "clock_out"], None),
    ("patrol_start", ["visit_start"], "入户还没有结束，请先结束入户。"),
    ("errand", ["patrol_start"], "巡查还没有结束，请先结束巡查。"),
    # A worker who went straight to the grid clocks in on the way (the morning trap).
    ("clock_in", ["patrol_start"], None),
    ("clock_in", ["visit_start"], None),
    ("clock_in", ["patrol_start", "clock_in"], "今天已经签到。"),
    ("dance", [], "未知的状态，请从按钮中选择。"),
])
def test_check_clock_event(kind, before, message):
    assert activity.check_clock_event(kind, before) == message


def test_check_visit_duration():
    assert activity.check_visit_duration(90) is None
    assert activity.check_visit_duration(720) is None
    assert activity.check_visit_duration(-5) == "入户结束时间不能早于开始时间。"
    assert activity.check_visit_duration(721) == "单次入户不能超过 12 小时，请核对开始和结束时间。"


def test_a_visit_started_at_2100_is_still_open_after_midnight():
    started = [type("E", (), {"kind": EventKind.VISIT_START, "at": datetime(2026, 11, 24, 13, 0, tzinfo=UTC)})()]
    assert activity.open_at_midnight(started, datetime(2026, 11, 24, 16, 20, tzinfo=UTC)) == {EventKind.VISIT_START}


def test_a_visit_forgotten_since_yesterday_morning_does_not_block_today():
    started = [type("E", (), {"kind": EventKind.VISIT_START, "at": datetime(2026, 11, 24, 1, 0, tzinfo=UTC)})()]
    assert activity.open_at_midnight(started, datetime(2026, 11, 24, 16, 20, tzinfo=UTC)) == set()
