"""Dashboards: month trends of 出勤, 一日双巡, 弹性入户 (工作规范 二(二)、二(四)) and the
八个统一 checks per 社区 and 街镇, today's board for leaders, and the SVG charts."""
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from portal import charts
from portal.activity import rules as activity
from portal.activity.models import EventKind
from portal.attendance import days
from portal.attendance import rules as attendance
from portal.attendance import sheet as attendance_sheet
from portal.clock import LOCAL_TZ
from portal.dashboards import rules
from portal.extensions import db
from portal.org.models import Community, Street
from portal.people.models import Person
from portal.workdays.rules import Calendar
from tests.conftest import account, count_statements

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)   # Thursday 26 November, 10:00 in Baotou
WED = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)   # Wednesday 08:00 in Baotou
OCT_WED = datetime(2026, 10, 14, 0, 0, tzinfo=UTC)

# -- the chart geometry -------------------------------------------------------------

def test_a_missing_month_breaks_the_line_instead_of_drawing_a_zero():
    chart = charts.line_chart("c", "出勤率", ["9月", "10月", "11月", "12月"], [("富源社区", [0.9, None, 1.0, 0.5])],
                              y_max=1.0, fmt=lambda v: f"{v * 100:.0f}%")
    (line,) = chart.lines
    assert [len(segment) for segment in line.segments] == [1, 2]
    assert [p.label for p in line.points] == ["9月", "11月", "12月"]
    assert chart.rows == [("富源社区", ["90%", "—", "100%", "50%"])]
    top, bottom = charts.TOP, charts.HEIGHT - charts.BOTTOM
    by_label = {p.label: p for p in line.points}
    assert by_label["11月"].y == top and by_label["12月"].y == (top + bottom) / 2
    assert by_label["9月"].x == charts.LEFT and by_label["12月"].x == charts.WIDTH - charts.RIGHT


def test_the_axis_reaches_above_the_target_and_the_largest_value():
    chart = charts.line_chart("c", "入户", ["10月", "11月"], [("甲", [3.2, 6.3])], target=5, target_label="要求 5 小时")
    assert chart.y_ticks[-1][1] == "10" and chart.target[1] == "要求 5 小时"
    assert chart.target[0] == charts.TOP + (charts.HEIGHT - charts.TOP - charts.BOTTOM) / 2
    single = charts.line_chart("c", "t", ["11月"], [("甲", [None])])
    assert single.empty


def test_no_two_lines_of_a_street_look_alike_without_colour():
    """Up to eight lines (a 街镇's communities and its total): each has its own marker
    shape, and neighbours in the legend differ in dash pattern too."""
    names = [f"社区{n}" for n in range(7)] + ["全街镇"]
    chart = charts.line_chart("c", "出勤率", ["10月", "11月"], [(name, [0.9, 0.95]) for name in names],
                              y_max=1.0, emphasis="全街镇")
    shapes = [line.sample(16, 7) for line in chart.lines]
    assert len(set(shapes)) == len(names)
    assert len({line.marker for line in chart.lines}) == len(names)
    dashes = [line.dash for line in chart.lines[:-1]]
    assert all(a != b for a, b in zip(dashes, dashes[1:], strict=False))


def test_a_month_still_running_has_open_markers_and_a_dotted_step_into_it():
    chart = charts.line_chart("c", "出勤率", ["9月", "10月", "11月"], [("甲", [0.9, 0.8, 1.0])], y_max=1.0,
                              partial=(2, "截至25日"))
    (line,) = chart.lines
    assert [p.partial for p in line.points] == [False, False, True]
    (full, full_partial), (step, step_partial) = line.paths
    assert not full_partial and full.count(",") == 2      # 9月 → 10月, drawn like any line
    assert step_partial and step.count(",") == 2          # 10月 → 11月, dotted
    assert chart.column_labels == ["9月", "10月", "11月（截至25日）"]
    over = charts.line_chart("c", "出勤率", ["9月", "10月"], [("甲", [0.9, 0.8])], y_max=1.0)
    assert not any(p.partial for p in over.lines[0].points) and len(over.lines[0].paths) == 1


