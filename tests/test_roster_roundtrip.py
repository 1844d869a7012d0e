"""Export a scope's 花名册, edit it in Excel, import it again: the preview lists exactly
the changes (new, changed field old → new, 停用, 恢复), the confirmation writes exactly
those or nothing, and people missing from the file stay as they are."""
import re
from datetime import date, datetime, timedelta
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.admin.models import RosterUpload
from portal.audit.models import AuditEntry
from portal.auth.models import Account
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import Person
from tests.conftest import SUITE_NOW

PAGE = "/admin/roster/import"
HEADERS = ("姓名", "用户名", "职务", "街镇", "社区", "网格号", "手机号", "参加工作时间", "入职本社区时间", "状态")


@pytest.fixture
def admin(auth):
    auth.login("admin")
    return auth


def community_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Community.id).where(Community.slug == slug))


def export(admin, **scope) -> openpyxl.Workbook:
    response = admin.client.get("/admin/roster/export.xlsx", query_string=scope)
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    return openpyxl.load_workbook(BytesIO(response.data))


def row_of(book, username: str) -> int:
    for number, values in enumerate(book.active.iter_rows(values_only=True), start=1):
        if values[1] == username:
            return number
    raise AssertionError(username)


def edit(book, username: str, header: str, value) -> None:
    book.active.cell(row=row_of(book, username), column=HEADERS.index(header) + 1).value = value


def saved(book) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def upload(admin, content: bytes):
    return admin.post(PAGE, {"file": (BytesIO(content), "花名册.xlsx")}, token_from=PAGE,
                      content_type="multipart/form-data")


def preview_of(admin, uploaded) -> str:
    assert uploaded.status_code == 303, uploaded.get_data(as_text=True)[:3000]
    return admin.client.get(uploaded.headers["Location"]).get_data(as_text=True)


def digest_in(html: str) -> str:
    return re.search(r'name="plan" value="([0-9a-f]+)"', html).group(1)


def confirm(admin, uploaded, digest: str | None = None):
    location = uploaded.headers["Location"]
    digest = digest or digest_in(admin.client.get(location).get_data(as_text=True))
    return admin.post(location + "/apply", {"plan": digest}, token_from=location)


