"""The current section is highlighted on every page of it, not only on the entry's own URL."""
import re

import pytest

from portal.nav import current_entry

ITEMS = [("首页", "/"), ("去向指示牌", "/board/"), ("本社区", "/org/communities/1"), ("考核", "/assessment/"),
         ("数据看板", "/dashboards/"), ("考勤表", "/attendance/sheet"), ("我的考勤", "/attendance/me")]


@pytest.mark.parametrize("path, current", [
    ("/", "/"),
    ("/board/1", "/board/"),
    ("/board/1/history/5", "/board/"),
    ("/assessment/streets/1", "/assessment/"),
    ("/dashboards/streets/1", "/dashboards/"),
    ("/attendance/sheet", "/attendance/sheet"),
    ("/attendance/sheetless", None),      # a prefix of letters is not a folder
    ("/org/communities/1", "/org/communities/1"),
    ("/org/communities/12", None),
    ("/leave/", None),                    # no entry of this role: nothing highlighted, 首页 not either
])
def test_the_section_of_a_page(path, current):
    assert current_entry(ITEMS, path) == current


def test_a_page_inside_a_section_marks_its_entry_as_the_location(app, auth):
    auth.login("fuyuan_frontdesk")
    with app.app_context():
        from sqlalchemy import select

        from portal.extensions import db
        from portal.org.models import Community

        community = db.session.scalar(select(Community.id).where(Community.slug == "fuyuan"))
    html = auth.client.get(f"/board/{community}").get_data(as_text=True)
    marked = re.findall(r'<a href="([^"]+)" aria-current="(\w+)">', html)
    assert marked == [("/board/", "location")]


# -- the top of every page is kept per login, path and badge count ---------------------------

def _top(client, path="/org/") -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split("<main", 1)[0]


def test_the_top_bar_names_whoever_is_logged_in_at_the_same_path(app, auth):
    from tests.conftest import Auth

    auth.login("fuyuan_secretary")
    other = Auth(app.test_client())
    other.login("fuda_secretary")
    _top(auth.client), _top(other.client)  # the first page gives each session its CSRF secret
    mine, theirs = _top(auth.client), _top(other.client)
    assert "富源社区" in mine and "富达社区" not in mine
    assert "富达社区" in theirs and "富源社区" not in theirs
    assert _top(auth.client) == mine  # kept, and the same


def test_a_position_changed_by_the_admin_changes_the_navigation_at_once(app, auth):
    from sqlalchemy import select

    from portal.auth.models import Account
    from portal.extensions import db
    from portal.people.models import Position

    auth.login("fuyuan_worker01")
    assert "请假审批" not in _top(auth.client)
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker01"))
        account.person.position = Position.STATION_HEAD
        account.person.grid_id = None
        db.session.commit()
    assert "请假审批" in _top(auth.client)


def test_a_new_request_shows_in_the_approvers_badge_at_once(app, auth):
    from tests.test_leave import file

    auth.login("fuyuan_secretary")
    before = re.search(r'id="queue-badge"[^>]*>(\d+)<', _top(auth.client)).group(1)
    with app.app_context():
        file(app)
    after = re.search(r'id="queue-badge"[^>]*>(\d+)<', _top(auth.client)).group(1)
    assert int(after) == int(before) + 1
