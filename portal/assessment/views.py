"""考核 pages: a 街镇's and a community's tables, a person's breakdown, the
adjustments and the lock, the export, and the rules."""
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from portal import clock
from portal.assessment import export, results, rules, settings
from portal.auth.policy import Action, can, require
from portal.errors import FieldErrors
from portal.extensions import db
from portal.org.models import Community, Street
from portal.params import street_from
from portal.people.models import Person, Position

bp = Blueprint("assessment", __name__, url_prefix="/assessment")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period_arg() -> str:
    return (request.values.get("period") or "").strip()[:10]


def _day_label(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.month}月{day.day}日（{clock.format_weekday(day)[-1]}）"


def _common(report) -> dict:
    periods = rules.recent_periods(clock.today())
    if report.period not in periods:
        periods.append(report.period)
    raw = _period_arg()
    period_error = f"考核期间“{raw}”无效（应为“2026-Q4”或“2026”），已显示本季度。" \
        if raw and rules.parse_period(raw) is None else None
    return {"report": report, "periods": periods, "parts": rules.parts_of(report.rules), "grades": rules.GRADES,
            "day_label": _day_label, "period_error": period_error,
            "people_table": lambda show_community: _people_table(report, show_community)}


def _people_table(report, show_community: bool) -> Markup:
    """The table of people, rendered once per kept report (the same for every viewer)."""
    def render() -> str:
        return render_template("assessment/_people_table.html", report=report, people=report.people,
                               parts=rules.parts_of(report.rules), show_community=show_community)

    return report.kept.fragment(f"people:{show_community}", render) if report.kept is not None else Markup(render())


@bp.get("/")
@login_required
def index():
    person = current_user.person
    if person.position is Position.STREET_LEADER and person.street_id:
        return redirect(url_for("assessment.street_page", street_id=person.street_id))
    if person.position in (Position.SECRETARY, Position.STATION_HEAD) and person.community_id:
        return redirect(url_for("assessment.community_page", community_id=person.community_id))
    if person.community_id is not None:
        return redirect(url_for("assessment.person_page", person_id=person.id))
    streets = [s for s in db.session.scalars(select(Street).order_by(Street.sort_order))
               if can(current_user, Action.VIEW_ASSESSMENT, s)]
    if not streets:
        abort(403)
    return render_template("assessment/index.html", streets=streets)


def _street(street_id: int) -> Street:
    street = db.session.get(Street, street_id) or abort(404)
    require(current_user, Action.VIEW_ASSESSMENT, street)
    return street


def _community(community_id: int) -> Community:
    community = db.session.get(Community, community_id) or abort(404)
    require(current_user, Action.VIEW_ASSESSMENT, community)
    return community


def _street_page(street, errors=None, status=200):
    report = results.report(street, _period_arg())
    return render_template("assessment/street.html", street=street, errors=errors or {},
                           can_lock=can(current_user, Action.LOCK_ASSESSMENT, street)
                           and report.lock is None and report.end < clock.today(),
                           **_common(report)), status


@bp.get("/streets/<int:street_id>")
@login_required
def street_page(street_id: int):
    return _street_page(_street(street_id))


@bp.post("/streets/<int:street_id>/lock")
@login_required
def lock_POST(street_id: int):
    street = db.session.get(Street, street_id) or abort(404)
    require(current_user, Action.LOCK_ASSESSMENT, street)
    try:
        row = results.lock(current_user, street, _period_arg())
    except FieldErrors as error:
        db.session.rollback()
        return _street_page(street, error.errors, 400)
    db.session.commit()
    flash(f"已确认并锁定{street.name}{rules.parse_period(row.period)[2]}的考核结果。", "success")
    return redirect(url_for("assessment.street_page", street_id=street.id, period=row.period))


@bp.get("/streets/<int:street_id>/export.xlsx")
@login_required
def street_xlsx(street_id: int):
    street = _street(street_id)
    report = results.report(street, _period_arg())
    return _xlsx(f"{street.name}{report.label}考核结果", report, report.people)


@bp.get("/communities/<int:community_id>")
@login_required
def community_page(community_id: int):
    community = _community(community_id)
    report = results.report(community.street, _period_arg(), [community.id])
    return render_template("assessment/community.html", community=community, **_common(report))


@bp.get("/communities/<int:community_id>/export.xlsx")
@login_required
def community_xlsx(community_id: int):
    community = _community(community_id)
    report = results.report(community.street, _period_arg(), [community.id])
    return _xlsx(f"{community.name}{report.label}考核结果", report, report.people)


