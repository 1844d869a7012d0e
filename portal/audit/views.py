"""The audit viewer: the whole district for the 管理员, their own street for a 街镇
leader. Thin: the policy decides the scope, audit.rules reads the log."""
from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from portal.audit import rules
from portal.auth.policy import Action, can
from portal.extensions import db
from portal.people.models import Person

bp = Blueprint("audit", __name__, url_prefix="/audit")


def viewer_street() -> int | None:
    """None for district-wide reading; a street id for a leader of that street."""
    if can(current_user, Action.VIEW_AUDIT, None):
        return None
    person = current_user.person
    if person.street_id is not None and can(current_user, Action.VIEW_AUDIT, person.street):
        return person.street_id
    abort(403)


def page_number(raw: str | None) -> int:
    text = (raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else 1


@bp.get("/")
@login_required
def log():
    street_id = viewer_street()
    filters, errors, matches = rules.parse_filters(request.args, street_id)
    page = None if errors else rules.search(filters, street_id, page_number(request.args.get("page")))
    entries = page.entries if page else []
    chosen = db.session.get(Person, filters.person_id) if filters.person_id is not None else None
    args = {k: request.args.get(k, "") for k in ("person", "username", "action", "since", "until")}
    return render_template(
        "audit/log.html", page=page, entries=entries, subjects=rules.subjects(entries), changes=rules.changes,
        errors=errors, matches=matches, args=args, kinds=rules.action_names(street_id), labels=rules.ACTION_LABELS,
        street=current_user.person.street if street_id is not None else None, chosen=chosen,
        page_args={k: v for k, v in args.items() if v})
