"""请假 and 销假 as the workers, the 书记/站长 and the 街镇 rely on them
(工作规范 二(四); 八个一 四)."""
import re
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.board import rules as board_rules
from portal.errors import FieldErrors
from portal.extensions import db
from portal.leave import rules
from portal.leave.models import LeaveEntitlement, LeaveRequest, LeaveStatus, LeaveType
from tests import images
from tests.conftest import Auth, account, recorded_statements

# Wednesday 25 November 2026, 10:00 in Baotou.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
MON, TUE, WED, THU, FRI = (date(2026, 11, 30) + timedelta(days=n) for n in range(5))
SAT, SUN = date(2026, 11, 28), date(2026, 11, 29)


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW



def leave_type(code) -> LeaveType:
    return db.session.scalar(select(LeaveType).where(LeaveType.code == code))


def request_input(code="personal", start=MON, start_half="am", end=TUE, end_half="pm", reason="家中有事",
                  destination="包头市东河区", phone=""):
    return rules.LeaveInput(leave_type(code).id, start, start_half, end, end_half, reason, destination, phone)


def file(app, username="fuyuan_worker01", **kw) -> LeaveRequest:
    person = account(username)
    leave = rules.submit(person, person.person, request_input(**kw), app.config)
    db.session.commit()
    return leave


def counts():
    return (db.session.scalar(select(func.count()).select_from(LeaveRequest)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)))


# -- filing ---------------------------------------------------------------------------

def test_two_days_of_personal_leave_go_to_the_community(app):
    with app.app_context():
        leave = file(app)
        assert leave.days == Decimal(2) and leave.status is LeaveStatus.PENDING and not leave.needs_street
        assert not leave.late_filed
        assert [r.id for r in rules.queue_for(account("fuyuan_secretary"))] == [leave.id]
        assert [r.id for r in rules.queue_for(account("fuyuan_stationhead"))] == [leave.id]
        assert rules.queue_for(account("fuda_secretary")) == []
        assert rules.queue_for(account("fuqiang_leader")) == []


@pytest.mark.parametrize("span, days", [
    ((MON, "pm", TUE, "am"), Decimal(1)),
    ((MON, "am", MON, "am"), Decimal("0.5")),
    ((FRI, "pm", MON + timedelta(days=7), "am"), Decimal(1)),  # the weekend between does not count
    ((MON, "am", FRI, "pm"), Decimal(5)),
])
def test_half_days_and_weekends_are_counted_right(app, span, days):
    with app.app_context():
        start, start_half, end, end_half = span
        result = rules.preview(account("fuyuan_worker02").person,
                               request_input(start=start, start_half=start_half, end=end, end_half=end_half),
                               app.config, NOW)
        assert result.days == days and not result.errors


def test_national_day_week_costs_no_working_days(app):
    """2026-10-01..07 are 国庆节 holidays; sick leave filed late is allowed and flagged."""
    app.config["CLOCK_NOW"] = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
    with app.app_context():
        result = rules.preview(account("fuyuan_worker02").person,
                               request_input("sick", date(2026, 9, 30), "am", date(2026, 10, 9), "pm"),
                               app.config, app.config["CLOCK_NOW"])
        assert not result.errors and result.late_filed
        assert result.days == Decimal(3)  # 30 Sep, 9 Oct, and the 调休 Saturday 10 Oct is outside


