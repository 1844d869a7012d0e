"""The work calendar: holidays and 调休 from chinese-calendar where it has them
(2004–2026), entered and confirmed by an admin where it does not (2027), and the
half-day working-day count that leave and attendance use.

Facts are checked against the installed chinese_calendar package itself, not
written from memory."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import chinese_calendar
import pytest
from sqlalchemy import event, func, select

from portal.audit.models import AuditEntry
from portal.errors import FieldErrors
from portal.extensions import db
from portal.workdays import rules
from portal.workdays.models import CalendarDay, CalendarSource, CalendarYear
from tests.conftest import account, forget_calendar_year

NOON = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)          # Wednesday 10:00 in Baotou
DECEMBER = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
UNCOVERED = 2027  # chinese-calendar 1.11 stops at 2026 (DESIGN.md, "Known pitfalls")


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOON
    with app.app_context():
        forget_calendar_year(UNCOVERED)  # should a newer package know 2027, the tests still start without it
    return NOON



def counts():
    return (db.session.scalar(select(func.count()).select_from(CalendarDay)),
            db.session.scalar(select(func.count()).select_from(CalendarYear)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)))


def span(start, end):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def package_years():
    years = []
    for year in range(2000, 2030):
        try:
            chinese_calendar.get_holiday_detail(date(year, 6, 1))
        except NotImplementedError:
            continue
        years.append(year)
    return years


def enter_2027(admin):
    """Made-up entries standing in for the State Council's 2027 notice (not its real content)."""
    rules.set_day(admin, date(2027, 1, 1), "holiday", "元旦")
    for day in span(date(2027, 10, 1), date(2027, 10, 7)):
        rules.set_day(admin, day, "holiday", "国庆节")
    rules.set_day(admin, date(2027, 10, 9), "adjusted_workday", "国庆节")  # a Saturday


# -- what the package gave us ----------------------------------------------------------

def test_the_seed_stores_every_year_the_package_covers(app):
    with app.app_context():
        expected = [y for y in package_years() if y != UNCOVERED]
        assert expected[0] == 2004 and 2026 in expected
        assert rules.covered_years() == expected
        assert db.session.get(CalendarYear, 2026).source is CalendarSource.PACKAGE


def test_every_day_of_2026_agrees_with_chinese_calendar(app):
    with app.app_context():
        cal = rules.load_calendar(date(2026, 1, 1), date(2026, 12, 31))
        wrong = [d for d in span(date(2026, 1, 1), date(2026, 12, 31))
                 if cal.is_workday(d) != chinese_calendar.is_workday(d)]
        assert wrong == []


def test_the_2026_national_day_and_spring_festival_are_holidays_with_chinese_names(app):
    with app.app_context():
        for day in span(date(2026, 10, 1), date(2026, 10, 7)):
            assert chinese_calendar.get_holiday_detail(day) == (True, "National Day")
            assert rules.day_kind(day) == rules.DayInfo("holiday", "国庆节")
            assert not rules.is_workday(day)
        for day in span(date(2026, 2, 16), date(2026, 2, 23)):
            assert chinese_calendar.get_holiday_detail(day) == (True, "Spring Festival")
            assert rules.day_kind(day) == rules.DayInfo("holiday", "春节")
        assert rules.day_kind(date(2026, 9, 25)) == rules.DayInfo("holiday", "中秋节")
        assert rules.day_kind(date(2026, 1, 1)).name == "元旦"


def test_a_2026_tiaoxiu_saturday_is_a_workday(app):
    with app.app_context():
        saturdays = sorted(d for d in chinese_calendar.workdays if d.year == 2026 and d.weekday() == 5)
        assert date(2026, 10, 10) in saturdays and date(2026, 2, 14) in saturdays
        for day in saturdays:
            info = rules.day_kind(day)
            assert info.kind == "adjusted_workday" and rules.is_workday(day)
        assert rules.day_kind(date(2026, 10, 10)).name == "国庆节"
        # An ordinary weekend and an ordinary weekday.
        assert rules.day_kind(date(2026, 11, 28)) == rules.DayInfo("weekend")
        assert rules.day_kind(date(2026, 11, 25)) == rules.DayInfo("workday")


