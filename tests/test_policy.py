"""Who may see and do what: every route × every demo role × own and other community.

Expectations are written from the notice's roles, not read back from the policy
module: a community position reaches its own community, a 街镇领导 their street,
district staff everything, and only the 管理员 administers accounts.
"""
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal.auth.models import Account
from portal.auth.policy import Action, can
from portal.extensions import db
from portal.org.models import Community, Street
from tests.conftest import account

# role → (level, home slug)
ROLES = {
    "admin": ("district", None),
    "inspector": ("district", None),
    "fuqiang_leader": ("street", "fuqiang"),
    "fuyuan_secretary": ("community", "fuyuan"),
    "fuyuan_stationhead": ("community", "fuyuan"),
    "fuyuan_frontdesk": ("community", "fuyuan"),
    "fuyuan_worker01": ("community", "fuyuan"),
    "fuda_worker01": ("community", "fuda"),
    "fangzhi_secretary": ("community", "fangzhi"),
}
FROZEN = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
STREET_OF = {"fuyuan": "fuqiang", "fuda": "fuqiang", "fangzhi": "kexue"}
FUYUAN_OFFICE = ("fuyuan_secretary", "fuyuan_stationhead", "fuyuan_frontdesk")
STREET_OR_ADMIN = ("admin", "fuqiang_leader")
APPROVERS = ("fuyuan_secretary", "fuyuan_stationhead", "fuqiang_leader", "fangzhi_secretary")


def on_a_board(role):
    """Community staff ask for leave; street and district staff are not on a board."""
    return ROLES[role][0] == "community"


def sees_fuyuan_leave(role):
    """A 富源 worker's leave: the community office, its street and the district."""
    return role in FUYUAN_OFFICE or ROLES[role][0] == "district" or role == "fuqiang_leader"


FUYUAN_HEADS = ("fuyuan_secretary", "fuyuan_stationhead")


def sees_fuyuan_matter(role):
    """A matter fuyuan_worker01 found in their grid: them, 富源's office, its street, the district."""
    return role in ("fuyuan_worker01", *FUYUAN_OFFICE) or ROLES[role][0] == "district" or role == "fuqiang_leader"

INSPECTING = ("inspector", "fuqiang_leader")  # 工作规范 三(三): district 督查; a 街镇 checks its own
COMMUNITY_HEADS = ("fuyuan_secretary", "fuyuan_stationhead", "fangzhi_secretary")


def sees_fuyuan_inspections(role):
    """富源's submitted inspections: its 书记/站长, its street, the district's inspector and admin."""
    return role in ("admin", "inspector", "fuqiang_leader", "fuyuan_secretary", "fuyuan_stationhead")


def follows_inspections(role):
    return role in ("admin", *INSPECTING, *COMMUNITY_HEADS)


def watches_trends(role):
    """Dashboards are for those who lead: 书记/站长, 街镇, district; not workers or the front desk."""
    return "worker" not in role and "frontdesk" not in role


def anyone(role, **_):
    return True


def admin_only(role, **_):
    return role == "admin"


def reaches_community(role, community):
    level, home = ROLES[role]
    if level == "district":
        return True
    if level == "street":
        return STREET_OF[community] == home
    return home == community


