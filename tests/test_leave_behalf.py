"""代请假: a worker in hospital cannot file 病假, so their community's 书记 or 站长 files
it for them (工作规范 二(四): leave is asked of the 书记、站长). The request is the
person's in every way but one: the filer never decides it."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.policy import Action, can, is_first_approver
from portal.board import rules as board_rules
from portal.errors import FieldErrors
from portal.extensions import db
from portal.leave import behalf, rules
from portal.leave.models import LeaveRequest, LeaveStatus, LeaveType
from tests import images
from tests.conftest import Auth, account

# Wednesday 25 November 2026, 10:00 in Baotou.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
WED, FRI = date(2026, 11, 25), date(2026, 11, 27)
MON, TUE = date(2026, 11, 30), date(2026, 12, 1)


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW



def sick_leave(code="sick", start=WED, end=FRI, reason="急性阑尾炎住院", destination="包头市中心医院"):
    type_id = db.session.scalar(select(LeaveType.id).where(LeaveType.code == code))
    return rules.LeaveInput(type_id, start, "am", end, "pm", reason, destination, "")


def file_for(app, filer="fuyuan_secretary", person="fuyuan_worker05", why="住院手术，无法使用手机",
             **kw) -> LeaveRequest:
    leave = rules.submit(account(filer), account(person).person, sick_leave(**kw), app.config, behalf_reason=why)
    db.session.commit()
    return leave


def counts():
    return (db.session.scalar(select(func.count()).select_from(LeaveRequest)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)))


def audit_of(leave) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "leave_requests", AuditEntry.object_id == str(leave.id)).order_by(AuditEntry.id)))


# -- who files for whom ---------------------------------------------------------------

@pytest.mark.parametrize("filer, person, may", [
    ("fuyuan_secretary", "fuyuan_worker05", True),      # a worker of one's community
    ("fuyuan_stationhead", "fuyuan_worker05", True),
    ("fuyuan_secretary", "fuyuan_frontdesk", True),     # the front desk is on the board too
    ("fuyuan_secretary", "fuyuan_stationhead", True),   # the two heads file for each other
    ("fuyuan_stationhead", "fuyuan_secretary", True),
    ("fuyuan_secretary", "fuyuan_secretary", False),    # one's own leave is filed as one's own
    ("fuda_secretary", "fuyuan_worker05", False),       # another community
    ("fuyuan_secretary", "fuda_worker01", False),
    ("fuyuan_secretary", "fuqiang_leader", False),      # not on a board
    ("fuyuan_frontdesk", "fuyuan_worker05", False),     # keeps the board, not leave
    ("fuyuan_worker01", "fuyuan_worker05", False),      # a colleague
    ("fuqiang_leader", "fuyuan_secretary", False),      # decides a head's leave, so does not file it
    ("fuqiang_leader", "fuyuan_worker05", False),
    ("inspector", "fuyuan_worker05", False),
    ("admin", "fuyuan_worker05", False),                # accounts, not people's absences
])
def test_only_the_persons_own_secretary_or_station_head_files_for_them(app, filer, person, may):
    with app.app_context():
        assert can(account(filer), Action.FILE_LEAVE_FOR, account(person).person) is may
        if not may and filer != person:
            before = counts()
            with pytest.raises(PermissionError):
                file_for(app, filer, person)
            db.session.rollback()
            assert counts() == before


def test_nobody_files_for_a_deactivated_person(app):
    with app.app_context():
        worker = account("fuyuan_worker05").person
        worker.active = False
        db.session.commit()
        assert not can(account("fuyuan_secretary"), Action.FILE_LEAVE_FOR, worker)
        assert worker not in behalf.people_to_file_for(account("fuyuan_secretary"))


def test_the_list_to_choose_from_is_the_own_community_without_oneself(app):
    with app.app_context():
        secretary = account("fuyuan_secretary")
        people = behalf.people_to_file_for(secretary)
        assert {p.community_id for p in people} == {secretary.person.community_id}
        assert secretary.person not in people and account("fuyuan_stationhead").person in people
        assert people[0] is account("fuyuan_stationhead").person  # the office first, then the grids
        assert behalf.people_to_file_for(account("fuyuan_worker01")) == []
        assert behalf.people_to_file_for(account("admin")) == []


# -- filing ---------------------------------------------------------------------------

def test_a_secretary_files_sick_leave_for_a_worker_in_hospital(app):
    with app.app_context():
        leave = file_for(app)
        secretary, worker = account("fuyuan_secretary"), account("fuyuan_worker05")
        assert leave.person_id == worker.person_id and leave.status is LeaveStatus.PENDING
        assert leave.filed_by_id == secretary.id and leave.behalf_reason == "住院手术，无法使用手机"
        assert leave.days == Decimal(3) and leave.leave_type.code == "sick"
        assert [r.id for r in rules.my_requests(worker.person_id)] == [leave.id]
        assert rules.my_requests(secretary.person_id) == []


def test_the_audit_names_the_filer_and_the_person(app):
    with app.app_context():
        leave = file_for(app)
        [entry] = audit_of(leave)
        assert entry.action == "leave.requested"
        assert entry.account_id == account("fuyuan_secretary").id
        assert entry.on_behalf_of_id == account("fuyuan_worker05").person_id


@pytest.mark.parametrize("why, message", [
    ("", "为何不能自己提交"),
    ("   ", "为何不能自己提交"),
    ("住" * 201, "200"),
    ("住院\x00", "控制字符"),
])
def test_why_the_person_could_not_file_is_required(app, why, message):
    with app.app_context():
        before = counts()
        with pytest.raises(FieldErrors, match=message) as refused:
            file_for(app, why=why)
        assert set(refused.value.errors) == {"behalf_reason"}
        db.session.rollback()
        assert counts() == before


def test_the_request_is_checked_as_the_persons_own(app):
    """Dates, 去向 and overlaps are the person's: the filer's own leave does not clash."""
    with app.app_context():
        file_for(app)
        with pytest.raises(FieldErrors, match="重叠"):
            file_for(app, filer="fuyuan_stationhead")
        with pytest.raises(FieldErrors, match="去向"):
            file_for(app, person="fuyuan_worker06", destination="")
        db.session.rollback()
        secretary = account("fuyuan_secretary")
        rules.submit(secretary, secretary.person, sick_leave(), app.config)  # her own, same days: fine


def test_annual_leave_is_charged_to_the_persons_balance_not_the_filers(app):
    with app.app_context():
        admin, secretary, worker = account("admin"), account("fuyuan_secretary"), account("fuyuan_worker06")
        rules.set_entitlement(admin, worker.person, 2026, "0", "已在原单位休完")
        rules.set_entitlement(admin, secretary.person, 2026, "10", "核定")
        db.session.commit()
        with pytest.raises(FieldErrors, match="余额不足"):
            file_for(app, person="fuyuan_worker06", code="annual", start=MON, end=TUE)
        db.session.rollback()
        rules.set_entitlement(admin, worker.person, 2026, "5", "核定")
        rules.set_entitlement(admin, secretary.person, 2026, "0", "已休完")
        db.session.commit()
        file_for(app, person="fuyuan_worker06", code="annual", start=MON, end=TUE)
        assert rules.annual_balance(worker.person, 2026).remaining == Decimal(3)
        assert rules.annual_balance(secretary.person, 2026).remaining == Decimal(0)


def test_the_person_is_told_through_the_notification_hook(app):
    """The worker's phone will carry the notification; until then the hook is there,
    sent once per 代请假 and never for one's own request."""
    received = []

    def receiver(leave):
        received.append(leave.id)

    with app.app_context(), behalf.filed_on_behalf.connected_to(receiver):
        filed = file_for(app).id
        worker = account("fuyuan_worker06")
        rules.submit(worker, worker.person, sick_leave(), app.config)
        db.session.commit()
    assert received == [filed]


