from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.activity.models import EventKind
from portal.attendance import sheet as attendance_sheet
from portal.auth.policy import Action, can, require
from portal.board import rules as board_rules
from portal.home import rules
from portal.htmx import is_htmx, render
from portal.inspections import actions as inspection_actions
from portal.leave import rules as leave_rules
from portal.matters import lists as matter_lists
from portal.people.models import Position
from portal.responsibility import coverage as responsibility
from portal.workdays.rules import missing_years

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """Each role's home shows its task first: the front desk's is the board, a grid
    worker's is their status panel and the day's progress, the others what waits
    for them (leave to approve, overdue 整改 and 销假) above their figures."""
    require(current_user, Action.VIEW_HOME)
    person = current_user.person
    if person.position is Position.FRONT_DESK and person.community_id is not None:
        return redirect(url_for("board.board", community_id=person.community_id))
    context = {"person": person, "duties": rules.DUTIES[person.position]}
    if person.position is Position.GRID_WORKER and person.community_id is not None:
        context |= _worker_day(person)
    if can(current_user, Action.VIEW_LEAVE_QUEUE):
        context["leave_queue"] = leave_rules.queue_for(current_user)
    if can(current_user, Action.VIEW_LEAVE_QUEUE) or can(current_user, Action.REQUEST_LEAVE):
        context["leave_overdue"] = leave_rules.overdue_for(current_user)
    if person.position in (Position.GRID_WORKER, Position.SECRETARY, Position.STATION_HEAD):
        context["matters_overdue"] = matter_lists.overdue_for(person)
    if can(current_user, Action.FOLLOW_INSPECTIONS):
        open_actions = inspection_actions.visible_to(current_user)
        today = clock.today()
        context["inspection_overdue"] = [a for a in open_actions if inspection_actions.is_overdue(a, today)]
        if can(current_user, Action.INSPECT):
            context["inspection_waiting"] = [a for a in open_actions if a.status.value == "fixed"]
    if person.position in (Position.SECRETARY, Position.STATION_HEAD, Position.FRONT_DESK):
        context["row"] = rules.community_rows(community_id=person.community_id)[0]
        context["vacant"] = rules.vacant_grids(person.community_id)
    elif person.position is Position.STREET_LEADER:
        context["rows"] = rules.community_rows(person.street_id)
    elif person.position in (Position.INSPECTOR, Position.ADMIN):
        context["rows"] = rules.community_rows()
        if person.position is Position.ADMIN:
            context["counts"] = rules.account_counts()
            context["missing"] = missing_years(clock.today())
    context |= responsibility.home_panel(person, clock.today())
    return render_template("home/index.html", **context)


def _worker_day(person) -> dict:
    """The status panel (the board's, posting back here) and today's progress."""
    return {"my_card": board_rules.board_cards(person.community_id, person_ids=[person.id])[0],
            "community": person.community, "presets": board_rules.RETURN_PRESETS, "kinds": list(EventKind),
            "errors": {}, "error_person_id": None, **_progress(person)}


def _progress(person) -> dict:
    today = clock.today()
    pending = [r for r in leave_rules.my_requests(person.id) if r.status.value == "pending"]
    return {"so_far": attendance_sheet.today_so_far(person, today), "pending_leave": pending}


@bp.get("/progress")
@login_required
def progress():
    """The home page's 今日进度, asked again after each status change (HX-Trigger
    status-changed from the board's status answer)."""
    require(current_user, Action.REQUEST_CORRECTION)
    if not is_htmx():
        return redirect(url_for("home.index"))
    return render("home/index.html", block="progress", person=current_user.person,
                  **_progress(current_user.person))
