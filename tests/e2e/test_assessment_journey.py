"""考核 in Chromium (issue 8, "Done when"): on the demo district with generated
history, fuqiang_leader opens this quarter's assessment for 富强路街道, drills from a
worker's grade down to the late days and the failed inspection item that cost
points, and exports the table.

The journey runs on its own copy of the demo database (history, leave and
inspections generated at a frozen Monday), so it leaves the shared live server of
the other journeys untouched."""
import re
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.assessment import results
from portal.auth.models import Account
from portal.demo import seed_demo_history, seed_demo_inspections, seed_demo_leave
from portal.extensions import db
from portal.inspections import conduct
from portal.org.models import Community
from tests.conftest import make_app

from .conftest import PHONE, Pages
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 10:00 in Baotou: 2026 Q4, four weeks of history
FINDING = "检查时未达到该项要求"


@dataclass
class Assessed:
    url: str
    person_id: int
    name: str
    inspection_id: int
    item_id: int
    item_text: str


@pytest.fixture(scope="module")
def assessed(sqlite_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e-assessment") / "portal.db"
    shutil.copyfile(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", CLOCK_NOW=NOW)
    with app.app_context():
        seed_demo_leave(now=NOW)
        seed_demo_history(now=NOW)
        seed_demo_inspections(months=2, now=NOW)
        db.session.commit()
        fuyuan = db.session.scalar(select(Community).where(Community.slug == "fuyuan"))
        # A 网格员 of 富源 with late days in the generated history …
        computed = results.report(fuyuan.street, "2026-Q4", [fuyuan.id], use_lock=False)
        row = next(p for p in computed.people if p["grid"] and p["counts"]["late"] >= 1)
        # … named present at a 八个统一 check last Friday, failing one per-person item.
        inspector = db.session.scalar(select(Account).where(Account.username == "inspector"))
        at = NOW - timedelta(days=3)
        inspection = conduct.start(inspector, fuyuan, now=at)
        conduct.set_present(inspector, inspection.id, [str(row["person_id"])])
        failed = None
        for item in conduct.sheet(inspection).items:
            who = str(row["person_id"]) if item.per_person else None
            fail = failed is None and item.per_person
            conduct.answer(inspector, inspection.id, str(item.id), who, "fail" if fail else "pass",
                           FINDING if fail else "", now=at)
            failed = item if fail else failed
        conduct.submit(inspector, inspection.id, now=at + timedelta(hours=1))
        db.session.commit()
        data = Assessed("", row["person_id"], row["name"], inspection.id, failed.id, failed.text)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-assessment-server", daemon=True)
    thread.start()
    data.url = f"http://127.0.0.1:{server.server_port}"
    yield data
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def test_a_street_leader_drills_from_a_grade_to_the_late_days_and_the_failed_item(browser, assessed,
                                                                                  screenshots_dir):
    pages = Pages(browser, assessed.url)
    try:
        page = pages.new("desktop")
        logged_in(page, "fuqiang_leader")
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="考核").click()
        expect(page.locator("h1")).to_have_text("富强路街道 · 2026年第四季度考核")
        expect(page.locator(".period-state")).to_contain_text("2026年11月2日 至 2026年11月29日")
        row = page.locator(f'.assessment-table tr[data-person="{assessed.person_id}"]')
        grade = row.locator("td.grade").inner_text().strip()
        total = row.locator("td").nth(9).inner_text().strip()
        assert grade in ("优秀", "合格", "基本合格", "不合格") and re.fullmatch(r"\d+\.\d", total)
        screenshot(page, screenshots_dir, "assessment-street-desktop")

        # From the grade down to what cost the points.
        row.get_by_role("link", name=assessed.name).click()
        expect(page.locator("h1")).to_have_text(f"{assessed.name} · 2026年第四季度考核")
        expect(page.locator("#total")).to_have_text(total)
        expect(page.locator("#grade")).to_have_text(grade)
        deductions = page.locator('table.breakdown[data-part="deduction"] tbody tr', has_text="迟到")
        expect(deductions.first).to_contain_text("-1.00")
        failed = page.locator('table.breakdown[data-part="inspection"] tbody tr', has_text=assessed.item_text)
        expect(failed).to_have_count(1)
        screenshot(page, screenshots_dir, "assessment-person-desktop")

        late_label = deductions.first.locator("td").nth(1).inner_text()  # 迟到 N 分钟
        minutes = int(re.search(r"迟到 (\d+) 分钟", late_label).group(1))
        deductions.first.get_by_role("link").click()
        expect(page).to_have_url(re.compile(rf"/board/people/{assessed.person_id}/history\?date=2026-11-\d\d$"))
        # The day's log shows the 签到 that many minutes after 08:30 (the default morning start).
        arrived = 8 * 60 + 30 + minutes
        clock_in = page.locator("main tr", has=page.get_by_role("cell", name="签到", exact=True))
        expect(clock_in).to_contain_text(f"{arrived // 60:02d}:{arrived % 60:02d}")
        assert minutes > 5  # beyond the 5 minutes' grace
        screenshot(page, screenshots_dir, "assessment-late-day-desktop")

        page.go_back()
        failed.get_by_role("link").click()
        expect(page).to_have_url(re.compile(rf"/inspections/{assessed.inspection_id}#item-{assessed.item_id}$"))
        item = page.locator(f"#item-{assessed.item_id}")
        expect(item).to_contain_text("不符合")
        expect(item).to_contain_text(FINDING)
        item.scroll_into_view_if_needed()
        page.screenshot(path=screenshots_dir / "assessment-failed-item-desktop.png")  # the item, not the whole list

        # The table, exported: the same people, totals and grades as the page.
        page.goto("/assessment/")
        table_rows = page.locator(".assessment-table tbody tr")
        shown = [(r.locator("td").nth(1).inner_text().strip(), r.locator("td").nth(9).inner_text().strip(),
                  r.locator("td.grade").inner_text().strip()) for r in table_rows.all()]
        with page.expect_download() as download:
            page.get_by_role("link", name="导出 Excel").click()
        sheet = openpyxl.load_workbook(BytesIO(open(download.value.path(), "rb").read())).active
        assert sheet["A1"].value == "富强路街道2026年第四季度考核结果"
        exported = [(r[1], r[9], r[10]) for r in sheet.iter_rows(min_row=4, values_only=True)]
        assert exported == shown
        pages.assert_clean()
    finally:
        pages.close()


def test_a_street_leader_sets_the_streets_rules_and_is_told_what_is_wrong(browser, assessed, screenshots_dir):
    pages = Pages(browser, assessed.url)
    try:
        page = pages.new("desktop")
        logged_in(page, "fuqiang_leader")
        page.goto("/assessment/")
        page.get_by_role("link", name="本街镇考核办法").click()
        expect(page.locator("h1")).to_have_text("考核办法 · 富强路街道")
        page.get_by_label("入户每周 5 小时（权重）").fill("30")
        page.get_by_label("合格（不低于）", exact=True).fill("92")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("#weights-error")).to_have_text("四项权重合计应为 100，现在是 110。")
        expect(page.locator(".field.has-error", has=page.get_by_label("合格（不低于）", exact=True))).to_contain_text(
            "“合格”分数线须低于“优秀”，等次之间不能重叠。")
        screenshot(page, screenshots_dir, "assessment-rules-errors-desktop")
        page.get_by_label("入户每周 5 小时（权重）").fill("20")
        page.get_by_label("合格（不低于）", exact=True).fill("80")
        page.get_by_role("button", name="保存").click()
        expect(page.locator(".flash-success")).to_contain_text("已保存富强路街道的考核办法，自")
        expect(page.get_by_label("合格（不低于）", exact=True)).to_have_value("80.0")  # the row waiting for its day
        expect(page.get_by_role("region", name="考核办法变更记录")).to_contain_text("待生效")
        phone = pages.new("phone", **PHONE)
        logged_in(phone, "fuqiang_leader")
        phone.goto(page.url)
        expect(phone.get_by_label("生效日期", exact=True)).to_be_visible()
        screenshot(phone, screenshots_dir, "assessment-rules-history-phone")
        pages.assert_clean()
    finally:
        pages.close()


