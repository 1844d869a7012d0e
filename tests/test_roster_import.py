"""Importing a roster (花名册): all of it or, if any row is wrong, none of it; the
changes shown first and written only on confirmation (tests/test_roster_roundtrip.py
for export, re-import and the preview's details)."""
import re
import zipfile
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.admin import people as people_rules
from portal.audit.models import AuditEntry
from portal.auth.models import Account
from portal.errors import FieldErrors
from portal.extensions import db
from portal.people.models import Person, Position
from tests.conftest import Auth

HEADERS = ["姓名", "用户名", "职务", "街镇", "社区", "网格号", "手机号", "参加工作时间", "入职本社区时间", "状态"]
FIRST_TEMPLATE = HEADERS[:7]
PAGE = "/admin/roster/import"


def xlsx(rows, headers=HEADERS, write_only=False) -> bytes:
    workbook = openpyxl.Workbook(write_only=write_only)
    sheet = workbook.create_sheet() if write_only else workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(admin, content: bytes | None, filename: str = "roster.xlsx"):
    data = {} if content is None else {"file": (BytesIO(content), filename)}
    return admin.post(PAGE, data, token_from=PAGE, content_type="multipart/form-data")


def confirm(admin, uploaded):
    """Open the preview an upload led to and press its confirm button."""
    assert uploaded.status_code == 303, uploaded.get_data(as_text=True)[:3000]
    preview = admin.client.get(uploaded.headers["Location"]).get_data(as_text=True)
    digest = re.search(r'name="plan" value="([0-9a-f]+)"', preview).group(1)
    return admin.post(uploaded.headers["Location"] + "/apply", {"plan": digest}, token_from=uploaded.headers["Location"])


def counts(app) -> dict:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Person, Account, AuditEntry)}


def problems(response) -> list[str]:
    return re.findall(r'<li class="error">([^<]*)</li>', response.get_data(as_text=True))


def free_grid(app, username: str) -> None:
    """The worker leaves, so their grid falls vacant."""
    with app.app_context():
        admin = db.session.scalar(select(Account).where(Account.username == "admin"))
        worker = db.session.scalar(select(Account).where(Account.username == username)).person
        people_rules.deactivate_person(admin, worker)
        db.session.commit()


@pytest.fixture
def admin(auth):
    auth.login("admin")
    return auth


def refused(app, admin, content, filename="roster.xlsx") -> list[str]:
    """Upload, expect a refusal that wrote nothing, return the problems listed."""
    before = counts(app)
    response = upload(admin, content, filename)
    assert response.status_code == 400
    assert "花名册未导入，没有写入任何数据" in response.get_data(as_text=True)
    assert counts(app) == before
    return problems(response)


# -- the page and the template ------------------------------------------------

