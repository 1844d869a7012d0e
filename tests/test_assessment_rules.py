"""The pure 考核 core (工作规范 三(一)(二)): a person's total and grade from the day
results of 考勤, the week's 入户, inspection scores, 逾期未销假 and overdue 整改. No app,
no database: day results come from portal/attendance/rules.py on events built here."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from portal.activity.models import EventKind
from portal.assessment import rules, settings
from portal.assessment.rules import Adjustment, InspectionInput, Occurrence, PersonInput, Rules
from portal.attendance import rules as attendance
from portal.clock import LOCAL_TZ
from portal.inspections import rules as inspection_rules
from portal.workdays.rules import Calendar

# A winter week, Monday 23 – Sunday 29 November 2026 (afternoons 14:00–17:30).
WEEK = [date(2026, 11, 23) + timedelta(days=n) for n in range(7)]
CALENDAR = Calendar(date(2026, 1, 1), date(2026, 12, 31))
SCHEDULE = attendance.Schedule()


@dataclass
class Ev:
    kind: EventKind
    at: datetime


def ev(kind, day, hhmm):
    hour, minute = (int(p) for p in hhmm.split(":"))
    return Ev(EventKind(kind), datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ))


def a_good_day(day, clock_in="08:25", patrols=(("09:00", "10:40"), ("14:10", "15:50"))):
    events = [] if clock_in is None else [ev("clock_in", day, clock_in), ev("clock_out", day, "17:35")]
    for start, end in patrols:
        events += [ev("patrol_start", day, start), ev("patrol_end", day, end)]
    return events


def week(*, late_on=None, absent_on=None, short_patrol_on=None, visit_hours=5):
    """A 网格员's week: on time, both patrols of 100 minutes, `visit_hours` of 入户 on Saturday."""
    results = []
    for day in WEEK:
        events = []
        if day.weekday() < 5 and day != absent_on:
            events = a_good_day(day, "08:41" if day == late_on else "08:25",
                                (("09:00", "10:00"), ("14:10", "15:50")) if day == short_patrol_on
                                else (("09:00", "10:40"), ("14:10", "15:50")))
        if day.weekday() == 5 and visit_hours:
            start = datetime.combine(day, time(9), tzinfo=LOCAL_TZ)
            events += [Ev(EventKind.VISIT_START, start),
                       Ev(EventKind.VISIT_END, start + timedelta(minutes=int(visit_hours * 60)))]
        results.append(attendance.day_result(day, events, (), CALENDAR, SCHEDULE))
    return results


def worker(days, **extra):
    return PersonInput(days=days, grid_worker=True, visit_target=SCHEDULE.weekly_visit_minutes, **extra)


def lines_of(result, part):
    return [line for line in result.lines if line.part == part]


def test_a_week_done_as_the_rules_ask_scores_full_marks():
    result = rules.assess(worker(week()), Rules())
    assert result.total == Decimal("100.0") and result.grade == "优秀"
    assert result.lines == []
    # No inspection this period: its 20 drop out, the others scale up to 100.
    assert {p.key: p.scaled_weight for p in result.parts if p.rate is not None} == {
        "attendance": Decimal(50), "patrol": Decimal(25), "visits": Decimal(25)}


def test_a_late_day_costs_the_late_deduction_and_names_the_day():
    tuesday = WEEK[1]
    on_time = rules.assess(worker(week()), Rules())
    late = rules.assess(worker(week(late_on=tuesday)), Rules(late_points=Decimal("1.5")))
    assert late.total == on_time.total - Decimal("1.5")
    [line] = late.lines
    assert line.part == "deduction" and line.label == "迟到 11 分钟"
    assert line.points == Decimal("-1.5") and line.link == {"kind": "day", "day": tuesday.isoformat()}
    assert late.counts["late"] == 1


def test_an_absent_day_lowers_the_attendance_rate_and_is_deducted():
    wednesday = WEEK[2]
    result = rules.assess(worker(week(absent_on=wednesday)), Rules())
    attendance_part = next(p for p in result.parts if p.key == "attendance")
    assert attendance_part.rate == Decimal(4) / Decimal(5)
    [rate_line] = lines_of(result, "attendance")
    [deduction] = lines_of(result, "deduction")
    assert rate_line.link == deduction.link == {"kind": "day", "day": wednesday.isoformat()}
    assert rate_line.points == Decimal(-10)            # a fifth of the scaled 50
    assert deduction.points == Decimal(-2)             # 2 a day by default
    # The lines account for every point lost: the total is 100 plus the lines.
    assert result.total == rules.one_decimal(100 + sum(line.points for line in result.lines))


def test_a_short_patrol_loses_that_days_share_of_the_patrol_part():
    thursday = WEEK[3]
    result = rules.assess(worker(week(short_patrol_on=thursday)), Rules())
    [line] = lines_of(result, "patrol")
    assert line.link["day"] == thursday.isoformat() and "60 分钟" in line.label
    assert line.points == Decimal(-25) * Decimal("0.5") / 5  # half of one of five days' 25 points


def test_visits_short_of_five_hours_lose_in_proportion():
    result = rules.assess(worker(week(visit_hours=3)), Rules())
    [line] = lines_of(result, "visits")
    assert line.points == Decimal(-25) * Decimal(2) / Decimal(5)
    assert line.link == {"kind": "week", "day": WEEK[0].isoformat(), "to": WEEK[-1].isoformat()}


def test_patrols_and_visits_do_not_apply_to_the_front_desk():
    days = week()
    result = rules.assess(PersonInput(days=days, grid_worker=False), Rules())
    assert [p.key for p in result.parts if p.rate is not None] == ["attendance"]
    assert result.total == Decimal("100.0")