# -- the approval chain ---------------------------------------------------------------

def test_the_station_head_decides_what_the_secretary_filed(app):
    with app.app_context():
        leave = file_for(app)
        secretary, head = account("fuyuan_secretary"), account("fuyuan_stationhead")
        assert not can(secretary, Action.DECIDE_LEAVE, leave)
        assert leave.id not in [r.id for r in rules.queue_for(secretary)]
        assert [(r.id, r.filed_by_name) for r in rules.approver_queue(head).data.pending] == \
            [(leave.id, secretary.person.name)]
        with pytest.raises(PermissionError):
            rules.decide(secretary, leave, True, "同意")
        rules.decide(head, leave, True, "同意，安心养病")
        db.session.commit()
        assert leave.status is LeaveStatus.APPROVED and leave.first_decided_by_id == head.id


def test_the_secretary_decides_what_the_station_head_filed(app):
    with app.app_context():
        leave = file_for(app, filer="fuyuan_stationhead")
        assert not can(account("fuyuan_stationhead"), Action.DECIDE_LEAVE, leave)
        rules.decide(account("fuyuan_secretary"), leave, True, "")
        db.session.commit()
        assert leave.status is LeaveStatus.APPROVED


def test_the_filer_does_not_revoke_what_they_filed_once_approved(app):
    with app.app_context():
        leave = file_for(app, start=MON, end=TUE)
        rules.decide(account("fuyuan_stationhead"), leave, True, "")
        db.session.commit()
        assert not can(account("fuyuan_secretary"), Action.REVOKE_LEAVE, leave)
        assert can(account("fuyuan_stationhead"), Action.REVOKE_LEAVE, leave)