def test_the_import_page_documents_the_columns_and_offers_a_template(admin):
    page = admin.client.get(PAGE).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    assert "姓名、用户名、职务、街镇、社区、网格号、手机号、参加工作时间、入职本社区时间、状态" in page
    assert "表中没有的人员不会被停用" in page
    assert "网格员、公共服务区工作人员、社区书记、站长、街镇领导、区级督查、管理员" in page

    response = admin.client.get("/admin/roster/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(BytesIO(response.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert rows[1][2] == "网格员" and rows[1][4] == "富源社区" and len(rows) == 2


# -- a good roster ------------------------------------------------------------

def test_a_good_roster_creates_everyone_in_one_go_with_temporary_passwords(app, admin):
    free_grid(app, "fuyuan_worker03")
    before = counts(app)
    content = xlsx([
        ["李新华", "fuyuan_worker03b", "网格员", "富强路街道", "富源社区", 3.0, 13912345678],
        ["王小丽", "fuyuan_frontdesk4", "公共服务区工作人员", None, "富源", None, "0472-5101234"],
        ["  赵建国 ", "Fuqiang_Leader2", "街镇领导", "富强路街道", None, None, None],
        ["钱乐", "inspector2", "区级督查", "", "", "", "139 1234 5679"],
        [None] * 7,
        ["", " ", None, None, None, None, None],
    ])
    uploaded = upload(admin, content)
    assert counts(app) == before  # only shown so far
    response = confirm(admin, uploaded)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "新增 4 人" in html and "只显示这一次" in html
    shown = re.findall(r"<td>([a-z0-9_]+)</td><td><code>([^<]+)</code></td>", html)
    assert [username for username, _ in shown] == [
        "fuyuan_worker03b", "fuyuan_frontdesk4", "fuqiang_leader2", "inspector2"]

    after = counts(app)
    assert after["Person"] == before["Person"] + 4 and after["Account"] == before["Account"] + 4
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(5)).all()
        assert sorted(actions) == ["person.created"] * 4 + ["roster.imported"]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "roster.imported"))
        assert entry.after["rows"] == 4 and entry.after["new"] == 4 and entry.account.username == "admin"
        worker = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker03b")).person
        assert (worker.position, worker.community.name, worker.grid.number, worker.phone) == (
            Position.GRID_WORKER, "富源社区", 3, "13912345678")
        leader = db.session.scalar(select(Account).where(Account.username == "fuqiang_leader2")).person
        assert (leader.name, leader.street.name, leader.community) == ("赵建国", "富强路街道", None)
        assert db.session.scalar(select(Account).where(Account.username == "inspector2")).person.phone == \
            "13912345679"

    # The temporary password works, once handed over.
    newcomer = Auth(app.test_client())
    assert newcomer.login("fuyuan_worker03b", dict(shown)["fuyuan_worker03b"]).status_code == 302
    # And it is not kept where it could be read again.
    assert dict(shown)["fuyuan_worker03b"] not in admin.client.get("/admin/people?q=fuyuan_worker03b").get_data(
        as_text=True)


# -- refused as a whole -------------------------------------------------------

GOOD_ROW = ["王小丽", "fuyuan_frontdesk4", "公共服务区工作人员", None, "富源社区", None, "13912345678", "2015-09",
            None, "在职"]


def test_a_roster_with_a_duplicate_username_is_refused_whole_naming_the_rows(app, admin):
    listed = refused(app, admin, xlsx([
        ["甲", "fuyuan_twice", "公共服务区工作人员", None, "富源社区", None, None],
        GOOD_ROW,
        ["乙", "FUYUAN_TWICE", "社区书记", None, "富达社区", None, None],
    ]))
    assert listed == ["第4行：用户名“fuyuan_twice”与第2行重复，同一用户名只能出现一次。"]


def test_a_roster_of_the_first_template_still_imports(app, admin):
    """Seven columns: the new person gets no 参加工作时间 yet."""
    response = confirm(admin, upload(admin, xlsx([GOOD_ROW[:7]], headers=FIRST_TEMPLATE)))
    assert "新增 1 人" in response.get_data(as_text=True)
    with app.app_context():
        person = db.session.scalar(select(Account).where(Account.username == "fuyuan_frontdesk4")).person
        assert person.active and person.service_start is None


def test_two_workers_for_one_grid_in_a_roster_are_refused(app, admin):
    free_grid(app, "fuyuan_worker05")
    listed = refused(app, admin, xlsx([
        ["甲", "fuyuan_new05", "网格员", None, "富源社区", 5, None],
        ["乙", "fuyuan_new05b", "网格员", None, "富源社区", "5", None],
    ]))
    assert listed == ["第3行：富源社区第5网格与第2行重复（一员一格）。"]


def test_a_grid_that_already_has_its_worker_is_refused(app, admin):
    listed = refused(app, admin, xlsx([["甲", "fuyuan_new01", "网格员", None, "富源社区", 1, None]]))
    assert len(listed) == 1 and listed[0].startswith("第2行：富源社区第1网格已由") and "一员一格" in listed[0]