# (method, path, endpoint, who may, form data for POSTs)
MATRIX = [
    ("GET", "/", "home.index", anyone, None),
    ("GET", "/progress", "home.progress", lambda role: on_a_board(role), None),
    ("GET", "/org/", "org.overview", anyone, None),
    ("GET", "/org/streets/{street:fuqiang}", "org.street", anyone, None),
    ("GET", "/org/streets/{street:kexue}", "org.street", anyone, None),
    ("GET", "/org/communities/{community:fuyuan}", "org.community",
     lambda role: reaches_community(role, "fuyuan"), None),
    ("GET", "/org/communities/{community:fuda}", "org.community",
     lambda role: reaches_community(role, "fuda"), None),
    ("GET", "/org/communities/{community:fangzhi}", "org.community",
     lambda role: reaches_community(role, "fangzhi"), None),
    ("GET", "/account/password", "auth.change_password", anyone, None),
    ("POST", "/account/password", "auth.change_password_POST", anyone, {}),
    ("GET", "/board/", "board.index", anyone, None),
    ("GET", "/board/{community:fuyuan}", "board.board", lambda role: reaches_community(role, "fuyuan"), None),
    ("GET", "/board/{community:fangzhi}", "board.board", lambda role: reaches_community(role, "fangzhi"), None),
    ("GET", "/board/{community:fuyuan}/poll?v=0&t=0", "board.poll",
     lambda role: reaches_community(role, "fuyuan"), None),
    ("POST", "/board/{community:fuyuan}/people/{person:fuyuan_worker01}/status", "board.set_status_POST",
     lambda role: role in ("fuyuan_worker01", *FUYUAN_OFFICE), {"kind": "back"}),
    ("POST", "/board/{community:fuyuan}/people/{person:fuyuan_worker02}/status", "board.set_status_POST",
     lambda role: role in FUYUAN_OFFICE, {"kind": "back"}),
    # 消息: everyone their own (an unknown notice is a 404; another person's, 403: test_notices).
    ("GET", "/notices/", "notices.index", anyone, None),
    ("GET", "/notices/unread?after=0", "notices.poll", anyone, None),
    ("POST", "/notices/999999/open", "notices.open_POST", anyone, {}),
    ("POST", "/notices/read-all", "notices.read_all_POST", anyone, {}),
    ("POST", "/notices/prefs", "notices.prefs_POST", anyone, {"email": ""}),
    # 离线补传: only one's own status, so everyone on a board (a tap of now, not offline).
    ("POST", "/board/me/queued", "board.queued_status_POST", on_a_board,
     {"id": "policy-row-tap-01", "kind": "back", "at": str(int(FROZEN.timestamp() * 1000))}),
    ("GET", "/board/{community:fuyuan}/people/{person:fuyuan_worker01}/status", "board.status_form",
     lambda role: role in ("fuyuan_worker01", *FUYUAN_OFFICE), None),
    ("GET", "/board/{community:fuyuan}/people/{person:fuyuan_worker02}/status", "board.status_form",
     lambda role: role in FUYUAN_OFFICE, None),
    ("GET", "/board/streets/{street:fuqiang}", "board.street_summary",
     lambda role: ROLES[role][0] == "district" or role == "fuqiang_leader", None),
    ("GET", "/board/district", "board.district_summary", lambda role: ROLES[role][0] == "district", None),
    ("GET", "/board/people/{person:fuyuan_worker02}/history", "board.person_history",
     lambda role: reaches_community(role, "fuyuan") and "worker" not in role, None),
    ("GET", "/board/people/{person:fuyuan_worker01}/history", "board.person_history",
     lambda role: reaches_community(role, "fuyuan"), None),
    ("GET", "/board/{community:fuyuan}/log", "board.community_log",
     lambda role: reaches_community(role, "fuyuan") and "worker" not in role, None),
    ("POST", "/board/{community:fuyuan}/display-links", "board.display_link_new_POST",
     lambda role: role in ("admin", "fuyuan_secretary", "fuyuan_stationhead"), {"label": "大厅"}),
    ("POST", "/board/{community:fuyuan}/display-links/999999/revoke", "board.display_link_revoke_POST",
     lambda role: role in ("admin", "fuyuan_secretary", "fuyuan_stationhead"), {}),
    ("GET", "/leave/", "leave.mine", lambda role: on_a_board(role), None),
    ("GET", "/leave/new", "leave.new", lambda role: on_a_board(role), None),
    ("POST", "/leave/new", "leave.new_POST", lambda role: on_a_board(role), {}),
    ("GET", "/leave/preview", "leave.preview", lambda role: on_a_board(role), None),
    ("GET", "/leave/queue", "leave.queue", lambda role: role in APPROVERS, None),
    ("GET", "/leave/queue/badge", "leave.badge", lambda role: role in APPROVERS, None),
    ("GET", "/leave/{leave:fuyuan_worker02}", "leave.detail", sees_fuyuan_leave, None),
    ("POST", "/leave/{leave:fuyuan_worker02}/decide", "leave.decide_POST",
     lambda role: role in ("fuyuan_secretary", "fuyuan_stationhead"), {}),
    ("POST", "/leave/{leave:fuyuan_worker02}/withdraw", "leave.withdraw_POST", lambda role: False, {}),
    ("POST", "/leave/{leave:fuyuan_worker02}/revoke", "leave.revoke_POST",
     lambda role: role in ("fuyuan_secretary", "fuyuan_stationhead"), {}),
    ("POST", "/leave/{leave:fuyuan_worker02}/return", "leave.return_POST", lambda role: role in FUYUAN_OFFICE, {}),
    ("GET", "/leave/{leave:fuyuan_worker02}/attachment", "leave.attachment",
     lambda role: role in ("admin", "fuyuan_secretary", "fuyuan_stationhead"), None),  # the requester and approvers
    ("GET", "/leave/communities/{community:fuyuan}/calendar", "leave.community_calendar", sees_fuyuan_leave, None),
    ("GET", "/leave/communities/{community:fuyuan}/export.xlsx", "leave.community_export", sees_fuyuan_leave, None),
    ("GET", "/leave/people/{person:fuyuan_worker02}", "leave.person_history", sees_fuyuan_leave, None),
    # 代请假: a community's 书记 and 站长 file for its people (each other included, never
    # themselves); nobody else does, the 管理员 and the 街镇 included. The filer
    # (fuyuan_secretary) never decides it: the 站长 does; the filer and the person withdraw.
    ("GET", "/leave/behalf", "leave.behalf_people", lambda role: role in COMMUNITY_HEADS, None),
    ("GET", "/leave/people/{person:fuyuan_worker02}/behalf", "leave.behalf_new",
     lambda role: role in FUYUAN_HEADS, None),
    ("GET", "/leave/people/{person:fuyuan_frontdesk}/behalf", "leave.behalf_new",
     lambda role: role in FUYUAN_HEADS, None),
    ("GET", "/leave/people/{person:fuyuan_secretary}/behalf", "leave.behalf_new",
     lambda role: role == "fuyuan_stationhead", None),
    ("GET", "/leave/people/{person:fangzhi_worker01}/behalf", "leave.behalf_new",
     lambda role: role == "fangzhi_secretary", None),
    ("GET", "/leave/people/{person:fuqiang_leader}/behalf", "leave.behalf_new", lambda role: False, None),
    ("GET", "/leave/people/{person:fuyuan_worker02}/behalf/preview", "leave.behalf_preview",
     lambda role: role in FUYUAN_HEADS, None),
    ("POST", "/leave/people/{person:fuyuan_worker02}/behalf", "leave.behalf_new_POST",
     lambda role: role in FUYUAN_HEADS, {}),
    ("POST", "/leave/people/{person:fuyuan_secretary}/behalf", "leave.behalf_new_POST",
     lambda role: role == "fuyuan_stationhead", {}),
    ("POST", "/leave/people/{person:fuyuan_stationhead}/behalf", "leave.behalf_new_POST",
     lambda role: role == "fuyuan_secretary", {}),
    ("POST", "/leave/people/{person:fangzhi_worker01}/behalf", "leave.behalf_new_POST",
     lambda role: role == "fangzhi_secretary", {}),
    ("GET", "/leave/{behalf:fuyuan_frontdesk2}", "leave.detail", sees_fuyuan_leave, None),
    ("GET", "/leave/{behalf:fuyuan_frontdesk2}/attachment", "leave.attachment",
     lambda role: role in ("admin", *FUYUAN_HEADS), None),  # the filer, the approver, the admin
    ("POST", "/leave/{behalf:fuyuan_frontdesk2}/decide", "leave.decide_POST",
     lambda role: role == "fuyuan_stationhead", {}),
    ("POST", "/leave/{behalf:fuyuan_frontdesk2}/withdraw", "leave.withdraw_POST",
     lambda role: role == "fuyuan_secretary", {}),
    # 年休假一览: as the 考勤表 (kept by the 书记/站长, watched by the 街镇 and district).
    ("GET", "/leave/communities/{community:fuyuan}/entitlements", "leave.community_entitlements",
     lambda role: sees_fuyuan_leave(role) and role != "fuyuan_frontdesk", None),
    ("GET", "/leave/communities/{community:fuyuan}/entitlements.xlsx?year=2026", "leave.community_entitlements_xlsx",
     lambda role: sees_fuyuan_leave(role) and role != "fuyuan_frontdesk", None),
    ("GET", "/leave/communities/{community:fangzhi}/entitlements", "leave.community_entitlements",
     lambda role: role in ("admin", "inspector", "fangzhi_secretary"), None),
    # 调休: one's own; the people who confirm it (书记/站长, the 街镇 for them) and who watch 考勤.
    ("GET", "/comptime/", "comptime.mine", lambda role: on_a_board(role), None),
    ("GET", "/comptime/people/{person:fuyuan_worker01}", "comptime.person",
     lambda role: role in ("fuyuan_worker01", *FUYUAN_HEADS, "fuqiang_leader", "admin", "inspector"), None),
    ("GET", "/comptime/communities/{community:fuyuan}", "comptime.community",
     lambda role: sees_fuyuan_leave(role) and role != "fuyuan_frontdesk", None),
    ("GET", "/comptime/communities/{community:fangzhi}", "comptime.community",
     lambda role: role in ("admin", "inspector", "fangzhi_secretary"), None),
    ("POST", "/comptime/people/{person:fuyuan_worker01}/decide", "comptime.decide_POST",
     lambda role: role in FUYUAN_HEADS, {}),
    ("POST", "/comptime/people/{person:fuyuan_secretary}/decide", "comptime.decide_POST",
     lambda role: role == "fuqiang_leader", {}),
    ("POST", "/comptime/communities/{community:fuyuan}/overtime", "comptime.overtime_POST",
     lambda role: role in (*FUYUAN_HEADS, "fuqiang_leader"), {}),
    # 办事指南: everyone reads the district's items; a community's own inside its scope. The
    # district's list is the administrator's, a community's items its 书记/站长's and its 街镇's;
    # the community office prints 告知单; the hall screen is its 书记/站长's.
    ("GET", "/guide/", "guide.index", anyone, None),
    ("GET", "/guide/items/new", "guide.new", lambda role: role in (*STREET_OR_ADMIN, *COMMUNITY_HEADS), None),
    ("POST", "/guide/items/new", "guide.create_POST",
     lambda role: role in (*STREET_OR_ADMIN, *COMMUNITY_HEADS), {}),
    ("GET", "/guide/items/{guide:district}", "guide.item", anyone, None),
    ("GET", "/guide/items/{guide:fuyuan}", "guide.item", lambda role: reaches_community(role, "fuyuan"), None),
    ("GET", "/guide/items/{guide:district}/history", "guide.history", anyone, None),
    ("GET", "/guide/items/{guide:fuyuan}/history", "guide.history",
     lambda role: reaches_community(role, "fuyuan"), None),
    ("GET", "/guide/items/{guide:district}/edit", "guide.edit", admin_only, None),
    ("POST", "/guide/items/{guide:district}/edit", "guide.edit_POST", admin_only, {}),
    ("GET", "/guide/items/{guide:fuyuan}/edit", "guide.edit", lambda role: role in (*STREET_OR_ADMIN, *FUYUAN_HEADS),
     None),
    ("POST", "/guide/items/{guide:fuyuan}/edit", "guide.edit_POST",
     lambda role: role in (*STREET_OR_ADMIN, *FUYUAN_HEADS), {}),
    ("GET", "/guide/items/{guide:district}/local", "guide.local", lambda role: role in COMMUNITY_HEADS, None),
    ("POST", "/guide/items/{guide:district}/local", "guide.local_POST", lambda role: role in COMMUNITY_HEADS, {}),
    ("POST", "/guide/items/{guide:district}/sheets", "guide.issue_POST",
     lambda role: role in (*FUYUAN_OFFICE, "fangzhi_secretary"), {}),
    ("GET", "/guide/sheets/{guide:sheet}", "guide.sheet",
     lambda role: role in (*FUYUAN_OFFICE, "admin", "inspector", "fuqiang_leader"), None),
    ("GET", "/guide/communities/{community:fuyuan}/sheets", "guide.register",
     lambda role: role in (*FUYUAN_OFFICE, "admin", "inspector", "fuqiang_leader"), None),
    ("GET", "/guide/communities/{community:fangzhi}/sheets", "guide.register",
     lambda role: role in ("fangzhi_secretary", "admin", "inspector"), None),
    ("GET", "/guide/communities/{community:fuyuan}/handbook", "guide.handbook",
     lambda role: reaches_community(role, "fuyuan"), None),
    ("GET", "/guide/communities/{community:fuyuan}/hall", "guide.hall_info",
     lambda role: role in ("admin", *FUYUAN_HEADS), None),
    ("GET", "/guide/communities/{community:fangzhi}/hall", "guide.hall_info",
     lambda role: role in ("admin", "fangzhi_secretary"), None),
    ("POST", "/guide/communities/{community:fuyuan}/hall", "guide.hall_settings_POST",
     lambda role: role in ("admin", *FUYUAN_HEADS), {}),
    ("POST", "/guide/communities/{community:fuyuan}/hall/notices", "guide.notice_POST",
     lambda role: role in ("admin", *FUYUAN_HEADS), {}),
    ("POST", "/guide/communities/{community:fuyuan}/hall/notices/{guide:notice}/remove", "guide.notice_remove_POST",
     lambda role: role in ("admin", *FUYUAN_HEADS), {}),
    # 事项: a worker their own and their grid's; the community office its community's; the 街镇
    # its street's (and 上级交办); district staff watch. Steps: the holder and the 书记/站长.
    ("GET", "/matters/", "matters.mine", lambda role: on_a_board(role), None),
    ("GET", "/matters/overview", "matters.overview", anyone, None),
    ("GET", "/matters/new", "matters.new", lambda role: on_a_board(role), None),
    ("POST", "/matters/new", "matters.new_POST", lambda role: on_a_board(role), {}),
    ("GET", "/matters/{matter:fuyuan_worker01}", "matters.detail", sees_fuyuan_matter, None),
    ("POST", "/matters/{matter:fuyuan_worker01}/step", "matters.step_POST",
     lambda role: role in ("fuyuan_worker01", *FUYUAN_HEADS), {}),
    ("POST", "/matters/{matter:fuyuan_worker01}/photos", "matters.photo_POST",
     lambda role: role in ("fuyuan_worker01", *FUYUAN_HEADS), {}),
    ("GET", "/matters/photos/{matterphoto:fuyuan_worker01}", "matters.photo", sees_fuyuan_matter, None),
    ("GET", "/matters/communities/{community:fuyuan}", "matters.community",
     lambda role: reaches_community(role, "fuyuan") and "worker" not in role, None),
    ("GET", "/matters/communities/{community:fangzhi}", "matters.community",
     lambda role: reaches_community(role, "fangzhi") and "worker" not in role, None),
    ("GET", "/matters/communities/{community:fuyuan}/export.xlsx?month=2026-11", "matters.community_export",
     lambda role: reaches_community(role, "fuyuan") and "worker" not in role, None),
    ("GET", "/matters/streets/{street:fuqiang}", "matters.street",
     lambda role: ROLES[role][0] == "district" or role == "fuqiang_leader", None),
    ("POST", "/matters/streets/{street:fuqiang}/assign", "matters.assign_POST",
     lambda role: role == "fuqiang_leader", {}),
    ("GET", "/matters/settings", "matters.settings_page", admin_only, None),
    ("POST", "/matters/settings", "matters.settings_POST", admin_only, {}),
    ("GET", "/leave/types", "leave.types", admin_only, None),
    ("POST", "/leave/types/1", "leave.type_POST", admin_only, {"active": "on"}),
    ("POST", "/leave/entitlements", "leave.entitlement_POST", admin_only, {}),
    ("GET", "/calendar/", "workdays.index", anyone, None),
    ("GET", "/calendar/2026", "workdays.year", anyone, None),
    ("GET", "/calendar/2027", "workdays.year", anyone, None),
    ("POST", "/calendar/2026/days", "workdays.day_POST", admin_only, {}),
    ("POST", "/calendar/2026/days/2026-11-25/delete", "workdays.day_delete_POST", admin_only, {}),
    ("POST", "/calendar/2027/confirm", "workdays.confirm_POST", admin_only, {}),
    ("POST", "/calendar/2026/prefill", "workdays.prefill_POST", admin_only, {}),
    ("GET", "/calendar/2027/notice", "workdays.notice_form", admin_only, None),
    ("POST", "/calendar/2027/notice", "workdays.notice_POST", admin_only, {}),
    ("POST", "/calendar/2027/notice/confirm", "workdays.notice_confirm_POST", admin_only, {}),
    ("GET", "/attendance/settings", "attendance.settings_page", lambda role: role in STREET_OR_ADMIN, None),
    ("POST", "/attendance/settings", "attendance.settings_POST", admin_only, {}),
    ("POST", "/attendance/settings?street={street:fuqiang}", "attendance.settings_POST",
     lambda role: role in STREET_OR_ADMIN, {}),
    ("POST", "/attendance/settings/reset?street={street:fuqiang}", "attendance.settings_reset_POST",
     lambda role: role in STREET_OR_ADMIN, {}),
    ("GET", "/attendance/locks", "attendance.locks_page", lambda role: role in STREET_OR_ADMIN, None),
    ("POST", "/attendance/locks?street={street:fuqiang}", "attendance.lock_POST",
     lambda role: role in STREET_OR_ADMIN, {}),
    ("GET", "/attendance/corrections", "attendance.corrections_page",
     lambda role: on_a_board(role) or role == "fuqiang_leader", None),
    ("POST", "/attendance/corrections", "attendance.correction_new_POST", lambda role: on_a_board(role), {}),
    ("POST", "/attendance/corrections/{correction:fuyuan_worker02}/decide", "attendance.correction_decide_POST",
     lambda role: role in ("fuyuan_secretary", "fuyuan_stationhead"), {}),
    ("GET", "/attendance/sheet?community={community:fuyuan}", "attendance.sheet_page",
     lambda role: sees_fuyuan_leave(role) and role != "fuyuan_frontdesk", None),
    ("GET", "/attendance/sheet.xlsx?street={street:fuqiang}", "attendance.sheet_xlsx",
     lambda role: ROLES[role][0] == "district" or role == "fuqiang_leader", None),
    ("GET", "/attendance/me", "attendance.me", lambda role: on_a_board(role), None),
    # A 考勤表 cell's day: who sees 富源's sheet, and the person themself.
    ("GET", "/attendance/people/{person:fuyuan_worker02}/days/2026-11-24", "attendance.day_detail",
     lambda role: sees_fuyuan_leave(role) and role != "fuyuan_frontdesk", None),
    ("GET", "/attendance/people/{person:fuyuan_worker01}/days/2026-11-24", "attendance.day_detail",
     lambda role: (sees_fuyuan_leave(role) and role != "fuyuan_frontdesk") or role == "fuyuan_worker01", None),
    ("GET", "/attendance/people/{person:fuyuan_frontdesk}/days/2026-11-24", "attendance.day_detail",
     lambda role: sees_fuyuan_leave(role), None),
    ("GET", "/admin/people", "admin.people", admin_only, None),
    ("GET", "/admin/people/new", "admin.person_new", admin_only, None),
    ("POST", "/admin/people/new", "admin.person_new_POST", admin_only, {}),
    ("GET", "/admin/people/{person:fuda_worker01}/edit", "admin.person_edit", admin_only, None),
    ("POST", "/admin/people/{person:fuda_worker01}/edit", "admin.person_edit_POST", admin_only, {}),
    ("POST", "/admin/people/{person:fuda_worker01}/deactivate", "admin.person_deactivate_POST", admin_only, {}),
    ("POST", "/admin/people/{person:fuda_worker01}/activate", "admin.person_activate_POST", admin_only, {}),
    ("POST", "/admin/people/{person:fuda_worker01}/reset-password", "admin.person_reset_password_POST",
     admin_only, {}),
    ("GET", "/admin/roster/template.xlsx", "admin.roster_template", admin_only, None),
    ("GET", "/admin/roster/import", "admin.roster_import", admin_only, None),
    ("POST", "/admin/roster/import", "admin.roster_import_POST", admin_only, {}),
    ("GET", "/admin/roster/import/not-a-stored-upload-token", "admin.roster_preview", admin_only, None),
    ("POST", "/admin/roster/import/not-a-stored-upload-token/apply", "admin.roster_apply_POST", admin_only, {}),
    # The 花名册 export: the administrator anywhere, a 街镇 its street, a 书记/站长 their community.
    ("GET", "/admin/roster/export.xlsx", "admin.roster_export", admin_only, None),
    ("GET", "/admin/roster/export.xlsx?street={street:fuqiang}", "admin.roster_export",
     lambda role: role in STREET_OR_ADMIN, None),
    ("GET", "/admin/roster/export.xlsx?street={street:kexue}", "admin.roster_export", admin_only, None),
    ("GET", "/admin/roster/export.xlsx?community={community:fuyuan}", "admin.roster_export",
     lambda role: role in (*STREET_OR_ADMIN, "fuyuan_secretary", "fuyuan_stationhead"), None),
    ("GET", "/admin/roster/export.xlsx?community={community:fangzhi}", "admin.roster_export",
     lambda role: role in ("admin", "fangzhi_secretary"), None),
    ("GET", "/admin/audit", "admin.audit_log", lambda role: role in STREET_OR_ADMIN, None),  # → /audit/
    ("GET", "/inspections/", "inspections.index", lambda role: role in INSPECTING + COMMUNITY_HEADS, None),
    ("POST", "/inspections/", "inspections.start_POST", lambda role: role in INSPECTING, {}),
    ("GET", "/inspections/{inspection:submitted}", "inspections.detail", sees_fuyuan_inspections, None),
    ("GET", "/inspections/{inspection:draft}", "inspections.detail",
     lambda role: role in ("admin", *INSPECTING), None),
    ("POST", "/inspections/{inspection:draft}/present", "inspections.present_POST",
     lambda role: role == "inspector", {}),
    ("POST", "/inspections/{inspection:draft}/items/1/answer", "inspections.answer_POST",
     lambda role: role == "inspector", {}),
    ("POST", "/inspections/{inspection:draft}/items/1/photos", "inspections.photo_POST",
     lambda role: role == "inspector", {}),
    ("POST", "/inspections/{inspection:draft}/submit", "inspections.submit_POST", lambda role: role == "inspector", {}),
    ("GET", "/inspections/photos/{inspection:photo}", "inspections.photo", sees_fuyuan_inspections, None),
    ("GET", "/inspections/communities/{community:fuyuan}", "inspections.community", sees_fuyuan_inspections, None),
    ("GET", "/inspections/communities/{community:fangzhi}", "inspections.community",
     lambda role: role in ("admin", "inspector", "fangzhi_secretary"), None),
    ("GET", "/inspections/actions", "inspections.action_list", follows_inspections, None),
    ("GET", "/inspections/actions/{inspection:action}", "inspections.action_detail", sees_fuyuan_inspections, None),
    ("POST", "/inspections/actions/{inspection:action}/fix", "inspections.action_fix_POST",
     lambda role: role in ("fuyuan_secretary", "fuyuan_stationhead"), {}),
    ("POST", "/inspections/actions/{inspection:action}/review", "inspections.action_review_POST",
     lambda role: role in INSPECTING, {}),
    ("GET", "/inspections/sampling", "inspections.sampling_page", lambda role: role in INSPECTING, None),
    ("POST", "/inspections/sampling", "inspections.sampling_POST", lambda role: role in INSPECTING, {}),
    ("GET", "/inspections/sampling/{inspection:draw}", "inspections.draw_detail",
     lambda role: role in ("admin", "inspector"), None),
    ("POST", "/inspections/sampling/{inspection:draw}/swap", "inspections.draw_swap_POST",
     lambda role: role == "inspector", {}),
    ("POST", "/inspections/sampling/{inspection:draw}/accept", "inspections.draw_accept_POST",
     lambda role: role == "inspector", {}),
    ("GET", "/inspections/bulletins", "inspections.bulletin_list", follows_inspections, None),
    ("GET", "/inspections/bulletins/preview?period=2026-11", "inspections.bulletin_preview",
     lambda role: role in INSPECTING, None),
    ("POST", "/inspections/bulletins", "inspections.bulletin_POST", lambda role: role in INSPECTING, {}),
    ("GET", "/inspections/bulletins/{inspection:bulletin}", "inspections.bulletin_detail", follows_inspections, None),
    ("GET", "/inspections/bulletins/{inspection:bulletin}/print", "inspections.bulletin_print",
     follows_inspections, None),
    ("GET", "/inspections/bulletins/{inspection:bulletin}/bulletin.xlsx", "inspections.bulletin_xlsx",
     follows_inspections, None),
    ("POST", "/inspections/bulletins/{inspection:bulletin}/objections", "inspections.objection_POST",
     lambda role: role in COMMUNITY_HEADS, {}),
    ("POST", "/inspections/objections/{inspection:objection}/answer", "inspections.objection_answer_POST",
     lambda role: role == "inspector", {}),
    ("GET", "/inspections/checklist", "inspections.checklist_page", follows_inspections, None),
    ("GET", "/inspections/checklist/edit", "inspections.checklist_edit", lambda role: role in ("admin", "inspector"),
     None),
    ("POST", "/inspections/checklist/edit", "inspections.checklist_edit_POST",
     lambda role: role in ("admin", "inspector"), {}),
    ("POST", "/inspections/settings", "inspections.settings_POST", lambda role: role in ("admin", "inspector"), {}),
    # assess
    ("GET", "/assessment/", "assessment.index", anyone, None),
    ("GET", "/assessment/streets/{street:fuqiang}", "assessment.street_page",
     lambda role: ROLES[role][0] == "district" or role == "fuqiang_leader", None),
    ("GET", "/assessment/streets/{street:fuqiang}/export.xlsx", "assessment.street_xlsx",
     lambda role: ROLES[role][0] == "district" or role == "fuqiang_leader", None),
    ("POST", "/assessment/streets/{street:fuqiang}/lock", "assessment.lock_POST",
     lambda role: role == "fuqiang_leader", {"period": "2026-Q3"}),
    ("GET", "/assessment/communities/{community:fuyuan}", "assessment.community_page",
     lambda role: sees_fuyuan_leave(role) and role != "fuyuan_frontdesk", None),
    ("GET", "/assessment/communities/{community:fuyuan}/export.xlsx", "assessment.community_xlsx",
     lambda role: sees_fuyuan_leave(role) and role != "fuyuan_frontdesk", None),
    ("GET", "/assessment/people/{person:fuyuan_worker02}", "assessment.person_page",
     lambda role: sees_fuyuan_leave(role) and role != "fuyuan_frontdesk", None),
    ("GET", "/assessment/people/{person:fuyuan_worker01}", "assessment.person_page",
     lambda role: role == "fuyuan_worker01" or (sees_fuyuan_leave(role) and role != "fuyuan_frontdesk"), None),
    ("POST", "/assessment/people/{person:fuyuan_worker02}/adjustments", "assessment.adjust_POST",
     lambda role: role == "fuyuan_secretary", {"period": "2026-Q4"}),
    ("GET", "/assessment/settings", "assessment.settings_page", lambda role: role in STREET_OR_ADMIN, None),
    ("GET", "/assessment/settings?street={street:kexue}", "assessment.settings_page", admin_only, None),
    ("POST", "/assessment/settings?street={street:fuqiang}", "assessment.settings_POST", lambda role: role in STREET_OR_ADMIN,
     {}),
    ("POST", "/assessment/settings/reset?street={street:fuqiang}", "assessment.settings_reset_POST",
     lambda role: role in STREET_OR_ADMIN, {}),
    # dash
    ("GET", "/dashboards/", "dashboards.index", lambda role: watches_trends(role), None),
    ("GET", "/dashboards/district", "dashboards.district", lambda role: ROLES[role][0] == "district", None),
    ("GET", "/dashboards/streets/{street:fuqiang}?months=2", "dashboards.street",
     lambda role: ROLES[role][0] == "district" or role == "fuqiang_leader", None),
    ("GET", "/dashboards/streets/{street:kexue}?months=2", "dashboards.street", lambda role: ROLES[role][0] == "district",
     None),
    ("GET", "/dashboards/communities/{community:fuyuan}?months=2", "dashboards.community",
     lambda role: watches_trends(role) and reaches_community(role, "fuyuan"), None),
    ("GET", "/dashboards/communities/{community:fangzhi}?months=x", "dashboards.community",
     lambda role: watches_trends(role) and reaches_community(role, "fangzhi"), None),
    ("GET", "/audit/", "audit.log", lambda role: role in STREET_OR_ADMIN, None),
    # 包社区/包网格 (通知 工作要求 三(一)(二)): the admin or the 街镇 assigns; leaders read; 公示 for all of a community
    ("GET", "/responsibility/", "responsibility.index", lambda role: role not in (
        "fuyuan_frontdesk", "fuyuan_worker01", "fuda_worker01"), None),
    ("GET", "/responsibility/streets/{street:fuqiang}", "responsibility.street",
     lambda role: role in ("admin", "inspector", "fuqiang_leader"), None),
    ("GET", "/responsibility/streets/{street:kexue}", "responsibility.street",
     lambda role: ROLES[role][0] == "district", None),
    ("POST", "/responsibility/streets/{street:fuqiang}/assign", "responsibility.street_assign_POST",
     lambda role: role in STREET_OR_ADMIN, {}),
    ("GET", "/responsibility/communities/{community:fuyuan}", "responsibility.community",
     lambda role: watches_trends(role) and reaches_community(role, "fuyuan"), None),
    ("GET", "/responsibility/communities/{community:fangzhi}", "responsibility.community",
     lambda role: watches_trends(role) and reaches_community(role, "fangzhi"), None),
    ("POST", "/responsibility/communities/{community:fuyuan}/assign", "responsibility.community_assign_POST",
     lambda role: role in STREET_OR_ADMIN, {}),
    ("POST", "/responsibility/terms/{term:fuyuan}/end", "responsibility.end_POST",
     lambda role: role in STREET_OR_ADMIN, {}),
    ("GET", "/responsibility/communities/{community:fuyuan}/publicity", "responsibility.publicity_page",
     lambda role: reaches_community(role, "fuyuan"), None),
    ("GET", "/responsibility/communities/{community:fangzhi}/publicity", "responsibility.publicity_page",
     lambda role: reaches_community(role, "fangzhi"), None),
    ("GET", "/responsibility/supervision", "responsibility.supervision_page", lambda role: role == "fuqiang_leader",
     None),
    ("POST", "/responsibility/supervision", "responsibility.supervision_POST", lambda role: role == "fuqiang_leader",
     {}),
    ("GET", "/responsibility/coverage/streets/{street:fuqiang}?month=2026-11", "responsibility.street_coverage",
     lambda role: role in ("admin", "inspector", "fuqiang_leader"), None),
    ("GET", "/responsibility/coverage/streets/{street:kexue}", "responsibility.street_coverage",
     lambda role: role in ("admin", "inspector"), None),
    ("GET", "/responsibility/coverage/streets/{street:fuqiang}/coverage.xlsx", "responsibility.street_coverage_xlsx",
     lambda role: role in ("admin", "inspector", "fuqiang_leader"), None),
    ("GET", "/responsibility/coverage/district?month=x", "responsibility.district_coverage",
     lambda role: role in ("admin", "inspector"), None),
    ("GET", "/responsibility/coverage/district/coverage.xlsx", "responsibility.district_coverage_xlsx",
     lambda role: role in ("admin", "inspector"), None),
    # 督导扣分: the district assesses the 街镇领导, so only the administrator sets it
    ("GET", "/responsibility/settings", "responsibility.rules_page", admin_only, None),
    ("POST", "/responsibility/settings", "responsibility.rules_POST", admin_only, {}),
]
# Not role-dependent: reachable before login, or the way out.
OUTSIDE_MATRIX = {"static", "auth.login", "auth.login_POST", "auth.logout_POST",
                  "hall.hall",  # the hall screen: no login, a revocable token (tests/test_board.py)
                  "hall_publicity.hall",  # its 网格责任人公示 view, same token (tests/test_responsibility.py)
                  "pwa.manifest", "pwa.service_worker"}  # no data: tests/test_installable.py


