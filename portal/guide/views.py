"""办事指南 pages: search and items, their versions and local contacts, the 一次性告知单
and its register, the 便民服务手册, and the hall screen's information area."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.auth.policy import Action, can, require
from portal.errors import FieldErrors
from portal.extensions import db
from portal.guide import forms, hall, rules, sheets
from portal.guide.models import NoticeSheet, ServiceItem
from portal.htmx import render
from portal.matters.models import Matter
from portal.org.models import Community

bp = Blueprint("guide", __name__, url_prefix="/guide")
ITEM = "/items/<int(max=2147483647):item_id>"
COMMUNITY = "/communities/<int(max=2147483647):community_id>"


def _item(item_id: int, action: Action = Action.VIEW_GUIDE) -> ServiceItem:
    item = db.session.get(ServiceItem, item_id)
    if item is None or not item.active:
        abort(404)
    require(current_user, action, item)
    return item


def _own_community(action: Action) -> Community:
    """The actor's own community, for what is done at its desk (403 for anyone without one)."""
    community = current_user.person.community
    require(current_user, action, community)
    return community


def _community(community_id: int, action: Action) -> Community:
    community = db.session.get(Community, community_id) or abort(404)
    require(current_user, action, community)
    return community


@bp.get("/")
@login_required
def index():
    require(current_user, Action.VIEW_GUIDE)
    community_id, street_id = rules.home_of(current_user)
    result = rules.search(request.args.get("q"), community_id, street_id)
    community = current_user.person.community
    return render("guide/index.html", block="results", result=result, scope=rules.own_scope(current_user),
                  community=community, matter=_matter_arg(community))


@bp.get("/items/new")
@login_required
def new():
    scope = rules.own_scope(current_user)
    require(current_user, Action.EDIT_GUIDE, None if scope is False else scope)
    return _form_page(None, scope, {}, {})


def _form_page(item, scope, values, errors, status=200):
    return render_template("guide/item_form.html", item=item, scope_label=rules.scope_label(scope),
                           values=values, errors=errors, fields=forms.ITEM_FIELDS), status


@bp.post("/items/new")
@login_required
def create_POST():
    scope = rules.own_scope(current_user)
    require(current_user, Action.EDIT_GUIDE, None if scope is False else scope)
    try:
        item = rules.create_item(current_user, scope, rules.read_item(request.form))
    except FieldErrors as error:
        db.session.rollback()
        return _form_page(None, scope, request.form, error.errors, 400)
    db.session.commit()
    flash(f"已添加事项“{item.name}”。", "success")
    return redirect(url_for("guide.item", item_id=item.id))


def _matter_arg(community: Community | None) -> Matter | None:
    """`?matter=` on the search and item pages: a bad one is ignored (a link, not a form)."""
    try:
        return _matter_of(request.args.get("matter"), community)
    except FieldErrors:
        return None


@bp.get(ITEM)
@login_required
def item(item_id: int):
    item = _item(item_id)
    community = current_user.person.community
    return _item_page(item, community, _matter_arg(community))


@bp.get(ITEM + "/edit")
@login_required
def edit(item_id: int):
    item = _item(item_id, Action.EDIT_GUIDE)
    return _form_page(item, rules.item_scope(item), forms.item_values(item), {})


@bp.post(ITEM + "/edit")
@login_required
def edit_POST(item_id: int):
    item = _item(item_id, Action.EDIT_GUIDE)
    known = request.form.get("version", "")
    try:
        rules.update_item(current_user, item, rules.read_item(request.form),
                          int(known) if known.isascii() and known.isdigit() and len(known) < 9 else None)
    except FieldErrors as error:
        db.session.rollback()
        return _form_page(item, rules.item_scope(item), request.form, error.errors,
                          409 if "form" in error.errors else 400)
    db.session.commit()
    flash(f"已保存“{item.name}”（第 {item.version} 版）。", "success")
    return redirect(url_for("guide.item", item_id=item.id))


@bp.get(ITEM + "/history")
@login_required
def history(item_id: int):
    item = _item(item_id)
    return render_template("guide/history.html", item=item, versions=rules.versions(item))


@bp.get(ITEM + "/local")
@login_required
def local(item_id: int):
    item = _item(item_id)
    community = _own_community(Action.SET_LOCAL_CONTACTS)
    local = rules.local_of(item, community.id)
    values = {k: getattr(local, k) for k in rules.LOCAL_FIELDS} if local else {}
    return _local_page(item, community, values, {})


def _local_page(item, community, values, errors, status=200):
    return render_template("guide/local.html", item=item, community=community, values=values, errors=errors,
                           fields=forms.LOCAL_FIELDS), status


@bp.post(ITEM + "/local")
@login_required
def local_POST(item_id: int):
    item = _item(item_id)
    community = _own_community(Action.SET_LOCAL_CONTACTS)
    try:
        rules.set_local(current_user, item, community, rules.read_local(request.form))
    except FieldErrors as error:
        db.session.rollback()
        return _local_page(item, community, request.form, error.errors, 400)
    db.session.commit()
    flash(f"已保存{community.name}办理“{item.name}”的地点和联系人。", "success")
    return redirect(url_for("guide.item", item_id=item.id))


