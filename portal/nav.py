"""Navigation by role: each entry shows only where the policy allows it."""
from flask import render_template, request, session, url_for
from markupsafe import Markup

from portal import memo
from portal.auth.policy import Action, actor_state, can


def queue_count(account) -> int | None:
    """Pending leave decisions, for the badge next to 请假审批 (None: not an approver)."""
    if not getattr(account, "is_authenticated", False) or not can(account, Action.VIEW_LEAVE_QUEUE):
        return None
    from portal.leave.rules import approver_queue

    return len(approver_queue(account).data.pending)


def navigation(account) -> list[tuple[str, str]]:
    """The entries of the main navigation: they follow from the account's position
    and unit alone (not from any data)."""
    if not getattr(account, "is_authenticated", False):
        return []
    # Every page draws it: one list per account state (all that `can` reads) and mount point.
    key = (*actor_state(account), request.script_root)
    return memo.kept("nav.entries", key, lambda: _entries(account), dirty=False, size=512).data


def page_top(account) -> Markup:
    """The opening of a page's body: its CSRF header, the top bar and the navigation
    (_page_top.html). Every page of one login at one path with one badge count draws the
    same, so it is kept per those: who it shows is in the key, and the CSRF token in it is
    the login session's own, valid as long as the session (WTF_CSRF_TIME_LIMIT = None)."""
    raw_token = session.get("csrf_token")
    if not getattr(account, "is_authenticated", False) or raw_token is None:
        return Markup(render_template("_page_top.html"))
    person = account.person
    key = (session.get("sid"), raw_token, *actor_state(account), person.name, person.unit_name,
           request.script_root, request.path, queue_count(account))
    return memo.kept("nav.page_tops", key, lambda: None, dirty=False, size=1024).fragment(
        "top", lambda: render_template("_page_top.html"))


def current_entry(items: list[tuple[str, str]], path: str) -> str | None:
    """The href of the section the page at `path` belongs to: the longest entry that
    is the path itself or a folder above it (/board/ for /board/1); 首页 only itself."""
    best = None
    for _label, href in items:
        folder = href if href.endswith("/") else href + "/"
        if (path == href or (href != "/" and path.startswith(folder))) and (best is None or len(href) > len(best)):
            best = href
    return best


# On a phone the navigation is one row of the four places a role goes to most; the
# rest fold under 更多 (a <details>: no script).
PHONE_BAR_ORDER = ("首页", "去向指示牌", "请假审批", "我的考勤", "我的请假", "考勤表", "督查检查", "通报", "人员与账号")


def phone_bar(items: list[tuple[str, str]]) -> set[str]:
    """The hrefs of the (at most four) entries shown on a phone's bar."""
    if len(items) <= 4:
        return {href for _label, href in items}
    present = dict(items)
    return set([present[label] for label in PHONE_BAR_ORDER if label in present][:4])


def _entries(account) -> list[tuple[str, str]]:
    items = [("首页", url_for("home.index")), ("去向指示牌", url_for("board.index"))]
    person = account.person
    if person.community_id is not None:
        items.append(("本社区", url_for("org.community", community_id=person.community_id)))
    elif person.street_id is not None:
        items.append(("本街镇", url_for("org.street", street_id=person.street_id)))
    items.append(("全区网格", url_for("org.overview")))
    if can(account, Action.VIEW_CALENDAR):
        items.append(("工作日历", url_for("workdays.index")))
    if can(account, Action.REQUEST_LEAVE):
        items.append(("我的请假", url_for("leave.mine")))
    if can(account, Action.VIEW_LEAVE_QUEUE):
        items.append(("请假审批", url_for("leave.queue")))
    if can(account, Action.REQUEST_CORRECTION):
        items.append(("我的考勤", url_for("attendance.me")))
    if person.position.value in ("secretary", "station_head", "street_leader", "inspector", "admin"):
        items.append(("考勤表", url_for("attendance.sheet_page")))
    if can(account, Action.REQUEST_CORRECTION) or person.position.value == "street_leader":
        items.append(("补卡", url_for("attendance.corrections_page")))
    if person.position.value in ("admin", "street_leader"):
        items.append(("考勤规则", url_for("attendance.settings_page")))
        items.append(("封账", url_for("attendance.locks_page")))
    if can(account, Action.INSPECT):
        items.append(("督查检查", url_for("inspections.index")))
    elif can(account, Action.FOLLOW_INSPECTIONS) and person.community_id is not None:
        items.append(("督查整改", url_for("inspections.community", community_id=person.community_id)))
    if can(account, Action.FOLLOW_INSPECTIONS):
        items.append(("通报", url_for("inspections.bulletin_list")))
    if can(account, Action.MANAGE_LEAVE):
        items.append(("请假类型", url_for("leave.types")))
    if can(account, Action.MANAGE_PEOPLE):
        items.append(("人员与账号", url_for("admin.people")))
    if can(account, Action.IMPORT_ROSTER):
        items.append(("花名册导入", url_for("admin.roster_import")))
    if can(account, Action.VIEW_AUDIT):
        items.append(("操作日志", url_for("admin.audit_log")))
    if can(account, Action.VIEW_ASSESSMENT, person):
        items.append(("考核", url_for("assessment.index")))
    # dash: dashboards for leaders; the audit viewer for 街镇 leaders within their street
    scope = person.community if person.community_id is not None else person.street
    if can(account, Action.VIEW_DASHBOARD, scope):
        items.append(("数据看板", url_for("dashboards.index")))
    if not can(account, Action.VIEW_AUDIT) and person.street_id is not None and \
            can(account, Action.VIEW_AUDIT, person.street):
        items.append(("操作日志", url_for("audit.log")))
    return items
