"""包社区/包网格 pages: assignments with history, the 公示, the leaders' supervision log
and its coverage."""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.auth.policy import Action, can, require
from portal.board import rules as board_rules
from portal.errors import FieldErrors
from portal.extensions import db
from portal.htmx import render
from portal.org.models import Community, Grid, Street
from portal.people.models import Person, Position
from portal.responsibility import export, publicity, rules, supervision
from portal.responsibility import settings as supervision_rules
from portal.responsibility.forms import PostForm
from portal.responsibility.models import Assignment, AssignmentKind, SupervisionKind

bp = Blueprint("responsibility", __name__, url_prefix="/responsibility")
hall_bp = Blueprint("hall_publicity", __name__, url_prefix="/hall")
STREET = "/streets/<int:street_id>"
COMMUNITY = "/communities/<int:community_id>"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STALE = {"form": "页面已过期，请刷新后重试。"}


def _get(model, object_id: int, action: Action):
    obj = db.session.get(model, object_id) or abort(404)
    require(current_user, action, obj)
    return obj


def _version_arg() -> int:
    text = (request.form.get("version") or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else -1


def _id_arg(name: str) -> int | None:
    text = (request.form.get(name) or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


# -- assignments -------------------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    person = current_user.person
    if person.community_id is not None and can(current_user, Action.VIEW_ASSIGNMENTS, person.community):
        return redirect(url_for("responsibility.community", community_id=person.community_id))
    if person.street_id is not None and can(current_user, Action.VIEW_ASSIGNMENTS, person.street):
        return redirect(url_for("responsibility.street", street_id=person.street_id))
    require(current_user, Action.VIEW_COVERAGE)
    return redirect(url_for("responsibility.district_coverage"))


def _street_page(street: Street, status=200, errors=None, values=None):
    today = clock.today()
    leaders = rules.community_leaders([c.id for c in street.communities], today)
    return render_template(
        "responsibility/street.html", street=street, leaders=leaders, today=today,
        history=rules.history(AssignmentKind.COMMUNITY, street_id=street.id),
        candidates=rules.leaders_of(street), version=rules.book_version(rules.scope_of(AssignmentKind.COMMUNITY,
                                                                                        street.id)),
        may_manage=can(current_user, Action.MANAGE_ASSIGNMENTS, street), errors=errors or {},
        values=values or {}, term_label=rules.term_label), status


@bp.get(STREET)
@login_required
def street(street_id: int):
    return _street_page(_get(Street, street_id, Action.VIEW_ASSIGNMENTS))


@bp.post(STREET + "/assign")
@login_required
def street_assign_POST(street_id: int):
    street = _get(Street, street_id, Action.MANAGE_ASSIGNMENTS)
    if not PostForm().validate():
        return _street_page(street, 400, STALE, request.form)
    community = db.session.get(Community, _id_arg("community_id") or 0)
    if community is None or community.street_id != street.id:
        return _street_page(street, 400, {"community_id": "请选择本街镇的社区。"}, request.form)
    person = db.session.get(Person, _id_arg("person_id") or 0)
    try:
        term = rules.assign(current_user, AssignmentKind.COMMUNITY, community, person, request.form.get("valid_from"),
                            request.form.get("valid_to"), _version_arg())
    except FieldErrors as error:
        db.session.rollback()
        return _street_page(street, 409 if isinstance(error, rules.Conflict) else 400, error.errors, request.form)
    db.session.commit()
    flash(f"已安排{term.person.name}包联{community.name}（{rules.term_label(term)}）。", "success")
    return redirect(url_for("responsibility.street", street_id=street.id))


def _community_page(community: Community, status=200, errors=None, values=None):
    today = clock.today()
    return render_template(
        "responsibility/community.html", community=community, today=today,
        heads=rules.grid_heads(community.id, today),
        leader=rules.community_leaders([community.id], today).get(community.id),
        history=rules.history(AssignmentKind.GRID, community_id=community.id),
        candidates=rules.heads_of(community),
        version=rules.book_version(rules.scope_of(AssignmentKind.GRID, community.id)),
        may_manage=can(current_user, Action.MANAGE_ASSIGNMENTS, community), errors=errors or {},
        values=values or {}, term_label=rules.term_label), status


@bp.get(COMMUNITY)
@login_required
def community(community_id: int):
    return _community_page(_get(Community, community_id, Action.VIEW_ASSIGNMENTS))


@bp.post(COMMUNITY + "/assign")
@login_required
def community_assign_POST(community_id: int):
    community = _get(Community, community_id, Action.MANAGE_ASSIGNMENTS)
    if not PostForm().validate():
        return _community_page(community, 400, STALE, request.form)
    grid = db.session.get(Grid, _id_arg("grid_id") or 0)
    if grid is None or grid.community_id != community.id:
        return _community_page(community, 400, {"grid_id": "请选择本社区的网格。"}, request.form)
    person = db.session.get(Person, _id_arg("person_id") or 0)
    try:
        term = rules.assign(current_user, AssignmentKind.GRID, grid, person, request.form.get("valid_from"),
                            request.form.get("valid_to"), _version_arg())
    except FieldErrors as error:
        db.session.rollback()
        return _community_page(community, 409 if isinstance(error, rules.Conflict) else 400, error.errors,
                               request.form)
    db.session.commit()
    flash(f"已安排{term.person.name}包{grid.label}（{rules.term_label(term)}）。", "success")
    return redirect(url_for("responsibility.community", community_id=community.id))


@bp.post("/terms/<int:term_id>/end")
@login_required
def end_POST(term_id: int):
    term = db.session.get(Assignment, term_id) or abort(404)
    require(current_user, Action.MANAGE_ASSIGNMENTS, term.community)
    by_street = term.kind is AssignmentKind.COMMUNITY

    def page(status, errors):
        if by_street:
            return _street_page(term.community.street, status, errors, {})
        return _community_page(term.community, status, errors, {})
    if not PostForm().validate():
        return page(400, STALE)
    try:
        rules.end_term(current_user, term, request.form.get("valid_to"), _version_arg())
    except FieldErrors as error:
        db.session.rollback()
        return page(409 if isinstance(error, rules.Conflict) else 400,
                    {"end": " ".join(error.errors.values())})
    db.session.commit()
    flash(f"{term.person.name}的任期已结束于{clock.format_date(term.valid_to)}。", "success")
    if by_street:
        return redirect(url_for("responsibility.street", street_id=term.street_id))
    return redirect(url_for("responsibility.community", community_id=term.community_id))


# -- 网格责任人公示 ---------------------------------------------------------------------------

@bp.get(COMMUNITY + "/publicity")
@login_required
def publicity_page(community_id: int):
    community = _get(Community, community_id, Action.VIEW_PUBLICITY)
    return render_template("responsibility/publicity.html", sheet=publicity.publicity(community, clock.today()),
                           hall=False)


@hall_bp.get("/<token>/publicity")
def hall(token: str):
    """The 公示 on the hall screen: same revocable link as the board's hall view."""
    community = board_rules.community_for_display(token) or abort(404)
    response = render("responsibility/publicity.html", block="sheet",
                      sheet=publicity.publicity(community, clock.today()), hall=True, token=token)
    response.headers["Cache-Control"] = "no-store"
    return response


# -- supervision log and coverage --------------------------------------------------------------

def _month_arg():
    raw = request.args.get("month")
    month = supervision.parse_month(raw) if raw else clock.today().replace(day=1)
    return month or clock.today().replace(day=1), (None if month or not raw else "月份格式应为 2026-11。")


def _log_page(status=200, errors=None, values=None):
    person = current_user.person
    month, month_error = _month_arg()
    first, last = supervision.month_bounds(month)
    return render_template(
        "responsibility/supervision.html", month=month, month_error=month_error,
        lines=supervision.person_log(person, month), gaps=supervision.my_gaps(person, month),
        communities=rules.assigned_communities(person.id, clock.today(), clock.today()),
        kinds=list(SupervisionKind), errors=errors or {}, values=values or {}, today=clock.today()), status


@bp.get("/supervision")
@login_required
def supervision_page():
    require(current_user, Action.RECORD_SUPERVISION)
    return _log_page()


@bp.post("/supervision")
@login_required
def supervision_POST():
    require(current_user, Action.RECORD_SUPERVISION)
    if not PostForm().validate():
        return _log_page(400, STALE, request.form)
    community = db.session.get(Community, _id_arg("community_id") or 0)
    try:
        entry = supervision.record(current_user, community, request.form.get("day"), request.form.get("kind"),
                                   request.form.get("covered"), request.form.get("present"),
                                   request.form.get("follow_ups"))
    except FieldErrors as error:
        db.session.rollback()
        return _log_page(400, error.errors, request.form)
    db.session.commit()
    flash(f"已登记{clock.format_date(entry.day)}对{entry.community.name}的{entry.kind.label}。", "success")
    return redirect(url_for("responsibility.supervision_page"))


def _coverage(streets, title, street=None):
    month, month_error = _month_arg()
    rows = supervision.coverage([s.id for s in streets], month)
    points, scores = supervision.leader_scores(street.id, month, rows) if street else (0, [])
    return render_template("responsibility/coverage.html", rows=rows, month=month, month_error=month_error,
                           title=title, street=street, kinds=list(SupervisionKind),
                           totals=supervision.street_totals(rows), points=points, scores=scores,
                           may_set_rules=can(current_user, Action.MANAGE_SUPERVISION_RULES))


@bp.get("/coverage/streets/<int:street_id>")
@login_required
def street_coverage(street_id: int):
    street = _get(Street, street_id, Action.VIEW_COVERAGE)
    return _coverage([street], street.name, street)


@bp.get("/coverage/district")
@login_required
def district_coverage():
    require(current_user, Action.VIEW_COVERAGE)
    return _coverage(list(db.session.scalars(db.select(Street).order_by(Street.sort_order))), "青山区")


@bp.get("/coverage/streets/<int:street_id>/coverage.xlsx")
@login_required
def street_coverage_xlsx(street_id: int):
    street = _get(Street, street_id, Action.VIEW_COVERAGE)
    month, _error = _month_arg()
    rows = supervision.coverage([street.id], month)
    points, scores = supervision.leader_scores(street.id, month, rows)
    data = export.coverage_workbook(street.name, month, rows, points, scores)
    return send_file(data, download_name=f"{street.name}{month:%Y-%m}包社区督导.xlsx", as_attachment=True,
                     mimetype=XLSX)


@bp.get("/coverage/district/coverage.xlsx")
@login_required
def district_coverage_xlsx():
    require(current_user, Action.VIEW_COVERAGE)
    month, _error = _month_arg()
    streets = list(db.session.scalars(db.select(Street).order_by(Street.sort_order)))
    data = export.coverage_workbook("青山区", month, supervision.coverage([s.id for s in streets], month))
    return send_file(data, download_name=f"青山区{month:%Y-%m}包社区督导.xlsx", as_attachment=True, mimetype=XLSX)


# -- 督导扣分 (the optional 考核 deduction for missing supervision) ---------------------------------

def _rules_page(status=200, errors=None, values=None):
    today = clock.today()
    streets = list(db.session.scalars(db.select(Street).order_by(Street.sort_order)))
    return render_template("responsibility/rules.html", today=today, lines=supervision_rules.overview(today),
                           upcoming=supervision_rules.upcoming(today), streets=streets,
                           max_points=supervision_rules.MAX_POINTS, errors=errors or {},
                           values=values or {}), status


@bp.get("/settings")
@login_required
def rules_page():
    require(current_user, Action.MANAGE_SUPERVISION_RULES)
    return _rules_page()


@bp.post("/settings")
@login_required
def rules_POST():
    require(current_user, Action.MANAGE_SUPERVISION_RULES)
    if not PostForm().validate():
        return _rules_page(400, STALE, request.form)
    try:
        row = supervision_rules.save(current_user, request.form)
    except FieldErrors as error:
        db.session.rollback()
        return _rules_page(400, error.errors, request.form)
    db.session.commit()
    if row is None:
        flash("该街镇已随全区默认，无需更改。", "success")
    elif row.follows_default:
        flash(f"{row.street.name}自{clock.format_date(row.effective_from)}起随全区默认。", "success")
    else:
        scope = row.street.name if row.street else "全区默认"
        state = f"每缺一项扣 {row.missing_points} 分" if row.missing_points else "不扣分（关闭）"
        flash(f"已保存：{scope}自{clock.format_date(row.effective_from)}起{state}。", "success")
    return redirect(url_for("responsibility.rules_page"))


def position_label(person: Person) -> str:
    return Position(person.position).label