def change_rows(html: str) -> list[list[str]]:
    """The preview's changes: one list of cell texts per row."""
    rows = re.findall(r'<tr class="change ([a-z-]+)">(.*?)</tr>', html, re.S)
    return [[kind] + [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
            for kind, body in rows]


def state(app) -> dict:
    """Every table a roster touches, as counts and the people's columns."""
    with app.app_context():
        people = db.session.execute(select(
            Person.id, Person.name, Person.phone, Person.position, Person.community_id, Person.grid_id, Person.active,
            Person.service_start, Person.community_start).order_by(Person.id)).all()
        return {"people": [tuple(p) for p in people],
                "accounts": db.session.scalar(select(func.count()).select_from(Account)),
                "audit": db.session.scalar(select(func.count()).select_from(AuditEntry))}


def person(app, username: str) -> Person:
    with app.app_context():
        found = db.session.scalar(select(Account).where(Account.username == username)).person
        db.session.expunge_all()
        return found


# -- the export ---------------------------------------------------------------

def test_a_communitys_export_has_the_import_columns_and_everyone_including_the_deactivated(app, admin):
    with app.app_context():
        worker = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker09")).person
        worker.active = False
        worker.grid = None
        db.session.commit()
    book = export(admin, community=community_id(app, "fuyuan"))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    with app.app_context():
        fuyuan = db.session.scalar(select(func.count()).select_from(Person).where(
            Person.community_id == community_id(app, "fuyuan")))
    assert len(rows) - 1 == fuyuan
    by_username = {r[1]: r for r in rows[1:]}
    assert set(by_username) >= {"fuyuan_secretary", "fuyuan_stationhead", "fuyuan_frontdesk", "fuyuan_worker01"}
    assert not any(name.startswith("fuda_") for name in by_username)
    secretary = by_username["fuyuan_secretary"]
    assert secretary[2:5] == ("社区书记", "富强路街道", "富源社区") and secretary[9] == "在职"
    assert isinstance(secretary[7], datetime)  # a date cell Excel shows as a date
    assert by_username["fuyuan_worker01"][5] == 1
    assert by_username["fuyuan_worker09"][5] is None and by_username["fuyuan_worker09"][9] == "停用"


def test_a_streets_and_the_districts_export_reach_their_whole_scope(app, admin):
    with app.app_context():
        fuqiang = db.session.scalar(select(Community.street_id).where(Community.slug == "fuyuan"))
    street_rows = list(export(admin, street=fuqiang).active.iter_rows(values_only=True))[1:]
    assert {"fuqiang_leader", "fuyuan_worker01", "fuda_worker01"} <= {r[1] for r in street_rows}
    assert not any(r[1].startswith("fangzhi_") or r[1] in ("admin", "inspector") for r in street_rows)
    district_rows = list(export(admin).active.iter_rows(values_only=True))[1:]
    assert district_rows[0][1:3] == ("admin", "管理员")
    with app.app_context():
        assert len(district_rows) == db.session.scalar(select(func.count()).select_from(Person))


def test_a_community_office_exports_its_own_roster_but_imports_nothing(app, auth):
    auth.login("fuyuan_secretary")
    own = auth.client.get("/admin/roster/export.xlsx", query_string={"community": community_id(app, "fuyuan")})
    assert own.status_code == 200
    other = auth.client.get("/admin/roster/export.xlsx", query_string={"community": community_id(app, "fuda")})
    assert other.status_code == 403
    assert auth.client.get(PAGE).status_code == 403
    page = auth.client.get(f"/org/communities/{community_id(app, 'fuyuan')}").get_data(as_text=True)
    assert "导出花名册" in page and "年休假一览" in page


# -- export, edit, import -------------------------------------------------------

def test_an_export_imported_again_unchanged_changes_nothing(app, admin):
    before = state(app)
    response = upload(admin, saved(export(admin, community=community_id(app, "fuyuan"))))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "没有需要导入的变更" in html
    assert change_rows(html) == [] and 'name="plan"' not in html
    assert state(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterUpload)) == 0


def test_three_cells_edited_in_excel_are_exactly_the_three_changes_previewed_and_applied(app, admin):
    """The issue's "Done when": export, edit three cells with openpyxl, re-import."""
    book = export(admin, community=community_id(app, "fuyuan"))
    old_phone = person(app, "fuyuan_worker03").phone
    edit(book, "fuyuan_worker03", "手机号", "13900000003")
    edit(book, "fuyuan_worker04", "参加工作时间", "2010-07")
    edit(book, "fuyuan_worker05", "状态", "停用")
    before = state(app)
    uploaded = upload(admin, saved(book))
    html = preview_of(admin, uploaded)
    assert state(app) == before  # the preview writes no person
    rows = change_rows(html)
    assert [(r[0], r[3], r[4], r[5]) for r in rows if r[0] == "change-field"] == [
        ("change-field", "手机号", old_phone, "13900000003"),
        ("change-field", "参加工作时间", person(app, "fuyuan_worker04").service_start.isoformat(), "2010-07-01"),
    ]
    assert [(r[0], r[2]) for r in rows if r[0] == "change-deactivated"] == [
        ("change-deactivated", f"{person(app, 'fuyuan_worker05').name}（fuyuan_worker05）")]
    assert len(rows) == 3 and "确认导入这 3 项变更" in html
    assert "富源社区第5网格将空出" in html

    mark = before["audit"]
    done = confirm(admin, uploaded)
    assert done.status_code == 200
    assert "修改 2 人，停用 1 人" in done.get_data(as_text=True)
    assert person(app, "fuyuan_worker03").phone == "13900000003"
    assert person(app, "fuyuan_worker04").service_start == date(2010, 7, 1)
    gone = person(app, "fuyuan_worker05")
    assert not gone.active and gone.grid_id is None
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.id > mark).order_by(AuditEntry.id)).all()
        assert sorted(e.action for e in entries) == ["person.deactivated", "person.updated", "person.updated",
                                                     "roster.imported"]
        updated = [e for e in entries if e.action == "person.updated"]
        assert {"phone": old_phone} in [e.before for e in updated]
        assert db.session.scalar(select(func.count()).select_from(RosterUpload)) == 0
    after = state(app)
    changed = [p for p, q in zip(before["people"], after["people"], strict=True) if p != q]
    assert len(changed) == 3
    # The same preview cannot be applied twice.
    again = confirm(admin, uploaded, digest_in(html))
    assert again.status_code == 404 and "已失效" in again.get_data(as_text=True)