def test_a_wrong_header_is_refused(app, admin):
    for headers in [
        ["用户名", "姓名", "职务", "街镇", "社区", "网格号", "手机号"],
        ["姓名", "用户名", "职务", "社区", "网格号", "手机号"],
        HEADERS + ["备注"],
        HEADERS[:8],
        ["name", "username", "position", "street", "community", "grid", "phone"],
        [None, *HEADERS],
    ]:
        listed = refused(app, admin, xlsx([GOOD_ROW], headers=headers))
        assert len(listed) == 1, headers
        assert listed[0].startswith("第1行：表头应为“姓名、用户名、职务、街镇、社区、网格号、手机号、参加工作时间、入职本社区时间、状态”"), \
            headers


def test_every_bad_row_is_listed_and_the_good_ones_are_not(app, admin):
    listed = refused(app, admin, xlsx([
        GOOD_ROW,
        ["甲", "fuyuan_a1", "公共服务区工作人员", None, "不存在社区", None, None],
        ["乙", "fuyuan_a2", "公共服务区工作人员", None, "富源社区", None, "1391234"],
        ["丙", "fuyuan_a3", "公共服务区工作人员", "幸福路街道", "富源社区", None, None],
        ["丁", "admin", "区级督查", None, None, None, None],  # fine: row 11 brings another 管理员
        ["戊", "fuyuan_a5", "队长", None, "富源社区", None, None],
        ["己", "fuyuan_a6", "网格员", None, "富源社区", 3.5, None],
        ["庚", "fuyuan_a7", "社区书记", None, "富源社区", 2, None],
        ["", "fuyuan_a8", "街镇领导", None, None, None, None],
        ["辛", "fuyuan_a9", "管理员", "富强路街道", None, None, None],
        ["壬" * 51, "Bad Name!", "网格员", None, None, None, None],
        ["癸", "fuyuan_b1", "公共服务区工作人员", None, "富源社区", None, None, "2099-01", None, None],
        ["子", "fuyuan_b2", "公共服务区工作人员", None, "富源社区", None, None, "1959-12", "2030-01-01", "离职"],
        ["丑", "fuyuan_b3", "公共服务区工作人员", None, "富源社区", None, None, 2010.1, "2010", "停用"],
        ["寅", "fuyuan_b4", "街镇领导", "富强路街道", None, None, None, "2010-07", "2012-01", None],
    ]))
    assert listed == [
        "第3行：社区“不存在社区”不存在，请写全称，如 富源社区。",
        "第4行：手机号应为 11 位手机号码，或形如 0472-1234567 的固定电话。",
        "第5行：富源社区属于富强路街道，不属于幸福路街道。",
        "第7行：职务“队长”不存在，应为网格员、公共服务区工作人员、社区书记、站长、街镇领导、区级督查、管理员之一。",
        "第8行：网格号须为整数，如 3。",
        "第9行：只有网格员负责网格。",
        "第10行：请填写姓名。",
        "第10行：街镇领导须填写街镇，如 富强路街道。",
        "第11行：管理员不属于街镇或社区，街镇和社区两列请留空。",
        "第12行：姓名不能超过 50 个字，且不能含控制字符。",
        "第12行：用户名须为 3–32 位小写字母、数字或下划线，并以字母开头。",
        "第12行：网格员须填写社区，如 富源社区。",
        "第12行：网格员须填写所负责的网格号（一员一格）。",
        "第13行：参加工作时间不能晚于今天（2026-11-25）。",
        "第14行：参加工作时间早于 1960 年，请核对。",
        "第14行：入职本社区时间不能晚于今天（2026-11-25）。",
        "第14行：状态“离职”应为“在职”或“停用”。",
        "第15行：参加工作时间“2010.1”是一个数字，分辨不出月份（Excel 会把 2010.10 存成 2010.1）：请写成 2010-10 或 2010年10月。",
        "第15行：入职本社区时间请写到月份，如 2010-07。",
        "第15行：新人员的状态应为“在职”：“停用”只用于名单中已有的人员。",
        "第16行：只有社区工作人员填写入职本社区时间。",
    ]