def test_prefill_is_idempotent_survives_unknown_years_and_is_audited_with_an_actor(app):
    with app.app_context():
        before = counts()
        assert rules.prefill_from_package() == []
        assert rules.prefill_from_package([2003, UNCOVERED, 2026]) == []
        assert counts() == before
        forget_calendar_year(2025)
        admin = account("admin")
        assert rules.prefill_from_package([2025], actor=admin) == [2025]
        db.session.commit()
        expected = {d for d in chinese_calendar.holidays if d.year == 2025} | {
            d for d in chinese_calendar.workdays if d.year == 2025}
        assert set(d.day for d in rules.year_days(2025)) == expected
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "calendar.prefilled"))
        assert entry.object_id == "2025" and entry.account_id == admin.id


def test_prefill_keeps_what_an_admin_entered_in_a_year_not_yet_confirmed(app):
    with app.app_context():
        forget_calendar_year(2025)
        admin = account("admin")
        rules.set_day(admin, date(2025, 1, 1), "holiday", "元旦（管理员）")
        db.session.commit()
        assert rules.prefill_from_package() == [2025]
        db.session.commit()
        kept = db.session.get(CalendarDay, date(2025, 1, 1))
        assert kept.name == "元旦（管理员）" and kept.source is CalendarSource.ADMIN
        assert db.session.get(CalendarDay, date(2025, 10, 1)).name == "国庆节"


# -- counting working days -------------------------------------------------------------

@pytest.mark.parametrize("start, start_half, end, end_half, days", [
    (date(2026, 11, 23), "am", date(2026, 11, 23), "am", "0.5"),   # Monday morning only
    (date(2026, 11, 23), "pm", date(2026, 11, 23), "pm", "0.5"),
    (date(2026, 11, 23), "am", date(2026, 11, 24), "pm", "2"),     # Mon am → Tue pm
    (date(2026, 11, 23), "pm", date(2026, 11, 24), "am", "1"),     # Mon pm → Tue am
    (date(2026, 11, 27), "pm", date(2026, 11, 30), "am", "1"),     # Fri pm → Mon am, the weekend skipped
    (date(2026, 11, 28), "am", date(2026, 11, 29), "pm", "0"),     # a plain weekend
    (date(2026, 10, 1), "am", date(2026, 10, 1), "pm", "0"),       # 国庆节
    (date(2026, 9, 28), "am", date(2026, 10, 9), "pm", "5"),       # across the 国庆 week
    (date(2026, 9, 28), "am", date(2026, 10, 10), "pm", "6"),      # …and its 调休 Saturday
    (date(2026, 9, 30), "pm", date(2026, 10, 10), "am", "3"),       # 0.5 + 10-8 + 10-9 + 0.5
    (date(2026, 2, 13), "am", date(2026, 2, 15), "pm", "2"),       # Fri + 调休 Sat 2-14 + 春节 Sun
])
def test_working_days_in_half_days(app, start, start_half, end, end_half, days):
    with app.app_context():
        result = rules.working_days(start, start_half, end, end_half)
        assert result == Decimal(days) and isinstance(result, Decimal)


def test_working_days_match_the_package_over_a_year(app):
    with app.app_context():
        expected = sum(chinese_calendar.is_workday(d) for d in span(date(2025, 7, 1), date(2026, 6, 30)))
        assert rules.working_days(date(2025, 7, 1), "am", date(2026, 6, 30), "pm") == expected


def test_count_holidays_counts_every_calendar_day(app):
    with app.app_context():
        assert rules.working_days(date(2026, 10, 1), "am", date(2026, 10, 7), "pm", count_holidays=True) == 7
        assert rules.working_days(date(2026, 9, 28), "pm", date(2026, 10, 9), "am", count_holidays=True) == 11
        # 产假 over New Year needs no calendar: every day counts whatever the year.
        assert rules.working_days(date(2026, 12, 31), "am", date(2027, 1, 1), "pm", count_holidays=True) == 2