def _matter_of(raw: str | None, community: Community | None) -> Matter | None:
    """The 便民服务事项 a sheet is issued for (`?matter=` or the form's `matter`): none
    when left empty; FieldErrors unless it is a matter of the desk's community that
    the clerk may see."""
    raw = (raw or "").strip()
    if not raw:
        return None
    matter = db.session.get(Matter, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    if (matter is None or community is None or matter.community_id != community.id
            or not can(current_user, Action.VIEW_MATTER, matter)):
        raise FieldErrors.on("matter", "所选事项不存在，或不是本社区您可以查看的事项。")
    return matter


def _item_page(item, community, matter=None, errors=None, status=200):
    return render_template("guide/item.html", item=item, contact=rules.contact(item, community),
                           community=community, matter=matter,
                           may_issue=community is not None and can(current_user, Action.ISSUE_NOTICE_SHEET, community),
                           may_local=community is not None and can(current_user, Action.SET_LOCAL_CONTACTS, community),
                           may_edit=can(current_user, Action.EDIT_GUIDE, item), errors=errors or {}), status


@bp.post(ITEM + "/sheets")
@login_required
def issue_POST(item_id: int):
    item = _item(item_id)
    community = _own_community(Action.ISSUE_NOTICE_SHEET)
    matter = None
    try:
        matter = _matter_of(request.form.get("matter"), community)
        sheet = sheets.issue(current_user, item, community, request.form.get("resident"),
                             matter.id if matter else None)
    except FieldErrors as error:
        db.session.rollback()
        return _item_page(item, community, matter, error.errors, 400)
    db.session.commit()
    flash(f"告知单 {sheet.serial} 已登记，请打印交给群众。", "success")
    return redirect(url_for("guide.sheet", sheet_id=sheet.id))


@bp.get("/sheets/<int(max=2147483647):sheet_id>")
@login_required
def sheet(sheet_id: int):
    sheet = db.session.get(NoticeSheet, sheet_id) or abort(404)
    require(current_user, Action.VIEW_NOTICE_SHEETS, sheet.community)
    size = "a4" if request.args.get("size") == "a4" else "a5"
    return render_template("guide/sheet.html", sheet=sheet, c=sheet.content, size=size)


@bp.get(COMMUNITY + "/sheets")
@login_required
def register(community_id: int):
    community = _community(community_id, Action.VIEW_NOTICE_SHEETS)
    return render("guide/register.html", block="sheets", community=community,
                  reg=sheets.register(community, request.args.get("q")))


@bp.get(COMMUNITY + "/handbook")
@login_required
def handbook(community_id: int):
    community = _community(community_id, Action.VIEW_GUIDE)
    return render_template("guide/handbook.html", community=community, chapters=sheets.handbook(community),
                           today=clock.today())


@bp.get(COMMUNITY + "/hall")
@login_required
def hall_info(community_id: int):
    return _hall_page(_community(community_id, Action.MANAGE_HALL_INFO))


def _hall_page(community, errors=None, values=None, status=200):
    info = hall.info_of(community.id)
    today = clock.today()
    return render_template("guide/hall_edit.html", community=community, info=info, today=today,
                           view=hall.view(community, today), notices=hall.upcoming_and_current(community.id, today),
                           staff=hall.staff_choices(community), items=rules.items_of_community(community),
                           errors=errors or {}, values=values or {}, max_featured=hall.MAX_FEATURED), status


@bp.post(COMMUNITY + "/hall")
@login_required
def hall_settings_POST(community_id: int):
    community = _community(community_id, Action.MANAGE_HALL_INFO)
    try:
        hall.save_settings(current_user, community, request.form)
    except FieldErrors as error:
        db.session.rollback()
        return _hall_page(community, error.errors, status=400)
    db.session.commit()
    flash("大屏信息已保存，显示屏将在下次刷新时更新。", "success")
    return redirect(url_for("guide.hall_info", community_id=community.id))


@bp.post(COMMUNITY + "/hall/notices")
@login_required
def notice_POST(community_id: int):
    community = _community(community_id, Action.MANAGE_HALL_INFO)
    try:
        notice = hall.add_notice(current_user, community, request.form)
    except FieldErrors as error:
        db.session.rollback()
        return _hall_page(community, error.errors, request.form, status=400)
    db.session.commit()
    flash(f"通知“{notice.title}”已发布到大屏。", "success")
    return redirect(url_for("guide.hall_info", community_id=community.id))


@bp.post(COMMUNITY + "/hall/notices/<int(max=2147483647):notice_id>/remove")
@login_required
def notice_remove_POST(community_id: int, notice_id: int):
    community = _community(community_id, Action.MANAGE_HALL_INFO)
    try:
        notice = hall.remove_notice(current_user, community, notice_id)
    except FieldErrors as error:
        db.session.rollback()
        return _hall_page(community, error.errors, status=404)
    db.session.commit()
    flash(f"通知“{notice.title}”已从大屏撤下。", "success")
    return redirect(url_for("guide.hall_info", community_id=community.id))
