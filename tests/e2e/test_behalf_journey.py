"""代请假 in Chromium (the issue's "Done when"): a worker is in hospital, the 书记 files
病假 for them, the 站长 approves it, the board card shows 请假, and the worker finds
it on their own list with who filed it.

The live server's clock is frozen on a Tuesday morning after the other journeys' days."""
import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.auth.models import Account
from portal.extensions import db
from tests import images
from tests.conftest import SUITE_NOW

from .conftest import PHONE
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

TUE_MORNING = datetime(2026, 12, 8, 0, 40, tzinfo=UTC)   # Tuesday 8 December 2026, 08:40 in Baotou
WORKER = "fuyuan_worker07"


@pytest.fixture
def frozen(live_app):
    live_app.config["CLOCK_NOW"] = TUE_MORNING
    yield
    live_app.config["CLOCK_NOW"] = SUITE_NOW


def person(live_app, username) -> tuple[int, str]:
    with live_app.app_context():
        account = db.session.scalar(select(Account).where(Account.username == username))
        return account.person_id, account.person.name


def test_a_secretary_files_sick_leave_for_a_worker_in_hospital(pages, live_app, frozen, screenshots_dir):
    worker_id, worker_name = person(live_app, WORKER)
    _, secretary_name = person(live_app, "fuyuan_secretary")

    # The 书记, at her desk: 请假审批 → 代请假 → the worker.
    secretary = pages.new("desk")
    logged_in(secretary, "fuyuan_secretary")
    secretary.get_by_role("navigation", name="主导航").get_by_role("link", name=re.compile("请假审批")).click()
    secretary.get_by_role("link", name="代请假", exact=True).click()
    secretary.get_by_role("link", name=re.compile(f"^代请假\\s*：{worker_name}$")).click()
    expect(secretary.get_by_role("heading", name=f"为{worker_name}代请假")).to_be_visible()
    secretary.get_by_label("代请假原因").fill("突发急性阑尾炎住院手术，无法使用手机")
    secretary.get_by_label("请假类型").select_option(label="病假")
    secretary.get_by_label("开始日期").fill("2026-12-08")
    secretary.locator("input[name=start_half][value=am]").check()
    secretary.get_by_label("结束日期").fill("2026-12-09")
    secretary.locator("input[name=end_half][value=pm]").check()
    secretary.get_by_label("事由").fill("急性阑尾炎住院")
    secretary.get_by_label("去向", exact=True).fill("包头市中心医院")
    secretary.get_by_label(re.compile("证明材料")).set_input_files(
        {"name": "诊断证明.png", "mimeType": "image/png", "buffer": images.png()})
    expect(secretary.locator(".preview")).to_contain_text("2 个工作日")
    screenshot(secretary, screenshots_dir, "behalf-form-desktop")
    secretary.get_by_role("button", name="代为提交").click()
    expect(secretary.locator(".flash-success")).to_contain_text(f"已为{worker_name}提交病假申请")
    leave_url = secretary.url
    main = secretary.locator("main")
    expect(main).to_contain_text(f"由{secretary_name}（社区书记）代为提交")
    expect(main).to_contain_text("这是您代为提交的申请")
    expect(secretary.get_by_role("button", name="批准")).to_have_count(0)  # the filer never decides it

    # The same pages on her phone: whom she may file for, and the form.
    phone = pages.new("phone", **PHONE)
    logged_in(phone, "fuyuan_secretary")
    phone.goto("/leave/behalf")
    link = phone.get_by_role("link", name=re.compile(f"^代请假\\s*：{worker_name}$"))
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"], box
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "behalf-people-phone")
    link.click()
    expect(phone.get_by_label("代请假原因")).to_be_visible()
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "behalf-form-phone")

    # Another community's 书记 may not file for this worker: a Chinese refusal, nothing written.
    outsider = pages.new("desk")
    logged_in(outsider, "fuda_secretary")
    response = outsider.goto(f"/leave/people/{worker_id}/behalf")
    assert response.status == 403
    expect(outsider.locator("main")).to_contain_text("代请假只能由社区书记、站长为本社区在册人员")

    # The 站长 approves it from her phone.
    head = pages.new("phone", **PHONE)
    logged_in(head, "fuyuan_stationhead")
    head.goto("/leave/queue")
    expect(head.locator("main")).to_contain_text(f"由{secretary_name}代为提交")
    assert_no_sideways_scroll(head)
    screenshot(head, screenshots_dir, "behalf-queue-phone")
    head.goto(leave_url)
    head.get_by_label("审批意见").fill("同意，安心养病")
    head.get_by_role("button", name="批准").click()
    expect(head.locator(".flash-success")).to_contain_text(f"已批准{worker_name}的病假申请")

    # The board shows the worker on leave, back on Thursday morning.
    secretary.goto("/board/")
    card = secretary.locator(f"#card-{worker_id}")
    expect(card).to_contain_text("请假")
    expect(card).to_contain_text("12月10日上午返岗")
    screenshot(secretary, screenshots_dir, "behalf-board-desktop")

    # The worker, from the hospital bed, finds it on their own list with who filed it.
    worker = pages.new("phone", **PHONE)
    logged_in(worker, WORKER)
    worker.goto("/leave/")
    main = worker.locator("main")
    expect(main).to_contain_text("病假")
    expect(main).to_contain_text(f"由{secretary_name}代为提交")
    expect(main).to_contain_text("已批准")
    assert_no_sideways_scroll(worker)
    screenshot(worker, screenshots_dir, "behalf-worker-list-phone")
    worker.get_by_role("link", name="查看").first.click()
    expect(worker.locator("main")).to_contain_text("突发急性阑尾炎住院手术，无法使用手机")
    screenshot(worker, screenshots_dir, "behalf-worker-detail-phone")
