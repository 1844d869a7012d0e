"""请假 and 销假 pages: my leave, the request form, the approval queue, a request,
the community's month, a person's history, the export, and the admin settings."""
from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import clock, halfday
from portal.auth.policy import Action, can, require
from portal.errors import FieldErrors
from portal.extensions import db
from portal.htmx import is_htmx, render
from portal.leave import behalf, export, files, rules
from portal.leave import cover as cover_rules
from portal.leave.forms import BehalfLeaveForm, DecisionForm, LeaveForm, ReturnForm, RevokeForm
from portal.leave.models import LeaveRequest, LeaveStatus, LeaveType
from portal.org.models import Community
from portal.people.models import Person
from portal.text import choice

bp = Blueprint("leave", __name__, url_prefix="/leave")
LEAVE = "/<int(max=2147483647):leave_id>"
PERSON = "/people/<int(max=2147483647):person_id>"


@bp.app_template_filter("days")
def format_days(value) -> str:
    """2.0 → 2, 0.5 → 0.5: days as people write them."""
    if value is None:
        return ""
    text = f"{value:f}" if hasattr(value, "is_finite") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _leave(leave_id: int) -> LeaveRequest:
    leave = db.session.get(LeaveRequest, leave_id) or abort(404)
    require(current_user, Action.VIEW_LEAVE, leave)
    return leave


@bp.get("/")
@login_required
def mine():
    require(current_user, Action.REQUEST_LEAVE)
    person = current_user.person
    return render_template("leave/mine.html", requests=rules.my_requests(person.id),
                           balance=rules.annual_balance(person), now=clock.now(), rules=rules)


def _form_page(form, result=None, status=200, person=None):
    """The request form: one's own, or 代请假 for `person` (their balance, their name)."""
    return render("leave/new.html", status=status, form=form, preview=result, behalf=person,
                  balance=rules.annual_balance(person or current_user.person))


@bp.get("/new")
@login_required
def new():
    require(current_user, Action.REQUEST_LEAVE)
    form = LeaveForm(formdata=None)
    form.set_types(rules.active_types())
    return _form_page(form)


@bp.get("/preview")
@login_required
def preview():
    """The cost of the request being typed: working days and the balance after."""
    require(current_user, Action.REQUEST_LEAVE)
    form = LeaveForm(request.args, meta={"csrf": False})
    form.set_types(rules.active_types())
    data = form.to_input()
    if data.type_id is None or data.start_date is None or data.end_date is None:
        return render("leave/new.html", block="preview", preview=None, form=form)
    result = rules.preview(current_user.person, data, current_app.config)
    return render("leave/new.html", block="preview", preview=result, form=form)


@bp.post("/new")
@login_required
def new_POST():
    require(current_user, Action.REQUEST_LEAVE)
    form = LeaveForm()
    form.set_types(rules.active_types())
    return _file(form, current_user.person)


def _file(form, person):
    """Check, store the attachment, submit: one's own request, or 代请假 for `person`."""
    behalf_person = person if person.id != current_user.person_id else None
    data = form.to_input()
    if not form.validate():
        return _form_page(form, status=400, person=behalf_person)
    if request.form.get("action") == "preview":
        return _form_page(form, rules.preview(person, data, current_app.config), person=behalf_person)
    upload = request.files.get("attachment")
    stored = None
    behalf_reason = form.behalf_reason.data if behalf_person is not None else None
    errors = {**rules.check_text(data), **(behalf.check_reason(behalf_reason) if behalf_person else {})}
    result = rules.preview(person, data, current_app.config)
    errors.update(result.errors)
    if upload is not None and upload.filename:
        try:
            content = upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
            files.check(upload.filename, content, current_app.config["UPLOAD_MAX_BYTES"])
        except FieldErrors as error:
            errors["attachment"] = str(error)
    if errors:
        form.show_errors(errors)
        return _form_page(form, result, status=400, person=behalf_person)
    if upload is not None and upload.filename:
        stored = files.store(upload.filename, content, current_app.config["UPLOAD_MAX_BYTES"])
    try:
        leave = rules.submit(current_user, person, data, current_app.config, attachment=stored,
                             behalf_reason=behalf_reason)
    except FieldErrors as error:
        db.session.rollback()
        form.show_errors(error.errors)
        return _form_page(form, result, status=400, person=behalf_person)
    db.session.commit()
    whose = f"已为{person.name}提交" if behalf_person else "已提交"
    flash(f"{whose}{leave.leave_type.name}申请（{format_days(leave.days)} 个工作日），等待审批。", "success")
    return redirect(url_for("leave.detail", leave_id=leave.id))