def _xlsx(title, report, people):
    state = "街镇已确认锁定" if report.lock else f"截至{clock.format_date(clock.today())}计算，尚未锁定"
    span = (f"出勤、巡查、入户和迟到、早退、缺勤按 {clock.format_date(report.counted[0])} 至 "
            f"{clock.format_date(report.counted[1])} 计" if report.counted else "本期尚无考勤记录")
    span += (f"；“八个统一”督查、逾期未销假和逾期未整改按 {clock.format_date(report.start)} 至 "
             f"{clock.format_date(report.end)} 计")
    if "weight_matters" in report.rules:
        span += "；便民服务事项按期限在其中（至昨日）的计"
    return send_file(export.workbook(title, f"{state}；{span}", people, rules.parts_of(report.rules)),
                     as_attachment=True,
                     download_name=f"{title}.xlsx", mimetype=XLSX)


def _person_page(person, form=None, errors=None, status=200):
    report = results.report(person.street, _period_arg(), person_id=person.id, detail=True)
    row = report.person(person.id)
    adjustments = results.adjustments_of(person.id, report.period)
    return render_template(
        "assessment/person.html", person=person, row=row, adjustments=adjustments, form=form or {},
        errors=errors or {}, can_adjust=can(current_user, Action.ADJUST_ASSESSMENT, person) and report.lock is None,
        sees_days=can(current_user, Action.VIEW_HISTORY, person),
        sees_inspections=can(current_user, Action.VIEW_INSPECTION, person.community),
        **_common(report)), status


@bp.get("/people/<int:person_id>")
@login_required
def person_page(person_id: int):
    person = db.session.get(Person, person_id) or abort(404)
    require(current_user, Action.VIEW_ASSESSMENT, person)
    if person.community is None:
        abort(404)
    return _person_page(person)


@bp.post("/people/<int:person_id>/adjustments")
@login_required
def adjust_POST(person_id: int):
    person = db.session.get(Person, person_id) or abort(404)
    require(current_user, Action.ADJUST_ASSESSMENT, person)
    form = {name: request.form.get(name, "") for name in ("points", "reason")}
    try:
        results.adjust(current_user, person, _period_arg(), form["points"], form["reason"])
    except FieldErrors as error:
        db.session.rollback()
        return _person_page(person, form, error.errors, 400)
    db.session.commit()
    flash(f"已记录对{person.name}的考核调整。", "success")
    return redirect(url_for("assessment.person_page", person_id=person.id, period=_period_arg()))


# -- rules ------------------------------------------------------------------------------

def _street_scope(default_own: bool = True) -> Street | None:
    street = street_from(request.values.get("street"))
    if street is not None:
        return street
    person = current_user.person
    if default_own and person.position is Position.STREET_LEADER:
        return person.street
    return None


def _settings_page(street, form=None, errors=None, status=200, effective_from=None):
    street_id = street.id if street else None
    today = clock.today()
    row = settings.settings_for(street_id)
    history = settings.history(street_id)
    pending = next((h for h in history if h.effective_from > today and not h.follows_default), None)
    shown = pending or row
    values = form or {name: getattr(shown, name) for name in settings.DEFAULTS}
    streets = db.session.scalars(select(Street).order_by(Street.sort_order)).all()
    own = street is not None and row.street_id == street.id
    return render_template("assessment/settings.html", street=street, values=values, errors=errors or {},
                           labels=settings.LABELS, groups=(("权重（合计 100）", settings.WEIGHTS),
                                                           ("扣分", settings.DEDUCTIONS),
                                                           ("等次分数线", settings.GRADES)),
                           own=own, streets=streets, history=history, pending=pending, today=today,
                           effective_from=effective_from or (pending.effective_from.isoformat() if pending
                                                             else (today + timedelta(days=1)).isoformat())), status


@bp.get("/settings")
@login_required
def settings_page():
    street = _street_scope()
    require(current_user, Action.MANAGE_ASSESSMENT_RULES, street)
    return _settings_page(street)


@bp.post("/settings")
@login_required
def settings_POST():
    street = _street_scope(default_own=False)
    require(current_user, Action.MANAGE_ASSESSMENT_RULES, street)
    form = {name: request.form.get(name, "") for name in settings.DEFAULTS}
    effective_from = request.form.get("effective_from", "")
    try:
        row = settings.save(current_user, street.id if street else None, form, effective_from)
    except FieldErrors as error:
        db.session.rollback()
        return _settings_page(street, form, error.errors, 400, effective_from)
    db.session.commit()
    flash(f"已保存{street.name if street else '全区默认'}的考核办法，自{clock.format_date(row.effective_from)}起执行。",
          "success")
    return redirect(url_for("assessment.settings_page", street=street.id if street else None))


@bp.post("/settings/reset")
@login_required
def settings_reset_POST():
    street = _street_scope(default_own=False)
    require(current_user, Action.MANAGE_ASSESSMENT_RULES, street)
    if street is None:
        abort(400)
    try:
        settings.reset_to_default(current_user, street.id, request.form.get("effective_from", ""))
    except FieldErrors as error:
        db.session.rollback()
        return _settings_page(street, errors=error.errors, status=400)
    db.session.commit()
    flash(f"{street.name}已恢复使用全区默认考核办法。", "success")
    return redirect(url_for("assessment.settings_page", street=street.id))
