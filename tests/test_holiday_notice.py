"""Importing the State Council's yearly holiday notice (国务院办公厅关于XXXX年部分节假日安排的通知).

The parser is checked on the published notices of past years (tests/data/holiday_notices/)
against the chinese-calendar package, which is built from those same notices: what the
notice says is what the package says. 2027 has no notice yet; the pages are tried on a
made-up one whose dates fit 2027's weekdays.
"""
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.errors import FieldErrors
from portal.extensions import db
from portal.workdays import rules
from portal.workdays.models import CalendarDay, CalendarSource, CalendarYear, DayKind
from portal.workdays.notice import MAX_CHARS, parse_notice
from tests.conftest import account, forget_calendar_year

NOTICES = Path(__file__).parent / "data" / "holiday_notices"
DECEMBER = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Baotou: 2027 is next year
UNCOVERED = 2027


def notice(year) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


NOTICE_2027 = notice("2027-synthetic")


def package(year):
    days = rules.package_days(year)
    return ({d: name for d, (kind, name) in days.items() if kind is DayKind.HOLIDAY},
            {d: name for d, (kind, name) in days.items() if kind is DayKind.ADJUSTED_WORKDAY})


def span(first, last):
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def refusal(text, year) -> str:
    with pytest.raises(FieldErrors) as refused:
        parse_notice(text, year)
    return refused.value.errors["notice"]


# -- the published notices against chinese-calendar ----------------------------------------

@pytest.mark.parametrize("year", [2021, 2024, 2025, 2026])
def test_a_published_notice_gives_exactly_the_packages_days(year):
    parsed = parse_notice(notice(year), year)
    holidays, workdays = package(year)
    assert sorted(parsed.holidays) == sorted(holidays)
    assert sorted(parsed.adjusted_workdays) == sorted(workdays)
    assert parsed.outside == {}


@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024, 2025, 2026])
def test_each_day_is_named_after_its_festival(year):
    parsed = parse_notice(notice(year), year)
    holidays, workdays = package(year)
    for day, name in parsed.holidays.items():
        assert holidays[day] in name, day      # 国庆节/中秋节 holds the package's 中秋节 of 2025-10-06
    for day, name in parsed.adjusted_workdays.items():
        assert workdays[day] in name, day
    assert all(len(name) <= rules.MAX_NAME for name in parsed.holidays.values())


def test_a_break_across_new_year_is_kept_for_the_year_it_falls_in():
    """2023's 元旦 ran from 2022年12月31日: that Saturday belongs to 2022's calendar,
    where the package keeps it too; 2022's own notice does not mention it."""
    parsed_2023 = parse_notice(notice(2023), 2023)
    assert parsed_2023.outside == {date(2022, 12, 31): rules.DayInfo("holiday", "元旦")}
    assert date(2023, 1, 1) in parsed_2023.holidays and date(2023, 1, 2) in parsed_2023.holidays
    holidays_2022, workdays_2022 = package(2022)
    parsed_2022 = parse_notice(notice(2022), 2022)
    assert sorted({*parsed_2022.holidays, *parsed_2023.outside}) == sorted(holidays_2022)
    assert sorted(parsed_2022.adjusted_workdays) == sorted(workdays_2022)


def test_2023_matches_the_package_but_for_the_weekend_before_2024s_new_year():
    """The package also marks 2023-12-30/31 as 元旦, from 2024's "1月1日放假，与周末连休";
    the parser leaves a weekend next to such a day a plain weekend, as the package
    itself does for 2024's 端午 (6月10日)."""
    parsed = parse_notice(notice(2023), 2023)
    holidays, workdays = package(2023)
    assert set(holidays) - set(parsed.holidays) == {date(2023, 12, 30), date(2023, 12, 31)}
    assert set(parsed.holidays) - set(holidays) == set()
    assert sorted(parsed.adjusted_workdays) == sorted(workdays)


