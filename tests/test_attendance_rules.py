"""The pure 考勤 core: day results, 一日双巡 and 弹性入户 from the activity log
(工作规范 二(二)、二(四); 八个一 六). No app, no database: plain events, a Calendar
built by hand, times in Baotou (Asia/Shanghai)."""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from portal.activity.models import EventKind
from portal.attendance import rules
from portal.attendance.rules import Code, Schedule
from portal.attendance.settings import DEFAULTS
from portal.clock import LOCAL_TZ
from portal.workdays.rules import Calendar, DayInfo

# A winter week: Monday 23 – Sunday 29 November 2026; afternoons 14:00–17:30.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 11, 23) + timedelta(days=n) for n in range(7))
NEXT_MON = date(2026, 11, 30)
SUMMER_DAY = date(2026, 6, 10)       # a Wednesday; afternoons 14:30–18:00
NATIONAL_DAY = date(2026, 10, 1)     # a Thursday
WORKED_SATURDAY = date(2026, 9, 26)  # a 调休上班日 (set by hand here; the table supplies it in the app)

CALENDAR = Calendar(date(2026, 1, 1), date(2026, 12, 31), special={
    NATIONAL_DAY: DayInfo("holiday", "国庆节"),
    WORKED_SATURDAY: DayInfo("adjusted_workday", "国庆节"),
})
SCHEDULE = Schedule()


@dataclass
class Ev:
    kind: object
    at: datetime


def at(day: date, hhmm: str, second: int = 0) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute, second), tzinfo=LOCAL_TZ)


def ev(kind: str, day: date, hhmm: str, second: int = 0) -> Ev:
    return Ev(EventKind(kind), at(day, hhmm, second))


def clocked(day, clock_in="08:25", clock_out="17:35"):
    events = []
    if clock_in:
        events.append(ev("clock_in", day, clock_in))
    if clock_out:
        events.append(ev("clock_out", day, clock_out))
    return events


def patrols(day, *spans):
    events = []
    for start, end in spans:
        events.append(ev("patrol_start", day, start))
        if end:
            events.append(ev("patrol_end", day, end))
    return events


GOOD_PATROLS = (("09:00", "10:35"), ("14:20", "16:00"))


def result(day, events, leave=(), schedule=SCHEDULE, **kw):
    return rules.day_result(day, events, list(leave), CALENDAR, schedule, **kw)


# -- schedule ---------------------------------------------------------------------------

def test_the_defaults_match_the_settings_table_and_both_patrol_sources():
    assert Schedule.from_settings(SimpleNamespace(**DEFAULTS)) == Schedule()
    assert SCHEDULE.patrol_min_minutes == 90    # 工作规范 二(二): 1.5 h (八个一 六: 1 h is a setting)
    assert SCHEDULE.patrols_per_day == 2        # 一日双巡
    assert SCHEDULE.weekly_visit_minutes == 300  # 弹性入户 5 h a week


def test_summer_and_winter_afternoons_switch_on_their_dates():
    assert SCHEDULE.blocks_for(SUMMER_DAY) == ((time(8, 30), time(12, 0)), (time(14, 30), time(18, 0)))
    assert SCHEDULE.blocks_for(MON) == ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
    assert SCHEDULE.blocks_for(date(2026, 4, 30))[1][0] == time(14, 0)
    assert SCHEDULE.blocks_for(date(2026, 5, 1))[1][0] == time(14, 30)
    assert SCHEDULE.blocks_for(date(2026, 9, 30))[1][0] == time(14, 30)
    assert SCHEDULE.blocks_for(date(2026, 10, 1))[1][0] == time(14, 0)


def test_summer_hours_judge_a_1745_clock_out_early_and_winter_hours_do_not():
    summer = result(SUMMER_DAY, clocked(SUMMER_DAY, "08:20", "17:45"))
    winter = result(MON, clocked(MON, "08:20", "17:45"))
    assert (summer.code, summer.symbol, summer.early_minutes) == (Code.EARLY, "早", 15)
    assert (winter.code, winter.symbol) == (Code.NORMAL, "√")


def test_a_schedule_that_cannot_be_is_refused():
    with pytest.raises(ValueError):
        Schedule(winter_afternoon=(time(11, 0), time(17, 30)))
    with pytest.raises(ValueError):
        Schedule(summer_from=(2, 30))
    with pytest.raises(ValueError):
        Schedule(summer_from=(10, 1))


