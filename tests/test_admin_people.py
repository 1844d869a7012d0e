"""The administrator's people and accounts pages, as the district office relies on them."""
import html as html_lib
import re

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import Account
from portal.errors import FieldErrors
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import Person, Position
from tests.conftest import DEMO_PASSWORD, Auth, recorded_statements

NON_ADMINS = ["fuyuan_worker01", "fuyuan_frontdesk", "fuyuan_secretary", "fuqiang_leader", "inspector"]


# -- helpers ------------------------------------------------------------------

def counts(app) -> dict:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Person, Account, AuditEntry)}


def person_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Account.person_id).where(Account.username == username))


def community_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Community.id).where(Community.name == name))


def load(app, username: str) -> dict:
    """What the database holds about one account's person, as plain values."""
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.username == username))
        if account is None:
            return {}
        p = account.person
        return {"name": p.name, "position": p.position, "community": p.community.name if p.community else None,
                "grid": p.grid.number if p.grid else None, "phone": p.phone, "active": p.active,
                "account_active": account.active}


def audit_actions(app, since_id: int = 0) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.id > since_id).order_by(AuditEntry.id)))


def last_audit_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(AuditEntry.id))) or 0


def field_error(html: str, field: str) -> str:
    """The message shown next to one form field."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""


def new_person(app, **overrides) -> dict:
    data = {"name": "李新华", "username": "fuyuan_newcomer", "position": "front_desk",
            "street_id": "", "community_id": str(community_id(app, "富源社区")), "grid_number": "",
            "phone": "13912345678", "password": "kaishi-mima-2026"}
    data.update(overrides)
    return data


@pytest.fixture
def admin(auth):
    auth.login("admin")
    return auth


def logged_in(app, username: str, password: str = DEMO_PASSWORD) -> Auth:
    other = Auth(app.test_client())
    response = other.login(username, password)
    assert response.status_code == 302, f"{username} could not log in"
    return other


# -- who may come in ----------------------------------------------------------

@pytest.mark.parametrize("username", NON_ADMINS)
def test_other_roles_get_403_on_every_admin_route(app, auth, username):
    target = person_id(app, "fuda_worker01")
    auth.login(username)
    token = auth.token("/")
    before = counts(app)
    for path in ["/admin/people", "/admin/people?q=fu", "/admin/people/new", f"/admin/people/{target}/edit",
                 "/admin/roster/import", "/admin/roster/template.xlsx"]:
        assert auth.client.get(path).status_code == 403, path
    # The audit log is also a 街镇 leader's, within their street (tests/test_audit_viewer.py).
    assert auth.client.get("/admin/audit").status_code == (302 if username == "fuqiang_leader" else 403)
    for path in ["/admin/people/new", f"/admin/people/{target}/edit", f"/admin/people/{target}/deactivate",
                 f"/admin/people/{target}/activate", f"/admin/people/{target}/reset-password",
                 "/admin/roster/import"]:
        response = auth.client.post(path, data={"csrf_token": token, **new_person(app)})
        assert response.status_code == 403, path
    assert counts(app) == before
    assert load(app, "fuda_worker01")["active"] is True


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login_page(client):
    for path in ["/admin/people", "/admin/people/new", "/admin/roster/import", "/admin/audit"]:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path


# -- the list -----------------------------------------------------------------

def rows_of(html: str) -> int:
    return html.count('aria-label="编辑')


def test_the_list_shows_the_whole_district_fifty_at_a_time(admin):
    page = admin.client.get("/admin/people").get_data(as_text=True)
    assert "共 786 人" in page and "第 1 / 16 页" in page
    assert rows_of(page) == 50
    for heading in ["姓名", "用户名", "职务", "单位", "网格", "电话", "状态", "操作"]:
        assert f"<th>{heading}</th>" in page
    # District staff first, their unit is the district; the word badge says the status.
    assert "青山区" in page and '<span class="badge">在职</span>' in page
    assert 'rel="next"' in page and 'rel="prev"' not in page
    last = admin.client.get("/admin/people?page=16").get_data(as_text=True)
    assert rows_of(last) == 786 - 15 * 50 and 'rel="next"' not in last
    assert rows_of(admin.client.get("/admin/people?page=999").get_data(as_text=True)) == 36
    assert rows_of(admin.client.get("/admin/people?page=abc").get_data(as_text=True)) == 50


def test_filters_narrow_the_list(app, admin):
    fuyuan = community_id(app, "富源社区")
    page = admin.client.get(f"/admin/people?community_id={fuyuan}").get_data(as_text=True)
    # 12 workers, the secretary, the station head and 3 at the front desk.
    assert "共 17 人" in page and rows_of(page) == 17 and "富达社区</td>" not in page
    page = admin.client.get(f"/admin/people?community_id={fuyuan}&position=grid_worker").get_data(as_text=True)
    assert "共 12 人" in page and "第12网格" in page
    page = admin.client.get("/admin/people?q=fuyuan_worker0").get_data(as_text=True)
    assert "共 9 人" in page and "fuyuan_worker09" in page and "fuyuan_worker10" not in page
    page = admin.client.get("/admin/people?position=street_leader").get_data(as_text=True)
    assert "共 10 人" in page
    assert "没有符合条件的人员" in admin.client.get("/admin/people?status=inactive").get_data(as_text=True)
    # Paging keeps the filters.
    page = admin.client.get("/admin/people?position=grid_worker").get_data(as_text=True)
    assert re.search(r'href="/admin/people\?[^"]*position=grid_worker[^"]*page=2|'
                     r'href="/admin/people\?page=2[^"]*position=grid_worker', page.replace("&amp;", "&"))


def test_nonsense_in_the_address_is_ignored_or_not_found_never_an_error(admin):
    for query in ["street_id=abc", "community_id=99999999999999999999", "position=emperor", "status=maybe",
                  "q=%00%01", "page=-1", "page=99999999999999999999", "street_id=%00"]:
        response = admin.client.get(f"/admin/people?{query}")
        assert response.status_code == 200, query
        assert "共 786 人" in response.get_data(as_text=True), query
    # A search means what it says: % and _ are not wildcards.
    assert "没有符合条件的人员" in admin.client.get("/admin/people?q=%25").get_data(as_text=True)
    assert "共 49 人" in admin.client.get("/admin/people?q=_worker01").get_data(as_text=True)
    assert admin.client.get("/admin/people/999999/edit").status_code == 404
    assert admin.client.get("/admin/people/99999999999999999999/edit").status_code == 404
    assert admin.post("/admin/people/999999/deactivate").status_code == 404


def test_htmx_gets_only_the_results_and_the_page_works_without_it(admin):
    full = admin.client.get("/admin/people")
    html = full.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]
    form = re.search(r"<form class=\"filters\"[^>]*>", html).group(0)
    for attribute in ['method="get"', 'hx-get="/admin/people"', 'hx-trigger="change, submit"',
                      'hx-target="#people-results"', 'hx-push-url="true"']:
        assert attribute in form
    assert 'id="people-results"' in html
    assert "hx-on" not in html and "style=" not in html and "<script>" not in html
    part = admin.client.get("/admin/people?position=inspector", headers={"HX-Request": "true"})
    fragment = part.get_data(as_text=True)
    assert part.status_code == 200 and "HX-Request" in part.headers["Vary"]
    assert "<html" not in fragment and "<form" not in fragment
    assert "共 1 人" in fragment and "区级督查" in fragment


def test_the_list_takes_the_same_few_queries_however_many_rows(app, admin):
    admin.client.get("/")  # the login session, read once after the login
    with recorded_statements(app) as few:
        admin.client.get("/admin/people?position=street_leader")
    with recorded_statements(app) as statements:
        admin.client.get("/admin/people")
    assert len(statements) == len(few) and len(statements) <= 8, statements


# -- creating -----------------------------------------------------------------

def test_an_admin_creates_a_grid_worker_for_a_vacant_grid(app, admin):
    # 富源社区第3网格 falls vacant when its worker leaves.
    leaving = person_id(app, "fuyuan_worker03")
    admin.post(f"/admin/people/{leaving}/deactivate", token_from="/admin/people")
    assert load(app, "fuyuan_worker03")["grid"] is None
    before, mark = counts(app), last_audit_id(app)

    response = admin.post("/admin/people/new", new_person(
        app, username="fuyuan_worker03b", position="grid_worker", grid_number="3"), token_from="/admin/people/new")
    assert response.status_code == 303
    page = admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已新增网格员李新华" in page

    assert load(app, "fuyuan_worker03b") == {
        "name": "李新华", "position": Position.GRID_WORKER, "community": "富源社区", "grid": 3,
        "phone": "13912345678", "active": True, "account_active": True}
    after = counts(app)
    assert after["Person"] == before["Person"] + 1 and after["Account"] == before["Account"] + 1
    assert audit_actions(app, mark) == ["person.created"]
    # The new worker logs in with the initial password, replaces it, and finds their grid.
    newcomer = logged_in(app, "fuyuan_worker03b", "kaishi-mima-2026")
    assert newcomer.client.get("/").headers["Location"] == "/account/password"
    newcomer.post("/account/password", {"current": "kaishi-mima-2026", "new": "wode-xin-mima-2026",
                                        "confirm": "wode-xin-mima-2026"}, token_from="/account/password")
    newcomer = logged_in(app, "fuyuan_worker03b", "wode-xin-mima-2026")
    assert "负责第3网格" in newcomer.client.get("/").get_data(as_text=True)


def test_a_second_worker_cannot_take_an_occupied_grid_and_nothing_is_written(app, admin):
    before = counts(app)
    response = admin.post("/admin/people/new", new_person(
        app, username="fuyuan_extra", position="grid_worker", grid_number="3"), token_from="/admin/people/new")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "富源社区第3网格已由" in field_error(html, "grid_number")
    assert "一员一格" in field_error(html, "grid_number")
    assert 'value="fuyuan_extra"' in html  # what was typed is kept
    assert counts(app) == before and load(app, "fuyuan_extra") == {}


BAD_INPUT = [
    ("name", "", "请填写姓名"),
    ("name", "张\x00三", "控制字符"),
    ("name", "长" * 100_000, "不能超过 50"),
    ("username", "admin", "已被使用"),
    ("username", "Fu Yuan!", "用户名须为"),
    ("username", "x" * 5_000, "用户名须为"),
    ("position", "", "请选择职务"),
    ("position", "emperor", "请选择有效的职务"),
    ("community_id", "", "须选择所属社区"),
    ("community_id", "abc", "所选社区不存在"),
    ("community_id", "99999999999999999999", "所选社区不存在"),
    ("street_id", "1' OR '1'='1", "所选街镇不存在"),
    ("grid_number", "abc", "网格号须为整数"),
    ("grid_number", "3.0", "网格号须为整数"),
    ("grid_number", "-3", "网格号应为 1–999"),
    ("grid_number", "99999999999999999999", "网格号应为 1–999"),
    ("grid_number", "3", "只有网格员负责网格"),
    ("phone", "12345", "手机号应为"),
    ("phone", "1" * 500, "手机号应为"),
    ("password", "", "请设置初始密码"),
    ("password", "short", "至少 10 个字符"),
    ("password", "fuyuan_newcomer-2026", "不能包含用户名"),
    ("password", "mima\x00-2026-abc", "控制字符"),
]


def test_every_bad_field_gets_a_chinese_message_next_to_it_and_nothing_is_written(app, admin):
    before = counts(app)
    token = admin.token("/admin/people/new")
    for field, value, message in BAD_INPUT:
        response = admin.client.post("/admin/people/new", data={**new_person(app, **{field: value}),
                                                                "csrf_token": token})
        assert response.status_code == 400, (field, value)
        html = response.get_data(as_text=True)
        shown = field_error(html, field)
        assert message in shown, (field, value, shown)
        assert html.count(f'id="{field}-error"') == 1, (field, value)  # one message, not a pile
    # A form without its CSRF token is refused as well.
    response = admin.client.post("/admin/people/new", data=new_person(app))
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    assert counts(app) == before and load(app, "fuyuan_newcomer") == {}


def test_a_street_leader_needs_a_street_and_gets_no_community(app, admin):
    response = admin.post("/admin/people/new", new_person(app, username="xingfu_leader2", position="street_leader",
                                                          community_id=""), token_from="/admin/people/new")
    assert response.status_code == 400
    assert "街镇领导须选择所属街镇" in field_error(response.get_data(as_text=True), "street_id")
    with app.app_context():
        street_id = db.session.scalar(select(Community.street_id).where(Community.name == "阳光社区"))
    response = admin.post("/admin/people/new", new_person(app, username="xingfu_leader2", position="street_leader",
                                                          community_id="", street_id=str(street_id)),
                          token_from="/admin/people/new")
    assert response.status_code == 303
    assert load(app, "xingfu_leader2")["position"] is Position.STREET_LEADER


# -- editing ------------------------------------------------------------------

def test_editing_a_phone_number_is_saved_and_audited_before_and_after(app, admin):
    worker = person_id(app, "fuyuan_worker01")
    old_phone = load(app, "fuyuan_worker01")["phone"]
    form = admin.client.get(f"/admin/people/{worker}/edit").get_data(as_text=True)
    assert f'value="{old_phone}"' in form and 'value="fuyuan_worker01"' in form
    assert 'name="password"' not in form
    mark = last_audit_id(app)
    service_start = re.search(r'name="service_start" [^>]*value="([^"]*)"', form).group(1)
    response = admin.post(f"/admin/people/{worker}/edit", {
        "name": load(app, "fuyuan_worker01")["name"], "username": "fuyuan_worker01", "position": "grid_worker",
        "community_id": str(community_id(app, "富源社区")), "grid_number": "1", "phone": "0472-5109999",
        "service_start": service_start,  # the form shows it, so the browser sends it back
    }, token_from=f"/admin/people/{worker}/edit")
    assert response.status_code == 303
    assert "已保存" in admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert load(app, "fuyuan_worker01")["phone"] == "0472-5109999"
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.id > mark))
        assert entry.action == "person.updated"
        assert entry.before == {"phone": old_phone} and entry.after == {"phone": "0472-5109999"}


def test_moving_a_worker_onto_a_colleagues_grid_is_refused(app, admin):
    worker = person_id(app, "fuyuan_worker01")
    before = counts(app)
    response = admin.post(f"/admin/people/{worker}/edit", {
        "name": "某某", "username": "fuyuan_worker01", "position": "grid_worker",
        "community_id": str(community_id(app, "富源社区")), "grid_number": "2", "phone": "",
    }, token_from=f"/admin/people/{worker}/edit")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "第2网格已由" in field_error(html, "grid_number")
    assert load(app, "fuyuan_worker01")["grid"] == 1 and load(app, "fuyuan_worker01")["name"] != "某某"
    assert counts(app) == before


# -- deactivating, activating, resetting --------------------------------------

def test_a_deactivated_worker_can_no_longer_log_in_and_their_open_session_stops_working_until_restored(
        app, admin):
    worker = logged_in(app, "fuyuan_worker01")
    assert worker.client.get("/").status_code == 200
    target = person_id(app, "fuyuan_worker01")
    edit = admin.client.get(f"/admin/people/{target}/edit").get_data(as_text=True)
    assert "确认停用" in edit and "将空出" in edit
    mark = last_audit_id(app)

    response = admin.post(f"/admin/people/{target}/deactivate", token_from=f"/admin/people/{target}/edit")
    assert response.status_code == 303
    page = admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已停用" in page and "富源社区第1网格已空出" in page

    assert worker.client.get("/").status_code == 302  # the open session no longer works
    refused = Auth(app.test_client()).login("fuyuan_worker01")
    assert refused.status_code == 400 and "该账号已停用" in refused.get_data(as_text=True)
    state = load(app, "fuyuan_worker01")
    assert state["active"] is False and state["account_active"] is False and state["grid"] is None
    assert "person.deactivated" in audit_actions(app, mark)
    listed = admin.client.get("/admin/people?status=inactive").get_data(as_text=True)
    assert "共 1 人" in listed and '<span class="badge off">已停用</span>' in listed

    mark = last_audit_id(app)
    response = admin.post(f"/admin/people/{target}/activate", token_from=f"/admin/people/{target}/edit")
    assert response.status_code == 303
    page = admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已恢复" in page and "重新填写网格号" in page
    assert load(app, "fuyuan_worker01")["active"] is True
    assert audit_actions(app, mark) == ["person.activated"]
    logged_in(app, "fuyuan_worker01")


def test_an_admin_cannot_deactivate_themself(app, admin):
    me = person_id(app, "admin")
    assert "确认停用" not in admin.client.get(f"/admin/people/{me}/edit").get_data(as_text=True)
    before = counts(app)
    response = admin.post(f"/admin/people/{me}/deactivate", token_from="/admin/people")
    assert response.status_code == 303
    assert "不能停用自己的账号" in admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert load(app, "admin")["active"] is True and counts(app) == before
    assert admin.client.get("/admin/people").status_code == 200


def test_a_password_reset_shows_the_temporary_password_once_and_ends_every_session(app, admin):
    worker = logged_in(app, "fuyuan_worker02")
    target = person_id(app, "fuyuan_worker02")
    mark = last_audit_id(app)
    response = admin.post(f"/admin/people/{target}/reset-password", token_from=f"/admin/people/{target}/edit")
    assert response.status_code == 200 and "Location" not in response.headers
    html = response.get_data(as_text=True)
    password = re.search(r'<p class="secret"><code>([^<]+)</code></p>', html).group(1)
    assert "只显示这一次" in html and "所有已登录的设备均已退出" in html
    assert response.headers["Cache-Control"] == "no-store"

    # Not kept anywhere it could be seen again.
    for again in [f"/admin/people/{target}/edit", "/admin/people", "/"]:
        assert password not in admin.client.get(again).get_data(as_text=True)
    assert worker.client.get("/").status_code == 302
    assert Auth(app.test_client()).login("fuyuan_worker02").status_code == 400
    logged_in(app, "fuyuan_worker02", password)
    assert audit_actions(app, mark)[0] == "account.password_reset"


# -- the audit log ------------------------------------------------------------

def test_the_audit_log_shows_who_did_what_and_filters(app, admin):
    target = person_id(app, "fuda_worker01")
    admin.post(f"/admin/people/{target}/deactivate", token_from="/admin/people")
    page = html_lib.unescape(admin.client.get("/admin/audit", follow_redirects=True).get_data(as_text=True))
    for heading in ["时间", "账号", "人员", "代谁操作", "操作", "对象", "变更（前 → 后）"]:
        assert f"<th>{heading}</th>" in page
    assert "person.deactivated" in page and "auth.login" in page and "年" in page
    assert '<dt>active</dt><dd class="old">true</dd><dd class="new">false</dd>' in page  # the change, before → after
    only_people = admin.client.get("/admin/audit?action=person.", follow_redirects=True).get_data(as_text=True)
    assert "<code>person.deactivated</code>" in only_people and "<code>auth.login</code>" not in only_people
    nobody = admin.client.get("/admin/audit?username=nobody", follow_redirects=True).get_data(as_text=True)
    assert "没有这个账号" in nobody
    assert admin.client.get("/admin/audit?action=%00%25&username=%00", follow_redirects=True).status_code == 200


def test_a_promotion_reaches_the_promoted_persons_open_pages_at_once(app, admin):
    app.config["VERSIONS_MAX_AGE"] = 3600.0  # as in production
    worker = logged_in(app, "fuyuan_worker05")
    assert "考勤表" not in worker.client.get("/").get_data(as_text=True)
    target = person_id(app, "fuyuan_worker05")
    response = admin.post(f"/admin/people/{target}/edit", {
        "name": load(app, "fuyuan_worker05")["name"], "username": "fuyuan_worker05", "position": "station_head",
        "community_id": str(community_id(app, "富源社区")), "grid_number": "", "phone": "",
    }, token_from=f"/admin/people/{target}/edit")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "考勤表" in worker.client.get("/").get_data(as_text=True)


def test_the_last_administrator_can_be_neither_demoted_nor_deactivated(app):
    from portal.admin import people as people_rules
    from portal.people.models import Person, Position

    with app.app_context():
        admin = db.session.scalar(select(Account).where(Account.username == "admin"))
        person = admin.person
        data = people_rules.PersonInput(person.name, "admin", Position.INSPECTOR)
        with pytest.raises(FieldErrors) as refused:
            people_rules.update_person(admin, person, data)
        assert "唯一在用的管理员" in refused.value.errors["position"]
        db.session.rollback()
        assert db.session.get(Person, person.id).position is Position.ADMIN
        second = people_rules.create_person(admin, people_rules.PersonInput(
            "第二管理员", "admin2", Position.ADMIN), "a-long-enough-password-2")
        db.session.commit()
        people_rules.update_person(admin, db.session.get(Person, person.id), data)  # now there is another
        db.session.commit()
        with pytest.raises(FieldErrors) as refused:
            people_rules.deactivate_person(admin, second)
        assert "唯一在用的管理员" in refused.value.errors["active"]
