"""A fuzz case for every POST route, keyed by endpoint; test_forms checks that none is missing.

Roles are those the permission matrix (tests/test_policy.py) allows for the route;
paths use its {kind:slug} placeholders. `refuse` oracles name input that must never
be accepted: a required field left blank, a choice that was not offered, a date that
is no date.
"""
import io
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
from hypothesis import strategies as st
from sqlalchemy import delete, update
from werkzeug.security import generate_password_hash

from portal.activity import offline
from portal.activity.models import EventKind
from portal.assessment.settings import DEFAULTS as ASSESSMENT_DEFAULTS
from portal.assessment.settings import OPTIONAL as ASSESSMENT_OPTIONAL
from portal.assessment.settings import WEIGHTS as ASSESSMENT_WEIGHTS
from portal.attendance.settings import DEFAULTS, RANGES, TIMES
from portal.auth.models import Account
from portal.extensions import db
from portal.notifications import rules as notice_rules
from portal.notifications.models import NoticeKind
from portal.people.models import Position
from tests.conftest import DEMO_PASSWORD
from tests.fuzz import objects
from tests.fuzz.harness import Case, seen
from tests.fuzz.values import DATES, MISSING, field, nasty, upload

# 离线补传 taps: 40 and 5 minutes before the suite's frozen now, and now itself.
TAP_TIMES = tuple(str(int((datetime(2026, 11, 25, 2, 0, tzinfo=UTC) - timedelta(minutes=m)).timestamp() * 1000))
                  for m in (40, 5, 0))
NOTICE_KINDS = tuple(k.value for k in NoticeKind)


def every(value) -> list:
    """All values request.form.getlist() sees for a generated field."""
    if value is MISSING:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


ASSESSMENT_VALUES = {name: field(str(value)) for name, value in ASSESSMENT_DEFAULTS.items()}


def blank(value) -> bool:
    value = seen(value)
    return value is None or not str(value).strip()


def control(value, newlines_ok: bool = False) -> bool:
    value = str(seen(value) or "").strip()
    allowed = "\r\n\t" if newlines_ok else ""
    return any(unicodedata.category(ch)[0] == "C" and ch not in allowed for ch in str(value))


def not_a_date(value) -> bool:
    """Not a date as the portal's forms read one (clock.parse_date: YYYY-MM-DD first)."""
    value = (seen(value) or "").strip()
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        return True
    return False


def not_a_strict_date(value) -> bool:
    """The work calendar takes exactly YYYY-MM-DD and nothing after it."""
    value = (seen(value) or "").strip()
    return not_a_date(value) or len(value) != 10


def first(*checks):
    """The first reason a check gives: checks are (reason, predicate on the form)."""
    def refuse(form):
        return next((reason for reason, check in checks if check(form)), None)
    return refuse


NOTICES = Path(__file__).resolve().parents[1] / "data" / "holiday_notices"
NOTICE_2027 = (NOTICES / "2027-synthetic.txt").read_text(encoding="utf-8")
NOTICE_2025 = (NOTICES / "2025.txt").read_text(encoding="utf-8")


def forget_2027(fuzzer, form):
    """An imported 2027 is taken back, so the next example can import it again."""
    from portal.workdays.models import CalendarDay, CalendarYear

    db.session.execute(delete(CalendarDay).where(CalendarDay.day.between(date(2027, 1, 1), date(2027, 12, 31))))
    db.session.execute(delete(CalendarYear).where(CalendarYear.year == 2027))
    db.session.commit()


def fresh_session(fuzzer, form):
    fuzzer.start_session()


def password_back(fuzzer, form):
    """A changed password logs out; set the demo password again and log back in."""
    db.session.execute(update(Account).where(Account.username == fuzzer.case.role)
                       .values(password_hash=generate_password_hash(DEMO_PASSWORD)))
    db.session.commit()
    fuzzer.start_session()


