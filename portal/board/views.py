"""The 社工去向指示牌: community boards, summaries, history, the hall display."""
from bisect import bisect_right

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from portal import clock, halfday, memo
from portal.activity import offline
from portal.activity import rules as activity
from portal.activity.models import EventKind
from portal.attendance import settings as attendance_settings
from portal.auth import rules as auth_rules
from portal.auth.policy import Action, actor_state, can, require
from portal.board import rules
from portal.board.forms import DisplayLinkForm
from portal.board.models import HallDisplayLink
from portal.errors import FieldErrors
from portal.extensions import csrf, db
from portal.guide import hall as guide_hall
from portal.htmx import is_htmx, render
from portal.org.models import Community, Street
from portal.people.models import Level, Person

bp = Blueprint("board", __name__, url_prefix="/board")
hall_bp = Blueprint("hall", __name__, url_prefix="/hall")

SORTS = {"grid": "按网格", "status": "按状态"}
NO_STORE = {"Cache-Control": "no-store"}


def _community(community_id: int) -> Community:
    return db.session.get(Community, community_id) or abort(404)


def _int_arg(name: str) -> int:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 16 else -1


def _board_context(community: Community, errors=None, error_person_id=None, sort=None, fragment=False):
    """What board.html needs; a fragment (htmx: the `main` block) needs no own
    panel and no hall display links."""
    sort = sort if sort in SORTS else request.args.get("sort", "grid")
    sort = sort if sort in SORTS else "grid"
    version, board_body = _board_body(community, sort, errors or {}, error_person_id)
    context = {
        "community": community, "board_body": board_body, "sort": sort, "version": version,
        "checked_at": int(clock.now().timestamp()), "poll_key": _poll_key(community.id),
        "errors": errors or {}, "error_person_id": error_person_id,
        "presets": rules.RETURN_PRESETS, "kinds": list(EventKind), "labels": rules.STATUS_LABELS,
    }
    if fragment:
        return context
    me = current_user.person
    mine = rules.board_cards(community.id, person_ids=[me.id]) if me.community_id == community.id else []
    context["my_card"] = mine[0] if mine else None
    if can(current_user, Action.MANAGE_DISPLAY, community):
        context["display_links"] = rules.display_links(community.id)
        context["display_form"] = DisplayLinkForm()
    return context


def _board_body(community: Community, sort: str, errors: dict, error_person_id):
    """(version, the board's summary, sorts and cards as HTML) as this viewer sees it.

    Switching the sort or reloading re-sends the whole board, and nothing on it
    changes but by a new board version, an expected return falling due or the
    half-day turning (see `rules.poll`): while none of these happened, this worker answers
    from the HTML it rendered for the same viewer."""
    state = rules.board_state(community.id, current_app.config["VERSIONS_MAX_AGE"])
    # Cards change by themselves when the half-day turns: a day begins 未签到, 逾期未销假 with the
    # half-day of the expected return.
    key = (community.id, state.version, bisect_right(state.returns, clock.now()), halfday.index_of(clock.now()),
           sort, *actor_state(current_user))

    def render_body() -> str:
        cards = rules.board_cards(community.id)
        return render_template(
            "board/_board_body.html", community=community, cards=rules.sort_cards(cards, sort), sort=sort,
            sorts=SORTS, counts=rules.summary(cards), labels=rules.STATUS_LABELS, errors=errors,
            error_person_id=error_person_id, presets=rules.RETURN_PRESETS, kinds=list(EventKind))

    body = memo.kept("board.bodies", key, lambda: None, dirty=bool(errors), size=256).fragment("body", render_body)
    return state.version, body


@bp.get("/")
@login_required
def index():
    """Each person's own board: the community's, the street's summary, or the district's."""
    person = current_user.person
    if person.community_id is not None:
        return redirect(url_for("board.board", community_id=person.community_id))
    if person.position.level is Level.STREET:
        return redirect(url_for("board.street_summary", street_id=person.street_id))
    return redirect(url_for("board.district_summary"))


@bp.get("/<int:community_id>")
@login_required
def board(community_id: int):
    community = _community(community_id)
    require(current_user, Action.VIEW_BOARD, community)
    return render("board/board.html", block="main", **_board_context(community, fragment=is_htmx()))


