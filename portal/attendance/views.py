"""考勤 pages: schedule settings, 补卡, 封账."""
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import clock
from portal.attendance import corrections, locks, settings, sheet
from portal.attendance import rules as attendance_rules
from portal.attendance.models import AttendanceCorrection
from portal.auth.policy import Action, can, require
from portal.errors import FieldErrors
from portal.extensions import db
from portal.org.models import Community, Street
from portal.params import community_from, street_from
from portal.people.models import Person, Position
from portal.text import choice

bp = Blueprint("attendance", __name__, url_prefix="/attendance")


def _street_arg(default_own: bool = True) -> Street | None:
    """?street=<id>, or the leader's own street; None means the district default."""
    street = street_from(request.values.get("street"))
    if street is not None:
        return street
    person = current_user.person
    if default_own and person.position is Position.STREET_LEADER:
        return person.street
    return None


# -- schedule settings ----------------------------------------------------------------

def _settings_page(street, form=None, errors=None, status=200):
    street_id = street.id if street else None
    today = clock.today()
    row = settings.settings_for(street_id, today)
    history = settings.history(street_id)
    pending = next((h for h in history if h.effective_from > today and not h.follows_default), None)
    shown = pending or row  # the form starts from the newest rules, also one not yet in force
    values = form or {name: (getattr(shown, name).strftime("%H:%M") if name in settings.TIMES
                             else getattr(shown, name)) for name in settings.DEFAULTS}
    streets = db.session.scalars(select(Street).order_by(Street.sort_order)).all()
    own = street is not None and row.street_id == street.id
    return render_template("attendance/settings.html", street=street, values=values, errors=errors or {},
                           labels=settings.LABELS, own=own, streets=streets, today=today, pending=pending,
                           effective_from=(form or {}).get("effective_from") or (today + timedelta(days=1)).isoformat(),
                           history=history), status


@bp.get("/settings")
@login_required
def settings_page():
    street = _street_arg()
    require(current_user, Action.MANAGE_SCHEDULE, street)
    return _settings_page(street)


@bp.post("/settings")
@login_required
def settings_POST():
    street = _street_arg(default_own=False)
    require(current_user, Action.MANAGE_SCHEDULE, street)
    form = {name: request.form.get(name, "") for name in (*settings.DEFAULTS, "effective_from")}
    try:
        row = settings.save(current_user, street.id if street else None, form, form["effective_from"])
    except FieldErrors as error:
        db.session.rollback()
        return _settings_page(street, form, error.errors, 400)
    db.session.commit()
    flash(f"已保存{street.name if street else '全区默认'}的作息与考勤规则，自{clock.format_date(row.effective_from)}起执行；"
          "此前的日子仍按当时的规则计算。", "success")
    return redirect(url_for("attendance.settings_page", street=street.id if street else None))


@bp.post("/settings/reset")
@login_required
def settings_reset_POST():
    street = _street_arg(default_own=False)
    require(current_user, Action.MANAGE_SCHEDULE, street)
    if street is None:
        abort(400)  # the district default has nothing to fall back to
    try:
        settings.reset_to_default(current_user, street.id, request.form.get("effective_from"))
    except FieldErrors as error:
        db.session.rollback()
        return _settings_page(street, None, error.errors, 400)
    db.session.commit()
    flash(f"{street.name}将按生效日期恢复使用全区默认规则；此前的日子仍按当时的规则计算。", "success")
    return redirect(url_for("attendance.settings_page", street=street.id))


# -- 封账 -----------------------------------------------------------------------------

def _recent_months(count: int = 6) -> list[date]:
    month = clock.today().replace(day=1)
    months = []
    for _ in range(count):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months


def _locks_page(street, errors=None, status=200):
    months = [(m, locks.lock_of(street.id, m)) for m in _recent_months()]
    return render_template("attendance/locks.html", street=street, months=months, errors=errors or {}), status


@bp.get("/locks")
@login_required
def locks_page():
    street = _street_arg()
    if street is None:
        street = db.session.scalar(select(Street).order_by(Street.sort_order))
    require(current_user, Action.LOCK_MONTH, street)
    return _locks_page(street)