def test_a_round_trip_with_one_broken_cell_is_refused_in_chinese_and_writes_nothing(app, admin):
    for header, value, message in [
        ("参加工作时间", "2099-07", "第{row}行：参加工作时间不能晚于今天（2026-11-25）。"),
        ("参加工作时间", "1958-03", "第{row}行：参加工作时间早于 1960 年，请核对。"),
        ("职务", "队长", "第{row}行：职务“队长”不存在"),
        ("网格号", "第二网格", "第{row}行：网格号须为整数，如 3。"),
        ("状态", "退休", "第{row}行：状态“退休”应为“在职”或“停用”。"),
    ]:
        book = export(admin, community=community_id(app, "fuyuan"))
        edit(book, "fuyuan_worker06", header, value)
        edit(book, "fuyuan_worker07", "手机号", "13900000007")  # a good change beside it
        before = state(app)
        response = upload(admin, saved(book))
        html = response.get_data(as_text=True)
        assert response.status_code == 400, header
        assert "花名册未导入，没有写入任何数据" in html
        problems = re.findall(r'<li class="error">([^<]*)</li>', html)
        assert len(problems) == 1 and problems[0].startswith(message.format(row=row_of(book, "fuyuan_worker06")))
        assert state(app) == before


def test_a_person_missing_from_the_file_is_not_deactivated(app, admin):
    book = export(admin, community=community_id(app, "fuyuan"))
    book.active.delete_rows(row_of(book, "fuyuan_worker08"))
    edit(book, "fuyuan_worker03", "姓名", "改名了")
    uploaded = upload(admin, saved(book))
    assert [r[3] for r in change_rows(preview_of(admin, uploaded))] == ["姓名"]
    confirm(admin, uploaded)
    assert person(app, "fuyuan_worker08").active and person(app, "fuyuan_worker03").name == "改名了"


def test_new_people_and_a_grid_swap_import_together(app, admin):
    book = export(admin, community=community_id(app, "fuyuan"))
    edit(book, "fuyuan_worker01", "网格号", 2)
    edit(book, "fuyuan_worker02", "网格号", 1)
    book.active.append(["新来的", "fuyuan_newcomer", "公共服务区工作人员", None, "富源社区", None, "13912345678",
                        "2021-04", "2024-09-01", "在职"])
    uploaded = upload(admin, saved(book))
    rows = change_rows(preview_of(admin, uploaded))
    assert sorted((r[0], r[3] if r[0] == "change-field" else r[2]) for r in rows) == [
        ("change-field", "网格号"), ("change-field", "网格号"), ("change-new", "新来的")]
    done = confirm(admin, uploaded).get_data(as_text=True)
    assert "新增 1 人，修改 2 人" in done and "fuyuan_newcomer" in done
    assert person(app, "fuyuan_worker01").grid_id != person(app, "fuyuan_worker02").grid_id
    with app.app_context():
        one = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker01")).person
        two = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker02")).person
        newcomer = db.session.scalar(select(Account).where(Account.username == "fuyuan_newcomer")).person
        assert (one.grid.number, two.grid.number) == (2, 1)
        assert (newcomer.service_start, newcomer.community_start) == (date(2021, 4, 1), date(2024, 9, 1))