def test_2025_has_the_longer_spring_festival_and_one_national_day_and_mid_autumn_break():
    parsed = parse_notice(notice(2025), 2025)
    assert parsed.title == "国务院办公厅关于2025年部分节假日安排的通知"
    assert [f.name for f in parsed.festivals] == ["元旦", "春节", "清明节", "劳动节", "端午节", "国庆节/中秋节"]
    spring = parsed.festivals[1]
    assert (spring.first, spring.last, spring.stated_days) == (date(2025, 1, 28), date(2025, 2, 4), 8)
    assert spring.adjusted_workdays == [date(2025, 1, 26), date(2025, 2, 8)]
    assert parsed.festivals[3].adjusted_workdays == [date(2025, 4, 27)]   # 劳动节: one 调休 Sunday only
    assert all(parsed.holidays[d] == "国庆节/中秋节" for d in span(date(2025, 10, 1), date(2025, 10, 8)))
    assert parsed.holidays[date(2025, 1, 1)] == "元旦" and date(2025, 1, 2) not in parsed.holidays  # 不调休
    assert parsed.festivals_missing == []


def test_a_day_off_joined_to_the_weekend_is_that_one_day():
    parsed = parse_notice(notice(2024), 2024)
    assert parsed.holidays[date(2024, 6, 10)] == "端午节"
    assert date(2024, 6, 8) not in parsed.holidays and date(2024, 6, 9) not in parsed.holidays
    assert date(2024, 1, 1) in parsed.holidays and parsed.outside == {}


def test_the_encouragement_to_rest_on_new_years_eve_is_not_a_holiday():
    parsed = parse_notice(notice(2024), 2024)
    assert date(2024, 2, 9) not in parsed.holidays and date(2024, 2, 9) not in parsed.adjusted_workdays


def test_weekend_days_inside_a_break_are_holidays():
    parsed = parse_notice(notice(2026), 2026)
    assert parsed.holidays[date(2026, 2, 21)] == "春节" and date(2026, 2, 21).weekday() == 5
    assert parsed.holidays[date(2026, 2, 22)] == "春节" and date(2026, 2, 22).weekday() == 6


def test_full_width_and_half_width_text_read_alike():
    text = notice(2025)
    half = unicodedata.normalize("NFKC", text)
    full = text.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    assert half != text and full != text
    expected = parse_notice(text, 2025)
    for variant in (half, full, text.replace("\n", "\r\n")):
        parsed = parse_notice(variant, 2025)
        assert (parsed.holidays, parsed.adjusted_workdays) == (expected.holidays, expected.adjusted_workdays)


def test_items_run_together_on_one_line_are_read_apart():
    """A copy from a web page may lose its line breaks."""
    one_line = "".join(line.strip() for line in notice(2021).splitlines())
    parsed = parse_notice(one_line, 2021)
    assert len(parsed.festivals) == 7
    assert parsed.holidays == parse_notice(notice(2021), 2021).holidays


def test_the_festival_lines_alone_are_enough():
    lines = [line for line in notice(2024).splitlines() if re.match(r"\s*[一二三四五六七]、", line)]
    assert len(lines) == 7
    assert parse_notice("\n".join(lines), 2024).holidays == parse_notice(notice(2024), 2024).holidays
    # …and without their numbers, as long as each starts with the festival's name.
    bare = "\n".join(re.sub(r"^\s*[一二三四五六七]、", "", line) for line in lines)
    assert parse_notice(bare, 2024).holidays == parse_notice(notice(2024), 2024).holidays


def test_a_break_may_cross_a_month_and_the_end_of_the_year():
    parsed = parse_notice("一、元旦：12月31日（周五）至1月2日（周日）放假，共3天。\n"
                          "二、劳动节：4月30日（周五）至5月4日（周二）放假调休，共5天。4月25日（周日）上班。", 2027)
    assert sorted(parsed.holidays) == [date(2027, 4, 30), *span(date(2027, 5, 1), date(2027, 5, 4)), date(2027, 12, 31)]
    assert sorted(parsed.outside) == [date(2028, 1, 1), date(2028, 1, 2)]
    assert parsed.adjusted_workdays == {date(2027, 4, 25): "劳动节"}


