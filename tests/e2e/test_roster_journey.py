"""Running real staff: the administrator exports 富源社区's 花名册, three cells are edited
in the workbook (openpyxl, as Excel would save it), the file is imported again, the
preview lists exactly those three changes, and once confirmed the people list shows
them (the issue's "Done when").

This journey writes people, so it has its own live server on its own copy of the
demo district: the other journeys keep the district as seeded."""
import shutil
import threading
from datetime import date

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.auth.models import Account
from portal.extensions import db
from portal.org.models import Community
from tests.conftest import make_app

from . import a11y
from .conftest import PHONE
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

COLUMNS = ("姓名", "用户名", "职务", "街镇", "社区", "网格号", "手机号", "参加工作时间", "入职本社区时间", "状态")


@pytest.fixture(scope="module")
def live_app(sqlite_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e-roster") / "portal.db"
    shutil.copyfile(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", VERSIONS_MAX_AGE=1.0)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-roster-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def person(live_app, username):
    with live_app.app_context():
        found = db.session.scalar(select(Account).where(Account.username == username)).person
        values = {"name": found.name, "phone": found.phone, "service_start": found.service_start,
                  "active": found.active, "grid": found.grid_id}
        db.session.remove()
        return values


def edit_three_cells(path) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert tuple(c.value for c in sheet[1]) == COLUMNS
    column = {name: n for n, name in enumerate(COLUMNS, start=1)}
    for row in sheet.iter_rows(min_row=2):
        username = row[1].value
        if username == "fuyuan_worker03":
            row[column["手机号"] - 1].value = "13900000003"
        elif username == "fuyuan_worker04":
            row[column["参加工作时间"] - 1].value = "2010-07"
        elif username == "fuyuan_worker05":
            row[column["状态"] - 1].value = "停用"
    book.save(path)


def axe_clean(page) -> None:
    bad = [v for v in a11y.violations(page) if v["impact"] in a11y.FAILING]
    assert not bad, bad


def test_export_edit_three_cells_import_preview_and_apply(pages, live_app, screenshots_dir, tmp_path):
    worker03, worker04, worker05 = (person(live_app, f"fuyuan_worker0{n}") for n in (3, 4, 5))
    assert worker04["service_start"] != date(2010, 7, 1) and worker05["active"]

    desk = pages.new("desk")
    logged_in(desk, "admin")
    desk.get_by_role("link", name="人员与账号").first.click()
    # htmx (deferred) must be listening before the filter changes, or the change is lost.
    desk.wait_for_load_state("load")
    desk.get_by_label("社区").select_option(label="富源社区")
    expect(desk.locator("#people-results")).to_contain_text("导出所选社区的全部人员")
    expect(desk.locator("#people-results")).to_contain_text("fuyuan_worker01")
    export_link = desk.get_by_role("link", name="导出名单（.xlsx）")
    with desk.expect_download() as download:
        export_link.click()
    assert download.value.suggested_filename.startswith("花名册_富源社区_")
    exported = tmp_path / "富源社区.xlsx"
    download.value.save_as(exported)
    edit_three_cells(exported)

    desk.get_by_role("link", name="花名册导入").first.click()
    expect(desk.get_by_text("表中没有的人员不会被停用")).to_be_visible()
    desk.get_by_label("花名册文件（.xlsx）").set_input_files(exported)
    desk.get_by_role("button", name="上传并预览变更").click()
    expect(desk.get_by_role("heading", name="变更汇总")).to_be_visible()
    changes = desk.locator("tr.change")
    expect(changes).to_have_count(3)
    expect(desk.locator("tr.change-field")).to_have_count(2)
    expect(desk.locator("tr.change-field").nth(0)).to_contain_text("手机号")
    expect(desk.locator("tr.change-field").nth(0)).to_contain_text("13900000003")
    expect(desk.locator("tr.change-field").nth(1)).to_contain_text("2010-07-01")
    expect(desk.locator("tr.change-deactivated")).to_contain_text("fuyuan_worker05")
    expect(desk.get_by_role("button", name="确认导入这 3 项变更")).to_be_visible()
    assert person(live_app, "fuyuan_worker03")["phone"] == worker03["phone"]  # nothing written yet
    screenshot(desk, screenshots_dir, "roster-preview-desktop")
    axe_clean(desk)
    preview_url = desk.url

    # The same preview on a phone (the administrator's own upload), confirmed there.
    phone = pages.new("phone", **PHONE)
    logged_in(phone, "admin")
    phone.goto(preview_url)
    expect(phone.locator("tr.change")).to_have_count(3)
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "roster-preview-phone")
    axe_clean(phone)
    phone.get_by_role("button", name="确认导入这 3 项变更").click()
    expect(phone.get_by_role("heading", name="花名册已导入")).to_be_visible()
    expect(phone.get_by_text("新增 0 人，修改 2 人，停用 1 人，恢复 0 人")).to_be_visible()
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "roster-applied-phone")
    axe_clean(phone)

    assert person(live_app, "fuyuan_worker03")["phone"] == "13900000003"
    assert person(live_app, "fuyuan_worker04")["service_start"] == date(2010, 7, 1)
    assert not person(live_app, "fuyuan_worker05")["active"]

    # The people list shows them; the worker's form shows the date and the days it gives.
    with live_app.app_context():
        fuyuan = db.session.scalar(select(Community.id).where(Community.slug == "fuyuan"))
    desk.goto(f"/admin/people?community_id={fuyuan}")
    desk.get_by_label("姓名或用户名").fill("fuyuan_worker0")
    desk.get_by_role("button", name="筛选").click()
    row03 = desk.locator("#people-results tr", has_text="fuyuan_worker03")
    expect(row03).to_contain_text("13900000003")
    expect(desk.locator("#people-results tr", has_text="fuyuan_worker04")).to_contain_text("2010-07")
    expect(desk.locator("#people-results tr", has_text="fuyuan_worker05")).to_contain_text("已停用")
    screenshot(desk, screenshots_dir, "roster-people-after-desktop")
    desk.locator("#people-results tr", has_text="fuyuan_worker04").get_by_role("link", name="编辑").click()
    expect(desk.get_by_label("参加工作时间")).to_have_value("2010-07-01")
    expect(desk.locator("#annual-leave")).to_contain_text("2026 年年休假 10 天")
    # The confirmed preview is gone.
    desk.goto(preview_url)
    expect(desk.get_by_text("这份预览已失效")).to_be_visible()

    # The community's 年休假一览: 参加工作时间 2010 gives 10 days in 2026, no override.
    desk.goto(f"/org/communities/{fuyuan}")
    desk.get_by_role("link", name="年休假一览").click()
    expect(desk.get_by_role("heading", name="富源社区2026年年休假一览")).to_be_visible()
    row04 = desk.locator("tr", has_text=worker04["name"])
    expect(row04).to_contain_text("2010-07-01")
    expect(row04).to_contain_text("累计工作 15 年")
    expect(row04.locator("td[data-label=应休]")).to_have_text("10")
    expect(desk.locator("tr", has_text=worker05["name"])).to_have_count(0)  # deactivated: not on the list
    screenshot(desk, screenshots_dir, "leave-entitlements-desktop")
    phone.goto(desk.url)
    expect(phone.locator("tr", has_text=worker04["name"])).to_contain_text("累计工作 15 年")
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "leave-entitlements-phone")
