"""Dashboards: trends per 社区 and 街镇, today's board for leaders. Thin views:
parse the months, ask the policy, compute with dashboards.rules, draw with charts."""
from datetime import timedelta

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import charts, clock
from portal.auth.policy import Action, require
from portal.dashboards import rules
from portal.extensions import db
from portal.matters import lists as matter_lists
from portal.org.models import Community, Street
from portal.responsibility import supervision

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")

MONTH_CHOICES = (3, 6, 12)
TOTAL_NAME = "全街镇"


def month_labels(months) -> list[str]:
    return [f"{m.year}年{m.month}月" if n == 0 or m.month == 1 else f"{m.month}月" for n, m in enumerate(months)]


def percent(value: float) -> str:
    return f"{value * 100:.1f}%".replace(".0%", "%")


def trend_charts(trends: rules.Trends, named: list[tuple[object, str]], emphasis: str | None) -> list:
    """The four charts, each with one line per (key, name); the month still
    running is marked (days judged up to yesterday, inspections up to today)."""
    labels = month_labels(trends.months)
    today = clock.today()
    judged = rules.running_month(trends.months, today, today - timedelta(days=1))
    inspected = rules.running_month(trends.months, today, today)

    def lines(metric):
        return [(name, trends.series(metric, key)) for key, name in named]

    target = trends.visit_target_hours
    return [
        ("出勤率", "出勤天数 ÷（出勤天数 + 缺勤天数），请假不计为缺勤。",
         charts.line_chart("chart-attendance", "出勤率（按月）", labels, lines("attendance"), y_max=1.0,
                           fmt=percent, emphasis=emphasis, ticks=4, partial=judged)),
        ("巡查达标率（一日双巡）", "网格员出勤日完成的合格巡查 ÷ 应巡查次数（上、下午各一次，每次不少于规定时长）。",
         charts.line_chart("chart-patrol", "巡查达标率（按月）", labels, lines("patrol"), y_max=1.0,
                           fmt=percent, emphasis=emphasis, ticks=4, partial=judged)),
        ("网格员周均入户小时", f"每名网格员每周平均入户小时，要求不少于 {target:g} 小时（虚线）。",
         charts.line_chart("chart-visits", "网格员周均入户小时（按月）", labels, lines("visits"),
                           fmt=lambda v: f"{v:.1f}", target=target, target_label=f"要求 {target:g} 小时",
                           emphasis=emphasis, partial=judged)),
        ("“八个统一”检查得分", "当月提交的督查检查平均得分（满分 100，一票否决计 0 分）。",
         charts.line_chart("chart-inspections", "检查平均得分（按月）", labels, lines("inspections"), y_max=100,
                           fmt=lambda v: f"{v:g}", emphasis=emphasis, partial=inspected)),
    ]


def _months():
    count, message = rules.parse_months(request.args.get("months"))
    return rules.month_firsts(clock.today(), count), count, message


@bp.get("/")
@login_required
def index():
    person = current_user.person
    if person.community_id is not None:
        require(current_user, Action.VIEW_DASHBOARD, person.community)
        return redirect(url_for("dashboards.community", community_id=person.community_id))
    if person.street_id is not None:
        require(current_user, Action.VIEW_DASHBOARD, person.street)
        return redirect(url_for("dashboards.street", street_id=person.street_id))
    require(current_user, Action.VIEW_DASHBOARD, None)
    return redirect(url_for("dashboards.district"))


@bp.get("/district")
@login_required
def district():
    require(current_user, Action.VIEW_DASHBOARD, None)
    months, count, message = _months()
    streets = db.session.execute(select(Street.id, Street.name).order_by(Street.sort_order)).all()
    street_of = dict(db.session.execute(select(Community.id, Community.street_id)).all())
    ids = list(street_of)
    counts, totals = rules.board_today(ids)
    by_street = {s.id: dict.fromkeys(totals, 0) for s in streets}
    for community_id, street_id in street_of.items():
        for key, count in counts[community_id].items():
            by_street[street_id][key] += count
    scores = rules.inspection_scores(ids, months, group_of=street_of.get)
    chart = charts.line_chart(
        "chart-inspections", "各街镇检查平均得分（按月）", month_labels(months),
        [(s.name, scores.get(s.id, [None] * len(months))) for s in streets], y_max=100,
        partial=rules.running_month(months, clock.today(), clock.today()))
    board_rows = [(s.id, s.name, url_for("dashboards.street", street_id=s.id)) for s in streets]
    return render_template("dashboards/district.html", board_counts=by_street, totals=totals,
                           supervision=supervision.dashboard([s.id for s in streets], clock.today()),
                           board_rows=board_rows, row_heading="街镇",
                           columns=rules.BOARD_COLUMNS, chart=chart, months=count, message=message,
                           month_choices=MONTH_CHOICES)


@bp.get("/streets/<int(max=2147483647):street_id>")
@login_required
def street(street_id: int):
    place = db.session.get(Street, street_id) or abort(404)
    require(current_user, Action.VIEW_DASHBOARD, place)
    months, count, message = _months()
    communities = list(place.communities)
    ids = [c.id for c in communities]
    trends = rules.trends(ids, months, street_id=place.id)
    named = [*((c.id, c.name) for c in communities), (rules.TOTAL, TOTAL_NAME)]
    counts, totals = rules.board_today(ids)
    board_rows = [(c.id, c.name, url_for("dashboards.community", community_id=c.id)) for c in communities]
    return render_template("dashboards/street.html", street=place, board_rows=board_rows, board_counts=counts,
                           supervision=supervision.dashboard([place.id], clock.today()),
                           row_heading="社区",
                           totals=totals, columns=rules.BOARD_COLUMNS, charts=trend_charts(trends, named, TOTAL_NAME),
                           trends=trends, months=count, message=message, month_choices=MONTH_CHOICES,
                           matter_rows=[(c.name, t) for c, t in matter_lists.by_community(place.id, _this_month())],
                           matter_link=url_for("matters.street", street_id=place.id))


def _this_month():
    return clock.today().replace(day=1)


@bp.get("/communities/<int(max=2147483647):community_id>")
@login_required
def community(community_id: int):
    place = db.session.get(Community, community_id) or abort(404)
    require(current_user, Action.VIEW_DASHBOARD, place)
    months, count, message = _months()
    trends = rules.trends([place.id], months, street_id=place.street_id)
    counts, totals = rules.board_today([place.id])
    board_rows = [(place.id, place.name, url_for("board.board", community_id=place.id))]
    return render_template("dashboards/community.html", community=place, board_rows=board_rows,
                           board_counts=counts, row_heading="社区", totals=totals,
                           columns=rules.BOARD_COLUMNS, charts=trend_charts(trends, [(place.id, place.name)], None),
                           trends=trends, months=count, message=message, month_choices=MONTH_CHOICES,
                           matter_rows=[(t.label, t) for t in matter_lists.by_grid(place, _this_month())],
                           matter_link=url_for("matters.community", community_id=place.id))