def test_long_leave_needs_the_street_after_the_community(app):
    with app.app_context():
        leave = file(app, "fuyuan_worker03", start=MON, end=FRI)
        assert leave.days == 5 and leave.needs_street
        with pytest.raises(PermissionError):
            rules.decide(account("fuda_secretary"), leave, True, "")
        rules.decide(account("fuyuan_secretary"), leave, True, "同意")
        db.session.commit()
        assert leave.status is LeaveStatus.PENDING_STREET
        assert [r.id for r in rules.queue_for(account("fuqiang_leader"))] == [leave.id]
        with pytest.raises(FieldErrors, match="等待街镇"):
            rules.decide(account("fuyuan_stationhead"), leave, True, "")
        with pytest.raises(PermissionError):
            rules.decide(account("kexue_leader"), leave, True, "")
        rules.decide(account("fuqiang_leader"), leave, True, "同意，安排好网格工作")
        db.session.commit()
        assert leave.status is LeaveStatus.APPROVED
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "leave_requests",
                                                                     AuditEntry.object_id == str(leave.id))).all()
        assert actions == ["leave.requested", "leave.approved", "leave.approved"]


def test_a_secretarys_own_leave_goes_to_the_street_leader(app):
    with app.app_context():
        leave = file(app, "fuyuan_secretary")
        with pytest.raises(PermissionError):
            rules.decide(account("fuyuan_stationhead"), leave, True, "")
        with pytest.raises(PermissionError):
            rules.decide(account("fuyuan_secretary"), leave, True, "")  # nobody approves their own
        assert [r.id for r in rules.queue_for(account("fuqiang_leader"))] == [leave.id]
        rules.decide(account("fuqiang_leader"), leave, True, "")
        db.session.commit()
        assert leave.status is LeaveStatus.APPROVED


@pytest.mark.parametrize("kwargs, field, message", [
    ({"start": TUE, "end": MON}, "end_date", "不能早于开始时间"),
    ({"start": SAT, "start_half": "am", "end": SAT, "end_half": "am"}, "start_date", "节假日或休息日"),
    ({"start": SAT, "end": SUN}, "end_date", "没有工作日"),
    ({"reason": ""}, "reason", "请填写请假事由"),
    ({"reason": "事" * 501}, "reason", "500"),
    ({"destination": ""}, "destination", "去向"),
    ({"phone": "12345"}, "phone", "联系电话"),
    ({"start": date(2026, 11, 20), "end": date(2026, 11, 20)}, "start_date", "须提前报批"),
    ({"start": date(2027, 1, 4), "end": date(2027, 1, 5)}, "start_date", "2027年的工作日历尚未录入"),
])
def test_bad_requests_are_refused_and_nothing_is_written(app, kwargs, field, message):
    with app.app_context():
        before = counts()
        worker = account("fuyuan_worker04")
        with pytest.raises(FieldErrors) as refused:
            rules.submit(worker, worker.person, request_input(**kwargs), app.config)
        db.session.rollback()
        assert message in refused.value.errors[field]
        assert counts() == before


def test_overlapping_leave_is_refused(app):
    with app.app_context():
        file(app, "fuyuan_worker05")
        worker = account("fuyuan_worker05")
        with pytest.raises(FieldErrors, match="重叠"):
            rules.submit(worker, worker.person, request_input(start=TUE, start_half="pm", end=WED), app.config)
        # Touching but not sharing a half-day is fine.
        rules.submit(worker, worker.person, request_input(start=WED, start_half="am", end=WED), app.config)


def test_annual_leave_follows_the_regulation_and_the_balance(app):
    with app.app_context():
        worker = account("fuyuan_worker06")
        worker.person.service_start = date(2014, 3, 1)  # 12 full years by 1 Jan 2026
        assert rules.entitlement(worker.person, 2026)[0] == 10
        worker.person.service_start = date(2025, 6, 1)
        assert rules.entitlement(worker.person, 2026)[0] == 0
        worker.person.service_start = date(2000, 1, 1)
        assert rules.entitlement(worker.person, 2026)[0] == 15
        rules.set_entitlement(account("admin"), worker.person, 2026, "1.5", "本年已在原单位休假")
        db.session.commit()
        assert rules.annual_balance(worker.person, 2026).remaining == Decimal("1.5")
        with pytest.raises(FieldErrors, match="余额不足"):
            rules.submit(worker, worker.person, request_input("annual"), app.config)
        leave = rules.submit(worker, worker.person, request_input("annual", end=MON, end_half="pm"), app.config)
        assert rules.annual_balance(worker.person, 2026).remaining == Decimal("0.5")
        rules.withdraw(worker, leave)
        assert rules.annual_balance(worker.person, 2026).remaining == Decimal("1.5")


