"""请假 → 审批 → 去向指示牌 → 销假, in Chromium (the leave issue's "Done when").

The live server's clock is frozen for this journey, so that the leave days, the
board on those days and the day after are real dates whenever the suite runs."""
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

# A week after the suite's "now" (SUITE_NOW), so the other journeys' board events are old news.
WED_MORNING = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)   # Wednesday 08:30 in Baotou
FRI_MORNING = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)    # 09:00, the day after the leave


@pytest.fixture
def frozen(live_app):
    def freeze(moment):
        live_app.config["CLOCK_NOW"] = moment
    yield freeze
    live_app.config["CLOCK_NOW"] = SUITE_NOW


def person_id(live_app, username):
    with live_app.app_context():
        return db.session.scalar(select(Account.person_id).where(Account.username == username))


def file_leave(page, kind, start, start_half, end, end_half, reason):
    page.goto("/leave/new")
    page.get_by_label("请假类型").select_option(label=kind)
    page.get_by_label("开始日期").fill(start)
    page.locator(f"input[name=start_half][value={start_half}]").check()
    page.get_by_label("结束日期").fill(end)
    page.locator(f"input[name=end_half][value={end_half}]").check()
    page.get_by_label("事由").fill(reason)
    page.get_by_label("去向", exact=True).fill("包头市昆都仑区")


def test_leave_from_request_to_return(pages, live_app, frozen, screenshots_dir):
    frozen(WED_MORNING)
    worker = pages.new("phone", **PHONE)
    logged_in(worker, "fuyuan_worker01")
    file_leave(worker, "事假", "2026-12-02", "am", "2026-12-03", "pm", "家中老人住院，需陪护")
    # The cost appears before submitting (htmx preview on change).
    expect(worker.locator(".preview")).to_contain_text("2 个工作日")
    screenshot(worker, screenshots_dir, "leave-request-phone")
    worker.get_by_role("button", name="提交申请").click()
    expect(worker.locator(".flash-success")).to_contain_text("已提交事假申请")
    leave_url = worker.url

    other = pages.new("desk")
    logged_in(other, "fuda_secretary")
    response = other.goto(leave_url)
    assert response.status == 403
    expect(other.get_by_text("无权访问")).to_be_visible()

    # On the 书记's phone the queue is a list of cards, each with its 审批 on the screen.
    phone = pages.new("phone", **PHONE)
    logged_in(phone, "fuyuan_secretary")
    phone.goto("/leave/queue")
    approve = phone.get_by_role("link", name="审批", exact=True).first
    expect(approve).to_be_visible()
    box = approve.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"], box
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "leave-queue-phone")
    # A worker sees their request's status and opens it from their list.
    worker.set_viewport_size(PHONE["viewport"])
    worker.goto("/leave/")
    expect(worker.locator("main")).to_contain_text("待审批")
    expect(worker.get_by_role("link", name="查看").first).to_be_visible()
    worker.set_viewport_size({"width": 1366, "height": 900})

    secretary = pages.new("desk")
    logged_in(secretary, "fuyuan_secretary")
    expect(secretary.locator("#queue-badge")).not_to_have_text("0")
    secretary.get_by_role("navigation", name="主导航").get_by_role("link", name=re.compile("请假审批")).click()
    secretary.get_by_role("link", name="审批", exact=True).first.click()
    expect(secretary.get_by_role("heading", name="人手情况")).to_be_visible()
    expect(secretary.locator("main")).to_contain_text("人上班")
    screenshot(secretary, screenshots_dir, "leave-decision-desktop")
    secretary.get_by_label("审批意见").fill("同意，注意安全")
    secretary.get_by_role("button", name="批准").click()
    expect(secretary.locator(".flash-success")).to_contain_text("已批准")

    card = f"#card-{person_id(live_app, 'fuyuan_worker01')}"
    secretary.goto("/board/")
    expect(secretary.locator(card)).to_contain_text("请假")
    expect(secretary.locator(card)).to_contain_text("12月4日上午返岗")
    screenshot(secretary, screenshots_dir, "leave-board-desktop")

    # Friday morning (yesterday's logins have expired): the leave is over, not yet 销假 …
    frozen(FRI_MORNING)
    logged_in(secretary, "fuyuan_secretary")
    logged_in(worker, "fuyuan_worker01")
    secretary.goto("/board/")
    expect(secretary.locator(card)).to_contain_text("逾期未销假")
    # … until the worker records the return.
    worker.goto(leave_url)
    worker.get_by_role("button", name="销假").click()
    expect(worker.locator(".flash-success")).to_contain_text("已销假")
    secretary.reload()
    expect(secretary.locator(card)).to_contain_text("在岗")


def test_five_working_days_need_the_street(pages, live_app, frozen):
    frozen(WED_MORNING)
    worker = pages.new("desk")
    logged_in(worker, "fuyuan_worker06")
    file_leave(worker, "事假", "2026-12-07", "am", "2026-12-11", "pm", "外地参加亲属婚礼")
    worker.get_by_role("button", name="提交申请").click()
    expect(worker.locator(".flash-success")).to_contain_text("5 个工作日")
    leave_url = worker.url

    secretary = pages.new("desk")
    logged_in(secretary, "fuyuan_secretary")
    secretary.goto(leave_url)
    secretary.get_by_role("button", name="批准").click()
    secretary.goto(leave_url)
    expect(secretary.locator("h1")).to_contain_text("待街镇审批")

    leader = pages.new("desk")
    logged_in(leader, "fuqiang_leader")
    leader.get_by_role("navigation", name="主导航").get_by_role("link", name=re.compile("请假审批")).click()
    leader.get_by_role("link", name="审批", exact=True).first.click()
    leader.get_by_role("button", name="批准").click()
    leader.goto(leave_url)
    expect(leader.locator("h1")).to_contain_text("已批准")
