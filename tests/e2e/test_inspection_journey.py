"""“八个统一” spot check in Chromium at a phone-sized viewport (the inspection issue's
"Done when"): 抽查 with 富源 swapped in, a check with two failed items, 整改 with
evidence by the 书记, and the month's 通报 whose printable page and xlsx agree."""
import re
from datetime import UTC, datetime
from io import BytesIO

import openpyxl
from playwright.sync_api import expect

from tests.conftest import SUITE_NOW
from tests.images import png

from .conftest import PHONE
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

# Tuesday 2027-03-09, 10:00 in Baotou: a month no other journey touches.
MORNING = datetime(2027, 3, 9, 2, 0, tzinfo=UTC)
FAILED = {0: "两名网格员未着制式服装", 5: "来访群众到达时无人招呼"}


def test_inspector_samples_inspects_fuyuan_and_the_bulletin_ranks_it(pages, live_app, screenshots_dir, tmp_path):
    live_app.config["CLOCK_NOW"] = MORNING
    try:
        phone = pages.new("inspector", **PHONE)
        logged_in(phone, "inspector")
        phone.goto("/inspections/sampling")
        phone.get_by_label("抽查社区数").fill("3")
        phone.get_by_label("随机种子（可留空）").fill("2027")
        phone.get_by_role("button", name="抽取").click()
        expect(phone.locator("h1")).to_have_text("抽查名单")
        expect(phone.locator(".seed")).to_have_text("2027")
        expect(phone.locator("main")).to_contain_text("（与本次抽取一致）")
        drawn = phone.locator("tbody tr td:first-child").all_inner_texts()
        assert len(drawn) == 3 and "富源社区" not in drawn  # this seed leaves 富源 out: swap it in
        phone.get_by_label("换下").select_option(label=drawn[0])
        phone.get_by_label("换入").select_option(label="富源社区（从未检查）")
        phone.get_by_role("button", name="调换").click()
        expect(phone.locator("tbody")).to_contain_text("富源社区 （换入）")
        screenshot(phone, screenshots_dir, "inspection-draw-phone")
        assert_no_sideways_scroll(phone)
        phone.get_by_role("button", name="确认名单并生成检查").click()
        expect(phone.locator("main")).to_contain_text("已确认抽查名单，生成 3 个待检查记录。")
        drafts = phone.locator("section[aria-labelledby=drafts-h]")
        expect(drafts.get_by_role("link")).to_have_count(3)
        drafts.get_by_role("link", name="富源社区").click()
        expect(phone.locator("h1")).to_have_text("富源社区“八个统一”检查")
        cards = phone.locator("article.check-item")
        count = cards.count()
        assert count == 31
        failed_items = []
        for n in range(count):
            card = cards.nth(n)
            if n in FAILED:
                failed_items.append(card.locator("h3").inner_text())
                card.get_by_placeholder("发现的问题（不符合时必填）").fill(FAILED[n])
                card.get_by_role("button", name="不符合").click()
                expect(cards.nth(n).get_by_role("button", name="不符合")).to_have_attribute("aria-pressed", "true")
            else:
                card.get_by_role("button", name="符合", exact=True).click()
                expect(cards.nth(n).get_by_role("button", name="符合", exact=True)).to_have_attribute(
                    "aria-pressed", "true")
        # A photo of the first finding, uploaded into the card in place.
        evidence = tmp_path / "胸卡.png"
        evidence.write_bytes(png(64, 48))
        first = cards.nth(0)
        first.locator("input[type=file]").set_input_files(evidence)
        first.get_by_role("button", name="上传").click()
        expect(cards.nth(0).get_by_role("link", name="照片1")).to_be_visible()
        screenshot(phone, screenshots_dir, "inspection-answering-phone")
        assert_no_sideways_scroll(phone)

        phone.get_by_role("button", name="提交检查").click()
        expect(phone.locator(".score")).to_be_visible()
        score = phone.locator(".score").inner_text()
        assert re.fullmatch(r"\d+(\.\d)?", score) and float(score) < 100
        expect(phone.locator(".result li")).to_have_count(2)
        expect(phone.get_by_role("button", name="符合", exact=True)).to_have_count(0)  # read-only now
        screenshot(phone, screenshots_dir, "inspection-submitted-phone")

        # The 书记 sees two 整改 actions and closes one with a photo of the fix.
        secretary = pages.new("secretary", **PHONE)
        logged_in(secretary, "fuyuan_secretary")
        nav = secretary.get_by_role("navigation", name="主导航")
        nav.locator(".nav-more summary").click()  # on a phone, under 更多
        nav.get_by_role("link", name="督查整改").click()
        for text in failed_items:
            expect(secretary.locator("main a", has_text=text)).to_have_count(1)
        screenshot(secretary, screenshots_dir, "inspection-community-phone")
        secretary.locator("main a", has_text=failed_items[0]).click()
        expect(secretary.locator("h1")).to_contain_text("整改：")
        secretary.get_by_label("整改情况", exact=True).fill("已为两名网格员配发制式服装，当日起统一着装。")
        fixed = tmp_path / "fixed.png"
        fixed.write_bytes(png(64, 48, (30, 160, 30)))
        secretary.get_by_label("整改后照片（jpg/png，不超过 5 MB）").set_input_files(fixed)
        secretary.get_by_role("button", name="提交整改").click()
        expect(secretary.locator(".facts")).to_contain_text("待复核")
        expect(secretary.locator(".facts").get_by_role("link", name="照片1")).to_be_visible()
        screenshot(secretary, screenshots_dir, "inspection-action-fixed-phone")
        assert_no_sideways_scroll(secretary)

        # The month's 通报: 富源 first, the printable page and the xlsx give the same rows.
        phone.goto("/inspections/bulletins")
        phone.get_by_label("期间").fill("2027-03")
        phone.get_by_role("button", name="预览").click()
        phone.get_by_role("button", name="发布通报").click()
        expect(phone.locator("main")).to_contain_text("申诉截止")
        ranking = phone.locator("table[data-sheet='社区排名'] tbody tr").first
        expect(ranking.locator("td").nth(0)).to_have_text("1")
        expect(ranking.locator("td").nth(1)).to_have_text("富源社区")
        screenshot(phone, screenshots_dir, "inspection-bulletin-phone")
        assert_no_sideways_scroll(phone)

        xlsx_url = phone.get_by_role("link", name="导出 Excel").get_attribute("href")
        phone.get_by_role("link", name="打印版").click()
        printed = {}
        for table in phone.locator("table[data-sheet]").all():
            rows = [[c.strip() for c in row.locator("th, td").all_inner_texts()] for row in table.locator("tr").all()]
            printed[table.get_attribute("data-sheet")] = rows
        assert printed["社区排名"][1][:2] == ["1", "富源社区"]
        screenshot(phone, screenshots_dir, "inspection-bulletin-print")
        response = phone.request.get(xlsx_url)
        assert response.ok
        book = openpyxl.load_workbook(BytesIO(response.body()))
        assert set(book.sheetnames) == set(printed)
        for title, rows in printed.items():
            cells = [[("" if v is None else str(v)) for v in row] for row in book[title].iter_rows(min_row=2, values_only=True)]
            assert cells == rows, title
    finally:
        live_app.config["CLOCK_NOW"] = SUITE_NOW
