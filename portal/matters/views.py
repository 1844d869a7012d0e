"""事项 pages: my matters, registering one (记一件事), a matter and its loop, a
community's and a 街镇's matters, 上级交办, the export and the settings."""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from portal import clock, uploads
from portal.auth.policy import Action, can, require
from portal.errors import FieldErrors
from portal.extensions import db
from portal.guide import sheets as notice_sheets
from portal.htmx import render
from portal.matters import forms, lists, loop, rules, settings
from portal.matters.models import Matter, MatterPhoto
from portal.org.models import Community, Street
from portal.text import masked_phone

bp = Blueprint("matters", __name__, url_prefix="/matters")
MATTER = "/<int(max=2147483647):matter_id>"
COMMUNITY = "/communities/<int(max=2147483647):community_id>"
STREET = "/streets/<int(max=2147483647):street_id>"


def _matter(matter_id: int) -> Matter:
    matter = db.session.get(Matter, matter_id) or abort(404)
    require(current_user, Action.VIEW_MATTER, matter)
    return matter


@bp.get("/")
@login_required
def mine():
    require(current_user, Action.VIEW_MATTERS)
    person = current_user.person
    return render("matters/mine.html", matters=lists.mine(person), now=clock.now(), masked=masked_phone,
                  may_register=can(current_user, Action.REGISTER_MATTER))


def _new_page(form=None, errors=None, status=200):
    person = current_user.person
    community = person.community
    running = rules.running_event(person)
    return render("matters/new.html", status=status, community=community, kinds=rules.kinds(),
                  urgencies=rules.urgencies(), form=form or {"grid_id": str(person.grid_id or ""),
                                                             "urgency_id": str(rules.urgencies()[-1].id)},
                  errors=errors or {}, running=running, max_photos=rules.MAX_PHOTOS)


@bp.get("/new")
@login_required
def new():
    require(current_user, Action.REGISTER_MATTER, current_user.person.community)
    return _new_page()


@bp.post("/new")
@login_required
def new_POST():
    require(current_user, Action.REGISTER_MATTER, current_user.person.community)
    try:
        matter = rules.register(current_user, current_user.person.community, forms.matter_input(request.form),
                                forms.photos(request.files))
    except FieldErrors as error:
        db.session.rollback()
        return _new_page(request.form, error.errors, 400)
    db.session.commit()
    flash(f"已登记事项 {matter.number}，请在期限 {clock.format_datetime(matter.due_at)} 前办结。", "success")
    return redirect(url_for("matters.detail", matter_id=matter.id))


def _detail_page(matter: Matter, errors=None, status=200, failed=None):
    may_handle = can(current_user, Action.HANDLE_MATTER, matter)
    may_direct = can(current_user, Action.DIRECT_MATTER, matter)
    people = lists.assignable(matter.community_id) if may_direct else []
    return render("matters/detail.html", status=status, matter=matter, now=clock.now(),
                  steps=loop.available(matter, may_handle, may_direct, rules.settings().verify_required),
                  labels=loop.STEP_LABELS,
                  shows_phone=can(current_user, Action.VIEW_MATTER_PHONE, matter), masked=masked_phone,
                  people=people, errors=errors or {}, failed=failed, form=request.form,
                  may_add_photo=may_handle and matter.status.open and len(matter.photos) < rules.MAX_PHOTOS,
                  sheets=notice_sheets.for_matter(matter.id),
                  sees_sheets=can(current_user, Action.VIEW_NOTICE_SHEETS, matter.community),
                  may_issue_sheet=current_user.person.community_id == matter.community_id
                  and can(current_user, Action.ISSUE_NOTICE_SHEET, matter.community))


@bp.get(MATTER)
@login_required
def detail(matter_id: int):
    return _detail_page(_matter(matter_id))


@bp.post(MATTER + "/step")
@login_required
def step_POST(matter_id: int):
    matter = _matter(matter_id)
    name = request.form.get("step", "")
    action = Action.DIRECT_MATTER if name in loop.HEAD_STEPS else Action.HANDLE_MATTER
    require(current_user, action, matter)
    try:
        loop.step(current_user, matter, name, loop.parse_version(request.form.get("version")), request.form)
    except FieldErrors as error:
        db.session.rollback()
        status = 409 if isinstance(error, loop.Conflict) else 400
        return _detail_page(db.session.get(Matter, matter_id), error.errors, status, failed=name)
    db.session.commit()
    flash(f"{matter.number}：已{loop.STEP_LABELS[loop._past(name)]}。", "success")
    return redirect(url_for("matters.detail", matter_id=matter.id))


@bp.post(MATTER + "/photos")
@login_required
def photo_POST(matter_id: int):
    matter = _matter(matter_id)
    require(current_user, Action.HANDLE_MATTER, matter)
    chosen = forms.photos(request.files)
    try:
        if not chosen:
            raise FieldErrors.on("photo", "请选择照片。")
        for filename, data in chosen:
            rules.add_photo(current_user, matter, filename, data)
    except FieldErrors as error:
        db.session.rollback()
        return _detail_page(db.session.get(Matter, matter_id), error.errors, 400, failed="photo")
    db.session.commit()
    flash(f"已上传 {len(chosen)} 张照片。", "success")
    return redirect(url_for("matters.detail", matter_id=matter.id))