@pytest.mark.parametrize("start, start_half, end, end_half", [
    (date(2026, 11, 24), "am", date(2026, 11, 23), "pm"),   # end before start
    (date(2026, 11, 23), "pm", date(2026, 11, 23), "am"),   # pm → am on the same day
    (date(2026, 11, 23), "noon", date(2026, 11, 24), "pm"),
])
def test_working_days_refuses_a_backwards_span(app, start, start_half, end, end_half):
    with app.app_context(), pytest.raises(ValueError) as refused:
        rules.working_days(start, start_half, end, end_half)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value))  # a Chinese message


def statements_of(call):
    db.session.execute(select(1))  # the transaction is open (SQLite's BEGIN is not counted)
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return result, statements


@pytest.mark.parametrize("start, end", [
    (date(2026, 9, 1), date(2026, 10, 30)),    # 60 days over 国庆
    (date(2025, 12, 1), date(2026, 1, 29)),    # 60 days over New Year: two years
])
def test_working_days_over_sixty_days_costs_at_most_two_statements(app, start, end):
    with app.app_context():
        days, statements = statements_of(lambda: rules.working_days(start, "am", end, "pm"))
        assert (end - start).days == 59
        assert days == sum(chinese_calendar.is_workday(d) for d in span(start, end))
        assert 1 <= len(statements) <= 2, statements


# -- 2027: from the table alone ----------------------------------------------------------

def test_2027_raises_until_an_admin_enters_and_confirms_it(app, monkeypatch):
    with app.app_context():
        with pytest.raises(rules.CalendarMissing) as missing:
            rules.day_kind(date(2027, 1, 4))
        assert missing.value.years == [2027]
        with pytest.raises(rules.CalendarMissing):
            rules.is_workday(date(2027, 6, 1))
        with pytest.raises(rules.CalendarMissing) as missing:
            rules.working_days(date(2026, 12, 28), "am", date(2027, 1, 5), "pm")
        assert missing.value.years == [2027]
        assert rules.missing_years(date(2026, 11, 25)) == []
        assert rules.missing_years(date(2026, 12, 1)) == [2027]
        assert rules.missing_years(date(2027, 1, 5)) == [2027]

        admin = account("admin")
        enter_2027(admin)
        db.session.commit()
        with pytest.raises(rules.CalendarMissing):  # entered, not yet confirmed: still no answer
            rules.day_kind(date(2027, 10, 1))
        rules.confirm_year(admin, 2027)
        db.session.commit()

        class NoPackage:
            def __getattr__(self, name):
                raise AssertionError("2027 must come from the table alone")

        monkeypatch.setattr(rules, "chinese_calendar", NoPackage())
        assert rules.missing_years(date(2027, 1, 5)) == []
        assert rules.day_kind(date(2027, 10, 1)) == rules.DayInfo("holiday", "国庆节")
        assert rules.is_workday(date(2027, 10, 9)) and not rules.is_workday(date(2027, 10, 10))
        # Mon 9-27 … Thu 9-30 (4), 国庆 10-1…10-7 (0), Fri 10-8 (1), 调休 Sat 10-9 (1).
        assert rules.working_days(date(2027, 9, 27), "am", date(2027, 10, 9), "pm") == 6
        assert rules.working_days(date(2026, 12, 31), "pm", date(2027, 1, 4), "am") == 1
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("calendar.%"))).all()
        assert actions.count("calendar.day_set") == 9 and actions.count("calendar.year_confirmed") == 1
        confirmed = db.session.get(CalendarYear, 2027)
        assert confirmed.source is CalendarSource.ADMIN and confirmed.confirmed_by_id == admin.id


# -- an admin's changes ----------------------------------------------------------------

