"""Administration: people and accounts, roster import, audit log.

Thin views: parse the form, call the rules, render. Every view asks the policy
first; every refusal rolls the session back so nothing half-done is written.
"""
import json
from io import BytesIO
from math import ceil

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from portal import clock
from portal.admin import people as people_rules
from portal.admin import roster, roster_import
from portal.admin.forms import NewPersonForm, PeopleFilterForm, PersonForm, to_id
from portal.auth import rules as auth_rules
from portal.auth.models import Account
from portal.auth.policy import ON_THE_BOARD, Action, require
from portal.errors import FieldErrors
from portal.extensions import db
from portal.htmx import render
from portal.leave import entitlements
from portal.org.models import Community, Grid, Street
from portal.people.models import Person, Position

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50
PERSON = "/people/<int(max=2147483647):person_id>"
CONFLICT = "保存时数据已被他人修改（例如用户名或网格刚被占用），请检查后重新提交。"


def actor() -> Account:
    return current_user._get_current_object()


def page_number(raw: str | None) -> int:
    text = (raw or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 6:
        return max(1, int(text))
    return 1


def person_or_404(person_id: int) -> Person:
    return db.session.get(Person, person_id) or abort(404)


@bp.app_template_filter("compact_json")
def compact_json(value) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


# -- people -------------------------------------------------------------------

@bp.get("/people")
@login_required
def people():
    require(current_user, Action.MANAGE_PEOPLE)
    filters = PeopleFilterForm(request.args)
    values = filters.values()
    conditions = []
    if values["street_id"]:
        conditions.append(Person.street_id == values["street_id"])
    if values["community_id"]:
        conditions.append(Person.community_id == values["community_id"])
    if values["position"]:
        conditions.append(Person.position == values["position"])
    if values["status"]:
        conditions.append(Person.active.is_(values["status"] == "active"))
    if values["q"]:
        conditions.append(or_(Person.name.contains(values["q"], autoescape=True),
                              Account.username.contains(values["q"].lower(), autoescape=True)))
    total = db.session.scalar(
        select(func.count(Person.id)).select_from(Person).outerjoin(Person.account).where(*conditions))
    pages = max(1, ceil(total / PAGE_SIZE))
    page = min(page_number(request.args.get("page")), pages)
    # One query for the page: account, street, community and grid come along (no N+1).
    rows = db.session.scalars(
        select(Person)
        .outerjoin(Person.account).outerjoin(Person.street).outerjoin(Person.community).outerjoin(Person.grid)
        .options(contains_eager(Person.account), contains_eager(Person.street),
                 contains_eager(Person.community), contains_eager(Person.grid))
        .where(*conditions)
        .order_by(func.coalesce(Street.sort_order, 0), func.coalesce(Community.sort_order, 0),
                  people_rules.POSITION_RANK, func.coalesce(Grid.number, 0), Person.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    params = {key: (value.value if isinstance(value, Position) else value)
              for key, value in values.items() if value}
    scope = {key: params[key] for key in ("community_id", "street_id") if key in params}
    export = {"community": scope["community_id"]} if "community_id" in scope else \
        {"street": scope["street_id"]} if "street_id" in scope else {}
    return render("admin/people.html", block="results", filters=filters, people=rows, total=total,
                  page=page, pages=pages, params=params, export=export)


def _render_person_form(form, person=None, problems=(), status=200):
    self_edit = person is not None and person.id == actor().person_id
    annual = None
    if person is not None and person.position in ON_THE_BOARD:
        annual = entitlements.person_year(person, clock.today().year)
    return render_template("admin/person_form.html", form=form, person=person, problems=list(problems),
                           self_edit=self_edit, annual=annual), status


@bp.get("/people/new")
@login_required
def person_new():
    require(current_user, Action.MANAGE_PEOPLE)
    return _render_person_form(NewPersonForm())


@bp.post("/people/new")
@login_required
def person_new_POST():
    require(current_user, Action.MANAGE_PEOPLE)
    form = NewPersonForm()
    valid = form.validate()
    data = form.to_input()
    if valid:
        try:
            person = people_rules.create_person(actor(), data, form.password.data)
            db.session.commit()
        except FieldErrors as error:
            db.session.rollback()
            problems = form.add_errors(error.errors)
        except IntegrityError:
            db.session.rollback()
            problems = [CONFLICT]
        else:
            flash(f"已新增{person.position.label}{person.name}，用户名 {person.account.username}。"
                  "请把初始密码当面交给本人，并提醒其登录后修改密码。", "success")
            return redirect(url_for("admin.person_edit", person_id=person.id), 303)
    else:
        # Show the rules' messages for the other fields too, in one round.
        data = people_rules.normalise(data)
        errors, _ = people_rules.check(data)
        if "password" not in form.errors and (problem := auth_rules.password_problem(form.password.data or "",
                                                                                     data.username)):
            errors["password"] = problem
        db.session.rollback()
        problems = form.add_errors(errors)
    return _render_person_form(form, problems=problems, status=400)


@bp.get(PERSON + "/edit")
@login_required
def person_edit(person_id: int):
    require(current_user, Action.MANAGE_PEOPLE)
    person = person_or_404(person_id)
    return _render_person_form(PersonForm.for_person(person), person)


@bp.post(PERSON + "/edit")
@login_required
def person_edit_POST(person_id: int):
    require(current_user, Action.MANAGE_PEOPLE)
    person = person_or_404(person_id)
    form = PersonForm()
    valid = form.validate()
    data = form.to_input()
    if valid:
        try:
            people_rules.update_person(actor(), person, data)
            db.session.commit()
        except FieldErrors as error:
            db.session.rollback()
            problems = form.add_errors(error.errors)
        except IntegrityError:
            db.session.rollback()
            problems = [CONFLICT]
        else:
            flash(f"已保存{person.name}的信息。", "success")
            return redirect(url_for("admin.person_edit", person_id=person.id), 303)
    else:
        errors, _ = people_rules.check(people_rules.normalise(data), person)
        db.session.rollback()
        problems = form.add_errors(errors)
    return _render_person_form(form, person, problems, status=400)


@bp.post(PERSON + "/deactivate")
@login_required
def person_deactivate_POST(person_id: int):
    require(current_user, Action.MANAGE_PEOPLE)
    person = person_or_404(person_id)
    grid = str(person.grid) if person.grid else None
    try:
        people_rules.deactivate_person(actor(), person)
        db.session.commit()
    except FieldErrors as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message, "error")
    else:
        freed = f"原负责的{grid}已空出，可安排新的网格员。" if grid else ""
        flash(f"已停用{person.name}：不能再登录，已登录的设备均已退出。{freed}", "success")
    return redirect(url_for("admin.person_edit", person_id=person_id), 303)


@bp.post(PERSON + "/activate")
@login_required
def person_activate_POST(person_id: int):
    require(current_user, Action.MANAGE_PEOPLE)
    person = person_or_404(person_id)
    people_rules.activate_person(actor(), person)
    db.session.commit()
    no_grid = person.position is Position.GRID_WORKER and person.grid_id is None
    again = "停用时原网格已空出，请在下方重新填写网格号。" if no_grid else ""
    flash(f"已恢复{person.name}的账号，可以重新登录。{again}", "success")
    return redirect(url_for("admin.person_edit", person_id=person_id), 303)


@bp.post(PERSON + "/reset-password")
@login_required
def person_reset_password_POST(person_id: int):
    require(current_user, Action.RESET_PASSWORD)
    person = person_or_404(person_id)
    if person.account is None:
        flash(f"{person.name}没有账号，无法重置密码。", "error")
        return redirect(url_for("admin.person_edit", person_id=person_id), 303)
    if person.id == actor().person_id:
        flash("不能重置自己的密码，请通过“修改密码”更改。", "error")
        return redirect(url_for("admin.person_edit", person_id=person_id), 303)
    password = people_rules.reset_password(actor(), person.account)
    db.session.commit()
    # Shown once on this page: not flashed (it would sit in the session cookie), not in a URL.
    return render_template("admin/password_reset.html", person=person, password=password)


# -- roster -------------------------------------------------------------------

def _roster_page(problems=(), status=200):
    return render_template("admin/roster_import.html", problems=list(problems), headers=roster.HEADERS,
                           positions=list(Position), max_rows=roster.MAX_ROWS,
                           max_mb=roster.MAX_BYTES // (1024 * 1024)), status


@bp.get("/roster/import", endpoint="roster_import")
@login_required
def roster_import_page():
    require(current_user, Action.IMPORT_ROSTER)
    return _roster_page()


@bp.get("/roster/template.xlsx")
@login_required
def roster_template():
    require(current_user, Action.IMPORT_ROSTER)
    return send_file(BytesIO(roster.template_workbook()), mimetype=roster.XLSX_MIMETYPE,
                     as_attachment=True, download_name="花名册模板.xlsx")


@bp.get("/roster/export.xlsx")
@login_required
def roster_export():
    """The 花名册 of ?community=, ?street= or (no scope) the whole district."""
    community_arg, street_arg = request.args.get("community"), request.args.get("street")
    community = street = None
    if community_arg:
        community = db.session.get(Community, to_id(community_arg) or 0) or abort(404)
    elif street_arg:
        street = db.session.get(Street, to_id(street_arg) or 0) or abort(404)
    scope = community or street
    require(current_user, Action.EXPORT_ROSTER, scope)
    name = scope.name if scope is not None else "青山区"
    return send_file(BytesIO(roster.export_workbook(roster.people_of(street, community))),
                     mimetype=roster.XLSX_MIMETYPE, as_attachment=True,
                     download_name=roster.export_name(name, clock.today()))


@bp.post("/roster/import")
@login_required
def roster_import_POST():
    """Step 1: check and compare; the changes are shown before anything is written."""
    require(current_user, Action.IMPORT_ROSTER)
    upload = request.files.get("file")
    data = upload.stream.read(roster.MAX_BYTES + 1) if upload else b""
    try:
        kept, plan = roster_import.upload(actor(), upload.filename if upload else None, data)
        db.session.commit()
    except FieldErrors as error:
        db.session.rollback()
        return _roster_page(error.all(), 400)
    if kept is None:
        return render_template("admin/roster_preview.html", plan=plan, kept=None)
    return redirect(url_for("admin.roster_preview", token=kept.token), 303)


@bp.get("/roster/import/<token>")
@login_required
def roster_preview(token: str):
    require(current_user, Action.IMPORT_ROSTER)
    kept = roster_import.stored(actor(), token)
    if kept is None:
        return _roster_page([roster_import.EXPIRED], 404)
    try:
        plan = roster_import.preview(actor(), kept)
    except FieldErrors as error:
        db.session.rollback()
        return _roster_page(error.all(), 409)
    return render_template("admin/roster_preview.html", plan=plan, kept=kept,
                           changed_since=plan.digest != kept.plan_digest)


@bp.post("/roster/import/<token>/apply")
@login_required
def roster_apply_POST(token: str):
    """Step 2: exactly the changes shown, or nothing."""
    require(current_user, Action.IMPORT_ROSTER)
    kept = roster_import.stored(actor(), token)
    if kept is None:
        db.session.rollback()
        return _roster_page([roster_import.EXPIRED], 404)
    try:
        result = roster_import.apply(actor(), kept, request.form.get("plan"))
        db.session.commit()
    except roster_import.StalePreview as stale:
        db.session.rollback()
        return render_template("admin/roster_preview.html", plan=stale.plan, kept=kept,
                               problems=stale.all()), 409
    except FieldErrors as error:
        db.session.rollback()
        return _roster_page(error.all(), 400)
    except IntegrityError:
        db.session.rollback()
        return _roster_page(["导入时数据已被他人修改（例如用户名或网格刚被占用），没有写入任何数据，请重新上传。"], 409)
    return render_template("admin/roster_result.html", result=result)


# -- audit --------------------------------------------------------------------

@bp.get("/audit")
@login_required
def audit_log():
    """The old address of the audit viewer (now audit.log), filters kept."""
    from portal.audit.views import viewer_street

    viewer_street()  # 403 for those who may not read the log
    return redirect(url_for("audit.log", **request.args.to_dict()))