def resolve(app, path: str) -> str:
    with app.app_context():
        while "{" in path:
            start, end = path.index("{"), path.index("}")
            kind, slug = path[start + 1:end].split(":")
            if kind == "person":
                obj_id = db.session.scalar(select(Account.person_id).where(Account.username == slug))
            elif kind == "leave":
                obj_id = pending_leave_of(slug)
            elif kind == "behalf":
                obj_id = behalf_leave_of(slug)
            elif kind == "correction":
                obj_id = pending_correction_of(slug)
            elif kind in ("matter", "matterphoto"):
                obj_id = matter_of(slug)[kind]
            elif kind == "inspection":
                obj_id = inspection_objects()[slug]
            elif kind == "guide":
                obj_id = guide_objects()[slug]
            elif kind == "term":
                obj_id = term_of(slug)
            else:
                model = Street if kind == "street" else Community
                obj_id = db.session.scalar(select(model.id).where(model.slug == slug))
            path = path[:start] + str(obj_id) + path[end + 1:]
    return path


def matter_of(username) -> dict[str, int]:
    """A matter this worker registered in their grid (with a photo), once per test database."""
    from portal.matters import rules as matter_rules
    from portal.matters.models import Matter, MatterPhoto
    from tests import images

    worker = db.session.scalar(select(Account).where(Account.username == username))
    matter = db.session.scalar(select(Matter).where(Matter.found_by_id == worker.person_id))
    if matter is None:
        matter = matter_rules.register(worker, worker.person.community, matter_rules.MatterInput(
            str(worker.person.grid_id), "3-2-501", "楼道灯不亮", "1", "3", "王阿姨", "13812345678", True),
            photos=[("p.png", images.png())])
        db.session.commit()
    return {"matter": matter.id,
            "matterphoto": db.session.scalar(select(MatterPhoto.id).where(MatterPhoto.matter_id == matter.id))}