@pytest.mark.parametrize("day, kind, name, year, field, message", [
    (None, "holiday", "春节", None, "day", "有效的日期"),
    (date(2026, 11, 25), "adjusted_workday", "", None, "day", "星期六或星期日"),   # a Wednesday
    (date(2026, 11, 28), "weekend", "x", None, "kind", "法定假日"),
    (date(2026, 11, 28), "", "x", None, "kind", "法定假日"),
    (date(2026, 11, 27), "holiday", "  ", None, "name", "须填写名称"),
    (date(2026, 11, 27), "holiday", "节" * 41, None, "name", "40 个字"),
    (date(2026, 11, 27), "holiday", "国庆\x00节", None, "name", "控制字符"),
    (date(2026, 11, 27), "holiday", "国庆\u202e节", None, "name", "控制字符"),
    (date(2101, 1, 1), "holiday", "元旦", None, "day", "2004–2100"),
    (date(2003, 1, 1), "holiday", "元旦", None, "day", "2004–2100"),
    (date(2027, 1, 1), "holiday", "元旦", 2026, "day", "不在2026年内"),
])
def test_bad_days_are_refused_and_nothing_is_written(app, day, kind, name, year, field, message):
    with app.app_context():
        before = counts()
        with pytest.raises(FieldErrors) as refused:
            rules.set_day(account("admin"), day, kind, name, year=year)
        db.session.rollback()
        assert message in refused.value.errors[field]
        assert counts() == before


def test_a_holiday_may_fall_on_a_weekend_and_changing_a_package_day_makes_it_admin(app):
    with app.app_context():
        admin = account("admin")
        rules.set_day(admin, date(2026, 11, 28), "holiday", "测试假日")   # a Saturday
        assert rules.day_kind(date(2026, 11, 28)) == rules.DayInfo("holiday", "测试假日")
        assert not rules.is_workday(date(2026, 11, 28))
        row = rules.set_day(admin, date(2026, 10, 10), "holiday", "国庆节")
        db.session.commit()
        assert row.source is CalendarSource.ADMIN and row.updated_by_id == admin.id
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.day_set")
                                   .order_by(AuditEntry.id.desc())).first()
        assert entry.object_id == "2026-10-10"
        assert entry.before["kind"] == "adjusted_workday" and entry.before["source"] == "chinese_calendar"
        assert entry.after["kind"] == "holiday" and entry.after["source"] == "admin"
        # The same values again change nothing and audit nothing.
        before = counts()
        rules.set_day(admin, date(2026, 10, 10), "holiday", "国庆节")
        assert counts() == before


def test_clearing_a_day_makes_it_a_plain_day_again(app):
    with app.app_context():
        admin = account("admin")
        rules.clear_day(admin, date(2026, 10, 10))
        db.session.commit()
        assert rules.day_kind(date(2026, 10, 10)) == rules.DayInfo("weekend")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "calendar.day_cleared"))
        assert entry.before["name"] == "国庆节" and entry.account_id == admin.id
        with pytest.raises(FieldErrors):
            rules.clear_day(admin, date(2026, 10, 10))


@pytest.mark.parametrize("year, message", [
    (2027, "尚未录入任何法定假日"),
    (2026, "已确认"),
    (2101, "2004–2100"),
])
def test_confirming_a_year_is_refused_when_it_cannot_be_right(app, year, message):
    with app.app_context():
        admin = account("admin")
        rules.set_day(admin, date(2027, 10, 9), "adjusted_workday", "国庆节")  # a 调休 day is not a holiday
        db.session.commit()
        before = counts()
        with pytest.raises(FieldErrors) as refused:
            rules.confirm_year(admin, year)
        db.session.rollback()
        assert message in refused.value.errors["year"]
        assert counts() == before


# -- pages -------------------------------------------------------------------------------

WARNING = "2027年的法定节假日和调休安排尚未录入，请管理员根据国务院办公厅通知录入后确认；录入前系统不会推算该年的工作日。"