# -- clock in and out -------------------------------------------------------------------

def test_an_ordinary_day_is_normal():
    day = result(MON, clocked(MON) + patrols(MON, *GOOD_PATROLS))
    assert (day.code, day.symbol, day.label) == (Code.NORMAL, "√", "正常")
    assert (day.late_minutes, day.early_minutes, day.present_days) == (0, 0, 1)
    assert day.worked_minutes == 9 * 60 + 10
    assert not day.needs_review and day.anomalies == ()
    assert (day.patrols.done, day.patrols.required, day.patrols.ratio) == (2, 2, 1.0)


def test_a_clock_in_at_0841_is_11_minutes_late_the_grace_is_not_subtracted():
    day = result(MON, clocked(MON, "08:41"))
    assert (day.code, day.symbol, day.late_minutes) == (Code.LATE, "迟", 11)
    assert day.label == "迟到 11 分钟"
    assert day.present_days == 1


@pytest.mark.parametrize(("clock_in", "second", "late"), [
    ("08:30", 0, 0), ("08:35", 0, 0), ("08:35", 59, 0),  # within grace, to the minute shown
    ("08:36", 0, 6), ("07:50", 0, 0),
])
def test_grace_covers_five_minutes_and_then_the_whole_lateness_counts(clock_in, second, late):
    events = [ev("clock_in", MON, clock_in, second), ev("clock_out", MON, "17:30")]
    day = result(MON, events)
    assert day.late_minutes == late
    assert day.code is (Code.LATE if late else Code.NORMAL)


def test_leaving_early_is_judged_against_the_afternoon_end_with_grace():
    early = result(MON, clocked(MON, "08:20", "17:10"))
    assert (early.code, early.symbol, early.early_minutes, early.label) == (Code.EARLY, "早", 20, "早退 20 分钟")
    assert result(MON, clocked(MON, "08:20", "17:25")).code is Code.NORMAL
    assert result(MON, clocked(MON, "08:20", "17:24")).early_minutes == 6


def test_late_and_early_on_one_day_keep_both():
    day = result(MON, clocked(MON, "08:50", "17:00"))
    assert (day.code, day.symbol) == (Code.LATE, "迟/早")
    assert (day.late_minutes, day.early_minutes) == (20, 30)
    assert day.flags[:2] == ("迟到", "早退")
    assert day.label == "迟到 20 分钟，早退 30 分钟"


def test_a_missing_clock_out_is_flagged_for_review_and_not_made_early():
    day = result(MON, clocked(MON, "08:20", None))
    assert (day.code, day.symbol, day.early_minutes) == (Code.NORMAL, "√", 0)
    assert "未签退" in day.flags and day.needs_review
    late = result(MON, clocked(MON, "08:45", None))
    assert (late.code, late.late_minutes) == (Code.LATE, 15)
    assert "未签退" in late.flags and late.label == "迟到 15 分钟，未签退"


def test_no_clock_in_on_a_workday_is_absent():
    day = result(TUE, [])
    assert (day.code, day.symbol, day.absent_days, day.present_days) == (Code.ABSENT, "缺", 1, 0)
    assert not day.needs_review


def test_a_clock_out_without_a_clock_in_is_an_anomaly_and_the_day_is_absent_for_review():
    day = result(TUE, [ev("clock_out", TUE, "17:40")] + patrols(TUE, *GOOD_PATROLS))
    assert day.code is Code.ABSENT and day.needs_review
    assert [a.message for a in day.anomalies] == ["签退前没有签到，已忽略"]
    assert str(day.anomalies[0]) == "17:40 签退前没有签到，已忽略"


def test_a_second_clock_in_is_an_anomaly_and_the_first_counts_and_the_last_clock_out_counts():
    events = [ev("clock_in", MON, "08:20"), ev("clock_in", MON, "09:10"), ev("clock_out", MON, "16:00"),
              ev("clock_out", MON, "17:40")]
    day = result(MON, events)
    assert day.code is Code.NORMAL and day.clock_in == at(MON, "08:20") and day.clock_out == at(MON, "17:40")
    assert [str(a) for a in day.anomalies] == ["09:10 重复签到，以第一次签到为准"]
    assert day.needs_review


