"""Logging in and out, as the front desk, the workers and the offices rely on it."""
import pytest
from sqlalchemy import func, select

from portal import memo
from portal.admin import people as people_rules
from portal.audit.models import AuditEntry
from portal.auth.models import Account, LoginAttempt, LoginSession
from portal.extensions import db
from tests.conftest import DEMO_PASSWORD, SUITE_NOW, Auth, make_app, statements_of


def counts(app):
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Account, LoginSession, AuditEntry, LoginAttempt)
        }


@pytest.mark.parametrize("username", [
    "admin", "inspector", "fuqiang_leader", "fuyuan_secretary", "fuyuan_stationhead",
    "fuyuan_frontdesk", "fuyuan_worker01", "fuyuan_worker12", "fuda_worker01", "fangzhi_secretary",
])
def test_every_demo_role_can_log_in_and_sees_its_home(auth, username):
    response = auth.login(username)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = auth.client.get("/", follow_redirects=True)
    assert home.status_code == 200
    # The front desk's home is its board; everyone else's lists the day's duties.
    assert ("社工去向指示牌" if username == "fuyuan_frontdesk" else "今日要做") in home.get_data(as_text=True)


def test_home_fits_the_role(auth):
    auth.login("fuyuan_worker03")
    page = auth.client.get("/").get_data(as_text=True)
    assert "网格员" in page and "负责第3网格" in page and "一日双巡" in page
    auth.logout()
    auth.login("fuyuan_secretary")
    page = auth.client.get("/").get_data(as_text=True)
    assert "富源社区概况" in page and "审批网格员请假" in page
    auth.logout()
    auth.login("fuqiang_leader")
    page = auth.client.get("/").get_data(as_text=True)
    assert "富强路街道各社区" in page and "锦林社区" in page and "纺织社区" not in page


@pytest.mark.parametrize("username, password", [
    ("fuyuan_worker01", "wrong-password"),
    ("nobody_here", DEMO_PASSWORD),
    ("x" * 10_000, "y" * 10_000),
    ("fuyuan\x00_worker01", "demo\x07pass"),
    ("富源\u202e社区", "密码\r\n"),
])
def test_a_failed_login_says_so_in_chinese_and_writes_only_the_attempt(app, auth, username, password):
    before = counts(app)
    response = auth.login(username, password)
    assert response.status_code == 400
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    after = counts(app)
    assert after == {**before, "LoginAttempt": before["LoginAttempt"] + 1}


@pytest.mark.parametrize("username, password, message", [
    ("", "", "请输入用户名"), ("fuyuan_worker01", "", "请输入密码"),
])
def test_empty_fields_are_named(app, auth, username, password, message):
    before = counts(app)
    response = auth.login(username, password)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert counts(app) == before


def test_login_throttles_a_username_across_worker_processes(app, database_url):
    """Two app instances stand in for two gunicorn workers on one database."""
    other_worker = Auth(make_app(database_url).test_client())
    for attempt in range(5):
        target = other_worker if attempt % 2 else Auth(app.test_client())
        assert target.login("fuyuan_worker02", "wrong-password").status_code == 400
    blocked = Auth(app.test_client()).login("fuyuan_worker02", DEMO_PASSWORD)
    assert blocked.status_code == 400 and "登录失败次数过多" in blocked.get_data(as_text=True)
    # Another worker of the same office still gets in.
    assert Auth(app.test_client()).login("fuyuan_worker03").status_code == 302


def test_an_address_spraying_usernames_gets_no_second_guess_at_any_of_them(app):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 4
    auth = Auth(app.test_client())
    for n in range(4):
        auth.login(f"guess{n}", "wrong-password")
    again = auth.login("guess0", "another-wrong-password")
    assert again.status_code == 400 and "本机登录失败次数过多" in again.get_data(as_text=True)


def test_failures_for_other_usernames_never_block_a_correct_password(app):
    """The whole office sits behind one address: one person's typos lock nobody else out."""
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 4
    auth = Auth(app.test_client())
    for n in range(30):
        auth.login(f"guess{n}", "wrong-password")
    assert Auth(app.test_client()).login("fuyuan_worker01").status_code == 302