# -- 代请假 (portal.leave.behalf) ------------------------------------------------------

def _behalf_person(person_id: int) -> Person:
    person = db.session.get(Person, person_id) or abort(404)
    require(current_user, Action.FILE_LEAVE_FOR, person, explanation=behalf.REFUSED)
    return person


@bp.get("/behalf")
@login_required
def behalf_people():
    """Whom the 书记/站长 may file leave for: the people of their community."""
    require(current_user, Action.FILE_LEAVE_FOR, explanation=behalf.REFUSED)
    return render_template("leave/behalf.html", people=behalf.people_to_file_for(current_user))


@bp.get(PERSON + "/behalf")
@login_required
def behalf_new(person_id: int):
    person = _behalf_person(person_id)
    form = BehalfLeaveForm(formdata=None)
    form.set_types(rules.active_types())
    return _form_page(form, person=person)


@bp.get(PERSON + "/behalf/preview")
@login_required
def behalf_preview(person_id: int):
    """The cost of the request being typed for the person: their days, their balance."""
    person = _behalf_person(person_id)
    form = BehalfLeaveForm(request.args, meta={"csrf": False})
    form.set_types(rules.active_types())
    data = form.to_input()
    if data.type_id is None or data.start_date is None or data.end_date is None:
        return render("leave/new.html", block="preview", preview=None, form=form, behalf=person)
    return render("leave/new.html", block="preview", preview=rules.preview(person, data, current_app.config),
                  form=form, behalf=person)


@bp.post(PERSON + "/behalf")
@login_required
def behalf_new_POST(person_id: int):
    person = _behalf_person(person_id)
    form = BehalfLeaveForm()
    form.set_types(rules.active_types())
    return _file(form, person)


def _detail(leave, status=200, **forms):
    context = {
        "leave": leave, "now": clock.now(), "rules": rules, "halfday": halfday,
        "decision_form": forms.get("decision_form") or DecisionForm(formdata=None),
        "revoke_form": forms.get("revoke_form") or RevokeForm(formdata=None),
        "return_form": forms.get("return_form") or ReturnForm(formdata=None),
        "errors": forms.get("errors") or {},
        "cover": cover_rules.covers_for([leave.id]).get(leave.id),
        "cover_candidates": None,
    }
    if (leave.status.value in ("pending", "pending_street") and cover_rules.needs_cover(leave)
            and can(current_user, Action.DECIDE_LEAVE, leave)):
        context["cover_candidates"] = cover_rules.candidates(leave)
    if can(current_user, Action.DECIDE_LEAVE, leave) or can(current_user, Action.REVOKE_LEAVE, leave):
        context["staffing"] = rules.staffing(leave, current_app.config)
        context["balance"] = rules.annual_balance(leave.person, leave.start_date.year)
    return render_template("leave/detail.html", **context), status


@bp.get(LEAVE)
@login_required
def detail(leave_id: int):
    return _detail(_leave(leave_id))


@bp.post(LEAVE + "/decide")
@login_required
def decide_POST(leave_id: int):
    leave = _leave(leave_id)
    require(current_user, Action.DECIDE_LEAVE, leave)
    form = DecisionForm()
    if not form.validate():
        return _detail(leave, 400, decision_form=form)
    approve = choice(request.form.get("decision"), "approve", "reject")
    if approve is None:
        return _detail(leave, 400, decision_form=form, errors={"decision": "请点“批准”或“驳回”。"})
    try:
        cover = cover_rules.check(leave, request.form.get("cover_id")) if approve else None
        rules.decide(current_user, leave, approve, form.comment.data)
        if cover is not None:
            cover_rules.name_cover(current_user, leave, cover)
    except FieldErrors as error:
        db.session.rollback()
        return _detail(leave, 409 if isinstance(error, rules.AlreadyDecided) else 400,
                       decision_form=form, errors=error.errors)
    db.session.commit()
    flash(("已批准" if approve else "已驳回") + f"{leave.person.name}的{leave.leave_type.name}申请。", "success")
    return redirect(url_for("leave.queue") if can(current_user, Action.VIEW_LEAVE_QUEUE)
                    else url_for("leave.detail", leave_id=leave.id))