def test_events_come_in_any_order_as_strings_and_unknown_kinds_do_not_crash():
    events = [Ev("clock_out", at(MON, "17:35").astimezone(UTC)), Ev("clock_in", at(MON, "08:41")),
              Ev("teleport", at(MON, "10:00")), Ev("clock_in", at(SUN, "08:00"))]  # another day: ignored
    day = result(MON, events)
    assert (day.code, day.late_minutes) == (Code.LATE, 11)
    assert [a.message for a in day.anomalies] == ["未知的事件类型“teleport”，已忽略"]


# -- the calendar -----------------------------------------------------------------------

def test_a_weekend_is_rest_and_its_visits_count_toward_the_week():
    saturday = result(SAT, [ev("visit_start", SAT, "09:30"), ev("visit_end", SAT, "11:45")])
    assert (saturday.code, saturday.symbol, saturday.visit_minutes) == (Code.REST, "休", 135)
    assert saturday.present_days == 0 and saturday.patrols.required == 0 and saturday.patrols.ratio is None
    tuesday = result(TUE, clocked(TUE) + [ev("visit_start", TUE, "19:00"), ev("visit_end", TUE, "20:30")])
    week = [*tuesday.visits, *saturday.visits]
    assert rules.visit_minutes(week) == 225
    assert rules.week_ratio(rules.visit_minutes(week), SCHEDULE.weekly_visit_minutes) == 0.75
    assert rules.week_of(SAT) == (MON, SUN)


def test_national_day_is_rest_from_the_calendar_and_a_worked_saturday_is_a_workday():
    holiday = result(NATIONAL_DAY, [])
    assert (holiday.code, holiday.symbol, holiday.label) == (Code.REST, "休", "休息（国庆节）")
    worked_saturday = result(WORKED_SATURDAY, [])
    assert worked_saturday.code is Code.ABSENT


def test_work_on_a_rest_day_is_recorded_but_the_day_stays_rest():
    day = result(SUN, [ev("clock_in", SUN, "09:00"), ev("clock_out", SUN, "11:00")])
    assert (day.code, day.worked_minutes, day.present_days) == (Code.REST, 120, 0)


# -- leave and field work ---------------------------------------------------------------

def test_morning_leave_and_a_normal_afternoon():
    leave = [(WED, "am", WED, "am", "事假")]
    day = result(WED, clocked(WED, "13:55", "17:31") + patrols(WED, ("14:20", "16:00")), leave)
    assert (day.code, day.symbol) == (Code.NORMAL, "假/√")
    assert (day.present_days, day.leave_days, day.leave_type) == (Decimal("0.5"), Decimal("0.5"), "事假")
    assert day.label == "上午请假（事假），下午正常"
    assert (day.patrols.required, day.patrols.done, day.patrols.ratio) == (1, 1, 1.0)


def test_morning_leave_judges_lateness_against_the_afternoon_start():
    leave = [(WED, "am", WED, "am", "事假")]
    winter = result(WED, clocked(WED, "14:10", "17:31"), leave)
    assert (winter.symbol, winter.late_minutes) == ("假/迟", 10)
    summer = result(SUMMER_DAY, clocked(SUMMER_DAY, "14:10", "18:01"), [(SUMMER_DAY, "am", SUMMER_DAY, "am", "事假")])
    assert summer.symbol == "假/√"


def test_afternoon_leave_judges_leaving_against_noon():
    leave = [(WED, "pm", WED, "pm", "病假")]
    assert result(WED, clocked(WED, "08:25", "11:58"), leave).symbol == "√/假"
    early = result(WED, clocked(WED, "08:25", "11:50"), leave)
    assert (early.code, early.symbol, early.early_minutes) == (Code.EARLY, "早/假", 10)
    absent = result(WED, [], leave)
    assert (absent.symbol, absent.absent_days, absent.leave_days) == ("缺/假", Decimal("0.5"), Decimal("0.5"))