def test_a_worker_reads_their_own_result_on_the_phone(browser, assessed, screenshots_dir):
    pages = Pages(browser, assessed.url)
    try:
        phone = pages.new("phone", **PHONE)
        logged_in(phone, "fuyuan_worker01")
        phone.goto("/assessment/")
        expect(phone.locator("h1")).to_contain_text("2026年第四季度考核")
        expect(phone.locator("#total")).to_have_text(re.compile(r"^\d+\.\d$"))
        # Not theirs to adjust; the inspection behind a point is named, not linked (the 书记's to follow).
        expect(phone.get_by_role("button", name="记录调整")).to_have_count(0)
        expect(phone.locator('table.breakdown[data-part="inspection"] a')).to_have_count(0)
        assert_no_sideways_scroll(phone)
        screenshot(phone, screenshots_dir, "assessment-me-phone")
        pages.assert_clean()
    finally:
        pages.close()


def test_a_secretary_adjusts_a_workers_result_with_a_reason(browser, assessed, screenshots_dir):
    pages = Pages(browser, assessed.url)
    try:
        page = pages.new("desktop")
        logged_in(page, "fuyuan_secretary")
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="考核").click()
        expect(page.locator("h1")).to_have_text("富源社区 · 2026年第四季度考核")
        row = page.locator(".assessment-table tbody tr").filter(has_text="第2网格")
        before = float(row.locator("td").nth(8).inner_text())
        row.locator("td").nth(0).get_by_role("link").click()
        form = page.locator("form", has=page.get_by_role("button", name="记录调整"))
        form.get_by_label("分值（减分写负数，如 -2）").fill("-1.5")
        form.get_by_role("button", name="记录调整").click()
        expect(page.locator(".field.has-error")).to_contain_text("请写明调整理由。")
        screenshot(page, screenshots_dir, "assessment-adjust-error-desktop")
        page.get_by_label("理由（必填）").fill("未按时报送网格信息")
        page.get_by_role("button", name="记录调整").click()
        expect(page.locator(".flash-success")).to_contain_text("的考核调整")
        expect(page.locator('table.breakdown[data-part="adjustment"]')).to_contain_text("未按时报送网格信息")
        expect(page.locator('table.breakdown[data-part="adjustment"]')).to_contain_text("-1.50")
        after = float(page.locator("#total").inner_text())
        assert round(before - after, 1) == 1.5
        pages.assert_clean()
    finally:
        pages.close()