@bp.post(LEAVE + "/withdraw")
@login_required
def withdraw_POST(leave_id: int):
    leave = _leave(leave_id)
    require(current_user, Action.WITHDRAW_LEAVE, leave)
    try:
        rules.withdraw(current_user, leave)
    except FieldErrors as error:
        db.session.rollback()
        return _detail(leave, 409, errors=error.errors)
    db.session.commit()
    flash("申请已撤回。", "success")
    return redirect(url_for("leave.mine") if leave.person_id == current_user.person_id
                    else url_for("leave.detail", leave_id=leave.id))


@bp.post(LEAVE + "/revoke")
@login_required
def revoke_POST(leave_id: int):
    leave = _leave(leave_id)
    if leave.person_id != current_user.person_id:
        require(current_user, Action.REVOKE_LEAVE, leave)
    form = RevokeForm()
    if not form.validate():
        return _detail(leave, 400, revoke_form=form)
    try:
        outcome = rules.revoke(current_user, leave, form.revoke_reason.data)
    except FieldErrors as error:
        db.session.rollback()
        return _detail(leave, 400, revoke_form=form, errors=error.errors)
    db.session.commit()
    flash("已请求撤销，等待审批人确认。" if outcome == "requested" else "已撤销该假期，余额已恢复。", "success")
    return redirect(url_for("leave.detail", leave_id=leave.id))


@bp.post(LEAVE + "/return")
@login_required
def return_POST(leave_id: int):
    leave = _leave(leave_id)
    require(current_user, Action.RECORD_RETURN, leave)
    form = ReturnForm()
    if not form.validate():
        return _detail(leave, 400, return_form=form)
    try:
        rules.record_return(current_user, leave, clock.parse_date(form.returned_date.data), form.returned_half.data)
    except FieldErrors as error:
        db.session.rollback()
        return _detail(leave, 400, return_form=form, errors=error.errors)
    db.session.commit()
    flash(f"已销假：{leave.person.name}实际请假 {format_days(leave.days_taken)} 个工作日。", "success")
    return redirect(url_for("leave.detail", leave_id=leave.id))


@bp.get(LEAVE + "/attachment")
@login_required
def attachment(leave_id: int):
    leave = _leave(leave_id)
    require(current_user, Action.VIEW_LEAVE_DETAILS, leave)
    if not leave.attachment_file:
        abort(404)
    path = files.path_of(leave.attachment_file)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=leave.attachment_type, download_name=leave.attachment_name,
                         as_attachment=leave.attachment_type == "application/pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/queue")
@login_required
def queue():
    require(current_user, Action.VIEW_LEAVE_QUEUE)
    kept = rules.approver_queue(current_user)
    lists = kept.fragment("lists", lambda: render_template("leave/_queue_lists.html", queue=kept.data))
    return render_template("leave/queue.html", lists=lists, queue_count=lambda: len(kept.data.pending))


@bp.get("/queue/badge")
@login_required
def badge():
    """The pending count in the navigation, polled; 204 while it is unchanged."""
    require(current_user, Action.VIEW_LEAVE_QUEUE)
    count = len(rules.approver_queue(current_user).data.pending)
    if is_htmx() and request.args.get("n") == str(count):
        return "", 204
    return render("leave/_badge.html", count=count)


def _month_arg() -> tuple[date, str | None]:
    return clock.parse_month(request.args.get("month", ""))


@bp.get("/communities/<int:community_id>/calendar")
@login_required
def community_calendar(community_id: int):
    community = db.session.get(Community, community_id) or abort(404)
    require(current_user, Action.VIEW_LEAVE_CALENDAR, community)
    first, error = _month_arg()
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    people = db.session.scalars(select(Person).where(Person.community_id == community.id, Person.active.is_(True))
                                .order_by(Person.id)).all()
    entries = rules.month_leave(community.id, first, last)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    cells = {}
    for entry in entries:
        for day in days:
            if entry.start_date <= day <= entry.end_date and (
                entry.status is not LeaveStatus.COMPLETED or (entry.returned_date and day < entry.returned_date)
            ):
                cells[(entry.person_id, day)] = entry
    return render_template("leave/calendar.html", community=community, first=first, days=days, people=people,
                           cells=cells, month_error=error,
                           prev=(first - timedelta(days=1)).replace(day=1), next=last + timedelta(days=1))