def test_tiaoxiu_days_listed_with_commas_are_all_read():
    parsed = parse_notice("一、劳动节：5月1日至5日放假调休，共5天。4月25日（周日），5月8日（周六）上班。", 2027)
    assert sorted(parsed.adjusted_workdays) == [date(2027, 4, 25), date(2027, 5, 8)]


def test_an_older_notices_compensatory_day_off_is_a_holiday():
    """2015: "三、清明节：4月5日放假，4月6日（星期一）补休。" """
    parsed = parse_notice("三、清明节：4月5日放假，4月6日（星期一）补休。", 2015)
    holidays, _ = package(2015)
    assert sorted(parsed.holidays) == sorted(d for d in holidays if d.month == 4)


# -- what is refused ------------------------------------------------------------------------

BAD = [
    # (what, text, year, the line it names, what it says)
    ("another year's notice", notice(2025), 2027, "第1行“国务院办公厅关于2025年部分节假日安排的通知”",
     "这是2025年的通知，本页是2027年"),
    ("another year in the opening", "\n".join(notice(2025).splitlines()[3:]), 2027, "第2行“根据《国务院关于修改",
     "这是2025年的通知"),
    ("an impossible date", "一、元旦：1月1日放假，共1天。\n二、春节：2月30日至3月2日放假，共3天。", 2027,
     "第2行“二、春节：2月30日至3月2日放假，共3天。”", "2月30日不是有效的日期"),
    ("a holiday on a 调休 day", "一、元旦：1月1日放假，共1天。\n\n二、春节：2月5日至13日放假调休，共9天。2月6日（周六）上班。",
     2027, "第3行“二、春节：2月5日至13日放假调休", "同一天不能既放假又上班"),
    ("a 调休 day of another line's break", "一、元旦：1月1日至3日放假，共3天。\n二、春节：2月5日至12日放假调休，共8天。1月2日（周六）上班。",
     2027, "第2行", "已在第1行（元旦）的放假期间内"),
    ("a 调休 weekday", "一、春节：2月5日至12日放假调休，共8天。2月10日（周三）、2月20日（周六）上班。", 2027,
     "第1行“一、春节：2月5日至12日放假调休", "2027年2月10日是星期三；只有星期六、星期日才需要调休上班"),
    ("a 调休 weekday without a note", "一、春节：2月5日至12日放假调休，共8天。2月10日上班。", 2027, "第1行",
     "只有星期六、星期日"),
    ("unparseable text", "今天天气很好。\n明天也是。", 2027, "第1行“今天天气很好。”", "没有读出任何节日安排"),
    ("an unparseable festival line", "一、元旦：1月1日放假，共1天。\n三、清明节：放假三天", 2027,
     "第2行“三、清明节：放假三天”", "没有读出放假日期"),
    ("a numbered line without a colon", "一、元旦：1月1日放假，共1天。\n二、春节放假", 2027, "第2行“二、春节放假”",
     "看不懂这条节日安排"),
    ("a count that differs", "一、国庆节：10月1日至7日放假调休，共8天。", 2027, "第1行", "共 7 天，与通知所写“共8天”不符"),
    ("a weekday that differs", "一、国庆节：10月1日（周三）至7日放假调休，共7天。", 2027, "第1行",
     "2027年10月1日是星期五，通知写的是“周三”"),
    ("a break that ends before it starts", "一、国庆节：10月7日至1日放假，共7天。", 2027, "第1行", "早于第一天"),
    ("overlapping festivals", "一、中秋节：9月30日至10月2日放假，共3天。\n二、国庆节：10月1日至7日放假，共7天。", 2027,
     "第2行", "已在第1行（中秋节）的放假期间内"),
    ("dates that are neither off nor worked", "一、劳动节：5月1日至5日放假调休，共5天。4月25日（周日）。", 2027, "第1行",
     "读不出“4月25日(周日)”是放假还是上班"),
    ("no day of the year", "一、元旦：2026年1月1日放假，共1天。", 2027, "第1行", "没有2027年的放假日期"),
    ("a control character", "国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日\x07放假。", 2027,
     "第2行", "控制字符（U+0007）"),
]