def pending_leave_of(username) -> int:
    """A pending 事假 of this person, filed once per test database."""
    from portal.leave import rules as leave_rules
    from portal.leave.models import LeaveRequest, LeaveType

    person_id = db.session.scalar(select(Account.person_id).where(Account.username == username))
    existing = db.session.scalar(select(LeaveRequest.id).where(LeaveRequest.person_id == person_id))
    if existing:
        return existing
    account = db.session.scalar(select(Account).where(Account.username == username))
    personal = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "personal"))
    from datetime import timedelta

    from portal import clock

    start = clock.today() + timedelta(days=7)
    while start.weekday() >= 5:
        start += timedelta(days=1)
    data = leave_rules.LeaveInput(personal, start, "am", start, "pm", "家中有事", "本市", "")
    leave = leave_rules.submit(account, account.person, data, {"LEAVE_STREET_APPROVAL_OVER_DAYS": 3})
    db.session.commit()
    return leave.id


def behalf_leave_of(username) -> int:
    """A pending 病假 of this person filed for them by fuyuan_secretary (代请假), once per test database."""
    from portal.leave import rules as leave_rules
    from portal.leave.models import LeaveRequest, LeaveType

    person_id = db.session.scalar(select(Account.person_id).where(Account.username == username))
    existing = db.session.scalar(select(LeaveRequest.id).where(LeaveRequest.person_id == person_id,
                                                               LeaveRequest.filed_by_id.is_not(None)))
    if existing:
        return existing
    sick = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "sick"))
    from portal import clock

    today = clock.today()
    data = leave_rules.LeaveInput(sick, today, "am", today, "pm", "住院", "包头市中心医院", "")
    leave = leave_rules.submit(account("fuyuan_secretary"), account(username).person, data,
                               {"LEAVE_STREET_APPROVAL_OVER_DAYS": 3}, behalf_reason="住院，无法使用手机")
    db.session.commit()
    return leave.id