@bp.post("/locks")
@login_required
def lock_POST():
    street = _street_arg(default_own=False)
    if street is None:  # 封账 is a street's: no default to fall back on
        require(current_user, Action.LOCK_MONTH, current_user.person.street)
        fallback = current_user.person.street or db.session.scalar(select(Street).order_by(Street.sort_order))
        return _locks_page(fallback, {"street": "请选择要封账的街镇。"}, 400)
    require(current_user, Action.LOCK_MONTH, street)
    month = clock.parse_date(request.form.get("month"))
    action = request.form.get("action", "")
    try:
        if month is None or month.day != 1:
            raise FieldErrors({"month": "月份无效：请从列表中选择要封账或解除的月份。"})
        if action not in ("lock", "unlock"):
            raise FieldErrors({"action": "操作无效：请点“封账”或“解除封账”。"})
        if action == "unlock":
            locks.unlock(current_user, street, month, request.form.get("reason", ""))
            message = f"已解除{month.year}年{month.month}月的封账。"
        else:
            locks.lock(current_user, street, month)
            message = f"已封账{month.year}年{month.month}月：该月考勤不能再修改。"
    except FieldErrors as error:
        db.session.rollback()
        return _locks_page(street, error.errors, 400)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("attendance.locks_page", street=street.id))


# -- 补卡 -----------------------------------------------------------------------------

def _corrections_page(form=None, errors=None, status=200):
    person = current_user.person
    mine = db.session.scalars(select(AttendanceCorrection).where(AttendanceCorrection.person_id == person.id)
                              .order_by(AttendanceCorrection.at.desc()).limit(50)).all()
    return render_template(
        "attendance/corrections.html", mine=mine, pending=corrections.pending_for(current_user),
        can_request=can(current_user, Action.REQUEST_CORRECTION), form=form or {}, errors=errors or {},
        kinds=corrections.KINDS, today=clock.today()), status


@bp.get("/corrections")
@login_required
def corrections_page():
    if not (can(current_user, Action.REQUEST_CORRECTION) or current_user.person.position is Position.STREET_LEADER):
        abort(403)
    return _corrections_page()


@bp.post("/corrections")
@login_required
def correction_new_POST():
    require(current_user, Action.REQUEST_CORRECTION)
    form = {name: request.form.get(name, "") for name in ("kind", "day", "time", "reason")}
    try:
        corrections.request(current_user, current_user.person, form["kind"], clock.parse_date(form["day"]),
                            form["time"], form["reason"])
    except FieldErrors as error:
        db.session.rollback()
        return _corrections_page(form, error.errors, 400)
    db.session.commit()
    flash("补卡申请已提交，等待书记或站长审批。", "success")
    return redirect(url_for("attendance.corrections_page"))


@bp.post("/corrections/<int:correction_id>/decide")
@login_required
def correction_decide_POST(correction_id: int):
    correction = db.session.get(AttendanceCorrection, correction_id) or abort(404)
    require(current_user, Action.DECIDE_CORRECTION, correction)
    approve = choice(request.form.get("decision"), "approve", "reject")
    if approve is None:
        return _corrections_page(errors={f"c{correction_id}": "请点“批准”或“驳回”。"}, status=400)
    try:
        corrections.decide(current_user, correction, approve, request.form.get("comment", ""))
    except FieldErrors as error:
        db.session.rollback()
        return _corrections_page(errors={f"c{correction_id}": " ".join(error.errors.values())}, status=409)
    db.session.commit()
    flash(("已批准" if approve else "已驳回") + f"{correction.person.name}的补卡申请。", "success")
    return redirect(url_for("attendance.corrections_page"))


# -- the monthly 考勤表 and a worker's own page ------------------------------------------

def _month_arg() -> tuple[date, str | None]:
    return clock.parse_month(request.args.get("month", ""))


