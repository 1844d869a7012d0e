"""调休 pages: a person's balance and its sources, and the community's queue of rest
days to confirm, balances per person and the 加班 form."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.auth.policy import Action, can, require
from portal.comptime import rules
from portal.comptime.forms import DecideForm, OvertimeForm
from portal.errors import FieldErrors
from portal.extensions import db
from portal.htmx import render
from portal.org.models import Community
from portal.people.models import Person

bp = Blueprint("comptime", __name__, url_prefix="/comptime")
PERSON = "/people/<int(max=2147483647):person_id>"
COMMUNITY = "/communities/<int(max=2147483647):community_id>"


@bp.get("/")
@login_required
def mine():
    require(current_user, Action.VIEW_COMP_TIME, current_user.person)
    return _person_page(current_user.person)


@bp.get(PERSON)
@login_required
def person(person_id: int):
    person = db.session.get(Person, person_id) or abort(404)
    require(current_user, Action.VIEW_COMP_TIME, person)
    return _person_page(person)


def _person_page(person, status=200):
    sheet = rules.person_sheet(person)
    return render_template("comptime/person.html", sheet=sheet, own=person.id == current_user.person_id,
                           may_decide=can(current_user, Action.CONFIRM_COMP_TIME, person)), status


def _community(community_id: int) -> Community:
    community = db.session.get(Community, community_id) or abort(404)
    require(current_user, Action.VIEW_COMP_TIME, community)
    return community


def _community_page(community, status=200, overtime_form=None, errors=None, failed=None):
    sheet = rules.community_sheet(current_user, community)
    form = overtime_form or OvertimeForm(formdata=None)
    form.set_people(sheet.people)
    listed = failed is not None and any((p.person.id, p.day.isoformat()) == failed for p in sheet.proposals)
    return render("comptime/community.html", status=status, community=community, sheet=sheet,
                  overtime_form=form, errors=errors or {}, failed=failed if listed else None,
                  unlisted_errors={} if listed else {k: v for k, v in (errors or {}).items() if k != "decision"},
                  today=clock.today(),
                  may_record=can(current_user, Action.RECORD_OVERTIME, community))


@bp.get(COMMUNITY)
@login_required
def community(community_id: int):
    return _community_page(_community(community_id))


@bp.post(PERSON + "/decide")
@login_required
def decide_POST(person_id: int):
    person = db.session.get(Person, person_id) or abort(404)
    require(current_user, Action.CONFIRM_COMP_TIME, person)
    form = DecideForm()
    back = person.community
    if not form.validate():
        return _community_page(back, 400, errors={"decision": "页面已过期，请刷新后重试。"},
                               failed=(person.id, form.day.data))
    confirm = {"confirm": True, "reject": False}.get(request.form.get("decision", ""))
    if confirm is None:
        return _community_page(back, 400, errors={"decision": "请点“确认”或“不计调休”。"},
                               failed=(person.id, form.day.data))
    try:
        credit = rules.decide(current_user, person, form.parsed_day(), confirm, form.days.data, form.comment.data)
    except FieldErrors as error:
        db.session.rollback()
        status = 409 if isinstance(error, rules.AlreadyDecided) else 400
        return _community_page(back, status, errors=error.errors, failed=(person.id, form.day.data))
    db.session.commit()
    flash(f"已确认{person.name}{clock.format_date(credit.work_day)}计调休 {_days(credit.days)} 天。" if confirm
          else f"已确定{person.name}{clock.format_date(credit.work_day)}的工作不计调休。", "success")
    return redirect(url_for("comptime.community", community_id=back.id))


def _days(value) -> str:
    return rules.ledger.days_text(value)


@bp.post(COMMUNITY + "/overtime")
@login_required
def overtime_POST(community_id: int):
    community = _community(community_id)
    require(current_user, Action.RECORD_OVERTIME, community)
    form = OvertimeForm()
    people = rules.community_sheet(current_user, community).people
    form.set_people(people)
    if not form.validate():
        return _community_page(community, 400, overtime_form=form, errors={"note": "页面已过期，请刷新后重试。"})
    try:
        credit = rules.record_overtime(current_user, form.person(people), form.parsed_day(), form.hours.data,
                                       form.note.data)
    except FieldErrors as error:
        db.session.rollback()
        form.show_errors(error.errors)
        status = 409 if isinstance(error, rules.AlreadyDecided) else 400
        return _community_page(community, status, overtime_form=form)
    db.session.commit()
    flash(f"已登记{credit.person.name}{clock.format_date(credit.work_day)}加班，计调休 {_days(credit.days)} 天。",
          "success")
    return redirect(url_for("comptime.community", community_id=community.id))