def term_of(slug) -> int:
    """An open 包社区 term of the community, made once per test database."""
    from portal.responsibility import rules as responsibility
    from portal.responsibility.models import Assignment, AssignmentKind

    c = community(slug)
    existing = db.session.scalar(select(Assignment.id).where(Assignment.community_id == c.id))
    if existing:
        return existing
    leader = db.session.scalar(select(Account).where(Account.username == f"{c.street.slug}_leader"))
    term = responsibility.assign(account("admin"), AssignmentKind.COMMUNITY, c, leader.person, "2026-11-01", None,
                                 responsibility.book_version(responsibility.scope_of(AssignmentKind.COMMUNITY,
                                                                                      c.street_id)))
    db.session.commit()
    return term.id


def pending_correction_of(username) -> int:
    """A pending 补签到 for yesterday of this person, filed once per test database."""
    from datetime import timedelta

    from portal import clock
    from portal.attendance import corrections
    from portal.attendance.models import AttendanceCorrection

    person_id = db.session.scalar(select(Account.person_id).where(Account.username == username))
    existing = db.session.scalar(select(AttendanceCorrection.id).where(AttendanceCorrection.person_id == person_id))
    if existing:
        return existing
    account = db.session.scalar(select(Account).where(Account.username == username))
    correction = corrections.request(account, account.person, "clock_in", clock.today() - timedelta(days=1),
                                     "08:20", "忘记签到")
    db.session.commit()
    return correction.id