def test_a_failed_inspection_item_costs_its_share_and_names_the_item():
    items = [inspection_rules.Item(1, 1, 10), inspection_rules.Item(2, 4, 30), inspection_rules.Item(3, 6, 60)]
    answers = [inspection_rules.Answer(1, None, "pass"), inspection_rules.Answer(2, None, "fail"),
               inspection_rules.Answer(3, None, "pass")]
    score = inspection_rules.score(items, [], answers)
    losses, vetoes = rules.item_losses(items, lambda item: inspection_rules.subjects(item, []), answers)
    assert losses == [(2, Decimal(30))] and vetoes == []
    inspection = InspectionInput(7, WEEK[1], score.earned, score.applicable,
                                 losses=tuple((i, f"第{i}项", lost) for i, lost in losses))
    result = rules.assess(worker(week(), inspections=[inspection]), Rules())
    [line] = lines_of(result, "inspection")
    assert line.link == {"kind": "inspection", "id": 7, "item": 2, "day": WEEK[1].isoformat()}
    assert line.points == Decimal(-20) * Decimal(30) / Decimal(100)  # 30 of 100 points of the weight 20
    assert result.total == Decimal("94.0")


def test_item_losses_add_up_to_what_the_inspection_score_lost():
    items = [inspection_rules.Item(1, 1, 4, per_person=True), inspection_rules.Item(2, 2, 6)]
    present = [11, 12, 13]
    answers = [inspection_rules.Answer(1, 11, "pass"), inspection_rules.Answer(1, 12, "fail"),
               inspection_rules.Answer(1, 13, "na"), inspection_rules.Answer(2, None, "fail")]
    score = inspection_rules.score(items, present, answers)
    losses, _ = rules.item_losses(items, lambda item: inspection_rules.subjects(item, present), answers)
    assert sum(lost for _, lost in losses) == score.applicable - score.earned


def test_a_failed_veto_item_takes_the_whole_inspection():
    inspection = InspectionInput(3, WEEK[0], Decimal(90), 100, vetoed=True, veto_items=((5, "脱岗"),))
    result = rules.assess(worker(week(), inspections=[inspection]), Rules())
    [line] = lines_of(result, "inspection")
    assert line.label == "一票否决：脱岗" and line.points == Decimal(-20)


def test_overdue_return_overdue_action_and_adjustments_are_lines_of_their_own():
    result = rules.assess(PersonInput(
        days=week(), grid_worker=False, overdue_returns=[Occurrence("leave", 4, "事假")],
        overdue_actions=[Occurrence("action", 9, "办事指南")],
        adjustments=[Adjustment(1, Decimal("1.5"), "疫情防控表现突出")]), Rules())
    assert [(line.part, line.points, line.link["kind"]) for line in result.lines] == [
        ("deduction", Decimal(-2), "leave"), ("deduction", Decimal(-2), "action"),
        ("adjustment", Decimal("1.5"), "adjustment")]
    assert result.total == Decimal("97.5")


@pytest.mark.parametrize("total, grade", [
    ("90.0", "优秀"), ("89.9", "合格"), ("75.0", "合格"), ("74.9", "基本合格"), ("60.0", "基本合格"), ("59.9", "不合格")])
def test_grades_by_the_thresholds(total, grade):
    assert Rules().grade(Decimal(total)) == grade


def test_weights_that_do_not_add_up_to_100_are_refused():
    with pytest.raises(ValueError):
        Rules(weight_attendance=50)
    form = {**{k: str(v) for k, v in settings.DEFAULTS.items()}, "weight_attendance": "50"}
    _values, errors = settings.parse(form)
    assert errors == {"weights": "四项权重合计应为 100，现在是 110。"}


def test_overlapping_grade_thresholds_are_refused():
    with pytest.raises(ValueError):
        Rules(pass_from=Decimal(90))
    form = {**{k: str(v) for k, v in settings.DEFAULTS.items()}, "pass_from": "90", "basic_from": "95"}
    _values, errors = settings.parse(form)
    assert set(errors) == {"pass_from", "basic_from"}
    assert "不能重叠" in errors["pass_from"]


@pytest.mark.parametrize("field, raw", [("weight_patrol", "-5"), ("weight_patrol", "abc"), ("late_points", "1.25"),
                                        ("late_points", "NaN"), ("excellent_from", "101"), ("basic_from", "0")])
def test_bad_numbers_get_a_message_next_to_their_field(field, raw):
    form = {**{k: str(v) for k, v in settings.DEFAULTS.items()}, field: raw}
    _values, errors = settings.parse(form)
    assert field in errors and settings.LABELS[field] in errors[field]


@pytest.mark.parametrize("text, expected", [
    ("2026-Q4", (date(2026, 10, 1), date(2026, 12, 31), "2026年第四季度")),
    ("2026-Q1", (date(2026, 1, 1), date(2026, 3, 31), "2026年第一季度")),
    ("2026", (date(2026, 1, 1), date(2026, 12, 31), "2026年度")),
    ("2026-Q5", None), ("26-Q1", None), ("", None)])
def test_periods(text, expected):
    assert rules.parse_period(text) == expected


def test_a_week_on_leave_is_not_held_against_the_visit_target():
    leave = [(WEEK[0], "am", WEEK[4], "pm", "年休假")]
    days = [attendance.day_result(day, [], leave, CALENDAR, SCHEDULE) for day in WEEK]
    result = rules.assess(worker(days), Rules())
    assert next(p for p in result.parts if p.key == "visits").rate is None
    assert next(p for p in result.parts if p.key == "attendance").rate is None  # leave is excused too
    assert result.total is None and result.grade is None and result.lines == []