def test_a_month_with_its_year_puts_the_year_under_it():
    """"2026年6月" on one line ran into "7月" on a phone: the year goes below."""
    chart = charts.line_chart("c", "t", ["2026年6月", "7月", "8月"], [("甲", [0.5, 0.6, 0.7])], partial=(2, "截至2日"))
    assert [(text, second) for _, text, _, second in chart.x_ticks] == [("6月", "2026年"), ("7月", ""),
                                                                         ("8月", "截至2日")]
    assert chart.labels[0] == "2026年6月" and chart.column_labels[0] == "2026年6月"  # the table keeps the year


def test_the_running_month_says_how_far_its_figures_go():
    months = rules.month_firsts(date(2026, 12, 3), 3)
    assert rules.running_month(months, date(2026, 12, 3), date(2026, 12, 2)) == (2, "截至2日")
    assert rules.running_month(months, date(2026, 12, 1), date(2026, 11, 30)) == (2, "本月刚开始")
    assert rules.running_month(months, date(2027, 1, 5), date(2027, 1, 4)) is None  # all three months over


def test_a_street_dashboard_tells_its_lines_apart_and_marks_the_running_month(app, auth):
    with app.app_context():
        a_day_of("fuyuan_worker01", OCT_WED)
        a_day_of("fuyuan_worker01", WED)
        db.session.commit()
        fuqiang = slug_id(Street, "fuqiang")
        communities = db.session.scalars(select(Community.name).where(Community.street_id == fuqiang)).all()
    auth.login("fuqiang_leader")
    page = auth.client.get(f"/dashboards/streets/{fuqiang}?months=3").get_data(as_text=True)
    chart = page[page.index('<figure class="plot" id="chart-attendance">'):]
    chart = chart[:chart.index("</figure>")]
    markers = re.findall(r'<g class="series (s\d)[^"]*" data-marker="([\w-]+)">', chart)
    assert len(markers) == len(communities) + 1                      # every community and 全街镇
    assert len({marker for _, marker in markers}) == len(markers)    # no two alike
    # The legend shows each line's own marker: the same shape as on the plot.
    legend = chart[chart.index('<figcaption'):]
    for name in [*communities, "全街镇"]:
        assert re.search(rf'<path d="[^"]+"/></svg>{name}</span>', legend), name
    # November, 25 days judged, is marked as such on the axis, in the legend and the table.
    assert re.search(r'<text x="[\d.]+" y="234" class="axis partial-label" text-anchor="end">截至25日</text>', chart)
    assert "11月截至25日，尚未结束（空心标记、点线）" in legend
    assert '<th class="num">11月（截至25日）</th>' in chart
    assert 'class="point marker partial"' in chart and 'class="line partial"' in chart
    assert re.search(r'class="point marker partial"><title>全街镇 11月（截至25日）：', chart)
    assert not re.search(r'class="point marker partial"><title>[^<]* 10月', chart)


# -- months -----------------------------------------------------------------------

def test_months_run_back_across_the_new_year():
    assert rules.month_firsts(date(2027, 2, 10), 4) == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1),
                                                         date(2027, 2, 1)]


@pytest.mark.parametrize("raw", ["0", "1", "13", "-3", "六", "6.5", "９"])
def test_a_bad_number_of_months_falls_back_with_a_message(raw):
    count, message = rules.parse_months(raw)
    assert count == rules.DEFAULT_MONTHS and "月数" in message


# -- the figures from day results --------------------------------------------------

MON = date(2026, 11, 23)
CALENDAR = Calendar(date(2026, 11, 1), date(2026, 11, 30), special={})


