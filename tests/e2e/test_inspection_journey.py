"""“八个统一” spot check in Chromium at a phone-sized viewport (the inspection issue's
"Done when"): 抽查 with 富源 swapped in, a check with two failed items answered a tap
an item on the phone (issue 21: the sticky bar counts as answers save), 整改 with evidence by the 书记, and the month's 通报 whose printable page and xlsx agree."""
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


class Taps:
    """Taps a locator like a finger and counts the taps."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator) -> None:
        locator.tap()
        self.count += 1


def assert_people_present_are_ordinary_checkboxes(phone) -> None:
    """Each name on one line beside a normal-size box, the whole row a ≥ 44 px target."""
    rows = phone.locator(".people-choice label.check")
    assert rows.count() >= 2
    for row in rows.all():
        label, box = row.bounding_box(), row.locator("input[type=checkbox]").bounding_box()
        assert 44 <= label["height"] < 60, label  # one line, not one character a line
        assert box["width"] <= 28 and box["height"] <= 28, box


def assert_ready_to_answer(phone, button, bar) -> None:
    expect(button).to_be_focused()
    expect(button).to_be_in_viewport(ratio=1)
    assert button.bounding_box()["y"] + button.bounding_box()["height"] <= bar.bounding_box()["y"], "under the bar"


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
        # The drawn checks start right here, one link each.
        starts = phone.locator("section[aria-labelledby=start-h]")
        expect(starts.get_by_role("link", name=re.compile("^开始检查"))).to_have_count(3)
        screenshot(phone, screenshots_dir, "inspection-draw-confirmed-phone")
        assert_no_sideways_scroll(phone)
        other = starts.get_by_role("link").filter(has_not_text="富源社区").first.get_attribute("href")
        phone.emulate_media(reduced_motion="reduce")  # the move to the next item lands at once
        taps = Taps()
        taps(starts.get_by_role("link", name="开始检查富源社区"))
        expect(phone.locator("h1")).to_have_text("富源社区“八个统一”检查")
        assert_people_present_are_ordinary_checkboxes(phone)
        screenshot(phone, screenshots_dir, "inspection-people-phone")

        bar = phone.locator("#answer-bar")
        expect(bar).to_contain_text("已答 0/31")
        assert bar.bounding_box()["height"] <= 56, bar.bounding_box()
        cards = phone.locator("article.check-item")
        count = cards.count()
        assert count == 31
        failed_items = []
        for n in range(count):
            card = cards.nth(n)
            if n:  # the answer before moved the focus here, on the screen and clear of the bar
                assert_ready_to_answer(phone, card.locator("button.verdict-pass").first, bar)
            if n in FAILED:
                failed_items.append(card.locator("h3").inner_text())
                note = card.get_by_placeholder("发现的问题（不符合时必填）")
                if n == 0:  # the finding written first
                    taps(note)
                else:  # 不符合 tapped first: refused, and the focus waits in the note
                    taps(card.get_by_role("button", name="不符合"))
                    expect(cards.nth(n)).to_contain_text("判为不符合时请写明发现的问题。")
                    expect(note).to_be_focused()
                    expect(bar).to_contain_text(f"已答 {n}/31")
                phone.keyboard.type(FAILED[n])
                taps(card.get_by_role("button", name="不符合"))
                expect(cards.nth(n).get_by_role("button", name="不符合")).to_have_attribute("aria-pressed", "true")
            else:
                taps(phone.locator("button.verdict:focus") if n else card.get_by_role("button", name="符合", exact=True))
                expect(cards.nth(n).get_by_role("button", name="符合", exact=True)).to_have_attribute(
                    "aria-pressed", "true")
            expect(bar).to_contain_text(f"已答 {n + 1}/31")  # counted as it saved, no reload
            if n == 9:
                phone.screenshot(path=screenshots_dir / "inspection-bar-phone.png")
        submit = bar.get_by_role("button", name="提交检查")
        expect(submit).to_be_focused()  # all answered: the focus waits on 提交
        assert bar.bounding_box()["height"] <= 56, bar.bounding_box()
        answering = taps.count - 1  # the first tap opened the check from the draw
        assert answering == count + len(FAILED), f"{answering} taps for {count} items"  # +1 per finding written
        print(f"inspection on a phone: {answering} taps to answer {count} items "
              f"(+1 to open the check from the draw, +1 to submit)")
        # A photo of the first finding, uploaded into the card in place.
        evidence = tmp_path / "胸卡.png"
        evidence.write_bytes(png(64, 48))
        first = cards.nth(0)
        first.locator("input[type=file]").set_input_files(evidence)
        first.get_by_role("button", name="上传").click()
        expect(cards.nth(0).get_by_role("link", name="照片1")).to_be_visible()
        screenshot(phone, screenshots_dir, "inspection-answering-phone")
        assert_no_sideways_scroll(phone)

        desk = pages.new("inspector-desk")
        logged_in(desk, "inspector")
        desk.goto(other)
        expect(desk.locator("#answer-bar")).to_contain_text("已答 0/31")
        desk.screenshot(path=screenshots_dir / "inspection-desk.png")
        assert desk.locator("#answer-bar").bounding_box()["height"] <= 56

        taps(submit)
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