@bp.get("/<int:community_id>/poll")
def poll(community_id: int):
    """204 when nothing changed (htmx swaps nothing); otherwise a new poller and
    only the changed cards, out of band.

    Every open board asks every 5 s, so the unchanged answer has a fast path: the
    poller's URL carries a key bound to the login session of the cookie and to this
    board, minted when the page was rendered for an account allowed to see it; with
    that key, "nothing changed" is answered from what the worker knows of the board
    (`rules.board_state`), without loading the account. A 204 carries nothing, and
    anything else (a change, a missing or wrong key) takes the full path below,
    which checks the session and the policy. The fast path still refuses a login
    session that was logged out, revoked, deactivated or expired
    (`auth_rules.session_alive`, under the versions' max age)."""
    args = _poller_args(request.query_string)
    if args and rules.poll_key_matches(current_app.config["SECRET_KEY"], args["k"], session.get("sid"),
                                       community_id) \
            and rules.unchanged(community_id, args["v"], args["t"], max_age=current_app.config["VERSIONS_MAX_AGE"]) \
            and auth_rules.session_alive(session.get("sid"), session.get("_user_id"),
                                       current_app.config["VERSIONS_MAX_AGE"]):
        return current_app.response_class(status=204, headers=NO_STORE)
    return _poll(community_id)


def _poller_args(query: bytes) -> dict | None:
    """v, t and k of the URL the poller itself was given (digits and hex, nothing to
    unquote), read without building request.args; None for any other query."""
    try:
        args = dict(part.split(b"=", 1) for part in query.split(b"&"))
        return {"v": int(args[b"v"]), "t": int(args[b"t"]), "k": args[b"k"].decode("ascii")}
    except (KeyError, ValueError, UnicodeDecodeError):
        return None


def _poll_key(community_id: int) -> str:
    return rules.poll_key(current_app.config["SECRET_KEY"], session.get("sid") or "", community_id)


@login_required
def _poll(community_id: int):
    community = _community(community_id)
    require(current_user, Action.VIEW_BOARD, community)
    answer = rules.poll(community.id, _int_arg("v"), _int_arg("t"))
    if answer.cards is None:
        return "", 204
    sort = request.args.get("sort", "grid")
    sort = sort if sort in SORTS else "grid"
    all_cards = rules.board_cards(community.id) if (answer.everything or sort == "status") else None
    counts = rules.summary(all_cards) if all_cards else rules.board_counts(
        community.id, current_app.config["VERSIONS_MAX_AGE"])
    me = current_user.person
    my_card = next((c for c in answer.cards if c.person.id == me.id), None)
    return render(
        "board/_poll.html", community=community, version=answer.version, checked_at=answer.checked_at,
        sort=sort, changed=answer.cards, all_cards=rules.sort_cards(all_cards, sort) if all_cards else None,
        poll_key=_poll_key(community.id),
        counts=counts, my_card=my_card, errors={}, error_person_id=None, labels=rules.STATUS_LABELS,
        presets=rules.RETURN_PRESETS, kinds=list(EventKind),
    )


@bp.get("/<int:community_id>/people/<int:person_id>/status")
@login_required
def status_form(community_id: int, person_id: int):
    """A card's on-behalf form (代为设置), loaded into the card when opened."""
    community = _community(community_id)
    person = db.session.get(Person, person_id)
    if person is None or person.community_id != community.id:
        abort(404)
    require(current_user, Action.SET_STATUS, person)
    card = rules.board_cards(community.id, person_ids=[person.id])[0]
    return render("board/status_form.html", block="form", community=community, card=card,
                  presets=rules.RETURN_PRESETS, kinds=list(EventKind))


