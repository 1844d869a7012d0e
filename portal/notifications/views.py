"""消息: the list, opening one (marked read), muting kinds, and the poll the open tab
asks for new ones (static/js/notices.js shows them with the browser's Notification API)."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.auth.policy import Action, require
from portal.errors import FieldErrors
from portal.extensions import db
from portal.htmx import render
from portal.notifications import rules
from portal.notifications.models import KIND_LABELS, Notice
from portal.people.models import Level

bp = Blueprint("notices", __name__, url_prefix="/notices")
NO_STORE = {"Cache-Control": "no-store"}


def _page(prefs=None, errors=None, status=200):
    me = current_user.person
    return render("notifications/index.html", status=status, notices=rules.newest(me.id),
                  unread=rules.unread_count(me.id),
                  prefs=prefs or rules.prefs_of(me.id), kinds=KIND_LABELS, errors=errors or {},
                  digest=bool(current_app.config.get("SMTP_HOST")))


@bp.get("/")
@login_required
def index():
    require(current_user, Action.READ_NOTICES)
    me = current_user.person
    if me.position.level is Level.COMMUNITY and me.community_id is not None:
        # What time alone brings (逾期, 超时未归) is also written by the cron sweep.
        if rules.sweep(community_ids=[me.community_id]):
            db.session.commit()
    response = _page()
    response.headers.update(NO_STORE)
    return response


def _number(name: str) -> int:
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else -1


@bp.get("/unread")
@login_required
def poll():
    """The top bar's count, asked every 30 s by an open tab (static/js/notices.js),
    which sends the newest id it knows (`after`) and the count it shows (`n`): 204
    while both still hold, else the count and the unread ones newer than `after`."""
    require(current_user, Action.READ_NOTICES)
    after, shown = _number("after"), _number("n")
    count = rules.unread_count(current_user.person_id)
    fresh = rules.unread_after(current_user.person_id, max(after, 0))
    if not fresh and count == shown:
        return "", 204, NO_STORE
    return ({"count": count, "notices": [{"id": n.id, "title": n.title, "kind": n.kind.label} for n in fresh]},
            200, NO_STORE)


@bp.post("/<int(max=2147483647):notice_id>/open")
@login_required
def open_POST(notice_id: int):
    notice = db.session.get(Notice, notice_id) or abort(404)
    require(current_user, Action.READ_NOTICES, notice)
    rules.open_notice(current_user, notice.id)
    db.session.commit()
    return redirect(notice.url if notice.url.startswith("/") and not notice.url.startswith("//") else "/", 303)


@bp.post("/read-all")
@login_required
def read_all_POST():
    require(current_user, Action.READ_NOTICES)
    count = rules.mark_all_read(current_user)
    db.session.commit()
    flash(f"已将 {count} 条消息标为已读。" if count else "没有未读消息。", "success")
    return redirect(url_for("notices.index"), 303)


@bp.post("/prefs")
@login_required
def prefs_POST():
    require(current_user, Action.READ_NOTICES)
    try:
        rules.save_prefs(current_user, request.form.getlist("muted"), request.form.get("email"))
    except FieldErrors as error:
        db.session.rollback()
        prefs = rules.prefs_of(current_user.person_id)
        return _page(prefs=prefs, errors=error.errors, status=422)
    db.session.commit()
    flash("消息设置已保存。", "success")
    return redirect(url_for("notices.index"), 303)