def guide_objects() -> dict[str, int]:
    """A district item, 富源's own item, a 告知单 and a hall notice of 富源 (made once per database)."""
    from portal.guide import hall, sheets
    from portal.guide.models import HallNotice, NoticeSheet, ServiceItem

    district = db.session.scalar(select(ServiceItem).where(ServiceItem.scope_key == "d").order_by(ServiceItem.id))
    fuyuan = community("fuyuan")
    if db.session.scalar(select(NoticeSheet.id)) is None:
        sheets.issue(account("fuyuan_frontdesk"), district, fuyuan, "王女士")
        hall.add_notice(account("fuyuan_secretary"), fuyuan, {"title": "停水通知", "start_on": "2026-11-25",
                                                              "end_on": "2026-11-30"})
        db.session.commit()
    return {"district": district.id,
            "fuyuan": db.session.scalar(select(ServiceItem.id).where(ServiceItem.community_id == fuyuan.id)),
            "sheet": db.session.scalar(select(NoticeSheet.id)),
            "notice": db.session.scalar(select(HallNotice.id))}


def inspection_objects() -> dict[str, int]:
    """In 富源: a submitted inspection (one failed item with a photo, so an action), a
    draft, a district 通报 with a 申诉, and a 抽查 draw — made once per test database."""
    from portal.inspections import bulletins, conduct, sampling
    from portal.inspections.models import Bulletin, CorrectiveAction, Inspection, InspectionPhoto, Objection
    from tests import images

    existing = db.session.scalar(select(Bulletin.id))
    if existing is None:
        inspector, secretary = account("inspector"), account("fuyuan_secretary")
        fuyuan = community("fuyuan")
        done = conduct.start(inspector, fuyuan)
        sheet = conduct.sheet(done)
        for index, item in enumerate(sheet.items):
            conduct.answer(inspector, done.id, str(item.id), None, "fail" if index == 0 else "pass",
                           "未佩戴" if index == 0 else "")
        conduct.add_photo(inspector, done.id, str(sheet.items[0].id), None, "p.png", images.png())
        conduct.submit(inspector, done.id)
        db.session.commit()
        conduct.start(inspector, fuyuan)
        bulletin = bulletins.publish(inspector, "2026-11", None)
        bulletins.lodge_objection(secretary, bulletin, "异议")
        sampling.new_draw(inspector, None, "3", "7")
        db.session.commit()
    return {
        "submitted": db.session.scalar(select(Inspection.id).where(Inspection.status == "submitted")),
        "draft": db.session.scalar(select(Inspection.id).where(Inspection.status == "draft")),
        "action": db.session.scalar(select(CorrectiveAction.id)),
        "photo": db.session.scalar(select(InspectionPhoto.id)),
        "bulletin": db.session.scalar(select(Bulletin.id)),
        "objection": db.session.scalar(select(Objection.id)),
        "draw": db.session.scalar(select(sampling.SamplingDraw.id)),
    }