@pytest.mark.parametrize("what, text, year, line, message", BAD, ids=[b[0] for b in BAD])
def test_bad_notices_are_refused_naming_the_line(what, text, year, line, message):
    refused = refusal(text, year)
    assert line in refused and message in refused


@pytest.mark.parametrize("text, message", [
    ("", "请粘贴"), ("  \n\u3000\n\t", "请粘贴"), ("\ufeff\u200b", "请粘贴"),
    ("x" * (MAX_CHARS + 1), f"超过了 {MAX_CHARS} 字"),
])
def test_an_empty_or_overlong_paste_is_refused(text, message):
    assert message in refusal(text, 2027)


def test_a_long_paste_within_the_limit_is_read():
    text = NOTICE_2027 + "\n" + "节假日期间，各地区要妥善安排好值班。" * ((MAX_CHARS - len(NOTICE_2027) - 1) // 18)
    assert len(text) <= MAX_CHARS
    assert len(parse_notice(text, 2027).festivals) == 7


# -- the pages --------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def in_december(request):
    """Page tests (those with an app) run on 2026-12-01, when 2027 is due; the parser's
    tests need no app."""
    if "app" not in request.fixturenames:
        return None
    request.getfixturevalue("travel")(DECEMBER)
    with request.getfixturevalue("app").app_context():
        forget_calendar_year(UNCOVERED)  # should a newer package know 2027, the tests still start without it
    return DECEMBER



def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(CalendarDay)),
                db.session.scalar(select(func.count()).select_from(CalendarYear)),
                db.session.scalar(select(func.count()).select_from(AuditEntry)))


def preview(auth, text, year=UNCOVERED):
    return auth.post(f"/calendar/{year}/notice", {"notice": text}, token_from=f"/calendar/{year}/notice")


def confirm(auth, text, year=UNCOVERED):
    return auth.post(f"/calendar/{year}/notice/confirm", {"notice": text}, token_from=f"/calendar/{year}/notice")


def test_the_year_page_leads_the_admin_to_the_importer(app, auth):
    auth.login("admin")
    html = auth.client.get("/calendar/2027").get_data(as_text=True)
    assert 'href="/calendar/2027/notice"' in html
    assert 'href="/calendar/2027/notice"' not in auth.client.get("/calendar/2026").get_data(as_text=True)
    assert 'href="/calendar/2027/notice"' in auth.client.get("/calendar/").get_data(as_text=True)  # the banner
    page = auth.client.get("/calendar/2027/notice")
    form = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<textarea' in form and 'name="notice"' in form and 'maxlength="20000"' in form
    assert "读取并预览" in form and "确认导入" not in form


def test_the_preview_shows_the_year_and_saves_nothing(app, auth):
    auth.login("admin")
    before = counts(app)
    response = preview(auth, NOTICE_2027)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert counts(app) == before
    assert html.count('<table class="cal-month">') == 12
    assert 'class="cal-holiday" title="法定假日：国庆节">1<span class="cal-tag">休</span>' in html
    assert 'class="cal-adjusted_workday" title="调休上班日：国庆节">9<span class="cal-tag">班</span>' in html
    assert "法定假日 28 天" in html and "调休上班日 5 天" in html
    assert "2月5日（星期五）至2月12日（星期五），共 8 天" in html
    assert "2月20日（星期六）" in html and "确认导入" in html
    assert "2027年还没有录入任何日期，导入后全部来自通知。" in html
    hidden = re.search(r'<input id="notice-confirmed" name="notice" type="hidden" value="([^"]*)"', html)
    assert hidden and "七、国庆节" in hidden.group(1)