def test_everyone_sees_the_calendar_and_only_the_admin_its_forms(app, auth):
    auth.login("fuyuan_worker01")
    index = auth.client.get("/calendar/").get_data(as_text=True)
    assert "已覆盖：来自 chinese-calendar" in index and "2026年" in index
    page = auth.client.get("/calendar/2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "国庆节" in html and "春节" in html and "调休上班日" in html
    assert html.count('<table class="cal-month">') == 12
    assert 'class="cal-holiday" title="法定假日：国庆节">1<span class="cal-tag">休</span>' in html
    assert 'class="cal-adjusted_workday" title="调休上班日：国庆节">10<span class="cal-tag">班</span>' in html
    assert "删除" not in html and "确认该年已录入完整" not in html and 'name="csrf_token"' not in html.split('<main id="main" tabindex="-1">')[1]
    auth.logout()
    auth.login("admin")
    html = auth.client.get("/calendar/2026").get_data(as_text=True)
    assert "录入或修改一天" in html and "删除" in html
    assert "确认该年已录入完整" not in html  # 2026 is covered already


def test_the_2027_warning_appears_in_december_and_names_the_year(app, auth):
    auth.login("fuyuan_secretary")
    assert WARNING not in auth.client.get("/calendar/").get_data(as_text=True)   # November
    auth.logout()
    app.config["CLOCK_NOW"] = DECEMBER  # (a login session does not last a week)
    auth.login("fuyuan_secretary")
    index = auth.client.get("/calendar/").get_data(as_text=True)
    assert WARNING in index and "未录入" in index
    assert WARNING in auth.client.get("/calendar/2027").get_data(as_text=True)


def test_the_admin_enters_and_confirms_2027_through_the_pages(app, auth):
    app.config["CLOCK_NOW"] = DECEMBER
    auth.login("admin")
    page = auth.client.get("/calendar/2027").get_data(as_text=True)
    assert "确认该年已录入完整" in page and "从 chinese-calendar 导入" not in page
    for day in ("2027-10-01", "2027-10-02"):
        response = auth.post("/calendar/2027/days", {"day": day, "kind": "holiday", "name": "国庆节"},
                             token_from="/calendar/2027")
        assert response.status_code == 303
    response = auth.post("/calendar/2027/days", {"day": "2027-10-09", "kind": "adjusted_workday", "name": ""},
                         token_from="/calendar/2027")
    assert response.status_code == 303
    assert auth.post("/calendar/2027/confirm", token_from="/calendar/2027").status_code == 303
    page = auth.client.get("/calendar/2027").get_data(as_text=True)
    assert "已覆盖：管理员录入并确认" in page and WARNING not in page
    assert WARNING not in auth.client.get("/calendar/").get_data(as_text=True)
    response = auth.post("/calendar/2027/days/2027-10-02/delete", token_from="/calendar/2027")
    assert response.status_code == 303
    with app.app_context():
        # 10-1 国庆节, 10-2 and 10-3 a plain weekend now, 10-4…10-8 workdays, 10-9 调休 Saturday.
        assert rules.working_days(date(2027, 10, 1), "am", date(2027, 10, 9), "pm") == 6
        assert rules.day_kind(date(2027, 10, 2)) == rules.DayInfo("weekend")


def test_the_admin_imports_a_package_year_from_the_page(app, auth):
    with app.app_context():
        forget_calendar_year(2025)
    auth.login("admin")
    page = auth.client.get("/calendar/2025").get_data(as_text=True)
    assert "从 chinese-calendar 导入" in page
    assert auth.post("/calendar/2025/prefill", token_from="/calendar/2025").status_code == 303
    with app.app_context():
        assert 2025 in rules.covered_years()
        assert rules.day_kind(date(2025, 10, 1)).name == "国庆节"
        assert db.session.scalar(select(AuditEntry.object_id).where(AuditEntry.action == "calendar.prefilled")) == "2025"


POSTS = [
    ("/calendar/2027/days", {"day": "2027-10-01", "kind": "holiday", "name": "国庆节"}),
    ("/calendar/2026/days/2026-10-10/delete", {}),
    ("/calendar/2026/confirm", {}),
    ("/calendar/2026/prefill", {}),
]


@pytest.mark.parametrize("role", ["fuyuan_worker01", "fuyuan_frontdesk", "fuyuan_secretary", "fuqiang_leader",
                                  "inspector"])
def test_only_the_admin_may_change_the_calendar(app, auth, role):
    with app.app_context():
        enter_2027(account("admin"))
        db.session.commit()
        before = counts()
    auth.login(role)
    for path, data in POSTS + [("/calendar/2027/confirm", {}), ("/calendar/2027/prefill", {})]:
        response = auth.post(path, data, token_from="/calendar/")
        assert response.status_code == 403, path
    with app.app_context():
        assert counts()[:2] == before[:2]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action.like("calendar.%"))) == 9