def test_without_another_head_the_street_decides_what_the_only_head_filed(app):
    """The 站长 has left: nobody in the community but the filer could decide, so the
    decision moves up to the 街镇领导, the next approver in the chain."""
    with app.app_context():
        leave = file_for(app)
        leader = account("fuqiang_leader")
        assert not is_first_approver(leader.person, leave)
        assert leave.id not in [r.id for r in rules.queue_for(leader)]
        head = account("fuyuan_stationhead")
        head.active = head.person.active = False
        db.session.commit()
        assert is_first_approver(leader.person, leave)
        assert [r.id for r in rules.queue_for(leader)] == [leave.id]
        assert rules.queue_for(account("fuyuan_secretary")) == []
        assert not is_first_approver(account("kexue_leader").person, leave)
        rules.decide(leader, leave, True, "同意")
        db.session.commit()
        assert leave.status is LeaveStatus.APPROVED


def test_long_leave_filed_for_a_worker_still_needs_the_street(app):
    with app.app_context():
        leave = file_for(app, start=MON, end=MON + timedelta(days=4))
        assert leave.needs_street
        rules.decide(account("fuyuan_stationhead"), leave, True, "")
        db.session.commit()
        assert leave.status is LeaveStatus.PENDING_STREET
        rules.decide(account("fuqiang_leader"), leave, True, "")
        db.session.commit()
        assert leave.status is LeaveStatus.APPROVED


def test_a_heads_leave_filed_by_the_other_head_goes_to_the_street(app):
    with app.app_context():
        leave = file_for(app, filer="fuyuan_stationhead", person="fuyuan_secretary")
        assert not can(account("fuyuan_stationhead"), Action.DECIDE_LEAVE, leave)
        assert [r.id for r in rules.queue_for(account("fuqiang_leader"))] == [leave.id]
        rules.decide(account("fuqiang_leader"), leave, True, "")
        db.session.commit()
        assert leave.status is LeaveStatus.APPROVED


def test_filed_sick_leave_once_approved_puts_the_worker_on_leave_on_the_board(app):
    with app.app_context():
        leave = file_for(app)
        rules.decide(account("fuyuan_stationhead"), leave, True, "")
        db.session.commit()
        worker = account("fuyuan_worker05").person
        card = next(c for c in board_rules.board_cards(worker.community_id) if c.person.id == worker.id)
        assert card.status is board_rules.Status.LEAVE and card.leave_back_label == "11月30日上午返岗"


# -- withdrawing and seeing -----------------------------------------------------------

@pytest.mark.parametrize("who", ["fuyuan_secretary", "fuyuan_worker05"])
def test_the_filer_or_the_person_withdraws_it(app, who):
    with app.app_context():
        leave = file_for(app)
        rules.withdraw(account(who), leave)
        db.session.commit()
        assert leave.status is LeaveStatus.WITHDRAWN
        entry = audit_of(leave)[-1]
        assert entry.action == "leave.withdrawn" and entry.account_id == account(who).id
        assert entry.on_behalf_of_id == (account("fuyuan_worker05").person_id if who == "fuyuan_secretary" else None)


@pytest.mark.parametrize("who", ["fuyuan_stationhead", "fuyuan_frontdesk", "fuyuan_worker06", "fuqiang_leader",
                                 "admin"])
def test_nobody_else_withdraws_it(app, who):
    with app.app_context():
        leave = file_for(app)
        with pytest.raises(PermissionError):
            rules.withdraw(account(who), leave)


def test_the_filer_sees_the_details_they_wrote_and_the_front_desk_does_not(app):
    with app.app_context():
        leave = file_for(app)
        for who in ("fuyuan_secretary", "fuyuan_stationhead", "fuyuan_worker05", "admin"):
            assert can(account(who), Action.VIEW_LEAVE_DETAILS, leave), who
        for who in ("fuyuan_frontdesk", "fuyuan_worker06", "inspector"):
            assert not can(account(who), Action.VIEW_LEAVE_DETAILS, leave), who


# -- pages ----------------------------------------------------------------------------

