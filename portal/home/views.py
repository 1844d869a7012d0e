from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portal import clock
from portal.auth.policy import Action, can, require
from portal.home import rules
from portal.inspections import actions as inspection_actions
from portal.leave import rules as leave_rules
from portal.people.models import Position
from portal.workdays.rules import missing_years

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    require(current_user, Action.VIEW_HOME)
    person = current_user.person
    context = {"person": person, "duties": rules.DUTIES[person.position]}
    if can(current_user, Action.VIEW_LEAVE_QUEUE):
        context["leave_queue"] = leave_rules.queue_for(current_user)
    if can(current_user, Action.VIEW_LEAVE_QUEUE) or can(current_user, Action.REQUEST_LEAVE):
        context["leave_overdue"] = leave_rules.overdue_for(current_user)
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
    return render_template("home/index.html", **context)