class Ev:
    def __init__(self, kind, day, hhmm):
        self.kind = EventKind(kind)
        hour, minute = (int(p) for p in hhmm.split(":"))
        self.at = datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def a_week(events_by_day):
    return [attendance.day_result(MON + timedelta(days=n), events_by_day.get(n, []), [], CALENDAR,
                                  attendance.Schedule()) for n in range(7)]


def test_attendance_patrols_and_visits_of_a_week():
    """A grid worker four days at work, one absent, beside an office clerk at work all
    week. On two of the worker's days both patrols are long enough, on two only the
    morning one: 达标率 (1 + 1 + ½ + ½) / 4, the clerk's days not counted (一日双巡 is
    the 网格员's). Six hours of visits in the week (Saturday included)."""
    def day(n, afternoon_patrol_minutes):
        d = MON + timedelta(days=n)
        events = [Ev("clock_in", d, "08:20"), Ev("patrol_start", d, "09:00"), Ev("patrol_end", d, "10:30"),
                  Ev("patrol_start", d, "14:10"),
                  Ev("patrol_end", d, f"{14 + (10 + afternoon_patrol_minutes) // 60}:"
                                      f"{(10 + afternoon_patrol_minutes) % 60:02d}"),
                  Ev("clock_out", d, "17:40")]
        return events
    week = {0: day(0, 90), 1: day(1, 100), 2: day(2, 60), 3: day(3, 30),
            5: [Ev("visit_start", MON + timedelta(days=5), "09:00"), Ev("visit_end", MON + timedelta(days=5), "13:00")],
            4: [Ev("visit_start", MON + timedelta(days=4), "19:00"), Ev("visit_end", MON + timedelta(days=4), "21:00")]}
    results = a_week(week)
    office = [attendance.day_result(MON + timedelta(days=n), [Ev("clock_in", MON + timedelta(days=n), "08:20")], [],
                                    CALENDAR, attendance.Schedule()) for n in range(5)]
    figures = rules.attendance_figures(attendance.Tally.of(results + office), attendance.Tally.of(results),
                                       grid_workers=1, judged_days=7)
    assert figures["attendance"] == pytest.approx((4 + 5) / (5 + 5))  # the office clerk's five days count here
    assert figures["patrol"] == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)  # but not in the 网格员's 一日双巡
    assert figures["visits"] == pytest.approx(6.0)


def test_leave_is_not_absence_and_nobody_at_work_gives_no_figure():
    nothing = attendance.Tally()
    assert rules.attendance_figures(nothing, nothing, 0, 0) == {"attendance": None, "patrol": None, "visits": None}
    leave = [(MON, "am", MON + timedelta(days=4), "pm", "事假")]
    results = [attendance.day_result(MON + timedelta(days=n), [], leave, CALENDAR, attendance.Schedule())
               for n in range(7)]
    figures = rules.attendance_figures(attendance.Tally.of(results), attendance.Tally.of(results), 1, 7)
    assert figures["attendance"] is None and figures["patrol"] is None and figures["visits"] == 0.0


# -- from the database ------------------------------------------------------------

@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW



def slug_id(model, slug):
    return db.session.scalar(select(model.id).where(model.slug == slug))


def a_day_of(username, base):
    worker = account(username)
    for kind, minutes in (("clock_in", 20), ("patrol_start", 60), ("patrol_end", 160), ("patrol_start", 390),
                          ("patrol_end", 450), ("clock_out", 605), ("visit_start", 660), ("visit_end", 780)):
        activity.record_event(worker, worker.person, kind, now=base + timedelta(minutes=minutes),
                                 household="3-2-301" if kind == "visit_start" else None)