def behalf_path(app, person="fuyuan_worker05") -> str:
    with app.app_context():
        return f"/leave/people/{account(person).person_id}/behalf"


def form(app, **kw) -> dict:
    with app.app_context():
        type_id = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "sick"))
    return {"type_id": type_id, "start_date": WED.isoformat(), "start_half": "am", "end_date": FRI.isoformat(),
            "end_half": "pm", "reason": "急性阑尾炎住院", "destination": "包头市中心医院",
            "behalf_reason": "住院手术，无法使用手机", "action": "submit", **kw}


def test_the_person_sees_it_on_their_list_with_who_filed_it(app, auth):
    path = behalf_path(app)
    auth.login("fuyuan_secretary")
    response = auth.post(path, form(app, attachment=(BytesIO(images.png()), "诊断证明.png")), token_from=path,
                         content_type="multipart/form-data")
    assert response.status_code == 302
    leave_path = response.headers["Location"]
    with app.app_context():
        name = account("fuyuan_secretary").person.name
    worker = Auth(app.test_client())
    worker.login("fuyuan_worker05")
    assert f"由{name}代为提交" in worker.client.get("/leave/").get_data(as_text=True)
    detail = worker.client.get(leave_path).get_data(as_text=True)
    assert f"由{name}（社区书记）代为提交" in detail and "住院手术，无法使用手机" in detail and "撤回申请" in detail
    assert worker.client.get(leave_path + "/attachment").data.startswith(b"\x89PNG")
    filer_view = auth.client.get(leave_path).get_data(as_text=True)
    assert "这是您代为提交的申请" in filer_view and "撤回申请" in filer_view and ">批准<" not in filer_view
    head = Auth(app.test_client())
    head.login("fuyuan_stationhead")
    assert f"由{name}代为提交" in head.client.get("/leave/queue").get_data(as_text=True)


def test_the_filer_cannot_approve_through_the_page(app, auth):
    path = behalf_path(app)
    auth.login("fuyuan_secretary")
    leave_path = auth.post(path, form(app), token_from=path).headers["Location"]
    refused = auth.post(leave_path + "/decide", {"decision": "approve", "comment": "同意"}, token_from=leave_path)
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(LeaveRequest.status)) is LeaveStatus.PENDING


def test_leave_for_someone_of_another_community_is_refused_in_chinese(app, auth):
    path = behalf_path(app)
    auth.login("fuda_secretary")
    with app.app_context():
        before = counts()
    assert auth.client.get(path).status_code == 403
    response = auth.post(path, form(app), token_from="/")
    assert response.status_code == 403 and behalf.REFUSED in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def test_someone_without_the_right_is_told_in_chinese(app, auth):
    auth.login("fuyuan_frontdesk")
    response = auth.client.get("/leave/behalf")
    assert response.status_code == 403 and behalf.REFUSED in response.get_data(as_text=True)
    with app.app_context():
        before = counts()
    posted = auth.post(behalf_path(app), form(app))
    assert posted.status_code == 403 and "代请假只能" in posted.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


@pytest.mark.parametrize("changes, field, message", [
    ({"behalf_reason": ""}, "behalf_reason", "为何不能自己提交"),
    ({"destination": ""}, "destination", "去向"),
    ({"attachment": lambda: (BytesIO(b"%PDF-1.4 a pdf called png"), "证明.png")}, "attachment", "与扩展名"),
])
def test_bad_input_gets_a_message_next_to_the_field_and_nothing_is_written(app, auth, changes, field, message):
    path = behalf_path(app)
    auth.login("fuyuan_secretary")
    with app.app_context():
        before = counts()
    # A file object is read once; each database's run builds its own.
    changes = {key: value() if callable(value) else value for key, value in changes.items()}
    response = auth.post(path, form(app, **changes), token_from=path, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and f'id="{field}-error">' in body and message in body
    with app.app_context():
        assert counts() == before


def test_the_preview_counts_the_persons_days(app, auth):
    path = behalf_path(app)
    auth.login("fuyuan_stationhead")
    data = form(app)
    response = auth.client.get(path + "/preview", query_string={k: v for k, v in data.items() if k != "action"},
                               headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and "<b>3</b> 个工作日" in body


def test_the_choice_of_people_links_to_each_ones_form(app, auth):
    auth.login("fuyuan_secretary")
    page = auth.client.get("/leave/behalf").get_data(as_text=True)
    assert behalf_path(app) in page and behalf_path(app, "fuyuan_secretary") not in page
    assert behalf_path(app, "fuda_worker01") not in page
    assert "/leave/behalf" in auth.client.get("/leave/queue").get_data(as_text=True)