@bp.get("/photos/<int(max=2147483647):photo_id>")
@login_required
def photo(photo_id: int):
    row = db.session.get(MatterPhoto, photo_id) or abort(404)
    require(current_user, Action.VIEW_MATTER, db.session.get(Matter, row.matter_id))
    if request.args.get("size") == "thumb":
        path, mimetype = uploads.thumbnail_path(rules.PHOTO_KIND, row.stored_name), "image/jpeg"
    else:
        path, mimetype = uploads.path_of(rules.PHOTO_KIND, row.stored_name), row.content_type
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=mimetype, download_name=row.original_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _month():
    first, problem = clock.parse_month(request.args.get("month"))
    return first, problem


@bp.get(COMMUNITY)
@login_required
def community(community_id: int):
    community = db.session.get(Community, community_id) or abort(404)
    require(current_user, Action.VIEW_MATTERS, community)
    first, problem = _month()
    now = clock.now()
    grids = lists.by_grid(community, first, now)
    return render("matters/community.html", community=community, matters=lists.open_in(community.id, now=now),
                  grids=grids, total=lists.totals(grids), workers=lists.by_worker(community.id, first, now),
                  month=first, problem=problem, now=now, masked=masked_phone)


@bp.get(COMMUNITY + "/export.xlsx")
@login_required
def community_export(community_id: int):
    community = db.session.get(Community, community_id) or abort(404)
    require(current_user, Action.VIEW_MATTERS, community)
    first, _ = _month()
    _, after = lists.month_bounds(first)
    data = lists.export([community.id], first, after.fromordinal(after.toordinal() - 1))
    return _xlsx(data, f"{community.name}事项{first:%Y-%m}.xlsx")


def _xlsx(data: bytes, name: str):
    from io import BytesIO

    response = send_file(BytesIO(data), download_name=name, as_attachment=True,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _street_page(street: Street, form=None, errors=None, status=200):
    first, problem = _month()
    now = clock.now()
    rows = lists.by_community(street.id, first, now)
    return render("matters/street.html", status=status, street=street, rows=rows,
                  total=lists.totals([t for _c, t in rows]), matters=lists.open_in(street_id=street.id, now=now),
                  month=first, problem=problem, now=now, masked=masked_phone,
                  may_assign=can(current_user, Action.ASSIGN_FROM_ABOVE, street),
                  kinds=rules.kinds(from_above=True), urgencies=rules.urgencies(), form=form or {},
                  errors=errors or {}, today=clock.today(),
                  staff=lists.staff_of(street.id) if can(current_user, Action.ASSIGN_FROM_ABOVE, street) else [])


@bp.get(STREET)
@login_required
def street(street_id: int):
    street = db.session.get(Street, street_id) or abort(404)
    require(current_user, Action.VIEW_MATTERS, street)
    return _street_page(street)


@bp.post(STREET + "/assign")
@login_required
def assign_POST(street_id: int):
    street = db.session.get(Street, street_id) or abort(404)
    require(current_user, Action.ASSIGN_FROM_ABOVE, street)
    raw = (request.form.get("community_id") or "").strip()
    community = next((c for c in street.communities if str(c.id) == raw), None)
    try:
        matter = loop.assign_from_above(current_user, community, request.form.get("person_id"),
                                        forms.matter_input(request.form), request.form.get("deadline"))
    except FieldErrors as error:
        db.session.rollback()
        return _street_page(street, request.form, error.errors, 400)
    db.session.commit()
    flash(f"已交办 {matter.number} 给{community.name}。", "success")
    return redirect(url_for("matters.street", street_id=street.id))


@bp.get("/overview")
@login_required
def overview():
    """Where a leader's 事项 entry leads: their community's or street's page."""
    person = current_user.person
    if person.community_id is not None and can(current_user, Action.VIEW_MATTERS, person.community):
        return redirect(url_for("matters.community", community_id=person.community_id))
    if person.street_id is not None and can(current_user, Action.VIEW_MATTERS, person.street):
        return redirect(url_for("matters.street", street_id=person.street_id))
    if can(current_user, Action.VIEW_MATTERS, person.street) or person.position.level.value == "district":
        streets = db.session.query(Street).order_by(Street.sort_order).all()
        return render_template("matters/streets.html", streets=streets)
    if can(current_user, Action.VIEW_MATTERS):
        return redirect(url_for("matters.mine"))
    abort(403)


def _settings_page(errors=None, status=200):
    return render("matters/settings.html", status=status, row=rules.settings(), urgencies=rules.urgencies(),
                  kinds=rules.kinds(from_above=None), errors=errors or {}, form=request.form)


@bp.get("/settings")
@login_required
def settings_page():
    require(current_user, Action.MANAGE_MATTER_SETTINGS)
    return _settings_page()


@bp.post("/settings")
@login_required
def settings_POST():
    require(current_user, Action.MANAGE_MATTER_SETTINGS)
    try:
        settings.save(current_user, request.form)
    except FieldErrors as error:
        db.session.rollback()
        return _settings_page(error.errors, 400)
    db.session.commit()
    flash("事项设置已保存，新登记的事项按新的时限计算。", "success")
    return redirect(url_for("matters.settings_page"))