def test_the_trends_agree_with_the_month_attendance_sheet(app):
    """Whatever the dashboard shows for a month is what the 考勤表 of that month sums to."""
    with app.app_context():
        a_day_of("fuyuan_worker01", WED)
        a_day_of("fuda_worker01", OCT_WED)
        db.session.commit()
        fuqiang = db.session.get(Street, slug_id(Street, "fuqiang"))
        ids = [c.id for c in fuqiang.communities]
        months = rules.month_firsts(NOW.date(), 2)
        trends = rules.trends(ids, months, today=NOW.date(), street_id=fuqiang.id)
        fuyuan = slug_id(Community, "fuyuan")
        for n, first in enumerate(months):
            for key, community_ids in ((fuyuan, [fuyuan]), (rules.TOTAL, ids)):
                if key == fuyuan and first.month == 10:
                    continue  # nothing in 富源's log in October: see the next test
                sheet = attendance_sheet.build("", community_ids, first, NOW.date())
                cells = [c for row in sheet.rows for c in row.cells if c is not None]
                summary = attendance.month_summary(cells)
                present, absent = summary["出勤天数"], summary["缺勤天数"]
                assert trends.series("attendance", key)[n] == pytest.approx(float(present / (present + absent)))
                workers = [row for row in sheet.rows if row.person.grid_id is not None]
                of_workers = attendance.month_summary([c for row in workers for c in row.cells if c is not None])
                assert trends.series("patrol", key)[n] == of_workers["巡查达标率"]  # 网格员 patrol, not the office
                hours = of_workers["入户小时"]
                judged = sum(1 for d in sheet.days if d < NOW.date())
                assert trends.series("visits", key)[n] == pytest.approx(
                    round(float(hours) / len(workers) / (judged / 7), 2))
        # The October day of 富达's worker shows in October only, and in 富达 not 富源.
        assert trends.series("visits", slug_id(Community, "fuda"))[0] > 0
        assert trends.series("visits", fuyuan)[1] > 0
        assert trends.visit_target_hours == 5


def test_a_month_before_anything_was_logged_has_no_figure_rather_than_all_absent(app):
    with app.app_context():
        a_day_of("fuda_worker01", OCT_WED)
        db.session.commit()
        fuyuan, fuda = slug_id(Community, "fuyuan"), slug_id(Community, "fuda")
        trends = rules.trends([fuyuan, fuda], rules.month_firsts(NOW.date(), 3), today=NOW.date())
        for metric in ("attendance", "patrol", "visits"):
            assert trends.series(metric, fuyuan) == [None, None, None]
            assert trends.series(metric, fuda)[0] is None and trends.series(metric, fuda)[1] is not None
        # In November 富达 logged nothing either; October counts, with its absent days.
        assert trends.series("attendance", fuda)[2] is None and 0 < trends.series("attendance", fuda)[1] < 0.2


def inspect(community_slug, at, failing=0):
    from portal.inspections import conduct

    inspector = account("inspector")
    community = db.session.get(Community, slug_id(Community, community_slug))
    inspection = conduct.start(inspector, community, now=at)
    for index, item in enumerate(conduct.sheet(inspection).items):
        conduct.answer(inspector, inspection.id, str(item.id), None, "fail" if index < failing else "pass",
                       "未佩戴胸卡" if index < failing else "", now=at)
    conduct.submit(inspector, inspection.id, now=at + timedelta(hours=1))
    db.session.commit()
    return inspection.score


def test_inspection_scores_are_the_months_mean_per_community_and_street(app):
    with app.app_context():
        full = inspect("fuyuan", WED - timedelta(days=2))
        one_failed = inspect("fuyuan", WED - timedelta(days=1), failing=1)
        october = inspect("fuda", OCT_WED)
        inspect("fangzhi", WED)  # another street: not in 富强路's figures
        ids = [c.id for c in db.session.get(Street, slug_id(Street, "fuqiang")).communities]
        scores = rules.inspection_scores(ids, rules.month_firsts(NOW.date(), 2))
        fuyuan, fuda = slug_id(Community, "fuyuan"), slug_id(Community, "fuda")
        assert full == Decimal("100.0") and one_failed < full
        assert scores[fuyuan] == [None, round(float((full + one_failed) / 2), 1)]
        assert scores[fuda] == [float(october), None]
        assert scores[rules.TOTAL] == [float(october), round(float((full + one_failed) / 2), 1)]