def test_a_full_day_of_leave_shows_its_type_and_spans_count_by_half_days():
    leave = [(MON, "pm", WED, "am", "病假")]
    tuesday = result(TUE, [], leave)
    assert (tuesday.code, tuesday.symbol, tuesday.leave_type, tuesday.leave_days) == (Code.LEAVE, "假", "病假", 1)
    assert tuesday.label == "请假（病假）" and not tuesday.needs_review
    assert result(MON, clocked(MON, "08:25", "12:00"), leave).symbol == "√/假"
    assert result(WED, clocked(WED, "14:00", "17:30"), leave).symbol == "假/√"
    assert result(SAT, [], [(SAT, "am", SUN, "pm", "病假")]).code is Code.REST


def test_activity_during_full_day_leave_is_flagged_for_review():
    day = result(TUE, clocked(TUE), [(TUE, "am", TUE, "pm", "事假")])
    assert day.code is Code.LEAVE and "请假期间有记录" in day.flags and day.needs_review


def test_approved_field_work_is_out_not_absent():
    day = result(TUE, [], approved_field_work=True)
    assert (day.code, day.symbol, day.present_days) == (Code.FIELD, "外", 1)
    assert day.patrols.required == 0


def test_a_completed_leave_ends_the_half_day_before_the_return():
    leave = SimpleNamespace(status="completed", start_date=MON, start_half="am", end_date=FRI, end_half="pm",
                            returned_date=WED, returned_half="am", leave_type=SimpleNamespace(name="病假"))
    assert rules.leave_span(leave) == (MON, "am", TUE, "pm", "病假")
    leave.status = "approved"
    assert rules.leave_span(leave)[2:4] == (FRI, "pm")
    leave.status = "rejected"
    assert rules.leave_span(leave) is None


# -- patrols ----------------------------------------------------------------------------

def test_two_patrols_one_too_short_is_one_of_two():
    day = result(MON, clocked(MON) + patrols(MON, ("09:00", "10:35"), ("14:20", "15:20")))
    p = day.patrols
    assert (p.done, p.required, p.ratio) == (1, 2, 0.5)
    assert p.short_minutes == [60]
    assert (p.morning.minutes, p.afternoon.minutes) == (95, 60)
    assert p.ok(p.morning) and not p.ok(p.afternoon)
    assert p.label == "巡查 1/2"


def test_the_baxiangyi_one_hour_setting_changes_the_verdict():
    one_hour = Schedule(patrol_min_minutes=60)
    events = clocked(MON) + patrols(MON, ("09:00", "10:35"), ("14:20", "15:20"))
    assert result(MON, events, schedule=one_hour).patrols.ratio == 1.0
    assert result(MON, events).patrols.ratio == 0.5


def test_two_short_patrols_do_not_add_up_and_two_morning_patrols_are_not_the_afternoon_one():
    short = result(MON, clocked(MON) + patrols(MON, ("09:00", "09:50"), ("10:00", "10:50")))
    assert short.patrols.done == 0 and short.patrols.short_minutes == [50, 50]
    both_morning = result(MON, clocked(MON) + patrols(MON, ("08:40", "10:10"), ("10:15", "11:50")))
    assert both_morning.patrols.done == 1 and both_morning.patrols.afternoon is None


def test_noon_splits_the_halves_by_the_patrol_start():
    assert rules.half_of(at(MON, "11:59")) == "am" and rules.half_of(at(MON, "12:00")) == "pm"
    before_noon = result(MON, clocked(MON) + patrols(MON, ("11:59", "13:30"), ("15:00", "16:30"))).patrols
    assert (before_noon.done, before_noon.morning.start) == (2, at(MON, "11:59"))
    at_noon = result(MON, clocked(MON) + patrols(MON, ("12:00", "13:30"), ("15:00", "16:30"))).patrols
    assert (at_noon.done, at_noon.morning) == (1, None)


def test_a_patrol_still_open_at_day_end_is_flagged_and_not_counted():
    day = result(MON, clocked(MON) + patrols(MON, ("09:00", "10:35"), ("14:20", None)))
    p = day.patrols
    assert (p.done, p.ratio) == (1, 0.5)
    assert len(p.open) == 1 and p.open[0].minutes == 0 and p.open[0].flags == ("巡查未结束",)
    assert "巡查未结束" in day.flags and day.needs_review
    assert p.afternoon is None


