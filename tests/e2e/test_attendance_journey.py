"""考勤 in Chromium (the attendance issue's "Done when"): a worker's day on the
phone, the 书记's month sheet the next morning, the xlsx beside it."""
import re
from datetime import UTC, datetime, timedelta
from io import BytesIO

import openpyxl
from playwright.sync_api import expect

from tests.conftest import SUITE_NOW

from .conftest import PHONE
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

TUESDAY = datetime(2026, 12, 15, 0, 0, tzinfo=UTC)  # 08:00 in Baotou; nobody else's journey uses this week


def test_a_late_day_with_a_short_patrol_reaches_the_month_sheet(pages, live_app, screenshots_dir):
    def at(minutes):
        live_app.config["CLOCK_NOW"] = TUESDAY + timedelta(minutes=minutes)

    try:
        at(45)  # 08:45: late
        phone = pages.new("phone", **PHONE)
        logged_in(phone, "fuyuan_worker01")
        phone.goto("/board/")
        me = phone.locator("#me-panel")

        def press(name, minutes, more=False):
            at(minutes)
            if more:
                me.locator("summary", has_text="其他状态").click()
            me.get_by_role("button", name=name, exact=True).click()
            expect(me).to_contain_text(f"{(8 * 60 + minutes) // 60:02d}:{minutes % 60:02d} 起")

        press("签到", 45)
        press("巡查开始", 60)
        press("巡查结束", 165)   # 105 minutes
        press("巡查开始", 390)
        press("巡查结束", 450)   # 60 minutes: too short
        press("签退", 605)
        at(660)
        me.locator("summary", has_text="填写去向、入户门牌").click()
        me.get_by_label("入户门牌（入户时填写，如 3-2-301）").fill("3-2-301")
        me.get_by_role("button", name="入户开始", exact=True).click()
        expect(me).to_contain_text("入户中")
        press("入户结束", 780)   # two hours of 弹性入户 in the evening
        phone.goto("/attendance/me")
        expect(phone.locator("main")).to_contain_text("2.0 小时")
        screenshot(phone, screenshots_dir, "attendance-me-phone")

        at(24 * 60 + 90)  # Wednesday 09:30: Tuesday is judged
        desk = pages.new("desk")
        logged_in(desk, "fuyuan_secretary")
        desk.get_by_role("navigation", name="主导航").get_by_role("link", name="考勤表").click()
        desk.goto("/attendance/sheet?month=2026-12")
        row = desk.locator(".attendance-sheet tr", has=desk.locator("td", has_text=re.compile("^第1网格$")))
        tuesday = row.locator("td").nth(2 + 14)
        expect(tuesday).to_have_text("迟15")  # the minutes are on the sheet, not only in the tooltip
        title = tuesday.get_attribute("title")
        assert "迟到 15 分钟" in title and "巡查 1/2" in title
        # The 书记 sees the week's 入户 move too (2 h of the 5 h target).
        expect(desk.locator(".week-visits tr", has_text="第1网格")).to_contain_text("2.0 / 5.0")
        # At 1366 px the totals stay in view while the days scroll under them.
        total = row.locator("td.sum-7")
        desk.locator(".attendance-sheet").scroll_into_view_if_needed()
        box, width = total.bounding_box(), desk.viewport_size["width"]
        assert box is not None and box["x"] + box["width"] <= width, (box, width)
        screenshot(desk, screenshots_dir, "attendance-sheet-desktop")

        page_cells = row.locator("td").all_inner_texts()
        with desk.expect_download() as download:
            desk.get_by_role("link", name="导出 Excel").click()
        sheet = openpyxl.load_workbook(BytesIO(open(download.value.path(), "rb").read())).active
        xlsx_row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[1] == "第1网格")
        assert [str(c) if c is not None else "" for c in xlsx_row] == [c.strip() for c in page_cells]
    finally:
        live_app.config["CLOCK_NOW"] = SUITE_NOW


def test_a_street_leader_changes_the_hours_from_a_date_on_a_phone(pages, live_app, screenshots_dir):
    phone = pages.new("phone", **PHONE)
    logged_in(phone, "kexue_leader")
    phone.goto("/attendance/settings")
    phone.get_by_label("迟到宽限（分钟）").fill("10")
    expect(phone.get_by_label("生效日期")).to_have_value("2026-11-26")  # tomorrow, by default
    phone.get_by_role("button", name="保存", exact=True).click()
    expect(phone.locator(".flash-success")).to_contain_text("自2026年11月26日起执行")
    history = phone.locator("section", has=phone.get_by_role("heading", name="规则变更记录"))
    expect(history.locator("tr", has_text="2026年11月26日")).to_contain_text("待生效")
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "attendance-settings-phone")
