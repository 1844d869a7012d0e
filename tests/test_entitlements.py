"""年休假 from 参加工作时间, for each year, without anyone overriding it
(《职工带薪年休假条例》第三条; 《企业职工带薪年休假实施办法》第五条 for the year someone
joins), the administrator's override kept as an exception, and a community's
一览 of who has how many days, used and left."""
import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.admin import people as people_rules
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.leave import rules
from portal.leave.entitlements import parse_year
from portal.org.models import Community
from portal.people.models import Person
from tests.conftest import account


def worker(service_start: date | None, community_start: date | None = None) -> Person:
    person = account("fuyuan_worker06").person
    person.service_start, person.community_start = service_start, community_start
    return person


@pytest.fixture
def admin(auth):
    auth.login("admin")
    return auth


# -- the rules --------------------------------------------------------------------

def test_a_worker_who_started_in_2010_has_10_days_in_2026_without_any_override(app):
    with app.app_context():
        days, source = rules.entitlement(worker(date(2010, 7, 1)), 2026)
        assert days == 10 and source == "累计工作 15 年（《职工带薪年休假条例》）"


@pytest.mark.parametrize(("started", "year", "days"), [
    (date(2025, 6, 1), 2026, 0),     # not a full year by 1 January
    (date(2025, 1, 1), 2026, 5),     # a full year exactly
    (date(2017, 3, 1), 2026, 5),     # 8 full years
    (date(2016, 3, 1), 2026, 5),     # 9 full years by 1 January: 10 only from next year
    (date(2016, 3, 1), 2027, 10),
    (date(2007, 1, 1), 2026, 10),    # 19 full years
    (date(2006, 1, 1), 2026, 15),    # 20 full years
    (date(1985, 9, 1), 2026, 15),
])
def test_the_days_follow_the_years_of_service_for_each_year(app, started, year, days):
    with app.app_context():
        assert rules.entitlement(worker(started), year)[0] == days


def test_without_a_service_start_the_days_are_not_guessed(app):
    with app.app_context():
        days, source = rules.entitlement(worker(None), 2026)
        assert days == 0 and "未填写参加工作时间" in source


def test_the_year_someone_joins_the_community_is_prorated_by_the_days_left(app):
    with app.app_context():
        person = worker(date(2010, 7, 1), date(2026, 7, 1))
        days, source = rules.entitlement(person, 2026)
        assert days == 5  # 184 of 365 days × 10 = 5.04: whole days only
        assert "按当年剩余 184 天折算" in source and "实施办法》第五条" in source
        assert rules.entitlement(person, 2027)[0] == 10
        assert rules.entitlement(person, 2025) == (Decimal(0), "2026年才入职本社区")
        person.community_start = date(2026, 12, 20)
        assert rules.entitlement(person, 2026)[0] == 0  # 12/365 × 10 < 1


def test_an_administrators_override_is_the_exception_for_that_year_only(app):
    with app.app_context():
        person = worker(date(2010, 7, 1))
        rules.set_entitlement(account("admin"), person, 2026, "3", "本年已在原单位休假")
        db.session.commit()
        assert rules.entitlement(person, 2026) == (Decimal(3), "管理员核定：本年已在原单位休假")
        assert rules.statutory_entitlement(person, 2026)[0] == 10
        assert rules.entitlement(person, 2027)[0] == 10


# -- the person form ----------------------------------------------------------------

def edit_form(app, username: str, **changes) -> dict:
    with app.app_context():
        person = account(username).person
        data = {"name": person.name, "username": username, "position": person.position.value,
                "street_id": str(person.street_id or ""), "community_id": str(person.community_id or ""),
                "grid_number": str(person.grid.number) if person.grid else "", "phone": person.phone or "",
                "service_start": "", "community_start": ""}
        return {"id": person.id, "data": {**data, **changes}}


def test_a_service_start_typed_on_the_person_form_gives_the_worker_their_days(app, admin, auth):
    form = edit_form(app, "fuyuan_worker06", service_start="2010年7月")
    response = admin.post(f"/admin/people/{form['id']}/edit", form["data"], token_from="/admin/people")
    assert response.status_code == 303
    page = admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="2010-07-01"' in page and "2026 年年休假 10 天" in page
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert entry.action == "person.updated" and entry.after["service_start"] == "2010-07-01"
    from tests.conftest import Auth
    me = Auth(app.test_client())
    me.login("fuyuan_worker06")
    balance = me.client.get("/leave/").get_data(as_text=True)
    assert "累计工作 15 年" in balance


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"service_start": "2026-12-01"}, "service_start", "参加工作时间不能晚于今天（2026-11-25）。"),
    ({"service_start": "1959-12"}, "service_start", "参加工作时间早于 1960 年，请核对。"),
    ({"service_start": "2010"}, "service_start", "参加工作时间请写到月份，如 2010-07。"),
    ({"service_start": "2010-13"}, "service_start", "参加工作时间“2010-13”不是有效的日期。"),
    ({"service_start": "去年"}, "service_start", "参加工作时间应写成 2010-07 或 2010-07-15 的形式。"),
    ({"service_start": "2015-03", "community_start": "2012-01"}, "community_start",
     "入职本社区时间不能早于参加工作时间。"),
    ({"community_start": "2030-01"}, "community_start", "入职本社区时间不能晚于今天（2026-11-25）。"),
])
def test_an_implausible_service_date_is_refused_next_to_its_field_and_nothing_is_written(
        app, admin, changes, field, message):
    form = edit_form(app, "fuyuan_worker06", **changes)
    with app.app_context():
        before = db.session.execute(select(Person.service_start, Person.community_start, Person.name)
                                    .where(Person.id == form["id"])).one()
        audit = db.session.scalar(select(func.count()).select_from(AuditEntry))
    form["data"]["name"] = "改了名字"
    response = admin.post(f"/admin/people/{form['id']}/edit", form["data"], token_from="/admin/people")
    assert response.status_code == 400
    shown = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    assert shown and shown.group(1) == message
    with app.app_context():
        assert db.session.execute(select(Person.service_start, Person.community_start, Person.name)
                                  .where(Person.id == form["id"])).one() == before
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit


def test_only_community_staff_carry_a_community_start(app, admin):
    form = edit_form(app, "fuqiang_leader", service_start="2001-09", community_start="2005-01")
    response = admin.post(f"/admin/people/{form['id']}/edit", form["data"], token_from="/admin/people")
    assert response.status_code == 400
    assert "只有社区工作人员填写入职本社区时间。" in response.get_data(as_text=True)


@pytest.mark.parametrize(("text", "expected"), [
    ("2010-07", date(2010, 7, 1)), ("2010-7-15", date(2010, 7, 15)), ("2010.07", date(2010, 7, 1)),
    ("2010/7", date(2010, 7, 1)), ("2010年7月", date(2010, 7, 1)), ("2010年7月15日", date(2010, 7, 15)),
    (" ２０１０－０７ ", date(2010, 7, 1)), ("٢٠١٠-07", None), ("２０１０-０７", date(2010, 7, 1)), ("", None), ("2010-07-15T00:00", None),
])
def test_the_dates_personnel_files_write_are_read(text, expected):
    found, problem = people_rules.parse_service_date(text, "参加工作时间")
    assert found == expected
    assert (problem is None) == (expected is not None or not text.strip())


# -- the 一览 ----------------------------------------------------------------------

def fuyuan(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Community.id).where(Community.slug == "fuyuan"))


def test_the_communitys_list_shows_days_used_and_left_and_marks_the_override(app, auth):
    with app.app_context():
        person = worker(date(2010, 7, 1))
        rules.set_entitlement(account("admin"), account("fuyuan_worker07").person, 2026, "12", "军转干部")
        db.session.commit()
        name, other = person.name, account("fuyuan_worker07").person.name
    auth.login("fuyuan_secretary")
    html = auth.client.get(f"/leave/communities/{fuyuan(app)}/entitlements?year=2026").get_data(as_text=True)
    assert "富源社区2026年年休假一览" in html
    row = re.search(rf"<tr>\s*<td class=\"card-title\">{name}</td>(.*?)</tr>", html, re.S).group(1)
    assert "2010-07-01" in row and "累计工作 15 年" in row and "<strong>10</strong>" in row
    overridden = re.search(rf"<tr>\s*<td class=\"card-title\">{other}</td>(.*?)</tr>", html, re.S).group(1)
    assert '<span class="badge">例外</span>' in overridden and "管理员核定：军转干部（按条例应为" in overridden
    assert html.index("社区书记") < html.index("网格员")

    response = auth.client.get(f"/leave/communities/{fuyuan(app)}/entitlements.xlsx?year=2026")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "富源社区2026年年休假一览" and rows[1][0] == "姓名"
    by_name = {r[0]: r for r in rows[2:]}
    assert by_name[name][6] == 10 and by_name[name][9] == 10 and by_name[name][11] == 10
    assert by_name[other][7] == 12 and by_name[other][9] == 12 and by_name[other][12].startswith("例外")


def test_the_list_counts_annual_leave_taken_that_year(app, auth):
    with app.app_context():
        person = worker(date(2010, 7, 1))
        annual = db.session.scalar(select(rules.LeaveType).where(rules.LeaveType.code == "annual"))
        data = rules.LeaveInput(annual.id, date(2026, 12, 1), "am", date(2026, 12, 2), "pm", "休假", "本市", "")
        rules.submit(account("fuyuan_worker06"), person, data, app.config)
        db.session.commit()
        name = person.name
    auth.login("fuqiang_leader")
    html = auth.client.get(f"/leave/communities/{fuyuan(app)}/entitlements").get_data(as_text=True)
    row = re.search(rf"<tr>\s*<td class=\"card-title\">{name}</td>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r'data-label="(已休及已批|剩余)">([^<]*)<', row)
    assert cells == [("已休及已批", "2"), ("剩余", "8")]


def test_a_year_that_is_no_year_shows_this_year_with_a_message():
    assert parse_year("2027", date(2026, 11, 25)) == (2027, None)
    assert parse_year("", date(2026, 11, 25)) == (2026, None)
    for bad in ("1999", "20x6", "²⁰²⁶", "9" * 5000, "２０２６"):
        year, problem = parse_year(bad, date(2026, 11, 25))
        assert year == 2026 and "年份应为" in problem