# -- decisions ------------------------------------------------------------------------

def test_two_approvers_racing_end_in_exactly_one_decision(app):
    """书记 and 站长 press 批准/驳回 at the same moment: a compare-and-set on the
    status lets one win, and the other learns who decided."""
    with app.app_context():
        leave_id = file(app, "fuyuan_worker07").id
    barrier = threading.Barrier(2)
    outcomes = {}

    def press(username, approve):
        with app.app_context():
            try:
                barrier.wait(timeout=10)  # before any query: on SQLite that query takes the write lock
                leave = db.session.get(LeaveRequest, leave_id)
                approver = account(username)
                rules.decide(approver, leave, approve, "" if approve else "人手不足")
                db.session.commit()
                outcomes[username] = "won"
            except rules.AlreadyDecided as lost:
                db.session.rollback()
                outcomes[username] = lost.errors["decision"]
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press, args=("fuyuan_secretary", True)),
               threading.Thread(target=press, args=("fuyuan_stationhead", False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o == "won" for o in outcomes.values()) == [False, True], outcomes
    with app.app_context():
        leave = db.session.get(LeaveRequest, leave_id)
        winner = next(u for u, o in outcomes.items() if o == "won")
        loser_message = next(o for o in outcomes.values() if o != "won")
        assert account(winner).person.name in loser_message and "已由" in loser_message
        assert leave.status in (LeaveStatus.APPROVED, LeaveStatus.REJECTED)
        decisions = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(["leave.approved", "leave.rejected"]), AuditEntry.object_id == str(leave_id)))
        assert decisions == 1


def test_a_rejection_needs_a_reason(app):
    with app.app_context():
        leave = file(app, "fuyuan_worker08")
        with pytest.raises(FieldErrors, match="驳回时请写明理由"):
            rules.decide(account("fuyuan_secretary"), leave, False, "  ")


def test_revoking_approved_leave_before_it_starts_restores_the_balance(app):
    with app.app_context():
        worker = account("fuyuan_worker09")
        worker.person.service_start = date(2010, 1, 1)
        leave = rules.submit(worker, worker.person, request_input("annual"), app.config)
        rules.decide(account("fuyuan_secretary"), leave, True, "")
        db.session.commit()
        assert rules.annual_balance(worker.person).remaining == 8
        assert rules.revoke(worker, leave, "计划有变") == "requested"
        assert leave.status is LeaveStatus.APPROVED
        assert rules.revoke(account("fuyuan_secretary"), leave, "本人申请撤销，同意") == "revoked"
        db.session.commit()
        assert leave.status is LeaveStatus.REVOKED and rules.annual_balance(worker.person).remaining == 10


def test_an_early_return_gives_back_the_unused_days_and_the_board_shows_it(app):
    with app.app_context():
        worker = account("fuyuan_worker10")
        thursday, friday = date(2026, 11, 26), date(2026, 11, 27)
        leave = rules.submit(worker, worker.person, request_input("sick", start=date(2026, 11, 24), end=thursday),
                             app.config)
        rules.decide(account("fuyuan_secretary"), leave, True, "")
        db.session.commit()
        card = next(c for c in board_rules.board_cards(worker.person.community_id) if c.person.id == worker.person.id)
        assert card.status is board_rules.Status.LEAVE and card.leave_back == (friday, rules.Half.AM)
        assert card.leave_type == "病假" and card.leave_back_label == "11月27日上午返岗"
        with pytest.raises(FieldErrors, match="不能晚于现在"):
            rules.record_return(worker, leave, thursday, "am")
        # The front desk records the return on their behalf: back this morning.
        rules.record_return(account("fuyuan_frontdesk"), leave, date(2026, 11, 25), "am")
        db.session.commit()
        assert leave.status is LeaveStatus.COMPLETED and leave.days_taken == 1 and leave.days == 3
        card = next(c for c in board_rules.board_cards(worker.person.community_id) if c.person.id == worker.person.id)
        assert card.status is board_rules.Status.IN_OFFICE


