"""办事指南 in Chromium (issue 17, "Done when"): the 富源 front desk searches 居住证,
opens the item, prints an A5 一次性告知单 and finds it in the register; the 书记 adds
a notice for the hall screen and it appears on the hall display at its next poll."""
import re

from playwright.sync_api import expect

from .conftest import PHONE
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot


def test_the_front_desk_prints_a_notice_sheet_that_the_register_keeps(pages, screenshots_dir):
    desk = pages.new("desk")
    logged_in(desk, "fuyuan_frontdesk")
    desk.get_by_role("link", name="办事指南").first.click()
    desk.get_by_label("查找事项").fill("居住证")
    desk.get_by_role("button", name="查找").click()
    expect(desk.locator("#guide-results")).to_contain_text("居住证申领")
    desk.locator("#guide-results").get_by_role("link", name="居住证申领").click()
    expect(desk.get_by_role("heading", name="居住证申领")).to_be_visible()
    desk.get_by_label("群众称呼（可不填）").fill("<b>王</b>女士")
    desk.get_by_role("button", name="打印告知单").click()
    expect(desk.locator(".notice-sheet")).to_contain_text("一次性告知单")
    serial = re.search(r"编号 (\S+)", desk.locator(".sheet-serial").inner_text()).group(1)
    expect(desk.locator(".notice-sheet")).to_contain_text("<b>王</b>女士")  # typed HTML stays text
    desk.emulate_media(media="print")
    expect(desk.locator(".sheet-tools")).to_be_hidden()
    screenshot(desk, screenshots_dir, "guide-sheet-print-media")
    desk.pdf(path=str(screenshots_dir / "guide-sheet-a5.pdf"), prefer_css_page_size=True)
    desk.emulate_media(media="screen")
    desk.get_by_role("link", name="告知单登记簿").click()
    expect(desk.locator("#sheets")).to_contain_text(serial)
    screenshot(desk, screenshots_dir, "guide-register-desktop")

    phone = pages.new("phone", **PHONE)
    logged_in(phone, "fuyuan_frontdesk")
    phone.goto("/guide/?q=低保怎么办")
    expect(phone.locator("#guide-results")).to_contain_text("最低生活保障申请")
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "guide-search-phone")
    phone.locator("#guide-results").get_by_role("link", name="最低生活保障申请").click()
    expect(phone.get_by_role("button", name="打印告知单")).to_be_visible()
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "guide-item-phone")


def test_a_notice_of_the_secretary_reaches_the_hall_screen(pages, screenshots_dir):
    office = pages.new("desk")
    logged_in(office, "fuyuan_secretary")
    office.goto("/board/")
    office.locator(".display-links summary").click()
    office.get_by_label("显示屏名称").fill("服务大厅二号屏")
    office.get_by_role("button", name="创建显示屏链接").click()
    url = office.locator(".secret code").inner_text()
    hall = pages.new("hall", viewport={"width": 1920, "height": 1080})
    hall.goto(url)
    expect(hall.locator(".hall-card").first).to_be_visible()

    office.goto("/guide/")
    office.get_by_role("link", name="大厅显示屏信息").click()
    office.get_by_label("标题（40 字以内）").fill("12月1日起办理老年证请带一寸照片")
    office.get_by_label("内容（300 字以内，可不填）").fill("周二、周四下午集中受理，<script>不会执行</script>")
    office.get_by_label("结束日期（当天仍显示）").fill("2026-12-31")
    office.get_by_role("button", name="发布到大屏").click()
    expect(office.locator(".flash-success")).to_contain_text("已发布到大屏")
    office.get_by_label(re.compile("今日值班")).select_option(index=1)
    office.get_by_label("办公时间").fill("周一至周五 8:30-12:00，14:30-18:00")
    for name in ("居住证申领", "老年人优待证办理", "最低生活保障申请"):
        office.get_by_label(name, exact=True).check()
    office.get_by_role("button", name="保存").click()
    expect(office.locator(".flash-success")).to_contain_text("大屏信息已保存")
    screenshot(office, screenshots_dir, "guide-hall-edit-desktop")

    # The screen polls every 10 s: the notice appears without a reload.
    expect(hall.locator(".hall-info")).to_contain_text("12月1日起办理老年证", timeout=15_000)
    expect(hall.locator(".hall-info")).to_contain_text("<script>不会执行</script>")
    screenshot(hall, screenshots_dir, "guide-hall-1080p")

    # The most the area holds (three long notices, duty, hours, items) still fits, unscrolled.
    for title in ("冬季供暖报修电话：请拨打热力公司二十四小时服务热线", "本周四下午社区党员活动日，公共服务区照常办公"):
        office.get_by_label("标题（40 字以内）").fill(title[:40])
        office.get_by_label("内容（300 字以内，可不填）").fill("长通知内容，" * 50)
        office.get_by_label("结束日期（当天仍显示）").fill("2026-12-31")
        office.get_by_role("button", name="发布到大屏").click()
        expect(office.locator(".flash-success")).to_contain_text("已发布到大屏")
    expect(hall.locator(".hi-notice")).to_have_count(3, timeout=15_000)
    layout = hall.evaluate("""() => {
      const info = document.querySelector('.hall-info');
      const px = (el) => parseFloat(getComputedStyle(el).fontSize);
      const texts = [...info.querySelectorAll('p')];
      return {height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth,
              smallest: Math.min(...texts.map(px)), bottom: info.getBoundingClientRect().bottom,
              cards: Math.max(...[...document.querySelectorAll('.hall-card')].map(c => c.getBoundingClientRect().bottom))};
    }""")
    assert layout["height"] <= 1080 and layout["width"] <= 1920, layout
    assert layout["smallest"] >= 28 and layout["bottom"] <= 1080 and layout["cards"] <= 1080, layout
    assert hall.evaluate("""() => { const info = document.querySelector('.hall-info');
      return [...info.children].every(c => c.getBoundingClientRect().bottom <= info.getBoundingClientRect().bottom + 1); }""")
    screenshot(hall, screenshots_dir, "guide-hall-1080p-full")


def test_the_handbook_prints_as_an_a4_booklet_with_contents(pages, screenshots_dir):
    desk = pages.new("desk")
    logged_in(desk, "fuyuan_frontdesk")
    desk.goto("/guide/")
    desk.get_by_role("link", name="便民服务手册").click()
    expect(desk.get_by_role("navigation", name="目录")).to_contain_text("居住证申领")
    desk.get_by_role("navigation", name="目录").get_by_role("link", name=re.compile("残疾人证办理")).click()
    expect(desk.locator(".hb-item").filter(has_text="残疾人证办理").first).to_be_in_viewport()
    desk.emulate_media(media="print")
    screenshot(desk, screenshots_dir, "guide-handbook-print-media")
    desk.pdf(path=str(screenshots_dir / "guide-handbook-a4.pdf"), prefer_css_page_size=True)
    phone = pages.new("phone", **PHONE)
    logged_in(phone, "fuyuan_frontdesk")
    phone.goto(desk.url)
    assert_no_sideways_scroll(phone)
