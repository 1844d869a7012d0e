"""The administrator enters 2027 from the State Council's notice, on a phone, in Chromium:
the year page sends them to the importer, the pasted text is read back as a calendar
to check, and only the confirmation saves it and covers the year.

Its own server on its own copy of the demo district, its clock on 1 December 2026,
so the shared journeys' 2027 stays uncovered. The notice is a made-up one whose
dates fit 2027 (tests/data/holiday_notices/2027-synthetic.txt); the real one is not
published yet."""
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select
from werkzeug.serving import make_server

from portal.extensions import db
from portal.workdays.models import CalendarDay, CalendarSource, CalendarYear
from tests.conftest import make_app

from .conftest import PHONE, Pages
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

DECEMBER = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Baotou: next year is due
NOTICES = Path(__file__).resolve().parents[1] / "data" / "holiday_notices"
NOTICE_2027 = (NOTICES / "2027-synthetic.txt").read_text(encoding="utf-8")
NOTICE_2025 = (NOTICES / "2025.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def calendar_app(sqlite_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("calendar") / "portal.db"
    shutil.copyfile(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", CLOCK_NOW=DECEMBER)
    with app.app_context():  # should a newer package know 2027, the journey still starts without it
        db.session.execute(delete(CalendarDay).where(CalendarDay.day >= datetime(2027, 1, 1).date()))
        db.session.execute(delete(CalendarYear).where(CalendarYear.year >= 2027))
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def calendar_server(calendar_app):
    server = make_server("127.0.0.1", 0, calendar_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-calendar-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def calendar_pages(browser, calendar_server):
    pages = Pages(browser, calendar_server)
    yield pages
    try:
        pages.assert_clean()
    finally:
        pages.close()


def test_the_admin_imports_2027_from_the_notice_on_a_phone(calendar_pages, calendar_app, screenshots_dir):
    phone = calendar_pages.new("phone", **PHONE)
    logged_in(phone, "admin")
    phone.goto("/calendar/2027")
    expect(phone.get_by_role("heading", level=1)).to_have_text("2027年工作日历")
    expect(phone.locator("main")).to_contain_text("2027年的法定节假日和调休安排尚未录入")
    phone.get_by_role("link", name="粘贴国务院办公厅通知，导入2027年的放假安排 →").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("导入2027年放假通知")
    text = phone.get_by_label("通知全文")
    box, main = text.bounding_box(), phone.locator("#paste").bounding_box()
    assert box["width"] >= main["width"] - 40, (box, main)  # the whole card's width, less its padding
    # Last year's notice by mistake: refused next to the text, which stays for correcting.
    text.fill(NOTICE_2025)
    phone.get_by_role("button", name="读取并预览").click()
    expect(phone.locator(".field.has-error #notice-error")).to_contain_text(
        "第1行“国务院办公厅关于2025年部分节假日安排的通知”：这是2025年的通知，本页是2027年的工作日历。")
    expect(phone.get_by_label("通知全文")).to_have_value(NOTICE_2025)
    screenshot(phone, screenshots_dir, "calendar-notice-error-phone")
    assert_no_sideways_scroll(phone)

    phone.get_by_label("通知全文").fill(NOTICE_2027)
    screenshot(phone, screenshots_dir, "calendar-notice-paste-phone")
    phone.get_by_role("button", name="读取并预览").click()

    preview = phone.locator("#preview")
    expect(preview.get_by_role("heading", level=2)).to_have_text("核对读出的安排（尚未保存）")
    expect(preview).to_contain_text("法定假日 28 天")
    expect(preview).to_contain_text("调休上班日 5 天")
    expect(preview.locator(".notice-festivals li")).to_have_count(7)
    expect(phone.locator("table.cal-month")).to_have_count(12)
    october = phone.locator("table.cal-month", has=phone.locator("caption", has_text="10月"))
    expect(october.locator("td.cal-holiday")).to_have_count(7)
    expect(october.locator("td.cal-adjusted_workday")).to_have_text(["9班"])
    with calendar_app.app_context():  # nothing saved by reading
        assert db.session.get(CalendarYear, 2027) is None
        assert db.session.scalar(select(CalendarDay).where(CalendarDay.day >= datetime(2027, 1, 1).date())) is None
    screenshot(phone, screenshots_dir, "calendar-notice-preview-phone")
    assert_no_sideways_scroll(phone)

    phone.get_by_role("button", name="确认导入").click()
    expect(phone.locator(".flash-success")).to_contain_text("已根据通知导入并确认2027年")
    expect(phone.locator(".calendar-status")).to_contain_text("已覆盖：管理员录入并确认")
    expect(phone.locator("#special-days tbody tr")).to_have_count(33)
    screenshot(phone, screenshots_dir, "calendar-notice-imported-phone")
    assert_no_sideways_scroll(phone)
    with calendar_app.app_context():
        assert db.session.get(CalendarYear, 2027).source is CalendarSource.ADMIN

    phone.goto("/calendar/2027/notice")
    expect(phone.locator("main")).to_contain_text("2027年已覆盖（管理员录入")
    expect(phone.get_by_label("通知全文")).to_have_count(0)