# -- files that are not a roster ----------------------------------------------

def test_files_that_are_not_a_roster_are_refused_in_chinese(app, admin):
    not_xlsx_zip = BytesIO()
    with zipfile.ZipFile(not_xlsx_zip, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    cases = [
        (b"name,username\nfu,fuyuan\n", "roster.csv", "只接受 .xlsx 文件"),
        (xlsx([GOOD_ROW]), "roster.xls", "只接受 .xlsx 文件"),
        (b"this is not a spreadsheet", "roster.xlsx", "文件无法读取"),
        (not_xlsx_zip.getvalue(), "roster.xlsx", "文件无法读取"),
        (b"PK\x03\x04" + b"\x00" * (5 * 1024 * 1024), "roster.xlsx", "文件超过 5 MB"),
        (b"", "roster.xlsx", "上传的文件是空的"),
        (None, None, "请选择要上传的花名册文件"),
        (xlsx([]), "roster.xlsx", "花名册中没有人员"),
        (xlsx([[None] * 7] * 3), "ROSTER.XLSX", "花名册中没有人员"),
    ]
    for content, filename, message in cases:
        listed = refused(app, admin, content, filename)
        assert len(listed) == 1 and message in listed[0], (filename, listed)
    # Nor is a good roster sent without the page's CSRF token.
    before = counts(app)
    response = admin.client.post(PAGE, data={"file": (BytesIO(xlsx([GOOD_ROW])), "roster.xlsx")},
                                 content_type="multipart/form-data")
    assert response.status_code == 400 and counts(app) == before


def test_a_roster_of_more_than_the_district_holds_is_refused(app, admin):
    rows = [[f"人员{n}", f"bulk_{n}", "公共服务区工作人员", None, "富源社区"] for n in range(3001)]
    listed = refused(app, admin, xlsx(rows, write_only=True))
    assert listed == ["花名册超过 3000 行（不含表头），请拆分后分批导入。"]


def test_a_roster_of_hundreds_of_new_people_imports_in_one_go(app, admin):
    """The old cap of 100 rows is gone: each generated temporary password gets the light
    hash (it is random and must be changed at the first login)."""
    rows = [[f"人员{n}", f"bulk_{n:03d}", "公共服务区工作人员", None, "富源社区", None, None, "2012-03"] for n in range(250)]
    response = confirm(admin, upload(admin, xlsx(rows, write_only=True)))
    html = response.get_data(as_text=True)
    assert "新增 250 人" in html
    shown = dict(re.findall(r"<td>(bulk_\d+)</td><td><code>([^<]+)</code></td>", html))
    assert len(shown) == 250
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.username == "bulk_137"))
        assert account.password_hash.startswith("scrypt:1024:8:1$") and account.must_change_password
    newcomer = Auth(app.test_client())
    assert newcomer.login("bulk_137", shown["bulk_137"]).status_code == 302
    assert newcomer.client.get("/").headers["Location"] == "/account/password"



def test_a_row_that_fails_while_writing_undoes_the_rows_before_it(app, admin, monkeypatch):
    """Someone else takes a username between the check and the write."""
    create = people_rules.create_person
    calls = []

    def create_then_conflict(actor, data, password, generated=False):
        calls.append(data.username)
        if len(calls) == 2:
            raise FieldErrors({"username": f"用户名“{data.username}”已被使用。"})
        return create(actor, data, password, generated)

    uploaded = upload(admin, xlsx([GOOD_ROW, ["甲", "fuyuan_late", "社区书记", None, "富源社区", None, None]]))
    monkeypatch.setattr(people_rules, "create_person", create_then_conflict)
    before = counts(app)
    response = confirm(admin, uploaded)
    assert response.status_code == 400 and "没有写入任何数据" in response.get_data(as_text=True)
    assert problems(response) == ["第3行：用户名“fuyuan_late”已被使用。"] and len(calls) == 2
    assert counts(app) == before