def test_confirming_saves_the_year_covers_it_and_audits_once(app, auth):
    auth.login("admin")
    before = counts(app)
    response = confirm(auth, NOTICE_2027)
    assert response.status_code == 303 and response.headers["Location"].endswith("/calendar/2027")
    page = auth.client.get("/calendar/2027").get_data(as_text=True)
    assert "已覆盖：管理员录入并确认" in page and "已根据通知导入并确认2027年：法定假日 28 天、调休上班日 5 天。" in page
    with app.app_context():
        assert counts(app) == (before[0] + 33, before[1] + 1, before[2] + 1)
        year = db.session.get(CalendarYear, 2027)
        admin = account("admin")
        assert year.source is CalendarSource.ADMIN and year.confirmed_by_id == admin.id
        rows = rules.year_days(2027)
        assert {r.source for r in rows} == {CalendarSource.ADMIN} and {r.updated_by_id for r in rows} == {admin.id}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "calendar.notice_imported"))
        assert entry.object_id == "2027" and entry.account_id == admin.id and entry.before is None
        assert entry.after["holidays"] == 28 and entry.after["adjusted_workdays"] == 5
        assert [f["name"] for f in entry.after["festivals"]][:2] == ["元旦", "春节"]


def test_after_the_import_2027_has_working_days(app, auth):
    auth.login("admin")
    assert confirm(auth, NOTICE_2027).status_code == 303
    with app.app_context():
        assert rules.day_kind(date(2027, 10, 1)) == rules.DayInfo("holiday", "国庆节")
        assert rules.is_workday(date(2027, 10, 9)) and not rules.is_workday(date(2027, 10, 10))
        # Mon 9-27 … Thu 9-30 (4), 国庆 10-1…10-7 (0), Fri 10-8 (1), 调休 Sat 10-9 (1).
        assert rules.working_days(date(2027, 9, 27), "am", date(2027, 10, 9), "pm") == Decimal(6)
        # Across New Year: Thu 12-31 pm (0.5); 元旦 1-1…1-3; Mon 1-4 am (0.5).
        assert rules.working_days(date(2026, 12, 31), "pm", date(2027, 1, 4), "am") == Decimal(1)
        assert rules.missing_years(date(2027, 1, 5)) == []


def test_the_notice_replaces_what_an_admin_had_entered_and_says_so_first(app, auth):
    with app.app_context():
        admin = account("admin")
        rules.set_day(admin, date(2027, 10, 1), "holiday", "国庆")        # renamed by the notice
        rules.set_day(admin, date(2027, 10, 2), "holiday", "国庆节")      # as the notice says
        rules.set_day(admin, date(2027, 10, 8), "holiday", "国庆节")      # not in the notice: a workday
        rules.set_day(admin, date(2027, 10, 9), "holiday", "国庆节")      # the notice makes it a 调休 Saturday
        db.session.commit()
    auth.login("admin")
    before = counts(app)
    html = preview(auth, NOTICE_2027).get_data(as_text=True)
    assert counts(app) == before
    assert "以通知为准" in html
    assert "将被改写（2 天）" in html and "2027年10月1日（星期五）：法定假日（国庆） → 法定假日（国庆节）" in html
    assert "2027年10月9日（星期六）：法定假日（国庆节） → 调休上班日（国庆节）" in html
    assert "将被删除（通知中没有，1 天）" in html and "2027年10月8日（星期五）：法定假日（国庆节）" in html
    assert "另有 1 天已录入且与通知一致" in html
    response = confirm(auth, NOTICE_2027)
    assert response.status_code == 303
    assert "原先录入的 3 天已按通知改写或删除" in auth.client.get("/calendar/2027").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CalendarDay, date(2027, 10, 8)) is None
        assert db.session.get(CalendarDay, date(2027, 10, 1)).name == "国庆节"
        assert db.session.get(CalendarDay, date(2027, 10, 9)).kind is DayKind.ADJUSTED_WORKDAY
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "calendar.notice_imported"))
        assert sorted(d["day"] for d in entry.before["days"]) == ["2027-10-01", "2027-10-08", "2027-10-09"]
        assert entry.after["removed"] == ["2027-10-08"]