@bp.get("/communities/<int:community_id>/export.xlsx")
@login_required
def community_export(community_id: int):
    community = db.session.get(Community, community_id) or abort(404)
    require(current_user, Action.VIEW_LEAVE_CALENDAR, community)
    start = clock.parse_date(request.args.get("start")) or clock.today().replace(day=1)
    end = clock.parse_date(request.args.get("end")) or clock.today()
    if end < start or (end - start).days > 366:
        abort(400)
    data = export.workbook(community, start, end, rules.month_leave(community.id, start, end),
                           lambda leave: can(current_user, Action.VIEW_LEAVE_DETAILS, leave))
    name = f"{community.name}请假记录_{start.isoformat()}_{end.isoformat()}.xlsx"
    return send_file(data, download_name=name, as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/people/<int:person_id>")
@login_required
def person_history(person_id: int):
    person = db.session.get(Person, person_id) or abort(404)
    if person.id != current_user.person_id:
        require(current_user, Action.VIEW_LEAVE_CALENDAR, person)
    return render_template("leave/history.html", person=person, requests=rules.my_requests(person.id),
                           balance=rules.annual_balance(person), rules=rules, now=clock.now())


@bp.get("/types")
@login_required
def types():
    require(current_user, Action.MANAGE_LEAVE)
    all_types = db.session.scalars(select(LeaveType).order_by(LeaveType.sort_order)).all()
    return render_template("leave/types.html", types=all_types)


FLAGS = ("advance_required", "uses_balance", "document_expected", "counts_holidays", "active")


@bp.post("/types/<int:type_id>")
@login_required
def type_POST(type_id: int):
    require(current_user, Action.MANAGE_LEAVE)
    leave_type = db.session.get(LeaveType, type_id) or abort(404)
    rules.update_type(current_user, leave_type, {flag: request.form.get(flag) == "on" for flag in FLAGS})
    db.session.commit()
    flash(f"已保存“{leave_type.name}”的规则。", "success")
    return redirect(url_for("leave.types"))


@bp.post("/entitlements")
@login_required
def entitlement_POST():
    require(current_user, Action.MANAGE_LEAVE)
    username = (request.form.get("username") or "").strip().lower()[:64]
    from portal.auth.models import Account

    # A control character names nobody (and PostgreSQL refuses NUL in a query).
    known = username and username.isprintable()
    account = db.session.scalar(select(Account).where(Account.username == username)) if known else None
    year_text = request.form.get("year", "")
    errors = {}
    if account is None:
        errors["username"] = "找不到该用户名。"
    if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4):
        errors["year"] = "年份应为四位数字。"
    if not errors:
        try:
            rules.set_entitlement(current_user, account.person, int(year_text), request.form.get("days", ""),
                                  request.form.get("reason", ""))
        except FieldErrors as error:
            errors = error.errors
    if errors:
        db.session.rollback()
        all_types = db.session.scalars(select(LeaveType).order_by(LeaveType.sort_order)).all()
        return render_template("leave/types.html", types=all_types, errors=errors, values=request.form), 400
    db.session.commit()
    flash(f"已核定{account.person.name}{year_text}年的年休假天数。", "success")
    return redirect(url_for("leave.types"))


# -- 年休假一览 (portal.leave.entitlements) ---------------------------------------------

def _entitlement_scope(community_id: int) -> tuple[Community, int, str | None]:
    from portal.leave import entitlements

    community = db.session.get(Community, community_id) or abort(404)
    require(current_user, Action.VIEW_ENTITLEMENTS, community)
    year, error = entitlements.parse_year(request.args.get("year"), clock.today())
    return community, year, error


@bp.get("/communities/<int:community_id>/entitlements")
@login_required
def community_entitlements(community_id: int):
    from portal.leave import entitlements

    community, year, error = _entitlement_scope(community_id)
    return render_template("leave/entitlements.html", community=community, year=year, year_error=error,
                           rows=entitlements.community_year(community, year),
                           first_year=entitlements.FIRST_YEAR, last_year=entitlements.LAST_YEAR)


@bp.get("/communities/<int:community_id>/entitlements.xlsx")
@login_required
def community_entitlements_xlsx(community_id: int):
    from portal.leave import entitlements

    community, year, _error = _entitlement_scope(community_id)
    data = entitlements.workbook(community, year, entitlements.community_year(community, year))
    return send_file(data, download_name=f"{community.name}{year}年年休假一览.xlsx", as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
