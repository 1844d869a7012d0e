"""A password an administrator sets (a new account, a reset, a roster import) is
temporary: its owner replaces it at the next login, and it stops working after 72 h."""
from datetime import timedelta

from sqlalchemy import select

from portal.admin import people as people_rules
from portal.auth.models import Account
from portal.extensions import db
from tests.conftest import SUITE_NOW, Auth


def reset(app, username="fuyuan_worker05") -> str:
    with app.app_context():
        admin = db.session.scalar(select(Account).where(Account.username == "admin"))
        account = db.session.scalar(select(Account).where(Account.username == username))
        password = people_rules.reset_password(admin, account)
        db.session.commit()
        return password


def test_a_reset_password_must_be_changed_before_anything_else(app):
    password = reset(app)
    auth = Auth(app.test_client())
    assert auth.login("fuyuan_worker05", password).status_code == 302
    for path in ("/", "/board/", "/leave/new", "/attendance/me"):
        response = auth.client.get(path)
        assert response.status_code == 303 and response.headers["Location"] == "/account/password", path
    blocked = auth.post("/leave/new", {"reason": "x"}, token_from="/account/password")
    assert blocked.status_code == 303
    changed = auth.post("/account/password", {"current": password, "new": "my-own-secret-2026",
                                              "confirm": "my-own-secret-2026"}, token_from="/account/password")
    assert changed.status_code == 302
    again = Auth(app.test_client())
    assert again.login("fuyuan_worker05", "my-own-secret-2026").status_code == 302
    assert again.client.get("/").status_code == 200


def test_a_temporary_password_expires_after_72_hours(app, travel):
    password = reset(app)
    travel(SUITE_NOW + timedelta(hours=71))
    assert Auth(app.test_client()).login("fuyuan_worker05", password).status_code == 302
    travel(SUITE_NOW + timedelta(hours=72, minutes=1))
    expired = Auth(app.test_client()).login("fuyuan_worker05", password)
    assert expired.status_code == 400 and "临时密码已过期" in expired.get_data(as_text=True)


def test_a_new_account_made_by_the_admin_starts_with_a_temporary_password(app):
    from portal.people.models import Position

    with app.app_context():
        admin = db.session.scalar(select(Account).where(Account.username == "admin"))
        person = people_rules.create_person(admin, people_rules.PersonInput(
            "新督查", "new_inspector", Position.INSPECTOR), "an-initial-pass-2026")
        db.session.commit()
        assert person.account.must_change_password
        assert person.account.temporary_until == SUITE_NOW + timedelta(hours=72)


def test_the_first_administrator_from_the_command_line_keeps_their_password(app):
    with app.app_context():
        person = people_rules.create_admin("second_admin", "第二管理员", "chosen-by-myself-2026")
        db.session.commit()
        assert not person.account.must_change_password and person.account.temporary_until is None