def test_confirming_reads_the_text_again_and_nothing_else(app, auth):
    """The preview's reading is never sent back: only the text is, and it is read again."""
    auth.login("admin")
    response = auth.post("/calendar/2027/notice/confirm",
                         {"notice": NOTICE_2027, "holidays": "2027-03-03", "day": "2027-03-03", "kind": "holiday"},
                         token_from="/calendar/2027/notice")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(CalendarDay, date(2027, 3, 3)) is None
        assert len(rules.year_days(2027)) == 33


@pytest.mark.parametrize("path", ["/calendar/2026/notice", "/calendar/2026/notice/confirm"])
def test_a_covered_year_is_refused(app, auth, path):
    auth.login("admin")
    before = counts(app)
    response = auth.post(path, {"notice": notice(2026)}, token_from="/calendar/2026/notice")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "2026年已覆盖（chinese-calendar" in html and "不能再导入通知" in html
    assert counts(app) == before
    page = auth.client.get("/calendar/2026/notice").get_data(as_text=True)
    assert "不能再导入通知" in page and "<textarea" not in page


def test_importing_twice_is_refused_the_second_time(app, auth):
    auth.login("admin")
    assert confirm(auth, NOTICE_2027).status_code == 303
    before = counts(app)
    response = confirm(auth, NOTICE_2027)
    assert response.status_code == 400 and "2027年已覆盖（管理员录入" in response.get_data(as_text=True)
    assert counts(app) == before


VIEW_BAD = [(what, text, line, message) for what, text, year, line, message in BAD if year == UNCOVERED] + [
    ("empty", "", None, "请粘贴"),
    ("overlong", "节" * (MAX_CHARS + 1), None, "超过了"),
]


@pytest.mark.parametrize("step", [preview, confirm])
@pytest.mark.parametrize("what, text, line, message", VIEW_BAD, ids=[b[0] for b in VIEW_BAD])
def test_bad_notices_on_the_pages_answer_400_next_to_the_text_and_write_nothing(app, auth, step, what, text, line,
                                                                                 message):
    auth.login("admin")
    before = counts(app)
    response = step(auth, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = re.search(r'<p class="error" id="notice-error">([^<]*)</p>', html)
    assert error, html[-3000:]
    assert message in error.group(1).replace("&#34;", '"')
    if line:
        assert line in error.group(1)
    assert 'aria-invalid="true"' in html and "确认导入" not in html
    if text and len(text) < 2000:  # the pasted text comes back for correcting
        textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
        assert textarea.strip().splitlines()[0].strip() == \
            text.strip().splitlines()[0].strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert counts(app) == before


def test_a_post_without_the_csrf_token_writes_nothing(app, auth):
    auth.login("admin")
    before = counts(app)
    response = auth.client.post("/calendar/2027/notice/confirm", data={"notice": NOTICE_2027})
    assert response.status_code == 400
    assert counts(app) == before


@pytest.mark.parametrize("role", ["inspector", "fuyuan_secretary", "fuyuan_worker01", "fuqiang_leader",
                                  "fuyuan_frontdesk"])
def test_only_the_admin_may_import_a_notice(app, auth, role):
    auth.login(role)
    before = counts(app)
    assert auth.client.get("/calendar/2027/notice").status_code == 403
    for path in ("/calendar/2027/notice", "/calendar/2027/notice/confirm"):
        response = auth.post(path, {"notice": NOTICE_2027}, token_from="/calendar/")
        assert response.status_code == 403, path
    assert counts(app) == before
    assert 'href="/calendar/2027/notice"' not in auth.client.get("/calendar/2027").get_data(as_text=True)