def test_pairing_reports_an_end_without_a_start_and_a_restart():
    events = [ev("patrol_end", MON, "08:50"), ev("patrol_start", MON, "09:00"), ev("patrol_start", MON, "09:30"),
              ev("patrol_end", MON, "11:00")]
    intervals = rules.pair_intervals(events, EventKind.PATROL_START, EventKind.PATROL_END, at(TUE, "00:00"))
    assert [(iv.start, iv.end, iv.minutes, iv.flags) for iv in intervals] == [
        (at(MON, "09:00"), None, 0, ("未结束即重新开始",)),
        (at(MON, "09:30"), at(MON, "11:00"), 90, ()),
    ]
    assert [str(a) for a in intervals.anomalies] == ["08:50 巡查结束没有对应的巡查开始", "09:30 巡查未结束即重新开始"]
    day = result(MON, clocked(MON) + events)
    assert [a.message for a in day.anomalies] == ["巡查结束没有对应的巡查开始", "巡查未结束即重新开始"]


def test_events_after_day_end_are_not_paired():
    events = [ev("patrol_start", MON, "15:00"), ev("patrol_end", MON, "17:00")]
    intervals = rules.pair_intervals(events, "patrol_start", "patrol_end", at(MON, "16:00"))
    assert [(iv.open, iv.flags) for iv in intervals] == [(True, ("巡查未结束",))]


def test_patrol_minutes_are_whole_minutes_as_shown():
    events = [ev("patrol_start", MON, "09:00", 50), ev("patrol_end", MON, "10:30", 10)]
    assert rules.pair_intervals(events, "patrol_start", "patrol_end", None)[0].minutes == 90


# -- visits -----------------------------------------------------------------------------

def test_a_visit_over_12_hours_or_negative_is_an_anomaly_and_not_counted():
    long = result(MON, clocked(MON) + [ev("visit_start", MON, "08:00"), ev("visit_end", MON, "20:01")])
    assert long.visit_minutes == 0 and [a.message for a in long.anomalies] == ["入户时长 721 分钟不合理，未计入"]
    negative = rules.Interval(at(MON, "20:00"), at(MON, "19:00"), -60)
    fine = rules.Interval(at(MON, "19:00"), at(MON, "20:00"), 60)
    assert rules.visit_minutes([negative, fine]) == 60
    assert rules.week_ratio(rules.visit_minutes([negative, fine]), 300) == 0.2
    assert rules.week_ratio(rules.visit_minutes([fine] * 6), 300) == 1.0  # capped


# -- the month --------------------------------------------------------------------------

def test_month_summary_of_a_small_month():
    visit = [ev("visit_start", TUE, "19:00"), ev("visit_end", TUE, "20:30")]
    days = [
        result(MON, clocked(MON) + patrols(MON, *GOOD_PATROLS)),
        result(TUE, clocked(TUE, "08:41") + patrols(TUE, ("09:00", "10:35"), ("14:20", "15:20")) + visit),
        result(WED, clocked(WED, "08:50", "17:00") + patrols(WED, *GOOD_PATROLS)),
        result(THU, clocked(THU, "13:55", "17:35") + patrols(THU, ("14:10", "15:45")), [(THU, "am", THU, "am", "事假")]),
        result(FRI, []),
        result(SAT, [ev("visit_start", SAT, "09:30"), ev("visit_end", SAT, "11:45")]),
        result(SUN, []),
        result(NEXT_MON, [], [(NEXT_MON, "am", NEXT_MON, "pm", "病假")]),
    ]
    assert [d.symbol for d in days] == ["√", "迟", "迟/早", "假/√", "缺", "休", "休", "假"]
    assert rules.month_summary(days) == {
        "出勤天数": Decimal("3.5"),
        "迟到次数": 2,
        "早退次数": 1,
        "缺勤天数": Decimal("1"),
        "请假天数": Decimal("1.5"),
        "巡查达标率": 0.875,   # (1 + 0.5 + 1 + 1) / 4 days present
        "入户小时": Decimal("3.8"),  # 225 minutes = 3.75 h, half up
        "待核查天数": 0,
    }
    assert list(rules.month_summary(days)) == list(rules.SUMMARY_COLUMNS)


def test_month_summary_of_nothing():
    summary = rules.month_summary([])
    assert summary["出勤天数"] == 0 and summary["巡查达标率"] is None and summary["入户小时"] == Decimal("0.0")
