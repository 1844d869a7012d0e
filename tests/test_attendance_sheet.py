"""The monthly 考勤表 as the 书记 reads it, the xlsx the 街镇 files, a worker's own page."""
import re
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from portal.activity import rules as activity
from portal.admin import people as people_rules
from portal.attendance import days, sheet
from portal.demo import seed_demo_history
from portal.extensions import db
from portal.org.models import Community, Street
from tests.conftest import account, count_statements

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # Thursday 10:00 in Baotou: Wednesday is judged
WED = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # Wednesday 08:00 in Baotou


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW



def a_day_of_worker01(app):
    """Late in, two patrols (the afternoon one too short), 2 h of visits in the evening."""
    with app.app_context():
        worker = account("fuyuan_worker01")
        for kind, minutes in (("clock_in", 45), ("patrol_start", 60), ("patrol_end", 160), ("patrol_start", 390),
                              ("patrol_end", 450), ("clock_out", 605), ("visit_start", 660), ("visit_end", 780)):
            activity.record_event(worker, worker.person, kind, now=WED + timedelta(minutes=minutes),
                                     household="3-2-301" if kind == "visit_start" else None)
        db.session.commit()
        return worker.person.community_id


def test_the_secretary_sees_late_and_the_patrols_and_the_xlsx_matches_the_page(app, auth):
    community_id = a_day_of_worker01(app)
    auth.login("fuyuan_secretary")
    page = auth.client.get(f"/attendance/sheet?community={community_id}&month=2026-11").get_data(as_text=True)
    assert "<title>富源社区2026年11月考勤表 · 青山区社区网格工作门户</title>" in page
    row = re.search(r"<tr><td class=\"sticky nowrap\">[^<]+</td><td class=\"nowrap\">第1网格</td>(.*?)</tr>", page, re.S)
    cells = re.findall(r"<td class=\"num[^\"]*\"[^>]*>(?:<a [^>]*>)?([^<]*)(?:</a>)?</td>", row.group(1))
    assert cells[24] == "迟15" and cells[25] == "·"   # 25 November 15 minutes late; 26th not judged yet
    assert "迟到 15 分钟" in page and "巡查 1/2" in page
    assert "本周入户进度" in page and re.search(r"第1网格</td>\s*<td class=\"num warn\">2.0 / 5.0", page)
    response = auth.client.get(f"/attendance/sheet.xlsx?community={community_id}&month=2026-11")
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    grid = [[str(c) if c is not None else "" for c in r] for r in sheet.iter_rows(min_row=3, max_row=2 + 17,
                                                                                   values_only=True)]
    page_rows = re.findall(r"<tr><td class=\"sticky nowrap\">([^<]+)</td><td class=\"nowrap\">([^<]+)</td>(.*?)</tr>",
                           page, re.S)
    assert len(page_rows) == len(grid) == 17
    for (name, role, rest), xlsx_row in zip(page_rows, grid, strict=True):
        page_cells = [name, role, *re.findall(r"<td class=\"num[^\"]*\"[^>]*>(?:<a [^>]*>)?([^<]*)(?:</a>)?</td>", rest)]
        assert page_cells == xlsx_row
    assert sheet.freeze_panes == "C3" and sheet.page_setup.orientation == "landscape"


def test_a_workers_own_page_shows_the_week_of_visits(app, auth):
    a_day_of_worker01(app)
    auth.login("fuyuan_worker01")
    page = auth.client.get("/attendance/me").get_data(as_text=True)
    assert "本周入户" in page and "<b>2.0</b> 小时" in page and "迟" in page


def test_the_street_sheet_costs_a_fixed_number_of_statements(app, auth):
    """科学路街道 (87 grids) costs what 乌素图街道 (28) costs, with or without weeks of
    history, once the night's day-close has judged the month."""
    with app.app_context():
        kexue = db.session.scalar(select(Street.id).where(Street.slug == "kexue"))
        wusutu = db.session.scalar(select(Street.id).where(Street.slug == "wusutu"))
        days.fill(db.session.scalars(select(Community.id)).all(), date(2026, 11, 1), date(2026, 11, 30))
        db.session.commit()
    auth.login("inspector")
    auth.client.get("/")  # the login session, read once after the login
    small = count_statements(app, auth.client, f"/attendance/sheet?street={wusutu}&month=2026-11")
    large = count_statements(app, auth.client, f"/attendance/sheet?street={kexue}&month=2026-11")
    with app.app_context():
        assert seed_demo_history(now=NOW) > 10_000
        db.session.commit()
    busy = count_statements(app, auth.client, f"/attendance/sheet?street={kexue}&month=2026-11")
    assert small == large == busy, (small, large, busy)
    assert busy <= 18


@pytest.mark.parametrize("username, allowed", [
    ("fuyuan_secretary", True), ("fuqiang_leader", True), ("fuda_secretary", False),
    ("fuyuan_worker02", False), ("fuyuan_frontdesk", False),
])
def test_who_sees_a_communitys_sheet(app, auth, username, allowed):
    with app.app_context():
        fuyuan = db.session.scalar(select(Community.id).where(Community.slug == "fuyuan"))
    auth.login(username)
    status = auth.client.get(f"/attendance/sheet?community={fuyuan}").status_code
    assert status == (200 if allowed else 403)


