"""The administrator keeps people and accounts right (一员一格)."""
from playwright.sync_api import expect

from .test_journeys import logged_in, screenshot


def test_admin_finds_people_with_htmx_filters_and_a_taken_grid_is_refused(pages, screenshots_dir):
    page = pages.new("desk")
    logged_in(page, "admin")
    page.get_by_role("link", name="人员与账号").first.click()
    expect(page.get_by_role("heading", name="人员与账号")).to_be_visible()
    page.get_by_label("社区").select_option(label="纺织社区")
    expect(page.locator("#people-results")).to_contain_text("fangzhi_worker26")
    expect(page.locator("#people-results")).not_to_contain_text("fuyuan_worker01")
    assert "community_id=" in page.url  # the filter is in the address bar (hx-push-url)
    screenshot(page, screenshots_dir, "admin-people-desktop")

    page.goto("/admin/people/new")
    page.get_by_label("姓名").fill("王新来")
    page.get_by_label("用户名").fill("fangzhi_newcomer")
    page.get_by_label("职务").select_option(label="网格员")
    page.get_by_label("社区", exact=True).select_option(label="纺织社区")  # not 入职本社区时间
    page.get_by_label("网格号").fill("5")
    page.get_by_label("初始密码").fill("qingshan-start-2026")
    page.get_by_role("button", name="新增人员").click()
    expect(page.locator(".field.has-error")).to_contain_text("一员一格")
    screenshot(page, screenshots_dir, "admin-person-error-desktop")
