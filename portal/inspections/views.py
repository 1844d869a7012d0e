"""八个统一 spot checks: inspections, 整改, 抽查, 通报, the checklist."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import charts, clock, uploads
from portal.auth.policy import Action, can, require
from portal.errors import FieldErrors
from portal.extensions import db
from portal.htmx import is_htmx, render
from portal.inspections import actions, bulletins, checklist, conduct, sampling
from portal.inspections.models import (
    SECTIONS,
    Bulletin,
    ChecklistVersion,
    CorrectiveAction,
    Inspection,
    InspectionPhoto,
    InspectionStatus,
    Objection,
    SamplingDraw,
)
from portal.org.models import Community, Street
from portal.params import street_from
from portal.people.models import Position
from portal.text import choice

bp = Blueprint("inspections", __name__, url_prefix="/inspections")


def _get(model, object_id: int):
    return db.session.get(model, object_id) or abort(404)


def _transact(change):
    """Run one state change in one transaction: (its result, None) once committed, or
    (None, the field errors) after a rollback. A change refused by scope is a 403."""
    try:
        result = change()
    except FieldErrors as error:
        db.session.rollback()
        return None, error.errors
    except PermissionError:
        db.session.rollback()
        abort(403)
    db.session.commit()
    return result, None


def _street_arg(field: str = "street") -> Street | None:
    """?street=<id>; a 街镇 leader always works in their own street."""
    person = current_user.person
    if person.position is Position.STREET_LEADER:
        return person.street
    return street_from(request.values.get(field))


def _scope_communities() -> list[Community]:
    person = current_user.person
    query = select(Community).join(Street).order_by(Street.sort_order, Community.sort_order)
    if person.position is Position.STREET_LEADER:
        query = query.where(Community.street_id == person.street_id)
    return list(db.session.scalars(query))


def _upload() -> tuple[str, bytes] | None:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)


# -- the inspector's desk ---------------------------------------------------------------

def _index_page(errors=None, status=200):
    person = current_user.person
    mine = db.session.scalars(
        select(Inspection).options(joinedload(Inspection.community)).where(Inspection.inspector_id == person.id)
        .order_by(Inspection.status, Inspection.started_at.desc()).limit(60)).all()
    return render_template("inspections/index.html", drafts=[i for i in mine if not i.submitted],
                           done=[i for i in mine if i.submitted], communities=_scope_communities(),
                           waiting=[a for a in actions.visible_to(current_user) if a.status.value == "fixed"],
                           overdue=actions.overdue_for(current_user), errors=errors or {}), status


@bp.get("/")
@login_required
def index():
    person = current_user.person
    if person.position in (Position.SECRETARY, Position.STATION_HEAD):
        return redirect(url_for("inspections.community", community_id=person.community_id))
    require(current_user, Action.INSPECT)
    return _index_page()


@bp.post("/")
@login_required
def start_POST():
    raw = request.form.get("community", "")
    community = db.session.get(Community, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    require(current_user, Action.INSPECT)
    if community is None:
        return _index_page({"community": "请选择要检查的社区。"}, 400)
    if not can(current_user, Action.INSPECT, community):
        return _index_page({"community": f"{community.name}不在您的督查范围内。"}, 403)
    inspection, errors = _transact(lambda: conduct.start(current_user, community))
    if errors is not None:
        return _index_page(errors, 400)
    return redirect(url_for("inspections.detail", inspection_id=inspection.id))


# -- one inspection ---------------------------------------------------------------------

def _inspection(inspection_id: int) -> Inspection:
    inspection = _get(Inspection, inspection_id)
    require(current_user, Action.VIEW_INSPECTION, inspection)
    return inspection


def _anchor(sheet: conduct.Sheet, slot: tuple[int, int | None] | None) -> str:
    """The page's id for an answer to give: its item's card, or the person's row below
    the first one on a per-person item; the sticky bar once everything is answered."""
    if slot is None:
        return "answer-bar"
    item_id, who = slot
    first = sheet.present[0].id if sheet.present else None
    return f"item-{item_id}" if who is None or who == first else f"item-{item_id}-{who}"


def _detail(inspection: Inspection, errors=None, status=200):
    sheet = conduct.sheet(inspection)
    editable = not inspection.submitted and can(current_user, Action.INSPECT, inspection)
    result = sheet.score() if inspection.submitted else None
    action_rows = db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.inspection_id == inspection.id)
                                     .order_by(CorrectiveAction.id)).all() if inspection.submitted else []
    return render("inspections/inspection.html", inspection=inspection, sheet=sheet, editable=editable,
                  result=result, sections=SECTIONS, staff=conduct.staff(inspection.community_id) if editable else [],
                  progress=sheet.progress(), next_anchor=_anchor(sheet, sheet.next_missing()),
                  actions=action_rows, errors=errors or {}, status=status)


@bp.get("/<int:inspection_id>")
@login_required
def detail(inspection_id: int):
    return _detail(_inspection(inspection_id))


@bp.post("/<int:inspection_id>/present")
@login_required
def present_POST(inspection_id: int):
    inspection = _inspection(inspection_id)
    require(current_user, Action.INSPECT, inspection)
    people = request.form.getlist("person")
    _, errors = _transact(lambda: conduct.set_present(current_user, inspection.id, people))
    if errors is not None:
        return _detail(_inspection(inspection_id), errors, 400)
    flash("已更新在场人员。", "success")
    return redirect(url_for("inspections.detail", inspection_id=inspection.id))


def _item_card(inspection: Inspection, item_id: int, errors=None, status=200, answered=None):
    """The item's card alone (htmx), or the whole page at the item (no script). After an
    answer (`answered`: the row just saved) the way on is the next unanswered one: the
    plain redirect goes there, and with htmx the sticky bar comes along out of band
    with the new count, naming it for portal.js to move the focus to."""
    if not is_htmx() and errors:
        return _detail(inspection, {f"item-{item_id}": errors}, 400)
    sheet = conduct.sheet(inspection)
    after = (answered.item_id, answered.person_id) if answered else None
    next_anchor = _anchor(sheet, sheet.next_missing(after)) if answered else f"item-{item_id}"
    if not is_htmx():
        return redirect(url_for("inspections.detail", inspection_id=inspection.id, _anchor=next_anchor))
    item = next((i for i in sheet.items if i.id == item_id), None)
    if item is None:
        return render("inspections/_error.html", message=(errors or {}).get("item", "检查项不存在。"), status=status)
    editable = not inspection.submitted and can(current_user, Action.INSPECT, inspection)
    return render("inspections/_item.html", inspection=inspection, sheet=sheet, item=item, editable=editable,
                  item_errors=errors or {}, answered=answered, progress=sheet.progress(), next_anchor=next_anchor,
                  status=status)


@bp.post("/<int:inspection_id>/items/<int:item_id>/answer")
@login_required
def answer_POST(inspection_id: int, item_id: int):
    inspection = _inspection(inspection_id)
    require(current_user, Action.INSPECT, inspection)
    form = request.form
    row, errors = _transact(lambda: conduct.answer(current_user, inspection.id, str(item_id), form.get("person"),
                                                   form.get("verdict", ""), form.get("note", "")))
    if errors is not None:
        return _item_card(_inspection(inspection_id), item_id,
                          {**errors, "person": request.form.get("person")}, 422)
    return _item_card(inspection, item_id, answered=row)


@bp.post("/<int:inspection_id>/items/<int:item_id>/photos")
@login_required
def photo_POST(inspection_id: int, item_id: int):
    inspection = _inspection(inspection_id)
    require(current_user, Action.INSPECT, inspection)
    upload = _upload()
    if upload is None:
        errors = {"photo": "请选择要上传的照片。"}
    else:
        _, errors = _transact(lambda: conduct.add_photo(current_user, inspection.id, str(item_id),
                                                        request.form.get("person"), *upload))
    if errors is not None:
        return _item_card(_inspection(inspection_id), item_id,
                          {**errors, "person": request.form.get("person")}, 422)
    return _item_card(inspection, item_id)


@bp.post("/<int:inspection_id>/submit")
@login_required
def submit_POST(inspection_id: int):
    inspection = _inspection(inspection_id)
    require(current_user, Action.INSPECT, inspection)
    _, errors = _transact(lambda: conduct.submit(current_user, inspection.id))
    if errors is not None:
        return _detail(_inspection(inspection_id), errors, 400)
    flash(f"检查已提交：{inspection.community.name}得分 {inspection.score if inspection.score is not None else '—'}。",
          "success")
    return redirect(url_for("inspections.detail", inspection_id=inspection.id))


@bp.get("/photos/<int:photo_id>")
@login_required
def photo(photo_id: int):
    row = _get(InspectionPhoto, photo_id)
    require(current_user, Action.VIEW_INSPECTION, row.inspection)
    if request.args.get("size") == "thumb":  # the list-sized copy
        path, mimetype = uploads.thumbnail_path(conduct.PHOTO_KIND, row.stored_name), "image/jpeg"
    else:
        path, mimetype = uploads.path_of(conduct.PHOTO_KIND, row.stored_name), row.content_type
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=mimetype, download_name=row.original_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- a community's view ----------------------------------------------------------------

@bp.get("/communities/<int:community_id>")
@login_required
def community(community_id: int):
    place = _get(Community, community_id)
    require(current_user, Action.VIEW_INSPECTION, place)
    done = db.session.scalars(
        select(Inspection).options(joinedload(Inspection.inspector)).where(
            Inspection.community_id == place.id, Inspection.status == InspectionStatus.SUBMITTED)
        .order_by(Inspection.submitted_at.desc()).limit(24)).all()
    open_actions = db.session.scalars(
        select(CorrectiveAction).options(joinedload(CorrectiveAction.item))
        .where(CorrectiveAction.community_id == place.id, CorrectiveAction.status != "verified")
        .order_by(CorrectiveAction.due_on)).all()
    scored = [i for i in reversed(done) if i.score is not None]
    trend = None
    if len(scored) >= 2:
        days = [clock.to_local(i.submitted_at).date() for i in scored]
        trend = charts.line_chart(
            "score-trend", f"{place.name}最近 {len(scored)} 次检查得分", [f"{d.month}月{d.day}日" for d in days],
            [(place.name, [float(i.score) for i in scored])], y_max=100)
    return render_template("inspections/community.html", community=place, inspections=done, actions=open_actions,
                           trend=trend, today=clock.today(), is_overdue=actions.is_overdue)


# -- 整改 --------------------------------------------------------------------------------

@bp.get("/actions")
@login_required
def action_list():
    require(current_user, Action.FOLLOW_INSPECTIONS)
    return render_template("inspections/actions.html", actions=actions.visible_to(current_user),
                           today=clock.today(), is_overdue=actions.is_overdue)


def _action_page(action: CorrectiveAction, errors=None, status=200):
    return render_template("inspections/action.html", action=action, photos=actions.photos_of(action),
                           today=clock.today(), is_overdue=actions.is_overdue, errors=errors or {},
                           can_fix=can(current_user, Action.FIX_ACTION, action),
                           can_review=can(current_user, Action.REVIEW_ACTION, action)), status


def _action(action_id: int) -> CorrectiveAction:
    action = _get(CorrectiveAction, action_id)
    require(current_user, Action.VIEW_INSPECTION, action.inspection)
    return action


@bp.get("/actions/<int:action_id>")
@login_required
def action_detail(action_id: int):
    return _action_page(_action(action_id))


@bp.post("/actions/<int:action_id>/fix")
@login_required
def action_fix_POST(action_id: int):
    action = _action(action_id)
    require(current_user, Action.FIX_ACTION, action)
    _, errors = _transact(lambda: actions.record_fix(current_user, action, request.form.get("note", ""), _upload()))
    if errors is not None:
        return _action_page(_action(action_id), errors, 400)
    flash("已提交整改情况，等待督查人员复核。", "success")
    return redirect(url_for("inspections.action_detail", action_id=action.id))


@bp.post("/actions/<int:action_id>/review")
@login_required
def action_review_POST(action_id: int):
    action = _action(action_id)
    require(current_user, Action.REVIEW_ACTION, action)
    accept = choice(request.form.get("decision"), "verify", "reopen")
    if accept is None:
        return _action_page(action, {"decision": "请点“复核通过”或“退回整改”。"}, 400)
    _, errors = _transact(lambda: actions.review(current_user, action, accept, request.form.get("note", "")))
    if errors is not None:
        return _action_page(_action(action_id), errors, 400)
    flash("已销号。" if accept else "已退回整改。", "success")
    return redirect(url_for("inspections.action_detail", action_id=action.id))


# -- 抽查 --------------------------------------------------------------------------------

def _sampling_page(form=None, errors=None, status=200):
    street = _street_arg()
    require(current_user, Action.DRAW_SAMPLE, street)
    draws = db.session.scalars(select(SamplingDraw).where(SamplingDraw.drawn_by_id == current_user.person_id)
                               .order_by(SamplingDraw.drawn_at.desc()).limit(10)).all()
    streets = db.session.scalars(select(Street).order_by(Street.sort_order)).all()
    return render_template("inspections/sampling.html", street=street, streets=streets, draws=draws,
                           form=form or {"size": checklist.settings().sample_size}, errors=errors or {},
                           names=_community_names()), status


def _community_names() -> dict[int, str]:
    return dict(db.session.execute(select(Community.id, Community.name)).all())


@bp.get("/sampling")
@login_required
def sampling_page():
    return _sampling_page()


@bp.post("/sampling")
@login_required
def sampling_POST():
    street = _street_arg()
    require(current_user, Action.DRAW_SAMPLE, street)
    form = {"size": request.form.get("size", ""), "seed": request.form.get("seed", "")}
    draw, errors = _transact(lambda: sampling.new_draw(current_user, street, form["size"], form["seed"]))
    if errors is not None:
        return _sampling_page(form, errors, 400)
    return redirect(url_for("inspections.draw_detail", draw_id=draw.id))


def _draw(draw_id: int) -> SamplingDraw:
    draw = _get(SamplingDraw, draw_id)
    require(current_user, Action.VIEW_DRAW, draw)
    return draw


def _draw_page(draw: SamplingDraw, errors=None, status=200):
    names = _community_names()
    days = {c[0]: c[1] for c in draw.candidates}
    inspections = sampling.inspections_of(draw)
    return render_template("inspections/draw.html", draw=draw, names=names, days=days, errors=errors or {},
                           replay=sampling.replay(draw), inspections=inspections,
                           inspects={cid: can(current_user, Action.INSPECT, i) for cid, i in inspections.items()}), status


@bp.get("/sampling/<int:draw_id>")
@login_required
def draw_detail(draw_id: int):
    return _draw_page(_draw(draw_id))


@bp.post("/sampling/<int:draw_id>/swap")
@login_required
def draw_swap_POST(draw_id: int):
    draw = _draw(draw_id)
    form = request.form
    _, errors = _transact(lambda: sampling.swap(current_user, draw, form.get("out", ""), form.get("in", "")))
    if errors is not None:
        return _draw_page(_draw(draw_id), errors, 400)
    return redirect(url_for("inspections.draw_detail", draw_id=draw.id))


@bp.post("/sampling/<int:draw_id>/accept")
@login_required
def draw_accept_POST(draw_id: int):
    draw = _draw(draw_id)
    _, errors = _transact(lambda: sampling.accept(current_user, draw))
    if errors is not None:
        return _draw_page(_draw(draw_id), errors, 400)
    flash(f"已确认抽查名单，生成 {len(draw.chosen)} 个待检查记录。", "success")
    return redirect(url_for("inspections.draw_detail", draw_id=draw.id, _anchor="start-h"))


# -- 通报 --------------------------------------------------------------------------------

def _bulletins_page(errors=None, status=200, form=None):
    require(current_user, Action.FOLLOW_INSPECTIONS)
    streets = db.session.scalars(select(Street).order_by(Street.sort_order)).all()
    names = {street.id: street.name for street in streets}
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 6 and int(raw) > 0 else 1
    listed, older = bulletins.visible_to(current_user, page)
    return render_template("inspections/bulletins.html", bulletins=listed, page=page, older=older,
                           bulletin_title=lambda b: bulletins.list_title(b, names),
                           periods=bulletins.current_periods(clock.today()), streets=streets,
                           can_publish=can(current_user, Action.INSPECT), errors=errors or {},
                           form=form or {}), status


@bp.get("/bulletins")
@login_required
def bulletin_list():
    return _bulletins_page()


@bp.get("/bulletins/preview")
@login_required
def bulletin_preview():
    street = _street_arg()
    require(current_user, Action.PUBLISH_BULLETIN, street)
    period = request.args.get("period", "")
    try:
        content = bulletins.compute(period, street)
    except FieldErrors as error:
        return _bulletins_page(error.errors, 400, {"period": period})
    return render_template("inspections/bulletin.html", content=content, bulletin=None, preview=True,
                           tables=bulletins.table_rows(content))


@bp.post("/bulletins")
@login_required
def bulletin_POST():
    street = _street_arg()
    require(current_user, Action.PUBLISH_BULLETIN, street)
    period = request.form.get("period", "")
    bulletin, errors = _transact(lambda: bulletins.publish(current_user, period, street))
    if errors is not None:
        return _bulletins_page(errors, 400, {"period": period})
    flash(f"已发布{bulletin.content['scope']}{bulletin.content['label']}通报。", "success")
    return redirect(url_for("inspections.bulletin_detail", bulletin_id=bulletin.id))


def _bulletin(bulletin_id: int) -> Bulletin:
    bulletin = _get(Bulletin, bulletin_id)
    require(current_user, Action.VIEW_BULLETIN, bulletin)
    return bulletin


def _bulletin_page(bulletin: Bulletin, errors=None, status=200, template="inspections/bulletin.html"):
    person = current_user.person
    objections = [o for o in bulletin.objections
                  if can(current_user, Action.ANSWER_OBJECTION, o) or o.community_id == person.community_id]
    return render_template(template, content=bulletin.content, bulletin=bulletin, preview=False,
                           tables=bulletins.table_rows(bulletin.content), objections=objections,
                           can_object=can(current_user, Action.LODGE_OBJECTION, bulletin)
                           and clock.today() <= bulletin.objection_until,
                           can_answer=can(current_user, Action.INSPECT), errors=errors or {}), status


@bp.get("/bulletins/<int:bulletin_id>")
@login_required
def bulletin_detail(bulletin_id: int):
    return _bulletin_page(_bulletin(bulletin_id))


@bp.get("/bulletins/<int:bulletin_id>/print")
@login_required
def bulletin_print(bulletin_id: int):
    return _bulletin_page(_bulletin(bulletin_id), template="inspections/bulletin_print.html")


@bp.get("/bulletins/<int:bulletin_id>/bulletin.xlsx")
@login_required
def bulletin_xlsx(bulletin_id: int):
    from io import BytesIO

    bulletin = _bulletin(bulletin_id)
    name = f"通报-{bulletin.content['scope']}-{bulletin.period}.xlsx"
    return send_file(BytesIO(bulletins.workbook(bulletin)), download_name=name, as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.post("/bulletins/<int:bulletin_id>/objections")
@login_required
def objection_POST(bulletin_id: int):
    bulletin = _bulletin(bulletin_id)
    require(current_user, Action.LODGE_OBJECTION, bulletin)
    _, errors = _transact(lambda: bulletins.lodge_objection(current_user, bulletin, request.form.get("text", "")))
    if errors is not None:
        return _bulletin_page(_bulletin(bulletin_id), errors, 400)
    flash("申诉已提交，等待督查人员答复。", "success")
    return redirect(url_for("inspections.bulletin_detail", bulletin_id=bulletin.id))


@bp.post("/objections/<int:objection_id>/answer")
@login_required
def objection_answer_POST(objection_id: int):
    objection = _get(Objection, objection_id)
    require(current_user, Action.ANSWER_OBJECTION, objection)
    uphold = choice(request.form.get("decision"), "uphold", "dismiss")
    if uphold is None:
        return _bulletin_page(_get(Bulletin, objection.bulletin_id),
                              {f"o{objection_id}": "请点“申诉成立”或“维持原结果”。"}, 400)
    _, errors = _transact(lambda: bulletins.answer_objection(current_user, objection, uphold,
                                                             request.form.get("reply", "")))
    if errors is not None:
        return _bulletin_page(_get(Bulletin, objection.bulletin_id), {f"o{objection_id}": errors["reply"]}, 400)
    flash("已答复申诉。", "success")
    return redirect(url_for("inspections.bulletin_detail", bulletin_id=objection.bulletin_id))


# -- the checklist and settings ------------------------------------------------------------

@bp.get("/checklist")
@login_required
def checklist_page():
    require(current_user, Action.FOLLOW_INSPECTIONS)
    versions = db.session.scalars(select(ChecklistVersion).order_by(ChecklistVersion.number.desc())).all()
    raw = request.args.get("version", "")
    shown = next((v for v in versions if str(v.number) == raw), versions[0] if versions else None)
    return render_template("inspections/checklist.html", versions=versions, shown=shown, sections=SECTIONS,
                           settings=checklist.settings(), can_manage=can(current_user, Action.MANAGE_CHECKLIST),
                           errors={}, form={})


def _edit_page(rows=None, note="", errors=None, status=200):
    current = checklist.current_version()
    if rows is None:
        rows = [{"section": i.section, "text": i.text, "points": i.points, "per_person": i.per_person,
                 "veto": i.veto} for i in (current.items if current else [])]
        rows += [{"new": True, "section": "", "text": "", "points": ""} for _ in range(3)]
    return render_template("inspections/checklist_edit.html", rows=rows, note=note, current=current,
                           sections=SECTIONS, errors=errors or {}), status


@bp.get("/checklist/edit")
@login_required
def checklist_edit():
    require(current_user, Action.MANAGE_CHECKLIST)
    return _edit_page()


def _posted_rows() -> list[dict]:
    count = request.form.get("rows", "")
    whole = count.isascii() and count.isdigit() and len(count) < 6
    total = int(count) if whole and int(count) <= checklist.MAX_ITEMS + 10 else 0
    fields = ("section", "text", "points", "per_person", "veto", "delete", "new")
    return [{name: request.form.get(f"{index}.{name}", "") for name in fields} for index in range(total)]


@bp.post("/checklist/edit")
@login_required
def checklist_edit_POST():
    require(current_user, Action.MANAGE_CHECKLIST)
    rows = _posted_rows()
    note = request.form.get("note", "")
    try:
        version = checklist.new_version(current_user, rows, note)
    except FieldErrors as error:
        db.session.rollback()
        return _edit_page(rows, note, error.errors, 400)
    db.session.commit()
    flash(f"已生成检查表第 {version.number} 版；此前的检查仍按原版本保存。", "success")
    return redirect(url_for("inspections.checklist_page"))


@bp.post("/settings")
@login_required
def settings_POST():
    require(current_user, Action.MANAGE_CHECKLIST)
    values = {name: request.form.get(name, "") for name in ("action_due_days", "objection_days", "sample_size")}
    try:
        checklist.save_settings(current_user, values)
    except FieldErrors as error:
        db.session.rollback()
        versions = db.session.scalars(select(ChecklistVersion).order_by(ChecklistVersion.number.desc())).all()
        return render_template("inspections/checklist.html", versions=versions, shown=versions[0] if versions else None,
                               sections=SECTIONS, settings=checklist.settings(), can_manage=True,
                               errors=error.errors, form=values), 400
    db.session.commit()
    flash("已保存督查设置。", "success")
    return redirect(url_for("inspections.checklist_page"))