def roster_workbook(rows) -> bytes:
    from portal.admin import roster

    book = openpyxl.load_workbook(io.BytesIO(roster.template_workbook()))
    sheet = book.active
    for row in rows:
        sheet.append([None if cell is None else cell for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def current_comp_day(value):
    """The decide form's day: "CURRENT" stands for the rest day waiting for a decision."""
    if isinstance(value, list):
        return [current_comp_day(v) for v in value]
    return objects.COMP_TIME["day"] if value == "CURRENT" else value


def current_overtime_person(value):
    if isinstance(value, list):
        return [current_overtime_person(v) for v in value]
    return objects.COMP_TIME["person_id"] if value == "WORKER" else value


def placeholder(name):
    """A 事项 form's value: an upper-case placeholder stands for objects.MATTER[name.lower()]."""
    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        return objects.MATTER.get(name.lower(), value) if value == name else value
    return fill


def filled(**names):
    def fill(form):
        return {**form, **{field_name: placeholder(key)(form.get(field_name)) for field_name, key in names.items()
                           if field_name in form}}
    return fill


def stripped(value) -> str:
    return (seen(value) or "").strip()


def not_a_phone(value) -> bool:
    from portal.text import PHONE_RE

    phone = stripped(value).replace(" ", "")
    return bool(phone) and not PHONE_RE.match(phone)


MATTER_TEXT = {"description": field("楼道灯不亮", "下水道堵塞，污水外溢", ""), "place": field("3-2-501", "小区东门", ""),
               "urgency_id": field("1", "2", "3")}


def loop_steps():
    from portal.matters.loop import FROM

    return tuple(FROM)


def fill_digest(value):
    """The confirm form's plan: "CURRENT" stands for the digest of the stored upload."""
    if isinstance(value, list):
        return [fill_digest(v) for v in value]
    return objects.ROSTER_PREVIEW["digest"] if value == "CURRENT" else value


# Cell text openpyxl can store (it refuses most control characters itself).
cell = st.one_of(st.none(), nasty.filter(lambda s: not control(s)), st.integers(-10**12, 10**12),
                 st.floats(allow_nan=True), st.sampled_from(["张三", "zhangsan9", "grid_worker", "网格员", "富强街道",
                                                             "富源社区", "3", "13800000000"]))
roster_file = st.one_of(
    upload(),
    st.tuples(st.sampled_from(["花名册.xlsx", "a.xlsx", "x.xls", "名单.csv"]),
              st.lists(st.lists(cell, min_size=0, max_size=9), min_size=0, max_size=4).map(roster_workbook)),
)

PERSON_FIELDS = {
    "name": field("张三", "欧阳明月"),
    "username": field("zhangsan01", "li_si"),
    "position": field(*[p.value for p in Position]),
    "street_id": field("", "1", "2"),
    "community_id": field("", "1", "2", "3"),
    "grid_number": field("", "3", "99"),
    "phone": field("13800000000", "0472-1234567", ""),
    "public_office_phone": field("", "y"),
    "service_start": field("2010-07", "2010-07-15", "", "2030-01", "1959-12", "2010"),
    "community_start": field("", "2018-03", "2009-01", "2027-02"),
}


def implausible_service_date(value) -> bool:
    """A 参加工作时间 that must never be stored: a year alone, or an ISO date (or month)
    after the suite's today or before 1960. Other shapes may be a date the form reads."""
    text = (seen(value) or "").strip()
    if len(text) == 4 and text.isascii() and text.isdigit():
        return True
    try:
        day = date.fromisoformat(text if len(text) == 10 else text + "-01")
    except ValueError:
        return False
    return day > date(2026, 11, 25) or day < date(1960, 1, 1)


PERSON_REFUSE = (
    ("no name", lambda f: blank(f["name"])),
    ("no username", lambda f: blank(f["username"])),
    ("no such position", lambda f: seen(f["position"]) not in {p.value for p in Position}),
    ("implausible 参加工作时间", lambda f: implausible_service_date(f["service_start"])),
    ("implausible 入职本社区时间", lambda f: implausible_service_date(f["community_start"])),
)
SETTINGS_VALUES = {
    **{name: field(DEFAULTS[name].strftime("%H:%M"), "09:00") for name in TIMES},
    "summer_from": field("05-01", "06-01"), "winter_from": field("10-01", "11-01"),
    **{name: field(str(low), str(high)) for name, (low, high) in RANGES.items()},
}
LEAVE_DATES = ("2026-12-01", "2026-12-02", "2026-11-26", "2026-11-20", "2027-01-04")
COMMUNITY_IDS = [str(n) for n in (1, 2, 3, 10, 49, 50, 999999)]


def checklist_rows():
    rows = {"rows": field("0", "1", "2", "3", "40"), "note": field("修订", "")}
    for index in range(3):
        rows |= {f"{index}.section": field("1", "2", "8"), f"{index}.text": field("佩戴工作证", ""),
                 f"{index}.points": field("2", "5", "0"), f"{index}.per_person": field("on", ""),
                 f"{index}.veto": field("on", ""), f"{index}.delete": field("on", ""), f"{index}.new": field("1", "")}
    return rows


GUIDE_ITEM = {
    "name": field("测试事项", "居住证申领", ""), "aliases": field("测试 别名", ""), "audience": field("辖区居民", ""),
    "basis": field("有关规定", ""), "materials": field("居民身份证｜1｜原件", "户口簿|2|复印件\n照片", ""),
    "process": field("1. 受理\n2. 办结", ""), "time_limit": field("当场办结", ""), "place": field("一楼窗口", ""),
    "handler": field("民政岗", ""), "fee": field("不收费", ""), "phone": field("0472-5101010", ""),
    "notes": field("带齐材料", ""), "version": field("1", "2", ""),
}

# 包社区/包网格: placeholders become the ids and the book version of the moment.
RESP_PLACEHOLDERS = {"FUYUAN": "fuyuan", "FUDA": "fuda", "LEADER": "leader", "KEXUE_LEADER": "kexue_leader",
                     "GRID": "grid", "FUDA_GRID": "fuda_grid", "SECRETARY": "secretary",
                     "FUDA_SECRETARY": "fuda_secretary"}


def fill_resp(form):
    def one(value):
        if isinstance(value, list):
            return [one(v) for v in value]
        if value == "CURRENT":
            return str(objects.RESP["expected"])
        if isinstance(value, str) and value in RESP_PLACEHOLDERS:
            return str(objects.RESP[RESP_PLACEHOLDERS[value]])
        return value
    return {name: one(value) for name, value in form.items()}


def out_of_range(value) -> bool:
    text = (seen(value) or "").strip()
    return not ("2017-01-01" <= text <= "2027-11-26")


def _term_date_bad(f, name, required):
    text = (seen(f[name]) or "").strip()
    if not text:
        return required
    return not_a_strict_date(f[name]) or out_of_range(f[name])


TERM_DATES = (
    ("no start date", lambda f: _term_date_bad(f, "valid_from", True)),
    ("no end date", lambda f: _term_date_bad(f, "valid_to", False)),
    ("ends before it starts", lambda f: bool((seen(f["valid_to"]) or "").strip())
     and (seen(f["valid_to"]) or "").strip() < (seen(f["valid_from"]) or "").strip()),
)


def stale_version(f) -> bool:
    text = (seen(f["version"]) or "").strip()
    return not (text.isascii() and text.isdigit() and len(text) < 10 and int(text) == objects.RESP.get("expected"))

CASES: dict[str, Case] = {
    # -- signing in and out --------------------------------------------------------------
    "auth.login_POST": Case(
        None, "/login",
        {"username": field("admin", "fuyuan_worker01", " ADMIN "), "password": field(DEMO_PASSWORD),
         "next": field("/leave/", "//evil.example", "/\\evil", "https://evil.example/")},
        refuse=first(("wrong password", lambda f: seen(f["password"]) != DEMO_PASSWORD),
                     ("unknown user", lambda f: (seen(f["username"]) or "").strip().lower()
                      not in ("admin", "fuyuan_worker01"))),
        may_write_on_refusal=frozenset({"login_attempts"}), after_success=fresh_session),
    "auth.logout_POST": Case("fuyuan_worker01", "/logout", after_success=fresh_session),
    "auth.change_password_POST": Case(
        "fuyuan_worker02", "/account/password",
        {"current": field(DEMO_PASSWORD), "new": field("新密码-2026-abc", "short"), "confirm": field("新密码-2026-abc")},
        refuse=first(("wrong current password", lambda f: seen(f["current"]) != DEMO_PASSWORD),
                     ("confirmation differs", lambda f: seen(f["new"]) != seen(f["confirm"]))),
        after_success=password_back),
    # -- the board -------------------------------------------------------------------------
    "board.set_status_POST": Case(
        "fuyuan_worker01", "/board/{community:fuyuan}/people/{person:fuyuan_worker01}/status",
        {"kind": field(*[k.value for k in EventKind]), "destination": field("社区办公室", ""),
         "note": field("", "开会"), "household": field("", "3-2-501"), "back_in": field("", "30", "90"),
         "return_at": field("", "15:30"), "from": field("me", "card")},
        refuse=first(("unknown kind", lambda f: seen(f["kind"]) not in {k.value for k in EventKind}),
                     *((f"control characters in {n}", lambda f, n=n: control(f[n]))
                       for n in ("destination", "note", "household"))),
        htmx=True),
    "board.queued_status_POST": Case(
        "fuyuan_worker01", "/board/me/queued",
        {"id": field("tap-fuzz-0001", "tap-fuzz-0002"), "kind": field(*[k.value for k in EventKind]),
         "at": field(*TAP_TIMES), "destination": field("第3网格", ""), "note": field("", "离线"),
         "household": field("", "3-2-501"), "back_in": field("", "30"), "return_at": field("", "15:30")},
        refuse=first(("bad tap id", lambda f: not offline.CLIENT_ID.fullmatch(str(seen(f["id"]) or ""))),
                     ("unknown kind", lambda f: seen(f["kind"]) not in {k.value for k in EventKind}),
                     ("not a tap time", lambda f: seen(f["at"]) not in TAP_TIMES),
                     *((f"control characters in {n}", lambda f, n=n: control(f[n]))
                       for n in ("destination", "note", "household")))),
    # -- 消息 --------------------------------------------------------------------------------
    "notices.open_POST": Case("fuyuan_secretary", "/notices/999999/open"),
    "notices.read_all_POST": Case("fuyuan_secretary", "/notices/read-all"),
    "notices.prefs_POST": Case(
        "fuyuan_secretary", "/notices/prefs",
        {"muted": field(*NOTICE_KINDS, ""), "email": field("", "shuji@qingshan.test")},
        refuse=first(("unknown kind", lambda f: any(v and v not in NOTICE_KINDS for v in every(f["muted"]))),
                     ("bad address", lambda f: bool((seen(f["email"]) or "").strip())
                      and not notice_rules.EMAIL.fullmatch((seen(f["email"]) or "").strip())))),
    "board.display_link_new_POST": Case(
        "fuyuan_secretary", "/board/{community:fuyuan}/display-links", {"label": field("大厅", "")},
        refuse=first(("label over 40", lambda f: len(seen(f["label"]) or "") > 40),
                     ("control characters", lambda f: control(f["label"])))),
    "board.display_link_revoke_POST": Case(
        "fuyuan_secretary", lambda: objects.display_link_path("fuyuan")),
    # -- leave -----------------------------------------------------------------------------
    "leave.new_POST": Case(
        "fuyuan_worker01", "/leave/new",
        {"type_id": field(*[str(n) for n in range(1, 11)]), "start_date": field(*LEAVE_DATES),
         "start_half": field("am", "pm"), "end_date": field(*LEAVE_DATES), "end_half": field("am", "pm"),
         "reason": field("家中有事"), "destination": field("本市", "呼和浩特"),
         "phone": field("13800000000", "0472-1234567", ""), "action": field("submit", "preview")},
        files={"attachment": upload()},
        refuse=first(("just a preview", lambda f: seen(f["action"]) == "preview"),
                     ("no start date", lambda f: not_a_date(f["start_date"])),
                     ("no end date", lambda f: not_a_date(f["end_date"])),
                     ("no reason", lambda f: blank(f["reason"])),
                     ("no destination", lambda f: blank(f["destination"])))),
    # 代请假: the request as above, for a front-desk clerk, and why she could not file it.
    "leave.behalf_new_POST": Case(
        "fuyuan_secretary", "/leave/people/{person:fuyuan_frontdesk3}/behalf",
        {"type_id": field(*[str(n) for n in range(1, 11)]), "start_date": field(*LEAVE_DATES),
         "start_half": field("am", "pm"), "end_date": field(*LEAVE_DATES), "end_half": field("am", "pm"),
         "reason": field("急病住院"), "destination": field("包头市中心医院", "本市"),
         "phone": field("13800000000", ""), "behalf_reason": field("住院，无法使用手机"),
         "action": field("submit", "preview")},
        files={"attachment": upload()},
        refuse=first(("just a preview", lambda f: seen(f["action"]) == "preview"),
                     ("no start date", lambda f: not_a_date(f["start_date"])),
                     ("no end date", lambda f: not_a_date(f["end_date"])),
                     ("no reason", lambda f: blank(f["reason"])),
                     ("no destination", lambda f: blank(f["destination"])),
                     ("no reason why she could not file", lambda f: blank(f["behalf_reason"])),
                     ("control characters in why", lambda f: control(f["behalf_reason"], newlines_ok=True)))),
    "leave.decide_POST": Case(
        "fuyuan_secretary", lambda: f"/leave/{objects.pending_leave('fuyuan_worker02', objects.FUYUAN_WORKERS)}/decide",
        {"decision": field("approve", "reject"), "comment": field("同意", "")},
        refuse=first(("control characters", lambda f: control(f["comment"], newlines_ok=True)),
                     ("rejected without a reason",
                      lambda f: seen(f["decision"]) != "approve" and blank(f["comment"])))),
    "leave.withdraw_POST": Case("fuyuan_worker02", lambda: f"/leave/{objects.pending_leave('fuyuan_worker02')}/withdraw"),
    "leave.revoke_POST": Case(
        "fuyuan_secretary", lambda: f"/leave/{objects.approved_future_leave('fuyuan_worker02')}/revoke",
        {"revoke_reason": field("工作需要")},
        refuse=first(("no reason", lambda f: blank(f["revoke_reason"])),
                     ("control characters", lambda f: control(f["revoke_reason"], newlines_ok=True)))),
    "leave.return_POST": Case(
        "fuyuan_frontdesk", lambda: f"/leave/{objects.started_leave('fuyuan_worker03')}/return",
        {"returned_date": field("2026-11-25", "2026-11-24", *DATES[:4]), "returned_half": field("am", "pm")},
        refuse=first(("no date", lambda f: not_a_date(f["returned_date"])),
                     ("no half", lambda f: seen(f["returned_half"]) not in ("am", "pm")))),
    "leave.type_POST": Case(
        "admin", "/leave/types/1",
        {flag: field("on", "") for flag in ("advance_required", "uses_balance", "document_expected",
                                            "counts_holidays", "active")}),
    "leave.entitlement_POST": Case(
        "admin", "/leave/entitlements",
        {"username": field("fuyuan_worker01", "admin"), "year": field("2026", "2027"),
         "days": field("5", "7.5", "0", "60"), "reason": field("核定", "")},
        refuse=first(("no user", lambda f: blank(f["username"])),
                     ("year is not four digits", lambda f: not (seen(f["year"]) or "").isascii()
                      or not (seen(f["year"]) or "").isdigit()),
                     ("no reason", lambda f: blank(f["reason"])))),
    # -- 调休 ---------------------------------------------------------------------------------
    "comptime.decide_POST": Case(
        "fuyuan_secretary", lambda: f"/comptime/people/{objects.rest_day_work('fuyuan_worker01')}/decide",
        {"day": field("CURRENT", "2026-11-18"), "days": field("1", "0.5"),
         "comment": field("", "个人事务，不计"), "decision": field("confirm", "reject")},
        fill=lambda form: {**form, "day": current_comp_day(form.get("day"))},
        refuse=first(("no such decision", lambda f: seen(f["decision"]) not in ("confirm", "reject")),
                     ("not the waiting day", lambda f: (seen(f["day"]) or "").strip()[:10]
                      != objects.COMP_TIME.get("day")),
                     ("not half a day or a day", lambda f: seen(f["decision"]) == "confirm"
                      and (seen(f["days"]) or "").strip() not in ("1", "0.5")),
                     ("refused without a reason", lambda f: seen(f["decision"]) == "reject" and blank(f["comment"])),
                     ("control characters", lambda f: control(f["comment"], newlines_ok=True)))),
    "comptime.overtime_POST": Case(
        "fuyuan_secretary", lambda: objects.overtime_path("fuyuan", "fuyuan_worker05"),
        {"person_id": field("WORKER", ""), "day": field("2026-11-07", "2026-10-31", "2026-11-18"),
         "hours": field("4", "4.5", "1"), "note": field("防汛值守", "")},
        fill=lambda form: {**form, "person_id": current_overtime_person(form.get("person_id"))},
        refuse=first(("nobody chosen", lambda f: seen(f["person_id"]) != objects.COMP_TIME.get("person_id")),
                     ("no date", lambda f: not_a_date(f["day"])),
                     ("a working day", lambda f: (seen(f["day"]) or "").strip()[:10] == "2026-11-18"),
                     ("no reason", lambda f: blank(f["note"])),
                     ("control characters", lambda f: control(f["note"], newlines_ok=True)),
                     ("under half a day", lambda f: (seen(f["hours"]) or "").strip() not in ("4", "4.5")))),
    # -- 包社区/包网格 ----------------------------------------------------------------------
    "responsibility.street_assign_POST": Case(
        "admin", lambda: objects.street_assign_path(),
        {"community_id": field("FUYUAN", "FUDA", "999999"), "person_id": field("LEADER", "KEXUE_LEADER"),
         "valid_from": field("2026-11-01", "2026-12-01"), "valid_to": field("", "2026-12-31", "2026-10-01"),
         "version": field("CURRENT", "0", "7")},
        fill=fill_resp,
        refuse=first(("a community of another street or none", lambda f: seen(f["community_id"]) not in (
                         str(objects.RESP.get("fuyuan")), str(objects.RESP.get("fuda")))),
                     ("not this street's leader", lambda f: seen(f["person_id"]) != str(objects.RESP.get("leader"))),
                     *TERM_DATES, ("a stale page", stale_version)),
        after_success=lambda fuzzer, form: objects.forget_assignments()),
    "responsibility.community_assign_POST": Case(
        "fuqiang_leader", lambda: objects.community_assign_path(),
        {"grid_id": field("GRID", "FUDA_GRID"), "person_id": field("SECRETARY", "FUDA_SECRETARY"),
         "valid_from": field("2026-11-01", "2026-12-01"), "valid_to": field("", "2026-12-31", "2026-10-01"),
         "version": field("CURRENT", "0", "7")},
        fill=fill_resp,
        refuse=first(("a grid of another community", lambda f: seen(f["grid_id"]) != str(objects.RESP.get("grid"))),
                     ("not a head of this community", lambda f: seen(f["person_id"])
                      != str(objects.RESP.get("secretary"))),
                     *TERM_DATES, ("a stale page", stale_version)),
        after_success=lambda fuzzer, form: objects.forget_assignments()),
    "responsibility.end_POST": Case(
        "admin", lambda: objects.open_term(),
        {"valid_to": field("2026-11-20", "2026-10-01", ""), "version": field("CURRENT", "0", "7")},
        fill=fill_resp,
        refuse=first(("no end date", lambda f: not_a_strict_date(f["valid_to"]) or out_of_range(f["valid_to"])),
                     ("before the term began", lambda f: (seen(f["valid_to"]) or "").strip() < "2026-11-01"),
                     ("a stale page", stale_version))),
    "responsibility.rules_POST": Case(
        "admin", "/responsibility/settings",
        {"scope": field("", "999999"), "missing_points": field("0", "2", "1.5", "25", "1.25"),
         "follows_default": field("", "on"), "effective_from": field("", "2026-11-25", "2026-12-01", "2026-11-01")},
        refuse=first(("not a street", lambda f: bool(stripped(f["scope"])) and not (
                         stripped(f["scope"]).isascii() and stripped(f["scope"]).isdigit()
                         and len(stripped(f["scope"])) < 10)),
                     ("the default cannot follow itself", lambda f: seen(f["follows_default"]) == "on"
                      and not stripped(f["scope"])),
                     ("not 0–20 points with one decimal", lambda f: seen(f["follows_default"]) != "on" and not (
                         re.fullmatch(r"[0-9]{1,2}(\.[0-9])?", stripped(f["missing_points"]))
                         and float(stripped(f["missing_points"])) <= 20)),
                     ("an effective date in the past or unreadable", lambda f: bool(stripped(f["effective_from"]))
                      and (not_a_strict_date(f["effective_from"])
                           or not "2026-11-25" <= stripped(f["effective_from"]) <= "2027-11-26")))),
    "responsibility.supervision_POST": Case(
        "fuqiang_leader", lambda: objects.supervision_path(),
        {"community_id": field("FUYUAN", "FUDA"), "day": field("2026-11-20", "2026-11-26", "2025-12-01"),
         "kind": field("training", "guidance", "urging", "check", "assessment"),
         "covered": field("指导网格员入户记录", ""), "present": field("书记、站长", ""), "follow_ups": field("", "下周复查")},
        fill=fill_resp,
        refuse=first(("not an assigned community", lambda f: seen(f["community_id"]) != str(objects.RESP.get("fuyuan"))),
                     ("no date", lambda f: not_a_strict_date(f["day"])),
                     ("in the future or before the term", lambda f: not ("2026-01-01" <= (seen(f["day"]) or "").strip()
                                                                         <= "2026-11-25")),
                     ("no such kind", lambda f: (seen(f["kind"]) or "").strip() not in (
                         "training", "guidance", "urging", "check", "assessment")),
                     ("nothing covered", lambda f: blank(f["covered"])),
                     ("too long", lambda f: len((seen(f["covered"]) or "").replace("\r\n", "\n").strip()) > 500
                      or len((seen(f["present"]) or "").strip()) > 200
                      or len((seen(f["follow_ups"]) or "").replace("\r\n", "\n").strip()) > 500),
                     ("control characters", lambda f: control(f["covered"], newlines_ok=True)
                      or control(f["present"]) or control(f["follow_ups"], newlines_ok=True)))),
    # -- 事项 ------------------------------------------------------------------------------
    "matters.new_POST": Case(
        "fuyuan_worker01", lambda: objects.matter_new_path("fuyuan_worker01"),
        {**MATTER_TEXT, "grid_id": field("GRID_ID", "", "1"), "kind_id": field("1", "2", "3", "4", "5"),
         "resident_name": field("王阿姨", ""), "phone": field("13812345678", "0472-1234567", "12345", ""),
         "consent": field("on", "")},
        files={"photo": upload()},
        fill=filled(grid_id="GRID_ID"),
        refuse=first(("not a grid of the community", lambda f: stripped(f["grid_id"]) not in objects.MATTER["grid_ids"]),
                     ("no description", lambda f: blank(f["description"])),
                     ("control characters", lambda f: control(f["description"], newlines_ok=True)
                      or control(f["place"]) or control(f["resident_name"])),
                     ("description too long", lambda f: len(stripped(f["description"])) > 1000),
                     ("no such kind", lambda f: stripped(f["kind_id"]) not in ("1", "2", "3", "4")),
                     ("no such urgency", lambda f: stripped(f["urgency_id"]) not in ("1", "2", "3")),
                     ("not a phone", lambda f: not_a_phone(f["phone"])),
                     ("a phone without consent", lambda f: bool(stripped(f["phone"])) and seen(f["consent"]) != "on"))),
    "matters.step_POST": Case(
        "fuyuan_secretary", lambda: f"/matters/{objects.open_matter('fuyuan_worker01')}/step",
        {"step": field("take", "report", "assign", "refer", "close", "feedback", "verify", "reopen"),
         "version": field("VERSION", "1"), "note": field("已联系物业处理", ""),
         "person_id": field("PERSON_ID", ""), "referred_to": field("街道城管科", ""), "referred_ref": field("", "A-12"),
         "feedback_how": field("电话告知", ""), "satisfaction": field("satisfied", "basic", "unsatisfied")},
        fill=filled(version="VERSION", person_id="PERSON_ID"),
        refuse=first(("no such step", lambda f: seen(f["step"]) not in loop_steps()),
                     ("control characters", lambda f: control(f["note"], newlines_ok=True)),
                     ("closed without a result", lambda f: seen(f["step"]) in ("close", "reopen") and blank(f["note"])),
                     ("referred to nobody", lambda f: seen(f["step"]) == "refer" and blank(f["referred_to"])),
                     ("fed back without how", lambda f: seen(f["step"]) == "feedback" and (
                         blank(f["feedback_how"]) or stripped(f["satisfaction"]) not in ("satisfied", "basic",
                                                                                        "unsatisfied"))),
                     ("assigned to nobody", lambda f: seen(f["step"]) == "assign"
                      and stripped(f["person_id"]) != objects.MATTER["person_id"]))),
    "matters.photo_POST": Case(
        "fuyuan_worker01", lambda: f"/matters/{objects.open_matter('fuyuan_worker01')}/photos",
        {}, files={"photo": upload()},
        refuse=lambda f: None),
    "matters.settings_POST": Case(
        "admin", "/matters/settings",
        {"hours-1": field("2", "4"), "hours-2": field("24"), "hours-3": field("72", "0"),
         "working-1": field("on", ""), "verify_required": field("on", ""), "phone_retention_days": field("90", "30"),
         "new_kind": field("", "环境卫生")},
        refuse=first(("not a number of hours", lambda f: any(not stripped(f[n]).isdigit() or len(stripped(f[n])) > 5
                                                         or not 1 <= int(stripped(f[n])) <= 720
                                                         for n in ("hours-1", "hours-2", "hours-3"))),
                     ("not a number of days", lambda f: not stripped(f["phone_retention_days"]).isdigit()),
                     ("control characters", lambda f: control(f["new_kind"])))),
    "matters.assign_POST": Case(
        "fuqiang_leader", lambda: objects.matter_street_assign_path("fuqiang", "fuyuan", "fuyuan_worker03"),
        {**MATTER_TEXT, "community_id": field("COMMUNITY_ID", ""), "person_id": field("PERSON_ID", "", "1"),
         "kind_id": field("5", "1"), "deadline": field("2026-11-30", "2026-11-25", "2026-11-20")},
        fill=filled(community_id="COMMUNITY_ID", person_id="PERSON_ID"),
        refuse=first(("no community", lambda f: stripped(f["community_id"]) != objects.MATTER["community_id"]),
                     ("no description", lambda f: blank(f["description"])),
                     ("control characters", lambda f: control(f["description"], newlines_ok=True) or control(f["place"])),
                     ("not a task from above", lambda f: stripped(f["kind_id"]) != "5"),
                     ("no such urgency", lambda f: stripped(f["urgency_id"]) not in ("1", "2", "3")),
                     ("no deadline", lambda f: not_a_date(f["deadline"])),
                     ("a deadline in the past", lambda f: not not_a_date(f["deadline"])
                      and stripped(f["deadline"])[:10] < "2026-11-25"),
                     ("someone outside the community", lambda f: stripped(f["person_id"])
                      not in ("", objects.MATTER["person_id"])))),
    # -- the work calendar -------------------------------------------------------------
    "workdays.day_POST": Case(
        "admin", "/calendar/2026/days",
        {"day": field("2026-12-05", "2026-12-26", "2026-10-01"), "kind": field("holiday", "adjusted_workday"),
         "name": field("元旦", "")},
        refuse=first(("no date", lambda f: not_a_strict_date(f["day"])),
                     ("no such kind", lambda f: seen(f["kind"]) not in ("holiday", "adjusted_workday")))),
    "workdays.day_delete_POST": Case(
        "admin", "/calendar/2026/days/{param}/delete",
        path_param=st.one_of(st.sampled_from(["2026-10-01", "2026-10-08", "2026-12-05"]), nasty),
        refuse=first(("no date", lambda f: not_a_strict_date(f["param"])))),
    "workdays.confirm_POST": Case("admin", "/calendar/2027/confirm"),
    "workdays.prefill_POST": Case("admin", "/calendar/2026/prefill"),
    "workdays.notice_POST": Case(
        "admin", "/calendar/2027/notice", {"notice": field(NOTICE_2027, NOTICE_2027.replace("\n", "\r\n"), "")},
        refuse=first(("no text", lambda f: blank(f["notice"])),
                     ("control characters", lambda f: control(f["notice"], newlines_ok=True)))),
    "workdays.notice_confirm_POST": Case(
        "admin", "/calendar/2027/notice/confirm", {"notice": field(NOTICE_2027, NOTICE_2025, "")},
        refuse=first(("no text", lambda f: blank(f["notice"])),
                     ("another year's notice", lambda f: "2025年" in (seen(f["notice"]) or "")),
                     ("control characters", lambda f: control(f["notice"], newlines_ok=True))),
        after_success=forget_2027),
    # -- attendance --------------------------------------------------------------------
    "attendance.settings_POST": Case(
        "admin", "/attendance/settings", {**SETTINGS_VALUES, "street": field("", "1", "999999")},
        refuse=first(*((f"{name} is no whole number",
                        lambda f, name=name: not (seen(f[name]) or "").strip().isascii()
                        or not (seen(f[name]) or "").strip().isdigit()) for name in RANGES))),
    "attendance.settings_reset_POST": Case(
        "fuqiang_leader", "/attendance/settings/reset?street={street:fuqiang}", {"street": field("1", "")}),
    "attendance.lock_POST": Case(
        "fuqiang_leader", "/attendance/locks?street={street:fuqiang}",
        {"month": field("2026-10-01", "2026-11-01", "2026-10"), "action": field("lock", "unlock"),
         "reason": field("更正考勤", "")},
        refuse=first(("no month", lambda f: not_a_date(f["month"])),
                     ("not the first of a finished month",
                      lambda f: (seen(f["month"]) or "").strip()[:10] >= "2026-11-01"
                      or not (seen(f["month"]) or "").strip()[:10].endswith("-01")),
                     ("no such action", lambda f: seen(f["action"]) not in ("lock", "unlock")))),
    "attendance.correction_new_POST": Case(
        "fuyuan_worker01", "/attendance/corrections",
        {"kind": field("clock_in", "clock_out"), "day": field("2026-11-24", "2026-11-20", "2026-11-25"),
         "time": field("08:20", "17:40"), "reason": field("忘记签到", "")},
        refuse=first(("no such kind", lambda f: seen(f["kind"]) not in ("clock_in", "clock_out")),
                     ("no date", lambda f: not_a_date(f["day"])),
                     ("no reason", lambda f: blank(f["reason"])))),
    "attendance.correction_decide_POST": Case(
        "fuyuan_secretary", lambda: f"/attendance/corrections/{objects.pending_correction('fuyuan_worker02')}/decide",
        {"decision": field("approve", "reject"), "comment": field("同意", "")}),
    # -- administration ------------------------------------------------------------------
    "admin.person_new_POST": Case(
        "admin", "/admin/people/new", {**PERSON_FIELDS, "password": field("初始密码-2026-xyz", "short")},
        refuse=first(*PERSON_REFUSE, ("no password", lambda f: blank(f["password"])))),
    "admin.person_edit_POST": Case(
        "admin", "/admin/people/{person:fuda_worker01}/edit", dict(PERSON_FIELDS), refuse=first(*PERSON_REFUSE)),
    "admin.person_deactivate_POST": Case("admin", "/admin/people/{person:fuda_worker01}/deactivate"),
    "admin.person_activate_POST": Case("admin", "/admin/people/{person:fuda_worker01}/activate"),
    "admin.person_reset_password_POST": Case("admin", "/admin/people/{person:fuda_worker01}/reset-password"),
    "admin.roster_import_POST": Case("admin", "/admin/roster/import", files={"file": roster_file}),
    "admin.roster_apply_POST": Case(
        "admin", objects.roster_preview_path, {"plan": field("CURRENT", "0" * 64)},
        fill=lambda form: {**form, "plan": fill_digest(form.get("plan"))},
        refuse=first(("not the digest of the changes shown",
                      lambda f: seen(f["plan"]) != objects.ROSTER_PREVIEW["digest"]))),
    # -- inspections ---------------------------------------------------------------------
    "inspections.start_POST": Case(
        "inspector", "/inspections/", {"community": field(*COMMUNITY_IDS)},
        refuse=first(("no community", lambda f: seen(f["community"]) not in COMMUNITY_IDS[:-1])),
        silent_ok=True),  # starting again opens the inspector's unfinished draft of that community
    "inspections.present_POST": Case(
        "inspector", "/inspections/{inspection:draft}/present",
        {"person": st.one_of(field("1", "2", "100"), st.lists(st.sampled_from(["1", "5", "60", "700", "x"]),
                                                              max_size=5))}, silent_ok=True),
    "inspections.answer_POST": Case(
        "inspector", "/inspections/{inspection:draft}/items/1/answer",
        {"person": field("", "1"), "verdict": field("pass", "fail", "na"), "note": field("", "未佩戴")},
        refuse=first(("no such verdict", lambda f: seen(f["verdict"]) not in ("pass", "fail", "na"))),
        htmx=True, silent_ok=True),
    "inspections.photo_POST": Case(
        "inspector", "/inspections/{inspection:draft}/items/1/photos", {"person": field("", "1")},
        files={"photo": upload()}, htmx=True),
    "inspections.submit_POST": Case("inspector", "/inspections/{inspection:draft}/submit"),
    "inspections.action_fix_POST": Case(
        "fuyuan_secretary", "/inspections/actions/{inspection:action}/fix", {"note": field("已整改", "")},
        files={"photo": upload()}),
    "inspections.action_review_POST": Case(
        "inspector", "/inspections/actions/{inspection:action}/review",
        {"decision": field("verify", "reject"), "note": field("复核", "")}),
    "inspections.sampling_POST": Case(
        "inspector", "/inspections/sampling",
        {"size": field("3", "5"), "seed": field("", "7", "123456"), "street": field("", "1")},
        refuse=first(("size is no whole number", lambda f: not (seen(f["size"]) or "").isascii()
                      or not (seen(f["size"]) or "").isdigit()))),
    "inspections.draw_swap_POST": Case(
        "inspector", "/inspections/sampling/{inspection:draw}/swap",
        {"out": field(*COMMUNITY_IDS), "in": field(*COMMUNITY_IDS)}),
    "inspections.draw_accept_POST": Case("inspector", "/inspections/sampling/{inspection:draw}/accept"),
    "inspections.bulletin_POST": Case(
        "inspector", "/inspections/bulletins",
        {"period": field("2026-11", "2026-10", "2026-Q3"), "street": field("", "1")},
        refuse=first(("no period", lambda f: blank(f["period"])))),
    "inspections.objection_POST": Case(
        "fuyuan_secretary", "/inspections/bulletins/{inspection:bulletin}/objections",
        {"text": field("评分有误", "")}, refuse=first(("no text", lambda f: blank(f["text"])))),
    "inspections.objection_answer_POST": Case(
        "inspector", "/inspections/objections/{inspection:objection}/answer",
        {"decision": field("uphold", "dismiss"), "reply": field("已复核", "")},
        refuse=first(("no reply", lambda f: blank(f["reply"])))),
    "inspections.checklist_edit_POST": Case("inspector", "/inspections/checklist/edit", checklist_rows()),
    # -- 季度/年度考核 -------------------------------------------------------------------
    "assessment.lock_POST": Case(
        "fuqiang_leader", "/assessment/streets/{street:fuqiang}/lock", {"period": field("2026-Q3", "2026-Q4", "2026")},
        refuse=first(("no period", lambda f: blank(f["period"])),
                     ("not over yet", lambda f: seen(f["period"]) in ("2026-Q4", "2026")))),
    "assessment.adjust_POST": Case(
        "fuyuan_secretary", "/assessment/people/{person:fuyuan_worker02}/adjustments",
        {"period": field("2026-Q4"), "points": field("2", "-1.5", "0", "25"), "reason": field("表现突出", "")},
        refuse=first(("no reason", lambda f: blank(f["reason"])),
                     ("control characters in the reason", lambda f: control(f["reason"], newlines_ok=True)),
                     ("no period", lambda f: blank(f["period"])),
                     ("points out of range", lambda f: seen(f["points"]) in ("0", "25")))),
    "assessment.settings_POST": Case(
        "fuqiang_leader", "/assessment/settings?street={street:fuqiang}", ASSESSMENT_VALUES,
        # An optional weight (便民服务事项) left empty or out is 0; any other text is refused.
        refuse=first(*((f"{name} is no whole number",
                        lambda f, name=name: (name not in ASSESSMENT_OPTIONAL or (seen(f[name]) or "").strip())
                        and (not (seen(f[name]) or "").strip().isascii()
                             or not (seen(f[name]) or "").strip().isdigit())) for name in ASSESSMENT_WEIGHTS))),
    "assessment.settings_reset_POST": Case("fuqiang_leader", "/assessment/settings/reset?street={street:fuqiang}"),
    "inspections.settings_POST": Case(
        "inspector", "/inspections/settings",
        {"action_due_days": field("7", "14"), "objection_days": field("5", "10"), "sample_size": field("3", "5")},
        refuse=first(*((f"{name} is no whole number",
                        lambda f, name=name: not (seen(f[name]) or "").strip().isascii()
                        or not (seen(f[name]) or "").strip().isdigit())
                       for name in ("action_due_days", "objection_days", "sample_size")))),
    # -- 办事指南 --------------------------------------------------------------------------
    "guide.create_POST": Case(
        "fuyuan_secretary", "/guide/items/new", GUIDE_ITEM,
        refuse=first(("no name", lambda f: blank(f["name"])), ("no materials", lambda f: blank(f["materials"])),
                     ("control characters in the name", lambda f: control(f["name"])),
                     ("a name over 60 characters", lambda f: len(str(seen(f["name"]) or "").strip()) > 60))),
    "guide.edit_POST": Case(
        "fuyuan_secretary", "/guide/items/{guide:fuyuan}/edit", GUIDE_ITEM,
        refuse=first(("no name", lambda f: blank(f["name"])), ("no materials", lambda f: blank(f["materials"])),
                     ("control characters in the name", lambda f: control(f["name"])),
                     ("a name over 60 characters", lambda f: len(str(seen(f["name"]) or "").strip()) > 60))),
    "guide.local_POST": Case(
        "fuyuan_secretary", "/guide/items/{guide:district}/local",
        {"place": field("一楼 2 号窗口", ""), "handler": field("民政岗", ""), "phone": field("0472-5101010", ""),
         "notes": field("周三下午不办理", "")},
        refuse=first(("control characters", lambda f: any(control(f[k]) for k in ("place", "handler", "phone"))),
                     ("too long", lambda f: len(str(seen(f["place"]) or "").strip()) > 200))),
    "guide.issue_POST": Case(
        "fuyuan_frontdesk", "/guide/items/{guide:district}/sheets",
        {"resident": field("王女士", ""), "matter": field("", "999999")},
        # The fuzzed district has no matters: any matter named is not one of the desk's.
        refuse=first(("control characters", lambda f: control(f["resident"])),
                     ("too long", lambda f: len(str(seen(f["resident"]) or "").strip()) > 20),
                     ("no such matter", lambda f: bool(str(seen(f["matter"]) or "").strip())))),
    "guide.hall_settings_POST": Case(
        "fuyuan_secretary", "/guide/communities/{community:fuyuan}/hall",
        {"office_hours": field("周一至周五 8:30-12:00 14:30-18:00", ""), "duty_person_id": field(""),
         "featured": field("1", "2", "")},
        refuse=first(("control characters", lambda f: control(f["office_hours"], newlines_ok=True)))),
    "guide.notice_POST": Case(
        "fuyuan_secretary", "/guide/communities/{community:fuyuan}/hall/notices",
        {"title": field("停水通知", ""), "body": field("11月26日停水", ""),
         "start_on": field("2026-11-25", "2026-11-28"), "end_on": field("2026-11-30", "2026-11-27")},
        refuse=first(("no title", lambda f: blank(f["title"])),
                     ("no dates", lambda f: not_a_date(f["start_on"]) or not_a_date(f["end_on"])),
                     ("ends before it starts", lambda f: not not_a_date(f["start_on"]) and not not_a_date(f["end_on"])
                      and str(seen(f["end_on"])).strip()[:10] < str(seen(f["start_on"])).strip()[:10]),
                     ("control characters", lambda f: control(f["title"])))),
    "guide.notice_remove_POST": Case(
        "fuyuan_secretary", "/guide/communities/{community:fuyuan}/hall/notices/{guide:notice}/remove"),

}
