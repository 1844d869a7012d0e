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