def test_a_bad_month_falls_back_with_a_message(auth):
    auth.login("fuyuan_secretary")
    page = auth.client.get("/attendance/sheet?month=2026-13").get_data(as_text=True)
    assert "月份无效" in page and "2026年11月考勤表" in page


def test_approved_field_work_is_wai_not_leave(app, auth):
    from portal.leave import rules as leave_rules
    from portal.leave.models import LeaveType

    app.config["CLOCK_NOW"] = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Monday 08:00
    with app.app_context():
        worker = account("fuyuan_worker02")
        field = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "field"))
        data = leave_rules.LeaveInput(field, datetime(2026, 11, 24).date(), "am", datetime(2026, 11, 24).date(),
                                      "pm", "区民政局网格员培训", "区政府", "")
        leave = leave_rules.submit(worker, worker.person, data, app.config)
        leave_rules.decide(account("fuyuan_secretary"), leave, True, "")
        db.session.commit()
        community_id = worker.person.community_id
    app.config["CLOCK_NOW"] = NOW
    auth.login("fuyuan_secretary")
    page = auth.client.get(f"/attendance/sheet?community={community_id}&month=2026-11").get_data(as_text=True)
    row = re.search(r"第2网格</td>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r"<td class=\"num[^\"]*\"[^>]*>(?:<a [^>]*>)?([^<]*)(?:</a>)?</td>", row)
    assert cells[23] == "外"


def test_the_street_sheet_says_which_community_each_row_is_in_on_the_page_and_in_the_xlsx(app, auth):
    auth.login("fuqiang_leader")
    with app.app_context():
        street = db.session.scalar(select(Street).where(Street.slug == "fuqiang"))
        sid, names = street.id, {c.name for c in street.communities}
    page = auth.client.get(f"/attendance/sheet?street={sid}&month=2026-11").get_data(as_text=True)
    assert "<th>社区</th>" in page
    first_grids = re.findall(r'<tr><td class="sticky nowrap">[^<]+</td><td class="nowrap">([^<]+)</td>'
                             r'<td class="nowrap">第1网格</td>', page)
    assert len(first_grids) == len(set(first_grids)) >= 2 and set(first_grids) <= names
    sheet = openpyxl.load_workbook(BytesIO(auth.client.get(
        f"/attendance/sheet.xlsx?street={sid}&month=2026-11").data)).active
    assert [c.value for c in sheet[2]][:3] == ["姓名", "社区", "网格/职务"]
    assert {r[1] for r in sheet.iter_rows(min_row=3, values_only=True) if r[2] == "第1网格"} == set(first_grids)


def test_a_community_sheet_has_no_community_column(app, auth):
    auth.login("fuyuan_secretary")
    page = auth.client.get("/attendance/sheet?month=2026-11").get_data(as_text=True)
    assert "<th>社区</th>" not in page


def test_office_staff_have_no_patrol_rate_and_grid_workers_do(app, auth):
    with app.app_context():
        assert seed_demo_history(now=NOW) > 10_000
        db.session.commit()
    auth.login("fuyuan_secretary")
    page = auth.client.get("/attendance/sheet?month=2026-11").get_data(as_text=True)
    page = re.search(r'<table class="attendance-sheet">.*?</table>', page, re.S).group(0)
    rate_column = 5  # 出勤天数 迟到次数 早退次数 缺勤天数 请假天数 [巡查达标率] …
    rows = dict((label, re.findall(r'<td class="num sum sum-\d">([^<]*)</td>', rest))
                for label, rest in re.findall(r'<td class="nowrap">([^<]+)</td>(.*?)</tr>', page, re.S))
    assert rows["公共服务区工作人员"][rate_column] == "—"
    assert rows["社区书记"][rate_column] == "—"
    assert rows["第1网格"][rate_column].endswith("%") and rows["第1网格"][rate_column] != "0%"


def test_the_page_reads_the_stored_days_as_their_day_results_show_them(app):
    """The page's sheet is read from the stored rows' columns, not from a DayResult
    per day: it shows what the day results give (cells, tooltips, labels, totals),
    with someone who left, someone moved across the street and a go-live in the month."""
    with app.app_context():
        assert seed_demo_history(now=NOW) > 10_000
        db.session.commit()
        street = db.session.scalar(select(Street).where(Street.slug == "fuqiang"))
        ids = [c.id for c in street.communities]
        admin = account("admin")
        people_rules.deactivate_person(admin, account("fuyuan_worker02").person)
        moved = account("fuyuan_frontdesk").person
        moved.community_id = next(c for c in ids if c != moved.community_id)
        account("fuda_worker01").person.portal_start = date(2026, 11, 10)
        db.session.commit()
        for first in (date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)):
            for communities in (ids, ids[:1]):
                built = sheet.view_of(sheet.build("", communities, first, NOW.date()))
                assert sheet.month_view(communities, first, NOW.date()) == built, (first, communities)