def test_the_matrix_covers_every_route(app):
    """A new route must be added to MATRIX (with who may use it) before it lands."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    covered = {row[2] for row in MATRIX} | OUTSIDE_MATRIX
    assert endpoints - covered == set(), "routes missing from the permission matrix"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_and_does_only_what_its_position_allows(app, auth, role):
    app.config["CLOCK_NOW"] = FROZEN  # leave dates stay inside a calendar year that is covered
    assert auth.login(role).status_code == 302
    token = auth.token("/")
    for method, template, _endpoint, allowed, data in MATRIX:
        path = resolve(app, template)
        if method == "GET":
            response = auth.client.get(path)
        else:
            response = auth.client.post(path, data={**data, "csrf_token": token})
        if allowed(role):
            assert response.status_code in (200, 204, 302, 303, 400, 404, 409), (role, method, path, response.status_code)
            assert response.status_code != 403
        else:
            assert response.status_code == 403, (role, method, path, response.status_code)
            assert "无权访问" in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_login(app, client):
    for method, template, _endpoint, _allowed, _data in MATRIX:
        if method == "GET" and "/poll" not in template:
            response = client.get(resolve(app, template))
            assert response.status_code == 302 and response.headers["Location"].startswith("/login"), template



def community(slug):
    return db.session.scalar(select(Community).where(Community.slug == slug))


def test_a_secretary_cannot_see_another_communitys_people(app):
    with app.app_context():
        secretary = account("fuyuan_secretary")
        assert can(secretary, Action.VIEW_PEOPLE, community("fuyuan"))
        assert not can(secretary, Action.VIEW_PEOPLE, community("fuda"))
        assert can(secretary, Action.VIEW_PEOPLE, account("fuyuan_worker07").person)
        assert not can(secretary, Action.VIEW_PEOPLE, account("fuda_worker01").person)


def test_a_street_leader_reaches_only_their_street(app):
    with app.app_context():
        leader = account("fuqiang_leader")
        assert can(leader, Action.VIEW_COMMUNITY, community("fuda"))
        assert not can(leader, Action.VIEW_COMMUNITY, community("fangzhi"))
        assert can(leader, Action.VIEW_PEOPLE, account("fuda_worker01").person)
        assert not can(leader, Action.MANAGE_PEOPLE)


def test_a_worker_sees_themself_but_manages_nobody(app):
    with app.app_context():
        worker = account("fuyuan_worker01")
        assert can(worker, Action.VIEW_PEOPLE, worker.person)
        assert not can(worker, Action.MANAGE_PEOPLE, worker.person)
        assert not can(worker, Action.VIEW_AUDIT)


def test_the_roster_export_follows_the_office_that_keeps_the_roster(app):
    """The 管理员 for the district, a 街镇 for its street and its communities, a
    书记/站长 for their community; nobody else, and importing stays the 管理员's."""
    with app.app_context():
        fuyuan, fangzhi = community("fuyuan"), community("fangzhi")
        fuqiang = fuyuan.street
        assert can(account("admin"), Action.EXPORT_ROSTER, None)
        assert not can(account("fuqiang_leader"), Action.EXPORT_ROSTER, None)
        assert can(account("fuqiang_leader"), Action.EXPORT_ROSTER, fuqiang)
        assert can(account("fuqiang_leader"), Action.EXPORT_ROSTER, fuyuan)
        assert not can(account("fuqiang_leader"), Action.EXPORT_ROSTER, fangzhi)
        assert can(account("fuyuan_stationhead"), Action.EXPORT_ROSTER, fuyuan)
        assert not can(account("fuyuan_secretary"), Action.EXPORT_ROSTER, fuqiang)
        for role in ("inspector", "fuyuan_frontdesk", "fuyuan_worker01"):
            assert not can(account(role), Action.EXPORT_ROSTER, fuyuan), role
        assert not can(account("fuqiang_leader"), Action.IMPORT_ROSTER)


