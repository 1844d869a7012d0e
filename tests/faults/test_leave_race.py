"""二十个审批同时按下：一条请假只能有一个决定 (工作规范 二(四); 八个一 四).

Twenty browsers of the 书记 and the 站长, each its own client and login session,
post 批准 or 驳回 for one request at the same instant, on SQLite and PostgreSQL.
"""
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.leave import rules
from portal.leave.models import LeaveRequest, LeaveStatus, LeaveType
from tests.conftest import account
from tests.faults.conftest import RACERS, logged_in, race

pytestmark = pytest.mark.faults

# Wednesday 25 November 2026, 10:00 in Baotou; the leave is Monday and Tuesday next week.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
MON, TUE = date(2026, 11, 30), date(2026, 12, 1)
APPROVERS = ("fuyuan_secretary", "fuyuan_stationhead")


def file_leave(app, username="fuyuan_worker07") -> int:
    app.config["CLOCK_NOW"] = NOW
    with app.app_context():
        worker = account(username)
        personal = db.session.scalar(select(LeaveType).where(LeaveType.code == "personal"))
        leave = rules.submit(worker, worker.person, rules.LeaveInput(
            personal.id, MON, "am", TUE, "pm", "家中有事", "包头市东河区", ""), app.config)
        db.session.commit()
        return leave.id


def test_twenty_simultaneous_decisions_record_exactly_one(race_app):
    app = race_app
    leave_id = file_leave(app)
    path = f"/leave/{leave_id}"
    racers = [APPROVERS[i % 2] for i in range(RACERS)]
    clients = [logged_in(app, username, token_from=path) for username in racers]

    def press(index, auth, token):
        approve = index % 3 != 0
        response = auth.client.post(f"{path}/decide", data={
            "decision": "approve" if approve else "reject",
            "comment": "" if approve else f"人手不足（{index}）", "csrf_token": token})
        return response.status_code, response.get_data(as_text=True)

    results = race([lambda i=i, c=c: press(i, *c) for i, c in enumerate(clients)])

    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = [status for status, _ in results]
    assert sorted(statuses) == [302] + [409] * (RACERS - 1), statuses
    winner = racers[statuses.index(302)]
    with app.app_context():
        leave = db.session.get(LeaveRequest, leave_id)
        assert leave.status in (LeaveStatus.APPROVED, LeaveStatus.REJECTED)
        assert leave.first_decided_by.username == winner
        assert leave.street_decided_by_id is None
        winner_name = leave.first_decided_by.person.name
        decisions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.in_(["leave.approved", "leave.rejected"]),
            AuditEntry.object_id == str(leave_id))).all()
        assert decisions == [f"leave.{leave.status.value}"]
        # Every loser was told who decided, on the request's own page.
        for status, body in results:
            if status == 409:
                assert f"该申请已由{winner_name}于" in body
        assert db.session.scalar(select(func.count()).select_from(LeaveRequest)) == 1


def test_withdrawing_while_nineteen_approvers_press_ends_in_one_outcome(race_app):
    """The worker withdraws the request just as the 书记 and 站长 decide: either it
    is withdrawn and nobody decided, or it was decided and the withdrawal is refused."""
    app = race_app
    leave_id = file_leave(app)
    path = f"/leave/{leave_id}"
    clients = [logged_in(app, "fuyuan_worker07", token_from=path)]
    clients += [logged_in(app, APPROVERS[i % 2], token_from=path) for i in range(RACERS - 1)]

    def press(index, auth, token):
        if index == 0:
            response = auth.client.post(f"{path}/withdraw", data={"csrf_token": token})
        else:
            response = auth.client.post(f"{path}/decide", data={"decision": "approve", "csrf_token": token})
        return response.status_code

    statuses = race([lambda i=i, c=c: press(i, *c) for i, c in enumerate(clients)])
    assert sorted(statuses) == [302] + [409] * (RACERS - 1), statuses
    with app.app_context():
        leave = db.session.get(LeaveRequest, leave_id)
        changes = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.in_(["leave.approved", "leave.rejected", "leave.withdrawn"]),
            AuditEntry.object_id == str(leave_id))).all()
        if statuses[0] == 302:
            assert leave.status is LeaveStatus.WITHDRAWN and leave.first_decided_by_id is None
            assert changes == ["leave.withdrawn"]
        else:
            assert leave.status is LeaveStatus.APPROVED and leave.first_decided_by_id is not None
            assert changes == ["leave.approved"]
