"""调休 earned by rest-day work in Chromium (issue 19, part 4, "Done when"): a worker's
Saturday 入户 of 4.5 h, the 书记 confirms the day, the worker files 调休 for it, the
书记 approves, and the worker's 调休 page shows the day used.

The live server's clock moves from Saturday 12 December 2026 to the Monday after
(days after the other journeys' dates)."""
import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.auth.models import Account
from portal.extensions import db
from tests.conftest import SUITE_NOW

from .conftest import PHONE
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

SATURDAY_0900 = datetime(2026, 12, 12, 1, 0, tzinfo=UTC)    # 09:00 in Baotou
SATURDAY_1330 = datetime(2026, 12, 12, 5, 30, tzinfo=UTC)   # 13:30: 4.5 h of 入户
MONDAY_1000 = datetime(2026, 12, 14, 2, 0, tzinfo=UTC)
WORKER = "fuyuan_worker08"


@pytest.fixture
def clock_at(live_app):
    def move(moment):
        live_app.config["CLOCK_NOW"] = moment
    yield move
    live_app.config["CLOCK_NOW"] = SUITE_NOW


def name_of(live_app, username) -> str:
    with live_app.app_context():
        return db.session.scalar(select(Account).where(Account.username == username)).person.name


def test_a_saturday_visit_confirmed_becomes_comp_leave_that_is_used(pages, live_app, clock_at, screenshots_dir):
    worker_name = name_of(live_app, WORKER)

    # Saturday: the worker's 入户 from 09:00 to 13:30, one tap each on the phone.
    clock_at(SATURDAY_0900)
    phone = pages.new("phone", **PHONE)
    logged_in(phone, WORKER)
    me = phone.locator("#me-panel")
    me.get_by_role("button", name="入户开始").click()
    expect(me).to_contain_text("入户中")
    clock_at(SATURDAY_1330)
    me.get_by_role("button", name="入户结束").click()
    expect(me).not_to_contain_text("入户中")

    # Monday: the 书记 finds the day waiting and confirms a whole day.
    clock_at(MONDAY_1000)
    desk = pages.new("desk")
    logged_in(desk, "fuyuan_secretary")
    desk.goto("/leave/queue")
    desk.get_by_role("link", name=re.compile("本社区调休确认与余额")).click()
    item = desk.locator(".comptime-queue li").filter(has_text=worker_name)
    expect(item).to_contain_text("2026年12月12日")
    expect(item).to_contain_text("入户 270 分钟")
    expect(item).to_contain_text("入户 09:00–13:30")
    item.get_by_label("计调休").select_option("1")
    item.get_by_role("button", name="确认").click()
    expect(desk.locator(".flash-success")).to_contain_text(f"已确认{worker_name}2026年12月12日计调休 1 天")

    # The worker (signed in afresh: Saturday's session has lapsed): 我的请假 → 我的调休
    # shows the day; then files 调休 for Tuesday.
    phone = pages.new("phone", **PHONE)
    logged_in(phone, WORKER)
    phone.goto("/leave/")
    phone.get_by_role("link", name=re.compile("我的调休")).click()
    expect(phone.locator("main")).to_contain_text("入户 270 分钟")
    expect(phone.locator(".figures")).to_contain_text("1 天")
    phone.get_by_role("link", name="申请调休").click()
    phone.get_by_label("请假类型").select_option(label="调休")
    phone.get_by_label("开始日期").fill("2026-12-15")
    phone.locator("input[name=start_half][value=am]").check()
    phone.get_by_label("结束日期").fill("2026-12-15")
    phone.locator("input[name=end_half][value=pm]").check()
    expect(phone.locator(".preview")).to_contain_text("可用调休 1 天")
    phone.get_by_label("事由").fill("休息日入户调休")
    phone.get_by_label("去向", exact=True).fill("本市")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator(".flash-success")).to_be_visible()
    leave_url = phone.url
    assert re.search(r"/leave/\d+$", leave_url), leave_url

    # The 书记 approves it; the day is drawn.
    desk.goto(leave_url)
    desk.get_by_role("button", name="批准").click()
    expect(desk.locator(".flash-success")).to_contain_text("已批准")

    phone.goto("/comptime/")
    expect(phone.locator(".figures")).to_contain_text("0 天")
    expect(phone.locator("main")).to_contain_text("2026年12月15日（全天） 1 天")
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "comptime-mine-phone")

    # The community page on the 书记's phone: the balance per person, nothing sideways.
    head_phone = pages.new("phone", **PHONE)
    logged_in(head_phone, "fuyuan_secretary")
    head_phone.goto("/leave/queue")
    head_phone.get_by_role("link", name=re.compile("本社区调休确认与余额")).click()
    expect(head_phone.locator("main")).to_contain_text("调休余额")
    assert_no_sideways_scroll(head_phone)
    screenshot(head_phone, screenshots_dir, "comptime-community-phone")

    desk.goto("/comptime/")  # the 书记's own page (her own balance: none)
    expect(desk.get_by_role("heading", name="我的调休")).to_be_visible()