@pytest.mark.parametrize("path, data, message", [
    ("/calendar/2026/days", {"day": "2026-13-01", "kind": "holiday", "name": "x"}, "有效的日期"),
    ("/calendar/2026/days", {"day": "2026-11-27junk", "kind": "holiday", "name": "x"}, "有效的日期"),
    ("/calendar/2026/days", {"day": "9" * 10000, "kind": "holiday", "name": "x"}, "有效的日期"),
    ("/calendar/2026/days", {"day": "2025-11-27", "kind": "holiday", "name": "x"}, "不在2026年内"),
    ("/calendar/2026/days", {"day": "2026-11-27", "kind": "weekend", "name": "x"}, "请选择“法定假日”"),
    ("/calendar/2026/days", {"day": "2026-11-27", "kind": "holiday", "name": ""}, "须填写名称"),
    ("/calendar/2026/days", {"day": "2026-11-27", "kind": "adjusted_workday", "name": ""}, "星期六或星期日"),
    ("/calendar/2026/days", {"day": "2026-11-27", "kind": "holiday", "name": "假" * 10000}, "40 个字"),
    ("/calendar/2026/days", {"day": "2026-11-27", "kind": "holiday", "name": "国庆\x07"}, "控制字符"),
    ("/calendar/2026/days/2026-11-27/delete", {}, "没有特殊安排"),
    ("/calendar/2026/days/2025-10-01/delete", {}, "不在2026年内"),
    ("/calendar/2026/days/not-a-date/delete", {}, "有效的日期"),
    ("/calendar/2026/confirm", {}, "已确认"),
    ("/calendar/2027/confirm", {}, "尚未录入任何法定假日"),
    ("/calendar/2026/prefill", {}, "已覆盖"),
    ("/calendar/2027/prefill", {}, "没有2027年的数据"),
])
def test_bad_input_on_the_pages_answers_400_next_to_the_field_and_writes_nothing(app, auth, path, data, message):
    auth.login("admin")
    with app.app_context():
        before = counts()
    response = auth.post(path, data, token_from="/calendar/2026")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    if path.endswith("/days"):
        assert 'class="field has-error"' in html and 'aria-invalid="true"' in html
    with app.app_context():
        assert counts() == before


def test_a_post_without_the_csrf_token_writes_nothing(app, auth):
    auth.login("admin")
    with app.app_context():
        before = counts()
    response = auth.client.post("/calendar/2027/days", data={"day": "2027-10-01", "kind": "holiday", "name": "国庆节"})
    assert response.status_code == 400
    with app.app_context():
        assert counts() == before


def test_years_outside_the_range_are_not_found(app, auth):
    auth.login("admin")
    assert auth.client.get("/calendar/2200").status_code == 404
    assert auth.client.get("/calendar/1999").status_code == 404
    assert auth.post("/calendar/2200/confirm", token_from="/calendar/").status_code == 404


# -- read once per transaction -------------------------------------------------------------

def test_a_transaction_reads_a_span_once_and_sees_its_own_calendar_edits(app):
    """A status change asks about today four times; the calendar is read once, and
    an edit in the same transaction (through the rules, the ORM or a Core statement)
    is seen by the next question."""
    with app.app_context():
        day = date(2026, 11, 26)   # a Thursday
        first, statements = statements_of(lambda: rules.day_kind(day))
        assert first == rules.DayInfo("workday") and len(statements) == 2
        again, statements = statements_of(lambda: rules.is_workday(day))
        assert again and statements == []
        rules.set_day(account("admin"), day, "holiday", "测试假日")
        assert rules.day_kind(day) == rules.DayInfo("holiday", "测试假日")
        db.session.execute(CalendarDay.__table__.delete().where(CalendarDay.day == day))
        assert rules.day_kind(day) == rules.DayInfo("workday")
        db.session.rollback()
        # A new transaction reads again: another process may have changed the calendar.
        assert rules.day_kind(day) == rules.DayInfo("workday")
        _, statements = statements_of(lambda: rules.day_kind(day))
        assert statements == []
        db.session.commit()
        _, statements = statements_of(lambda: rules.day_kind(day))
        assert len(statements) == 2
