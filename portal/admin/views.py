"""Administration: people and accounts, roster import, audit log."""
from flask import Blueprint
from flask_login import current_user, login_required

from portal.auth.policy import Action, require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/people")
@login_required
def people():
    require(current_user, Action.MANAGE_PEOPLE)
    return "TODO"


@bp.get("/roster/import")
@login_required
def roster_import():
    require(current_user, Action.IMPORT_ROSTER)
    return "TODO"


@bp.get("/audit")
@login_required
def audit_log():
    require(current_user, Action.VIEW_AUDIT)
    return "TODO"