def test_setting_a_deactivated_person_back_to_in_service_restores_them(app, admin):
    with app.app_context():
        worker = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker10")).person
        grid = worker.grid.number
        worker.active, worker.grid = False, None
        worker.account.active = False
        db.session.commit()
    book = export(admin, community=community_id(app, "fuyuan"))
    edit(book, "fuyuan_worker10", "状态", "在职")
    edit(book, "fuyuan_worker10", "网格号", grid)
    uploaded = upload(admin, saved(book))
    rows = change_rows(preview_of(admin, uploaded))
    assert [r[0] for r in rows] == ["change-field", "change-reactivated"]
    assert "恢复 1 人" in confirm(admin, uploaded).get_data(as_text=True)
    back = person(app, "fuyuan_worker10")
    assert back.active and back.grid_id is not None


def test_the_file_cannot_deactivate_the_importer_or_the_last_administrator(app, admin):
    book = export(admin)
    edit(book, "admin", "状态", "停用")
    response = upload(admin, saved(book))
    assert response.status_code == 400 and f"第{row_of(book, 'admin')}行：不能停用自己的账号。" in \
        response.get_data(as_text=True)
    book = export(admin)
    edit(book, "admin", "职务", "区级督查")
    response = upload(admin, saved(book))
    assert response.status_code == 400 and "这是唯一在用的管理员账号" in response.get_data(as_text=True)


# -- the confirmation applies what was shown, or nothing ----------------------------

def test_a_change_made_meanwhile_stops_the_confirmation_and_shows_the_new_comparison(app, admin):
    book = export(admin, community=community_id(app, "fuyuan"))
    edit(book, "fuyuan_worker03", "手机号", "13900000003")
    uploaded = upload(admin, saved(book))
    shown = digest_in(preview_of(admin, uploaded))
    with app.app_context():  # someone edits a person of the file in between
        other = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker04")).person
        other.phone = "13911112222"
        db.session.commit()
    before = state(app)
    response = confirm(admin, uploaded, shown)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "没有写入任何数据" in html
    assert state(app) == before
    assert sorted(r[3] for r in change_rows(html)) == ["手机号", "手机号"]  # 04's edit would be undone: shown now
    assert digest_in(html) != shown
    assert confirm(admin, uploaded, digest_in(html)).status_code == 200
    assert person(app, "fuyuan_worker04").phone != "13911112222"


def test_a_preview_is_the_uploaders_own_and_lasts_a_day(app, admin, auth, travel):
    book = export(admin, community=community_id(app, "fuyuan"))
    edit(book, "fuyuan_worker03", "手机号", "13900000003")
    uploaded = upload(admin, saved(book))
    digest = digest_in(preview_of(admin, uploaded))
    before = state(app)
    for wrong in ("0" * 64, "", "x\x00"):
        response = confirm(admin, uploaded, wrong or "-")
        assert response.status_code == 409 and state(app) == before
    with app.app_context():  # a second administrator
        from portal.admin import people as people_rules
        from portal.people.models import Position
        people_rules.create_person(None, people_rules.PersonInput("第二管理员", "admin_two", Position.ADMIN),
                                   "second-admin-pass-2026")
        db.session.commit()
    from tests.conftest import Auth
    other = Auth(app.test_client())
    assert other.login("admin_two", "second-admin-pass-2026").status_code == 302
    assert other.client.get(uploaded.headers["Location"]).status_code == 404
    assert confirm(other, uploaded, digest).status_code == 404
    people = state(app)["people"]
    travel(SUITE_NOW + timedelta(hours=25))
    admin.login("admin")  # a working day's login session has ended too
    expired = confirm(admin, uploaded, digest)
    assert expired.status_code == 404 and "已失效" in expired.get_data(as_text=True)
    assert state(app)["people"] == people
    upload(admin, saved(book))  # the next upload clears the stale one
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterUpload)) == 1


def test_a_name_the_export_kept_from_being_a_formula_comes_back_as_it_was(app, admin):
    with app.app_context():
        db.session.scalar(select(Account).where(Account.username == "fuyuan_worker03")).person.name = "=张三"
        db.session.commit()
    book = export(admin, community=community_id(app, "fuyuan"))
    assert book.active.cell(row=row_of(book, "fuyuan_worker03"), column=1).value == "'=张三"
    response = upload(admin, saved(book))
    assert response.status_code == 200 and "没有需要导入的变更" in response.get_data(as_text=True)