@bp.post("/<int:community_id>/people/<int:person_id>/status")
@login_required
@csrf.exempt  # checked below, so that a stale token is answered at the card
def set_status_POST(community_id: int, person_id: int):
    community = _community(community_id)
    person = db.session.get(Person, person_id)
    if person is None or person.community_id != community.id:
        abort(404)
    require(current_user, Action.SET_STATUS, person)
    # "me": the worker's panel on the board; "home": the same panel on their home page.
    source = request.form.get("from") if request.form.get("from") in ("me", "home") else "card"
    try:
        csrf.protect()
        expected = rules.parse_expected_return(request.form.get("back_in"), request.form.get("return_at"),
                                               clock.now())
        kind = request.form.get("kind", "")
        activity.record_event(current_user, person, kind,
                              destination=request.form.get("destination"), note=request.form.get("note"),
                              household=request.form.get("household"), expected_return=expected,
                              clock_in_first=rules.implies_clock_in(current_user, person, kind, clock.today()))
    except CSRFError:
        db.session.rollback()
        return _status_error(community, person, source, {"csrf": "页面已过期（安全校验未通过），请刷新页面后重试。"})
    except FieldErrors as error:
        db.session.rollback()
        return _status_error(community, person, source, error.errors)
    db.session.commit()
    if not is_htmx():
        flash(f"已更新{person.name}的状态。", "success")
        if source == "home":
            return redirect(url_for("home.index"), 303)
        return redirect(url_for("board.board", community_id=community.id), 303)
    response = _status_fragment(community, person, source)
    # What else shows the day (the home page's progress) asks again on this event.
    response.headers["HX-Trigger"] = "status-changed"
    return response


def _status_fragment(community, person, source, errors=None, status=200):
    # The changed card and the board's counts from one read of the cards (the counts
    # changed with the card).
    cards = rules.board_cards(community.id)
    card = next(c for c in cards if c.person.id == person.id)
    mine = person.id == current_user.person_id
    return render(
        "board/_status_response.html", status=status, community=community, card=card, source=source,
        my_card=card if mine else None, errors=errors or {}, error_person_id=person.id if errors else None,
        presets=rules.RETURN_PRESETS, kinds=list(EventKind), counts=rules.summary(cards), labels=rules.STATUS_LABELS,
    )


def _status_error(community, person, source, errors):
    if is_htmx():
        return _status_fragment(community, person, source, errors, status=422)
    return render("board/board.html", status=422,
                  **_board_context(community, errors=errors, error_person_id=person.id))


@bp.get("/streets/<int:street_id>")
@login_required
def street_summary(street_id: int):
    street = db.session.get(Street, street_id) or abort(404)
    require(current_user, Action.VIEW_BOARD, street)
    return _summary_page([street], title=f"{street.name}去向汇总")


@bp.get("/district")
@login_required
def district_summary():
    require(current_user, Action.VIEW_BOARD, None)
    streets = db.session.scalars(select(Street).order_by(Street.sort_order)).all()
    return _summary_page(streets, title="全区去向汇总")


def _summary_page(streets, title):
    communities = [c for s in streets for c in s.communities]
    ids = [c.id for c in communities]
    if is_htmx() and not rules.anything_changed(ids, _int_arg("v"), _int_arg("t")):
        return "", 204
    counts = rules.community_summaries(ids)
    totals = {key: sum(c[key] for c in counts.values()) for key in rules.STATUS_ORDER}
    return render("board/summary.html", block="summary", title=title, streets=streets,
                  counts=counts, totals=totals, version=rules.summary_version(ids),
                  checked_at=int(clock.now().timestamp()), columns=rules.STATUS_COLUMNS)


@bp.get("/people/<int:person_id>/history")
@login_required
def person_history(person_id: int):
    person = db.session.get(Person, person_id) or abort(404)
    require(current_user, Action.VIEW_HISTORY, person)
    day, error = _day_arg()
    return render("board/history.html", person=person, community=person.community, day=day, date_error=error,
                  events=activity.events_on(day, person_id=person.id))


@bp.get("/<int:community_id>/log")
@login_required
def community_log(community_id: int):
    community = _community(community_id)
    require(current_user, Action.VIEW_HISTORY, community)
    day, error = _day_arg()
    return render("board/history.html", person=None, community=community, day=day, date_error=error,
                  events=activity.events_on(day, community_id=community.id))


def _day_arg():
    raw = request.args.get("date")
    if not raw:
        return clock.today(), None
    day = clock.parse_date(raw)
    if day is None or day.year < 2017 or day > clock.today():
        return clock.today(), "日期无效（应为 2017 年以后、不晚于今天的日期），已显示今天。"
    return day, None