def _sheet_scope():
    """(title, community ids, target) from ?community= or ?street=, else one's own unit."""
    community, street = community_from(request.args.get("community")), street_from(request.args.get("street"))
    person = current_user.person
    if community is not None:
        pass
    elif street is not None:
        require(current_user, Action.VIEW_ATTENDANCE, street)
        return street.name, [c.id for c in street.communities], street
    elif person.community is not None:
        community = person.community
    elif person.street is not None:
        street = person.street
        require(current_user, Action.VIEW_ATTENDANCE, street)
        return street.name, [c.id for c in street.communities], street
    else:
        community = db.session.scalar(select(Community).order_by(Community.id)) or abort(404)
    require(current_user, Action.VIEW_ATTENDANCE, community)
    return community.name, [community.id], community


def _street_ids(target) -> list[int]:
    return [target.id] if isinstance(target, Street) else [target.street_id]


@bp.get("/sheet")
@login_required
def sheet_page():
    name, community_ids, target = _sheet_scope()
    first, error = _month_arg()
    today = clock.today()
    this_month = first == today.replace(day=1)
    month, weekly = sheet.views(community_ids, _street_ids(target), first, today, week=this_month)
    table = month.fragment("table", lambda: render_template(
        "attendance/_sheet_table.html", sheet=month.data, row_cells=sheet.row_cells))
    street_wide = isinstance(target, Street)
    query = {"street": target.id} if street_wide else {"community": target.id}
    week = None
    if weekly is not None and weekly.data:
        week = weekly.fragment("street" if street_wide else "community", lambda: render_template(
            "attendance/_week_visits.html", week=weekly.data, street=street_wide))
    return render_template("attendance/sheet.html", sheet=month.data, title=f"{name}{first.year}年{first.month}月考勤表",
                           table=table, month_error=error, query=query, week=week,
                           legend=attendance_rules.LEGEND, pending=sheet.PENDING,
                           prev=(first - timedelta(days=1)).replace(day=1),
                           next=(first + timedelta(days=32)).replace(day=1))


@bp.get("/people/<int(max=2147483647):person_id>/days/<day>")
@login_required
def day_detail(person_id: int, day: str):
    """A 考勤表 cell opened: the person's result that day and the day's events, those
    sent later from a phone without a connection marked 离线补传. The person's own day,
    or a day of someone whose 考勤表 the reader may see (where they belonged that day)."""
    person = db.session.get(Person, person_id) or abort(404)
    moment = clock.parse_date(day) if len(day) == 10 else None
    if moment is None:
        abort(404)
    detail = sheet.day_detail(person, moment)
    if not (person.id == current_user.person_id and can(current_user, Action.REQUEST_CORRECTION)):
        community = db.session.get(Community, detail.community_id) if detail.community_id else None
        require(current_user, Action.VIEW_ATTENDANCE, community)
    return render_template("attendance/day.html", person=person, detail=detail,
                           community=db.session.get(Community, detail.community_id) if detail.community_id else None,
                           own=person.id == current_user.person_id)


@bp.get("/sheet.xlsx")
@login_required
def sheet_xlsx():
    name, community_ids, target = _sheet_scope()
    first, _error = _month_arg()
    title = f"{name}{first.year}年{first.month}月考勤表"
    month, _week = sheet.views(community_ids, _street_ids(target), first)
    return send_file(sheet.workbook(month.data, title), as_attachment=True, download_name=f"{title}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/me")
@login_required
def me():
    """A worker's own 考勤: today, this week's 入户 against the target, this month."""
    require(current_user, Action.REQUEST_CORRECTION)
    person = current_user.person
    today = clock.today()
    so_far = sheet.today_so_far(person, today)
    month, calendar_missing = sheet.person_span(person, today.replace(day=1), today, today)
    results = [cell for _day, cell in month if cell is not None]
    return render_template("attendance/me.html", person=person, todays=so_far.events, patrols=so_far.patrols,
                           week=so_far.week, calendar_missing=calendar_missing,
                           schedule=so_far.schedule, month=month, summary=attendance_rules.month_summary(results),
                           summary_text=sheet.summary_text, cell_text=sheet.cell_text,
                           columns=attendance_rules.SUMMARY_COLUMNS)