# -- the pages ----------------------------------------------------------------------

def test_a_street_leader_sees_their_street_and_not_another(app, auth):
    with app.app_context():
        fuqiang, kexue = slug_id(Street, "fuqiang"), slug_id(Street, "kexue")
        fangzhi = slug_id(Community, "fangzhi")
    auth.login("fuqiang_leader")
    response = auth.client.get("/dashboards/")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/dashboards/streets/{fuqiang}")
    page = auth.client.get(f"/dashboards/streets/{fuqiang}").get_data(as_text=True)
    for heading in ("今日去向", "出勤率", "巡查达标率（一日双巡）", "网格员周均入户小时", "“八个统一”检查得分"):
        assert heading in page
    assert "富源社区" in page and "富达社区" in page and "纺织社区" not in page
    assert auth.client.get(f"/dashboards/streets/{kexue}").status_code == 403
    assert auth.client.get(f"/dashboards/communities/{fangzhi}").status_code == 403
    assert auth.client.get("/dashboards/district").status_code == 403


@pytest.mark.parametrize("username, path, code", [
    ("fuyuan_secretary", "/dashboards/", 302), ("fuyuan_secretary", "/dashboards/communities/{fuda}", 403),
    ("fuyuan_worker01", "/dashboards/", 403), ("fuyuan_frontdesk", "/dashboards/communities/{fuyuan}", 403),
    ("inspector", "/dashboards/district", 200),
])
def test_who_reaches_which_dashboard(app, auth, username, path, code):
    with app.app_context():
        path = path.format(fuda=slug_id(Community, "fuda"), fuyuan=slug_id(Community, "fuyuan"))
    auth.login(username)
    assert auth.client.get(path).status_code == code


def board_row(page, name):
    row = re.search(rf"<tr><td><a [^>]*>{name}</a></td>(.*?)</tr>", page, re.S).group(1)
    return [int(n) for n in re.findall(r'<td class="num[^"]*">(\d+)</td>', row)]


def test_todays_board_counts_follow_the_board(app, auth):
    """A worker who starts a patrol moves from 未签到 to 巡查中 in their community's row."""
    with app.app_context():
        fuqiang = slug_id(Street, "fuqiang")
    auth.login("fuqiang_leader")
    keys = [key for key, _ in rules.BOARD_COLUMNS]
    before = board_row(auth.client.get(f"/dashboards/streets/{fuqiang}").get_data(as_text=True), "富源社区")
    with app.app_context():
        worker = account("fuyuan_worker01")
        activity.record_event(worker, worker.person, "patrol_start", now=NOW - timedelta(minutes=5))
        db.session.commit()
    after = board_row(auth.client.get(f"/dashboards/streets/{fuqiang}").get_data(as_text=True), "富源社区")
    assert after[keys.index("patrol")] == before[keys.index("patrol")] + 1
    assert after[keys.index("not_in")] == before[keys.index("not_in")] - 1
    assert sum(after) == sum(before)


def test_the_plots_are_drawn_as_svg_with_their_figures(app, auth):
    with app.app_context():
        a_day_of("fuyuan_worker01", WED)
        db.session.commit()
        fuyuan = slug_id(Community, "fuyuan")
    auth.login("fuyuan_secretary")
    page = auth.client.get(f"/dashboards/communities/{fuyuan}?months=3").get_data(as_text=True)
    # November is still running: the plots are taller by a second line under the axis.
    assert page.count('<svg viewBox="0 0 600 242" role="img"') == 3  # no inspections yet: no score plot
    assert page.count("暂无数据") == 1
    assert '<line x1="56" x2="584"' in page and 'class="target"' in page
    assert re.search(r"<title>富源社区 11月（截至25日）：\d+(\.\d)?%</title>", page)
    assert "<th class=\"num\">2026年9月</th>" in page  # three months, oldest labelled with its year