@bp.post("/<int:community_id>/display-links")
@login_required
def display_link_new_POST(community_id: int):
    community = _community(community_id)
    require(current_user, Action.MANAGE_DISPLAY, community)
    form = DisplayLinkForm()
    if not form.validate():
        flash("；".join(e for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for("board.board", community_id=community.id))
    try:
        token = rules.create_display_link(current_user, community, form.label.data)
    except FieldErrors as error:
        db.session.rollback()
        flash("；".join(error.errors.values()), "error")
        return redirect(url_for("board.board", community_id=community.id))
    db.session.commit()
    url = url_for("hall.hall", token=token, _external=True)
    return render_template("board/display_link.html", community=community, url=url, qr=rules.qr_data_uri(url))


@bp.post("/<int:community_id>/display-links/<int:link_id>/revoke")
@login_required
def display_link_revoke_POST(community_id: int, link_id: int):
    community = _community(community_id)
    require(current_user, Action.MANAGE_DISPLAY, community)
    link = db.session.get(HallDisplayLink, link_id)
    if link is None or link.community_id != community.id:
        abort(404)
    rules.revoke_display_link(current_user, link)
    db.session.commit()
    flash("显示屏链接已停用。", "success")
    return redirect(url_for("board.board", community_id=community.id))


@hall_bp.get("/<token>")
def hall(token: str):
    """The 服务大厅 screen: read-only, no login, one community; never notes or
    leave reasons, and no 去向 (it may name a household)."""
    community = rules.community_for_display(token)
    if community is None:
        if is_htmx():
            return render_template("board/hall_gone.html"), 200
        abort(404)
    info_version = guide_hall.version_of(community.id)  # the 书记's notices, duty person, hours
    info_changed = "g" in request.args and _int_arg("g") != info_version
    if is_htmx() and not info_changed and not rules.anything_changed([community.id], _int_arg("v"), _int_arg("t")):
        return "", 204
    cards = rules.board_cards(community.id)
    response = render("board/hall.html", block="hall", community=community, cards=cards,
                      counts=rules.summary(cards), version=rules.board_version(community.id), token=token,
                      hall_grid=rules.hall_grid(len(cards)),
                      checked_at=int(clock.now().timestamp()), now=clock.now(),
                      hall_info=guide_hall.view(community), info_version=info_version)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/me/queued")
@login_required
@csrf.exempt  # checked below, so that a stale token is answered in the phone's queue
def queued_status_POST():
    """离线补传: one status tap the worker's phone kept while it had no connection
    (static/js/offline-queue.js), sent with its id and the tap's time. JSON for the
    queue: 200 `sent` or `duplicate` (the phone forgets the tap), 422 `refused` with
    the reason in Chinese (the phone shows it), 403 for anyone not on a board."""
    person = current_user.person
    require(current_user, Action.SET_STATUS, person)
    try:
        csrf.protect()
    except CSRFError:
        return {"status": "refused", "reason": "页面已过期（安全校验未通过），请刷新页面。", "retry": True}, 400
    form, now = request.form, clock.now()
    tapped = offline.parse_tap_time(form.get("at"))
    kind = form.get("kind", "")
    try:
        expected = rules.parse_expected_return(form.get("back_in"), form.get("return_at"), tapped or now)
        day = clock.to_local(tapped).date() if tapped else clock.today()
        done = offline.replay(
            current_user, person, form.get("id"), kind, tapped, now=now,
            max_hours=attendance_settings.offline_replay_max_hours(person.street_id, clock.to_local(now).date()),
            expected_return=expected,
            destination=form.get("destination"), note=form.get("note"), household=form.get("household"),
            clock_in_first=rules.implies_clock_in(current_user, person, kind, day))
    except FieldErrors as error:
        db.session.rollback()
        return {"status": "refused", "reason": "；".join(error.errors.values())}, 422
    db.session.commit()
    if done.duplicate:
        return {"status": "duplicate"}
    return {"status": "sent", "offline": done.event.offline, "at": clock.to_local(done.event.at).isoformat()}