def test_the_home_page_and_the_hall_show_leave_without_its_type(app, auth):
    with app.app_context():
        worker = account("fuyuan_worker11")
        leave = rules.submit(worker, worker.person, request_input("sick", start=date(2026, 11, 23),
                                                                 end=date(2026, 11, 24)), app.config)
        rules.decide(account("fuyuan_secretary"), leave, True, "")
        name = worker.person.name
        current = rules.submit(account("fuyuan_worker12"), account("fuyuan_worker12").person,
                               request_input("sick", start=date(2026, 11, 25), end=date(2026, 11, 26)), app.config)
        rules.decide(account("fuyuan_secretary"), current, True, "")
        db.session.commit()
    auth.login("fuyuan_secretary")
    home = auth.client.get("/").get_data(as_text=True)
    assert "逾期未销假" in home and name in home
    board = auth.client.get("/board/", follow_redirects=True).get_data(as_text=True)
    links = re.search(r'action="(/board/\d+)/display-links"', board).group(1)
    created = auth.post(links + "/display-links", {"label": "大厅"}, token_from=links)
    hall = app.test_client().get(re.search(r'<code id="hall-url">http://localhost(/hall/[^<]+)</code>',
                                           created.get_data(as_text=True)).group(1)).get_data(as_text=True)
    assert "请假" in hall and "11月27日上午返岗" in hall and "病假" not in hall


def test_leave_past_its_end_without_return_is_overdue(app):
    with app.app_context():
        worker = account("fuyuan_worker11")
        leave = rules.submit(worker, worker.person, request_input("sick", start=date(2026, 11, 23),
                                                                 end=date(2026, 11, 24)), app.config)
        rules.decide(account("fuyuan_secretary"), leave, True, "")
        db.session.commit()
        assert rules.is_overdue(leave)
        assert [r.id for r in rules.overdue_for(account("fuyuan_secretary"))] == [leave.id]
        card = next(c for c in board_rules.board_cards(worker.person.community_id) if c.person.id == worker.person.id)
        assert card.status_label == "请假 · 逾期未销假"


# -- pages ----------------------------------------------------------------------------