def test_rest_day_work_is_confirmed_by_whoever_decides_the_persons_leave(app):
    """调休: a worker's by the community's 书记 or 站长, a 书记's or 站长's by their 街镇;
    nobody their own, nobody another community's, not the 管理员 or the 督查."""
    with app.app_context():
        worker, secretary = account("fuyuan_worker01").person, account("fuyuan_secretary").person
        assert can(account("fuyuan_secretary"), Action.CONFIRM_COMP_TIME, worker)
        assert can(account("fuyuan_stationhead"), Action.RECORD_OVERTIME, worker)
        assert not can(account("fuyuan_worker01"), Action.CONFIRM_COMP_TIME, worker)
        assert not can(account("fuyuan_secretary"), Action.CONFIRM_COMP_TIME, secretary)
        assert can(account("fuqiang_leader"), Action.CONFIRM_COMP_TIME, secretary)
        assert not can(account("fuqiang_leader"), Action.CONFIRM_COMP_TIME, worker)
        for role in ("fangzhi_secretary", "fuyuan_frontdesk", "admin", "inspector"):
            assert not can(account(role), Action.CONFIRM_COMP_TIME, worker), role
            assert not can(account(role), Action.RECORD_OVERTIME, community("fuyuan")), role
        assert can(account("fuyuan_worker01"), Action.VIEW_COMP_TIME, worker)
        assert not can(account("fuyuan_worker02"), Action.VIEW_COMP_TIME, worker)
        assert not can(account("fuyuan_frontdesk"), Action.VIEW_COMP_TIME, community("fuyuan"))


def test_a_deactivated_account_may_do_nothing(app):
    with app.app_context():
        admin = account("admin")
        admin.active = False
        assert not can(admin, Action.VIEW_HOME)
        assert not can(None, Action.VIEW_HOME)


def test_a_residents_phone_is_for_the_handling_chain_only(app):
    from portal.matters.models import Matter

    with app.app_context():
        matter = db.session.get(Matter, matter_of("fuyuan_worker01")["matter"])
        shown = {role for role in (*ROLES, "fuyuan_worker02") if can(account(role), Action.VIEW_MATTER_PHONE, matter)}
        assert shown == {"fuyuan_worker01", "fuyuan_secretary", "fuyuan_stationhead"}
        assert not can(account("fuyuan_worker02"), Action.VIEW_MATTER, matter)  # another grid's worker
        assert not can(account("fuda_worker01"), Action.REGISTER_MATTER, community("fuyuan"))