def test_a_bad_months_value_gives_a_message_not_an_error(app, auth):
    with app.app_context():
        fuyuan = slug_id(Community, "fuyuan")
    auth.login("fuyuan_secretary")
    response = auth.client.get(f"/dashboards/communities/{fuyuan}?months=%00abc")
    assert response.status_code == 200 and "月数应为 2–12 之间的整数" in response.get_data(as_text=True)


def test_a_dashboard_costs_a_fixed_number_of_statements(app, auth):
    """科学路街道 (many communities) costs what 乌素图街道 costs, for 2 months or 12,
    with or without history."""
    with app.app_context():
        kexue, wusutu = slug_id(Street, "kexue"), slug_id(Street, "wusutu")
        # The night's day-close has judged the year (from an October go-live, to keep it short).
        db.session.execute(update(Person).values(portal_start=date(2026, 10, 1)))
        days.fill(db.session.scalars(select(Community.id)).all(), date(2025, 12, 1), date(2026, 11, 30))
        db.session.commit()
    auth.login("inspector")
    auth.client.get("/")  # the login session, read once after the login
    small = count_statements(app, auth.client, f"/dashboards/streets/{wusutu}?months=2")
    large = count_statements(app, auth.client, f"/dashboards/streets/{kexue}?months=2")
    with app.app_context():
        a_day_of("fangzhi_worker01", WED)
        a_day_of("fangzhi_worker01", OCT_WED)
        db.session.commit()
    busy = count_statements(app, auth.client, f"/dashboards/streets/{kexue}?months=12")
    district = count_statements(app, auth.client, "/dashboards/district")
    assert small == large == busy, (small, large, busy)
    assert busy <= 20 and district <= 15, (busy, district)


def test_the_inspection_score_trend_uses_the_shared_chart(app, auth):
    with app.app_context():
        inspect("fuyuan", WED - timedelta(days=9))
        inspect("fuyuan", WED - timedelta(days=2), failing=2)
        fuyuan = slug_id(Community, "fuyuan")
    auth.login("fuyuan_secretary")
    page = auth.client.get(f"/inspections/communities/{fuyuan}").get_data(as_text=True)
    assert '<figure class="plot" id="score-trend">' in page
    assert "<title>富源社区 11月16日：100</title>" in page
    assert page.count("<polyline") == 1


def test_a_year_missing_from_the_work_calendar_leaves_its_months_blank_with_a_message(app, auth):
    from portal.workdays.models import CalendarYear

    with app.app_context():
        a_day_of("fuyuan_worker01", datetime(2026, 12, 30, 0, 0, tzinfo=UTC))
        db.session.commit()
        assert db.session.get(CalendarYear, 2027) is None
        fuyuan = slug_id(Community, "fuyuan")
        trends = rules.trends([fuyuan], [date(2026, 12, 1), date(2027, 1, 1)], today=date(2027, 1, 20))
    assert trends.calendar_missing == [2027]
    assert trends.series("attendance", fuyuan)[0] > 0 and trends.series("attendance", fuyuan)[1] is None
    app.config["CLOCK_NOW"] = datetime(2027, 1, 20, 2, 0, tzinfo=UTC)
    auth.login("fuyuan_secretary")
    page = auth.client.get(f"/dashboards/communities/{fuyuan}?months=2").get_data(as_text=True)
    assert "2027 年的工作日历尚未确认" in page


@pytest.mark.parametrize("path", ["/dashboards/streets/99999", "/dashboards/communities/99999999999999999999",
                                  "/dashboards/streets/-1", "/dashboards/communities/abc"])
def test_unknown_places_are_not_found(auth, path):
    auth.login("admin")
    assert auth.client.get(path).status_code == 404