def test_the_request_form_shows_the_cost_before_submitting(auth):
    auth.login("fuyuan_worker01")
    with auth.client.application.app_context():
        type_id = leave_type("personal").id
    response = auth.client.get("/leave/preview", query_string={
        "type_id": type_id, "start_date": MON.isoformat(), "start_half": "am",
        "end_date": TUE.isoformat(), "end_half": "pm"}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and "<b>2</b> 个工作日" in body


def test_a_worker_files_and_the_secretary_approves_in_the_browserless_flow(app, auth):
    auth.login("fuyuan_worker01")
    with app.app_context():
        type_id = leave_type("personal").id
    form = {"type_id": type_id, "start_date": MON.isoformat(), "start_half": "am", "end_date": TUE.isoformat(),
            "end_half": "pm", "reason": "陪同家人就医", "destination": "包头市第四医院", "action": "submit"}
    response = auth.post("/leave/new", form, token_from="/leave/new")
    assert response.status_code == 302
    leave_path = response.headers["Location"]
    auth.logout()
    secretary = Auth(app.test_client())
    secretary.login("fuyuan_secretary")
    queue = secretary.client.get("/leave/queue").get_data(as_text=True)
    assert "陪同家人就医" not in queue and leave_path in queue
    detail = secretary.client.get(leave_path).get_data(as_text=True)
    assert "人手情况" in detail and "最少" in detail
    badge = secretary.client.get("/leave/queue/badge?n=1", headers={"HX-Request": "true"})
    assert badge.status_code == 204
    decided = secretary.post(leave_path + "/decide", {"decision": "approve", "comment": "同意"}, token_from=leave_path)
    assert decided.status_code == 302
    other = Auth(app.test_client())
    other.login("fuda_secretary")
    assert other.client.get(leave_path).status_code == 403
    assert other.post(leave_path + "/decide", {"decision": "approve"}).status_code == 403


def test_a_late_second_approver_sees_who_decided(app, auth):
    with app.app_context():
        leave = file(app, "fuyuan_worker12")
        path = f"/leave/{leave.id}"
    auth.login("fuyuan_stationhead")
    token = auth.token(path)  # the page was open before the secretary decided
    with app.app_context():
        rules.decide(account("fuyuan_secretary"), db.session.get(LeaveRequest, leave.id), True, "")
        db.session.commit()
        name = account("fuyuan_secretary").person.name
    response = auth.client.post(path + "/decide", data={"decision": "reject", "comment": "不同意", "csrf_token": token})
    assert response.status_code == 409 and f"已由{name}" in response.get_data(as_text=True)


@pytest.mark.parametrize("filename, content, message", [
    ("证明.pdf", b"MZ\x90\x00 not a pdf", "不是 pdf"),
    ("证明.exe", b"%PDF-1.4", "只能是 pdf"),
    ("证明.png", b"%PDF-1.4 a pdf called png", "与扩展名"),
    ("证明.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "5 MB"),
    ("证明.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "已损坏"),
])
def test_a_bad_attachment_is_refused_and_nothing_written(app, auth, filename, content, message):
    auth.login("fuyuan_worker02")
    with app.app_context():
        type_id = leave_type("sick").id
        before = counts()
    form = {"type_id": type_id, "start_date": MON.isoformat(), "start_half": "am", "end_date": MON.isoformat(),
            "end_half": "pm", "reason": "复诊", "destination": "医院", "action": "submit",
            "attachment": (BytesIO(content), filename)}
    response = auth.post("/leave/new", form, token_from="/leave/new", content_type="multipart/form-data")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def test_an_attachment_is_served_only_to_those_who_may_see_the_request(app, auth):
    auth.login("fuyuan_worker02")
    with app.app_context():
        type_id = leave_type("sick").id
    form = {"type_id": type_id, "start_date": MON.isoformat(), "start_half": "am", "end_date": MON.isoformat(),
            "end_half": "pm", "reason": "复诊", "destination": "医院", "action": "submit",
            "attachment": (BytesIO(images.png()), "诊断证明.png")}
    response = auth.post("/leave/new", form, token_from="/leave/new", content_type="multipart/form-data")
    path = response.headers["Location"] + "/attachment"
    assert auth.client.get(path).data.startswith(b"\x89PNG")
    outsider = Auth(app.test_client())
    outsider.login("fuda_secretary")
    assert outsider.client.get(path).status_code == 403
    colleague = Auth(app.test_client())
    colleague.login("fuyuan_worker03")
    assert colleague.client.get(path).status_code == 403


def test_the_export_escapes_formulas_and_lists_the_period(app, auth):
    with app.app_context():
        file(app, "fuyuan_worker04", reason="=HYPERLINK(\"http://evil\")")
        community_id = account("fuyuan_worker04").person.community_id
    auth.login("fuyuan_secretary")
    response = auth.client.get(f"/leave/communities/{community_id}/export.xlsx?start=2026-11-01&end=2026-12-31")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    reasons = [row[8] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert reasons == ["'=HYPERLINK(\"http://evil\")"]
    calendar = auth.client.get(f"/leave/communities/{community_id}/calendar?month=2026-12").get_data(as_text=True)
    assert "请假月历" in calendar and re.search(r'class="num[^"]*on-leave"', calendar)


def test_an_admin_sets_an_entitlement_with_a_reason(app, auth):
    auth.login("admin")
    refused = auth.post("/leave/entitlements", {"username": "fuyuan_worker01", "year": "2026", "days": "abc",
                                                "reason": ""}, token_from="/leave/types")
    assert refused.status_code == 400 and "天数应为" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LeaveEntitlement)) == 0
    saved = auth.post("/leave/entitlements", {"username": "fuyuan_worker01", "year": "2026", "days": "7.5",
                                              "reason": "军龄折算"}, token_from="/leave/types")
    assert saved.status_code == 302


# -- found by fuzzing (tests/fuzz) --------------------------------------------------------------

def test_an_entitlement_year_of_unicode_digits_is_refused(app, auth):
    auth.login("admin")
    with app.app_context():
        before = counts(), db.session.scalar(select(func.count()).select_from(LeaveEntitlement))
    response = auth.post("/leave/entitlements", {"username": "fuyuan_worker01", "year": "²⁰²⁶", "days": "5",
                                                 "reason": "核定"}, token_from="/leave/types")
    assert response.status_code == 400 and "年份应为四位数字" in response.get_data(as_text=True)
    with app.app_context():
        assert (counts(), db.session.scalar(select(func.count()).select_from(LeaveEntitlement))) == before


def test_a_leave_type_of_unicode_digits_is_asked_for_again(app, auth):
    auth.login("fuyuan_worker01")
    with app.app_context():
        before = counts()
    response = auth.post("/leave/new", {"type_id": "²", "start_date": MON.isoformat(), "start_half": "am",
                                        "end_date": MON.isoformat(), "end_half": "pm", "reason": "家中有事",
                                        "destination": "本市"}, token_from="/leave/new")
    assert response.status_code == 400 and "请选择请假类型" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def test_an_entitlement_with_a_nul_is_refused_not_passed_to_the_database(app, auth):
    auth.login("admin")
    with app.app_context():
        before = counts(), db.session.scalar(select(func.count()).select_from(LeaveEntitlement))
    unknown = auth.post("/leave/entitlements", {"username": "fuyuan_worker01\x00", "year": "2026", "days": "5",
                                                "reason": "核定"}, token_from="/leave/types")
    assert unknown.status_code == 400 and "找不到该用户名" in unknown.get_data(as_text=True)
    reason = auth.post("/leave/entitlements", {"username": "fuyuan_worker01", "year": "2026", "days": "5",
                                               "reason": "核\x00定"}, token_from="/leave/types")
    assert reason.status_code == 400 and "控制字符" in reason.get_data(as_text=True)
    with app.app_context():
        assert (counts(), db.session.scalar(select(func.count()).select_from(LeaveEntitlement))) == before


# -- the approval queue, kept by each worker while nothing behind it changed -------------

def without_tokens(html: str) -> str:
    """A CSRF token carries the second it was signed in."""
    return re.sub(r"(csrf_token\" value=\"|X-CSRFToken&#34;: &#34;|X-CSRFToken\": \")[^\"&]+", r"\1", html)


def queue_statements(app, client):
    with recorded_statements(app) as statements:
        html = client.get("/leave/queue").get_data(as_text=True)
    return html, statements


def test_a_repeated_queue_reads_the_versions_and_no_leave(app, auth):
    auth.login("fuyuan_secretary")
    with app.app_context():
        leave_id = file(app).id
    first, _ = queue_statements(app, auth.client)
    again, statements = queue_statements(app, auth.client)
    assert without_tokens(again) == without_tokens(first) and f"/leave/{leave_id}" in again
    assert any("data_versions" in s for s in statements)
    assert not any("leave_requests" in s for s in statements)


def test_a_request_filed_through_another_worker_is_in_the_queue_at_once(app, auth, database_url):
    from tests.conftest import make_app

    auth.login("fuyuan_secretary")
    before, _ = queue_statements(app, auth.client)
    other_worker = make_app(database_url, CLOCK_NOW=NOW)
    with other_worker.app_context():
        leave = file(other_worker)
        name, leave_id = leave.person.name, leave.id
        db.engine.dispose()
    after, _ = queue_statements(app, auth.client)
    assert f"/leave/{leave_id}" in after and name in after and f"/leave/{leave_id}" not in before
    with other_worker.app_context():
        rules.decide(account("fuyuan_secretary"), db.session.get(LeaveRequest, leave_id), True, None)
        db.session.commit()
        db.engine.dispose()
    assert f"/leave/{leave_id}" not in queue_statements(app, auth.client)[0]


def test_leave_not_returned_from_turns_overdue_in_the_kept_queue_when_the_half_day_passes(app, auth):
    with app.app_context():
        leave = file(app, start=MON, start_half="am", end=MON, end_half="am")
        rules.decide(account("fuyuan_secretary"), leave, True, None)
        db.session.commit()
    app.config["CLOCK_NOW"] = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # Monday 11:00: still on leave
    auth.login("fuyuan_secretary")
    assert "逾期未销假" not in auth.client.get("/leave/queue").get_data(as_text=True)
    app.config["CLOCK_NOW"] = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # Monday 14:00: the half-day is over
    assert "逾期未销假" in auth.client.get("/leave/queue").get_data(as_text=True)


def test_one_secretarys_kept_queue_is_not_another_communitys(app, auth):
    with app.app_context():
        file(app)
    auth.login("fuyuan_secretary")
    mine = auth.client.get("/leave/queue").get_data(as_text=True)
    other = Auth(app.test_client())
    other.login("fuda_secretary")
    theirs = other.client.get("/leave/queue").get_data(as_text=True)
    assert "没有待审批的申请" in theirs and "没有待审批的申请" not in mine


def test_the_navigation_badge_counts_a_new_request_on_the_next_page(app, auth):
    auth.login("fuyuan_secretary")

    def badge(path):
        html = auth.client.get(path).get_data(as_text=True)
        return re.search(r'id="queue-badge"[^>]*>(\d+)<', html).group(1), html
    count, html = badge("/")
    assert 'href="/" aria-current="page"' in html
    with app.app_context():
        file(app)
    new_count, html = badge("/")
    assert int(new_count) == int(count) + 1
    _, org = badge("/org/")
    assert 'href="/org/" aria-current="page"' in org and 'href="/" aria-current' not in org


def test_with_a_max_age_a_repeated_queue_reads_nothing_and_sees_its_own_workers_writes(app, auth):
    app.config["VERSIONS_MAX_AGE"] = 3600.0
    auth.login("fuyuan_secretary")
    first, _ = queue_statements(app, auth.client)
    again, statements = queue_statements(app, auth.client)
    assert without_tokens(again) == without_tokens(first)
    assert statements == []
    with app.app_context():
        leave_id = file(app).id  # through this worker: its versions are forgotten at commit
    assert f"/leave/{leave_id}" in queue_statements(app, auth.client)[0]


def test_with_a_max_age_another_workers_request_is_in_the_queue_once_it_has_passed(app, auth, database_url,
                                                                                   monkeypatch):
    from portal import memo
    from tests.conftest import make_app

    app.config["VERSIONS_MAX_AGE"] = 5.0
    auth.login("fuyuan_secretary")
    queue_statements(app, auth.client)
    other_worker = make_app(database_url, CLOCK_NOW=NOW)
    with other_worker.app_context():
        leave_id = file(other_worker).id
        db.engine.dispose()
    assert f"/leave/{leave_id}" not in queue_statements(app, auth.client)[0]  # within the max age
    later = memo.monotonic() + 5.0
    monkeypatch.setattr(memo, "monotonic", lambda: later)
    assert f"/leave/{leave_id}" in queue_statements(app, auth.client)[0]