def test_knocking_on_a_locked_account_does_not_keep_it_locked(app, travel):
    from datetime import timedelta

    start = travel(SUITE_NOW)
    for _ in range(5):
        Auth(app.test_client()).login("fuyuan_worker02", "wrong-password")
    travel(start + timedelta(minutes=14))
    for _ in range(5):  # refused by the throttle: not failures of their own
        refused = Auth(app.test_client()).login("fuyuan_worker02", "wrong-password")
        assert "登录失败次数过多" in refused.get_data(as_text=True)
    travel(start + timedelta(minutes=16))
    assert Auth(app.test_client()).login("fuyuan_worker02").status_code == 302


@pytest.mark.parametrize("hops, recorded", [(0, "127.0.0.1"), (1, "10.20.30.40")])
def test_client_addresses_come_through_the_configured_proxy_hops_only(database_url, tmp_path, hops, recorded):
    from portal.auth.models import LoginAttempt, LoginSession

    app = make_app(database_url, PROXY_HOPS=hops, INSTANCE_PATH=str(tmp_path / "instance"))
    client = app.test_client()
    auth = Auth(client)
    token = auth.token("/login")
    client.post("/login", data={"username": "fuyuan_worker01", "password": DEMO_PASSWORD, "csrf_token": token},
                headers={"X-Forwarded-For": "10.20.30.40"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    with app.app_context():
        assert db.session.scalar(select(LoginAttempt.address).order_by(LoginAttempt.id.desc())) == recorded
        assert db.session.scalar(select(LoginSession.address).order_by(LoginSession.created_at.desc())) == recorded


def test_the_demo_password_is_refused_outside_demo_mode(database_url):
    auth = Auth(make_app(database_url, DEMO_MODE=False).test_client())
    response = auth.login("admin")
    assert response.status_code == 400 and "用户名或密码不正确" in response.get_data(as_text=True)


def test_login_rotates_the_session(client, auth):
    with client.session_transaction() as session:
        session["planted"] = "by-a-visitor"
    auth.login("fuyuan_worker01")
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("sid")


def test_logout_makes_a_copied_cookie_useless(app, auth):
    auth.login("fuyuan_secretary")
    cookie = auth.client.get_cookie("portal_session").value
    thief = app.test_client()
    thief.set_cookie("portal_session", cookie)
    assert thief.get("/").status_code == 200
    assert auth.logout().status_code == 302
    assert thief.get("/").status_code == 302  # back to the login page


def test_deactivation_ends_open_sessions(app, auth):
    auth.login("fuyuan_worker05")
    assert auth.client.get("/").status_code == 200
    with app.app_context():
        admin = db.session.scalar(select(Account).where(Account.username == "admin"))
        worker = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker05"))
        people_rules.deactivate_person(admin, worker.person)
        db.session.commit()
    assert auth.client.get("/").status_code == 302
    response = Auth(app.test_client()).login("fuyuan_worker05")
    assert response.status_code == 400 and "已停用" in response.get_data(as_text=True)


def test_an_expired_login_session_no_longer_works(app, auth):
    from datetime import timedelta

    auth.login("fuyuan_worker01")
    app.config["CLOCK_NOW"] = SUITE_NOW + timedelta(hours=14)
    assert auth.client.get("/").status_code == 302


@pytest.mark.parametrize("target", [
    "//evil.example", "\\\\evil.example", "/\\evil.example", "javascript:alert(1)",
    "https://evil.example/", "http:evil.example", "/\r\nevil.example", " //evil.example", "/\t/evil.example",
])
def test_next_accepts_only_local_paths(auth, target):
    token = auth.token("/login")
    response = auth.client.post("/login", query_string={"next": target},
                                data={"username": "fuyuan_worker01", "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_next_follows_a_local_path(auth):
    response = auth.client.get("/org/")
    assert response.status_code == 302 and "next=%2Forg%2F" in response.headers["Location"]
    token = auth.token("/login?next=/org/")
    response = auth.client.post("/login?next=/org/", data={"username": "inspector", "password": DEMO_PASSWORD,
                                                           "csrf_token": token})
    assert response.headers["Location"] == "/org/"


def test_changing_ones_password_logs_out_everywhere(app, auth):
    auth.login("fuda_worker01")
    other_device = Auth(app.test_client())
    other_device.login("fuda_worker01")
    response = auth.post("/account/password", {"current": DEMO_PASSWORD, "new": "qingshan-new-pass-1",
                                               "confirm": "qingshan-new-pass-1"}, token_from="/account/password")
    assert response.status_code == 302
    assert other_device.client.get("/").status_code == 302
    assert Auth(app.test_client()).login("fuda_worker01", "qingshan-new-pass-1").status_code == 302


@pytest.mark.parametrize("new, confirm, message", [
    ("short", "short", "至少 10 个字符"),
    ("qingshan-new-pass-1", "qingshan-other-pass", "两次输入的新密码不一致"),
    (DEMO_PASSWORD, DEMO_PASSWORD, "不能使用演示密码"),
    ("xx_fuda_worker01_xx", "xx_fuda_worker01_xx", "不能包含用户名"),
])
def test_a_bad_new_password_is_refused_next_to_the_field(app, auth, new, confirm, message):
    auth.login("fuda_worker01")
    before = counts(app)
    response = auth.post("/account/password", {"current": DEMO_PASSWORD, "new": new, "confirm": confirm},
                         token_from="/account/password")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert counts(app) == before


def test_create_admin_command_makes_the_first_admin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--username", "chief_admin", "--name", "王建国",
                                 "--password", "a-strong-password-2026"])
    assert result.exit_code == 0, result.output
    assert Auth(app.test_client()).login("chief_admin", "a-strong-password-2026").status_code == 302
    refused = runner.invoke(args=["create-admin", "--username", "chief_admin", "--name", "李四",
                                  "--password", "a-strong-password-2026"])
    assert refused.exit_code != 0 and "已被使用" in refused.output


# -- a login session is read once, and again after any worker changes a login ------------

def test_a_page_reads_its_login_session_only_after_a_login_changed(app, auth):
    auth.login("fuyuan_secretary")
    assert auth.client.get("/leave/queue").status_code == 200
    statements = statements_of(app, auth.client, "/leave/queue")
    assert sum("login_sessions" in s for s in statements) == 0
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker01"))
        account.person.phone = "13900000000"  # any edit of an account, person or unit
        db.session.commit()
    statements = statements_of(app, auth.client, "/leave/queue")
    assert sum("login_sessions" in s for s in statements) == 1


def test_a_logout_through_another_worker_takes_effect_at_the_next_request(app, auth, database_url):
    auth.login("fuyuan_worker01")
    assert auth.client.get("/").status_code == 200
    other_worker = make_app(database_url)  # another gunicorn process: its own memory, the same cookie
    other = other_worker.test_client()
    other.set_cookie("portal_session", auth.client.get_cookie("portal_session").value)
    assert Auth(other).logout().status_code == 302
    with other_worker.app_context():
        db.engine.dispose()
    assert auth.client.get("/").status_code == 302  # back to the login page


def test_a_logout_through_another_worker_takes_effect_once_the_max_age_has_passed(app, auth, database_url,
                                                                               monkeypatch):
    app.config["VERSIONS_MAX_AGE"] = 1.0  # as in production
    auth.login("fuyuan_worker01")
    assert auth.client.get("/").status_code == 200
    other_worker = make_app(database_url)
    other = other_worker.test_client()
    other.set_cookie("portal_session", auth.client.get_cookie("portal_session").value)
    assert Auth(other).logout().status_code == 302
    with other_worker.app_context():
        db.engine.dispose()
    later = memo.monotonic() + 1.0
    monkeypatch.setattr(memo, "monotonic", lambda: later)
    assert auth.client.get("/").status_code == 302


def test_a_deactivation_through_another_worker_logs_the_person_out(app, auth, database_url):
    auth.login("fuyuan_worker01")
    assert auth.client.get("/").status_code == 200
    other_worker = make_app(database_url)
    with other_worker.app_context():
        account = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker01"))
        account.person.active = False
        db.session.commit()
        db.engine.dispose()
    assert auth.client.get("/").status_code == 302


def test_a_login_session_expires_on_the_clock(app, auth):
    from datetime import timedelta

    auth.login("fuyuan_worker01")
    assert auth.client.get("/").status_code == 200
    app.config["CLOCK_NOW"] = SUITE_NOW + timedelta(hours=14)
    assert auth.client.get("/").status_code == 302
