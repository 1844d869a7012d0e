"""便民服务事项 in Chromium at phone size (issue 15, "Done when"): a worker on patrol
records a matter with a photo and escalates it; the 书记 assigns it to another worker,
who closes it and feeds it back with 满意; the dashboard counts it; an overdue matter
shows on its holder's and the 书记's home pages, not on another worker's.

The live server's clock: the suite's Wednesday 25 November 2026, 10:00, then 13:00."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.auth.models import Account
from portal.extensions import db
from tests import images
from tests.conftest import SUITE_NOW

from .conftest import PHONE
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

FINDER, SOLVER = "fuyuan_worker09", "fuyuan_worker10"


def name_of(live_app, username) -> str:
    with live_app.app_context():
        return db.session.scalar(select(Account).where(Account.username == username)).person.name


@pytest.fixture
def clock_at(live_app):
    def move(moment):
        live_app.config["CLOCK_NOW"] = moment
    yield move
    live_app.config["CLOCK_NOW"] = SUITE_NOW


def record(phone, kind: str, text: str, urgency: str, photo=None) -> str:
    """From the panel's 记一件事 to the new matter's page; returns its path."""
    phone.goto("/")
    phone.locator("#me-panel").get_by_role("link", name="记一件事").click()
    phone.get_by_label(kind).check()
    phone.get_by_label("情况描述").fill(text)
    if photo:
        phone.get_by_label(re.compile("照片")).set_input_files(photo)
    phone.get_by_label(re.compile(f"^ ?{urgency}")).check()
    phone.get_by_role("button", name="登记").click()
    expect(phone.locator(".flash-success")).to_contain_text("已登记事项")
    return phone.evaluate("location.pathname")


def test_a_matter_found_on_patrol_goes_round_the_loop(pages, live_app, clock_at, screenshots_dir, tmp_path):
    clock_at(SUITE_NOW)
    photo = tmp_path / "楼道灯.png"
    photo.write_bytes(images.png(64, 48))

    # On patrol, the worker's panel offers 记一件事; the matter is found on the patrol.
    phone = pages.new("phone", **PHONE)
    logged_in(phone, FINDER)
    me = phone.locator("#me-panel")
    me.get_by_role("button", name="巡查开始").click()
    expect(me).to_contain_text("巡查中")
    expect(me.get_by_role("link", name="记一件事")).to_be_visible()
    phone.goto("/matters/new")
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "matter-new-phone")
    path = record(phone, "居民诉求", "7号楼1单元楼道灯坏了，老人夜里上下楼不便", "较急", photo=str(photo))
    main = phone.locator("main")
    expect(main).to_contain_text("巡查发现")
    expect(main.locator(".photos img")).to_have_count(1)
    phone.get_by_role("button", name="上报书记、站长").click()
    expect(main.locator(".matter-status")).to_contain_text("已上报")
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "matter-reported-phone")

    # The 书记 assigns it to another worker.
    desk = pages.new("phone", **PHONE)
    logged_in(desk, "fuyuan_secretary")
    desk.goto(path)
    solver_name = name_of(live_app, SOLVER)
    option = desk.locator("#s-person option", has_text=f"{solver_name}（")
    desk.get_by_label("分派给").select_option(option.get_attribute("value"))
    desk.get_by_role("button", name="分派").click()
    expect(desk.locator(".matter-status")).to_contain_text("办理中")

    # The other worker closes it and records the resident's 满意.
    solver = pages.new("phone", **PHONE)
    logged_in(solver, SOLVER)
    solver.goto("/matters/")
    solver.get_by_role("link", name=re.compile("楼道灯坏了")).click()
    solver.get_by_label("办理结果（做了什么）").fill("联系物业更换楼道灯 3 盏")
    solver.get_by_role("button", name="办结").click()
    expect(solver.locator(".matter-status")).to_contain_text("已办结")
    solver.get_by_label("怎样告知居民").fill("电话告知")
    solver.get_by_label("满意", exact=True).check()
    solver.get_by_role("button", name="记录反馈").click()
    expect(solver.locator("main")).to_contain_text("居民评价：满意")
    expect(solver.locator(".timeline li")).to_have_count(5)
    assert_no_sideways_scroll(solver)
    screenshot(solver, screenshots_dir, "matter-fed-back-phone")

    # Counted on the dashboard.
    desk.goto("/dashboards/")
    table = desk.get_by_role("region", name="本月事项（表格）")
    expect(table.locator("tr", has_text="第9网格")).to_contain_text("100%")

    # An urgent matter left open turns overdue: on its holder's and the 书记's home.
    record(phone, "安全隐患", "小区东门井盖破损，有行人踩空危险", "紧急")
    clock_at(SUITE_NOW + timedelta(hours=3))
    phone.goto("/")
    expect(phone.locator("main")).to_contain_text("逾期未办结的事项")
    expect(phone.locator("main")).to_contain_text("井盖破损")
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "matter-overdue-home-phone")
    desk.goto("/")
    expect(desk.locator("main")).to_contain_text("井盖破损")
    solver.goto("/")
    expect(solver.locator("main")).not_to_contain_text("井盖破损")
