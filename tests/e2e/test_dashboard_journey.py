"""The leaders' dashboards and the audit viewer in Chromium (issue 8, parts 3–4):
fuqiang_leader opens 富强路街道's dashboard with months of history, the plots are
drawn, and the audit log is narrowed to one kind of change and to one person.

Its own server on its own copy of the demo district: months of 考勤 history for
富强路街道 and four months of inspections are seeded here, so the shared journeys'
database stays as it was."""
import re
import shutil
import threading
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.activity.rules import record_event
from portal.auth.models import Account
from portal.board.rules import STATUS_COLUMNS
from portal.demo import seed_demo_history, seed_demo_inspections
from portal.extensions import db
from portal.org.models import Street
from tests.conftest import make_app

from .conftest import PHONE, Pages
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 11:00 in Baotou
SLOW_MS = 60_000


@pytest.fixture(scope="module")
def dash_server(sqlite_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("dash") / "portal.db"
    shutil.copyfile(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", CLOCK_NOW=NOW)
    with app.app_context():
        fuqiang = db.session.scalar(select(Street).where(Street.slug == "fuqiang"))
        assert seed_demo_history(days=100, now=NOW, community_ids=[c.id for c in fuqiang.communities]) > 10_000
        assert seed_demo_inspections(months=4, now=NOW) > 0
        accounts = {a.username: a for a in db.session.scalars(select(Account))}
        # Today: some out on patrol or a visit, one entered by the front desk, one overdue.
        for username, kinds in (("fuyuan_worker01", ("clock_in", "patrol_start")),
                                ("fuyuan_worker03", ("clock_in", "visit_start")),
                                ("fuda_worker01", ("clock_in",)), ("fuda_worker02", ("clock_in", "errand"))):
            for n, kind in enumerate(kinds):
                record_event(accounts[username], accounts[username].person, kind,
                             now=NOW - timedelta(hours=2, minutes=-20 * n),
                             expected_return=NOW - timedelta(minutes=30) if kind == "errand" else None)
        record_event(accounts["fuyuan_frontdesk"], accounts["fuyuan_worker02"].person, "patrol_start",
                     now=NOW - timedelta(minutes=40))
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-dash-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def dash_pages(browser, dash_server):
    pages = Pages(browser, dash_server)
    yield pages
    try:
        pages.assert_clean()
    finally:
        pages.close()


def test_the_street_leader_reads_the_trends_and_narrows_the_audit_log(dash_pages, screenshots_dir):
    page = dash_pages.new("desktop")
    page.set_default_timeout(SLOW_MS)  # a street's months of 考勤 are judged on the fly
    page.set_default_navigation_timeout(SLOW_MS)
    logged_in(page, "fuqiang_leader")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="数据看板").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("富强路街道数据看板")
    page.get_by_label("显示最近").select_option("6")
    page.get_by_role("button", name="更新").click()
    expect(page).to_have_url(re.compile(r"months=6"))

    # Today's board per community, by the board's rules.
    today = page.locator("table.dash-board")
    fuyuan = today.locator("tr", has=page.get_by_role("link", name="富源社区", exact=True))
    columns = [key for key, _ in STATUS_COLUMNS]  # the one order of statuses (td 0 is the name)
    expect(fuyuan.locator("td").nth(1 + columns.index("patrol"))).to_have_text("2")  # one by phone, one by the desk
    expect(fuyuan.locator("td").nth(1 + columns.index("visit"))).to_have_text("1")
    fuda = today.locator("tr", has=page.get_by_role("link", name="富达社区", exact=True))
    expect(fuda.locator("td").nth(1 + columns.index("overdue"))).to_have_text("1")

    # Four plots, each with a line per community and one for the whole street.
    plots = page.locator("figure.plot svg.trend")
    expect(plots).to_have_count(4)
    for n in range(3):
        lines = plots.nth(n).locator("g.series")
        assert lines.count() >= 3
        assert plots.nth(n).locator("g.series.emphasis polyline:not(.partial)").count() == 1
        assert plots.nth(n).locator("g.series.emphasis polyline.partial").count() == 1  # into November
        box = plots.nth(n).bounding_box()
        assert box["width"] > 400 and box["height"] > 100
    expect(page.locator("#chart-visits line.target")).to_have_count(1)
    attendance = page.locator("#chart-attendance")
    attendance.locator("summary", has_text="数据表").click()
    street_row = attendance.locator("tbody tr", has=page.locator("th", has_text="全街镇"))
    figures = street_row.locator("td").all_inner_texts()
    assert len(figures) == 6 and all(re.fullmatch(r"\d+(\.\d)?%|—", f) for f in figures)
    assert all(f != "—" for f in figures[-3:]), figures  # history of the last three months
    assert figures[:2] == ["—", "—"]  # June and July: nothing logged yet, no figure rather than 0%
    expect(attendance.locator("thead th").last).to_have_text("11月（截至24日）")

    # Told apart without colour: every line its own marker, the legend showing the same;
    # November (24 days judged) with open markers and its label under the axis.
    series = attendance.locator("g.series")
    shapes = [series.nth(n).get_attribute("data-marker") for n in range(series.count())]
    assert len(set(shapes)) == len(shapes) >= 3, shapes
    expect(attendance.locator("figcaption .key-sample path")).to_have_count(len(shapes) + 1)  # + the partial key
    expect(attendance.locator("text.partial-label")).to_have_text("截至24日")
    expect(attendance.locator("figcaption")).to_contain_text("11月截至24日，尚未结束")
    assert attendance.locator("path.point.partial").count() == len(shapes)
    screenshot(page, screenshots_dir, "dashboard-street-desktop")
    attendance.screenshot(path=screenshots_dir / "dashboard-chart-desktop.png")

    # The same street on a phone: markers big enough to tell apart, nothing off the side.
    leader_phone = dash_pages.new("phone", **PHONE)
    leader_phone.set_default_timeout(SLOW_MS)
    leader_phone.set_default_navigation_timeout(SLOW_MS)
    logged_in(leader_phone, "fuqiang_leader")
    leader_phone.goto(page.url)
    phone_chart = leader_phone.locator("#chart-attendance")
    marker = phone_chart.locator("g.series").first.locator("path.point").first.bounding_box()
    assert marker["width"] >= 7 and marker["height"] >= 7, marker
    assert_no_sideways_scroll(leader_phone)
    phone_chart.scroll_into_view_if_needed()
    phone_chart.screenshot(path=screenshots_dir / "dashboard-chart-phone.png")
    screenshot(leader_phone, screenshots_dir, "dashboard-street-phone")

    # The audit log of the street: start kind by kind, then one person.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="操作日志").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("操作日志")
    page.get_by_label("操作类型").fill("board.")
    page.get_by_label("从").fill("2026-11-25")
    page.get_by_label("到").fill("2026-11-25")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("table.audit tbody tr")
    expect(rows.first).to_be_visible()
    kinds = set(page.locator("table.audit tbody td code").all_inner_texts())
    assert kinds == {"board.status_set"}, kinds
    on_behalf = rows.filter(has_text="fuyuan_frontdesk")
    expect(on_behalf).to_have_count(1)
    subject = on_behalf.locator("td").nth(2).locator("a")
    name = subject.inner_text()
    subject.click()
    expect(page.locator("table.audit tbody tr")).to_have_count(1)
    expect(page.get_by_label("人员（被操作的人）")).not_to_have_value("")
    assert name in page.locator("table.audit").inner_text()
    screenshot(page, screenshots_dir, "audit-filtered-desktop")

    page.get_by_label("人员（被操作的人）").fill("不存在的人")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#audit-person-error")).to_contain_text("没有找到这个人员")

    # A 书记 on the phone: the community's own dashboard.
    phone = dash_pages.new("phone", **PHONE)
    phone.set_default_timeout(SLOW_MS)
    phone.set_default_navigation_timeout(SLOW_MS)
    logged_in(phone, "fuyuan_secretary")
    phone.goto("/dashboards/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("富源社区数据看板")
    expect(phone.locator("figure.plot svg.trend")).to_have_count(4)
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "dashboard-community-phone")

    # District staff: every street's scores, and a community's own score trend on the shared chart.
    desk = dash_pages.new("inspector")
    desk.set_default_timeout(SLOW_MS)
    desk.set_default_navigation_timeout(SLOW_MS)
    logged_in(desk, "inspector")
    desk.get_by_role("navigation", name="主导航").get_by_role("link", name="数据看板").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("全区数据看板")
    expect(desk.locator("table.dash-board tbody tr")).to_have_count(10)
    expect(desk.locator("#chart-inspections g.series")).to_have_count(10)
    screenshot(desk, screenshots_dir, "dashboard-district-desktop")
    desk.get_by_role("region", name="今日去向（表格）").get_by_role("link", name="富强路街道").click()
    desk.get_by_role("link", name="富源社区", exact=True).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("富源社区数据看板")
    desk.goto(desk.url.replace("/dashboards/communities/", "/inspections/communities/"))
    trend = desk.locator("#score-trend svg.trend")
    expect(trend).to_be_visible()
    assert trend.locator(".point").count() >= 2
    screenshot(desk, screenshots_dir, "inspections-score-trend-desktop")
