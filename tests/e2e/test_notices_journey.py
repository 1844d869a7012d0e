"""消息 in Chromium (issue 18, "Done when"): a worker files leave on a phone; the
书记's 消息 count rises within one poll and the browser shows a notification in the
open tab; the decision reaches the worker's 消息. And the leave form keeps what was
typed when the line is down, says so, and sends it on 重试提交."""
import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.conftest import SUITE_NOW

from .conftest import PHONE
from .test_journeys import logged_in, screenshot

WED_MORNING = datetime(2026, 12, 9, 0, 30, tzinfo=UTC)   # Wednesday 08:30 in Baotou, after other journeys
POLL_MS = 30_000

# The browser's Notification, recorded (headless Chromium shows none on screen).
RECORD_NOTIFICATIONS = """
window.__shown = [];
window.Notification = class {
  constructor(title, options) { window.__shown.push(title + " | " + (options && options.body)); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""


@pytest.fixture
def frozen(live_app):
    live_app.config["CLOCK_NOW"] = WED_MORNING
    yield
    live_app.config["CLOCK_NOW"] = SUITE_NOW


def test_a_leave_request_reaches_the_secretary_and_the_decision_the_worker(pages, frozen, screenshots_dir):
    secretary = pages.new("desk")
    secretary.context.grant_permissions(["notifications"])
    secretary.add_init_script(RECORD_NOTIFICATIONS)
    logged_in(secretary, "fangzhi_secretary")
    badge = secretary.locator("[data-notices-count]")
    expect(badge).to_be_visible()
    before = int(badge.inner_text())

    worker = pages.new("phone", **PHONE)
    logged_in(worker, "fangzhi_worker07")
    worker.goto("/leave/new")
    worker.get_by_label("请假类型").select_option(label="事假")
    worker.get_by_label("开始日期").fill("2026-12-10")
    worker.get_by_label("结束日期").fill("2026-12-10")
    worker.get_by_label("事由").fill("孩子开家长会")
    worker.get_by_label("去向", exact=True).fill("青山区")

    # The line drops: the form stays as typed and says so; 重试提交 sends it.
    worker.context.set_offline(True)
    worker.get_by_role("button", name="提交申请").click()
    note = worker.locator(".keep-note")
    expect(note).to_contain_text("当前没有网络")
    expect(worker.get_by_label("事由")).to_have_value("孩子开家长会")
    screenshot(worker, screenshots_dir, "leave-kept-offline-phone-390")
    worker.context.set_offline(False)
    note.get_by_role("button", name="重试提交").click()
    expect(worker.locator(".flash-success")).to_contain_text("已提交事假申请")

    expect(badge).to_have_text(str(before + 1), timeout=POLL_MS + 5_000)
    secretary.wait_for_function("() => window.__shown.some(t => t.includes('待您审批'))")
    secretary.goto("/notices/")
    secretary.get_by_role("button", name=re.compile("待您审批")).first.click()
    expect(secretary).to_have_url(re.compile(r"/leave/\d+$"))
    secretary.get_by_role("button", name="批准").click()

    worker.goto("/notices/")
    expect(worker.locator(".notice-list")).to_contain_text("您的请假已批准")
    screenshot(worker, screenshots_dir, "notices-phone-390")
