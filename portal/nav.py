"""Navigation by role: each entry shows only where the policy allows it."""
from flask import url_for

from portal.auth.policy import Action, can


def navigation(account) -> list[tuple[str, str]]:
    if not getattr(account, "is_authenticated", False):
        return []
    items = [("首页", url_for("home.index")), ("去向指示牌", url_for("board.index"))]
    person = account.person
    if person.community_id is not None:
        items.append(("本社区", url_for("org.community", community_id=person.community_id)))
    elif person.street_id is not None:
        items.append(("本街镇", url_for("org.street", street_id=person.street_id)))
    items.append(("全区网格", url_for("org.overview")))
    if can(account, Action.MANAGE_PEOPLE):
        items.append(("人员与账号", url_for("admin.people")))
    if can(account, Action.IMPORT_ROSTER):
        items.append(("花名册导入", url_for("admin.roster_import")))
    if can(account, Action.VIEW_AUDIT):
        items.append(("操作日志", url_for("admin.audit_log")))
    return items
