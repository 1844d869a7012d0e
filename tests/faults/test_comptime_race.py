"""两笔调休同时批准，只够一笔：恰好一笔批准 (issue 19, part 4).

One day of 调休 earned on a Saturday; two 调休 requests of one day each wait (filed at
the same moment, each seeing the free day). Twenty browsers of the 书记 and the
站长 press 批准 on one or the other at the same instant, on SQLite and PostgreSQL:
exactly one request is approved and draws the day; the other stays pending and its
approver is told in Chinese that the balance is not enough; nothing half-written.
"""
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.activity import rules as activity
from portal.audit.models import AuditEntry
from portal.comptime import rules as comptime
from portal.comptime.models import CompTimeCredit, CompTimeDraw
from portal.extensions import db
from portal.leave import rules
from portal.leave.models import LeaveRequest, LeaveStatus
from tests.conftest import account
from tests.faults.conftest import RACERS, logged_in, race

pytestmark = pytest.mark.faults

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)   # Wednesday 10:00 in Baotou
SAT, MON, TUE = date(2026, 11, 21), date(2026, 11, 30), date(2026, 12, 1)
APPROVERS = ("fuyuan_secretary", "fuyuan_stationhead")


def one_day_and_two_requests(app, username="fuyuan_worker07") -> tuple[int, int]:
    app.config["CLOCK_NOW"] = NOW
    with app.app_context():
        worker = account(username)
        start = datetime.combine(SAT, time(9, 0), tzinfo=clock.LOCAL_TZ)
        activity.record_event(worker, worker.person, "visit_start", now=start)
        activity.record_event(worker, worker.person, "visit_end", now=start + timedelta(minutes=270))
        db.session.commit()
        comptime.decide(account("fuyuan_secretary"), worker.person, SAT, True, "1", "")
        db.session.commit()
        compensatory = db.session.scalar(select(rules.LeaveType.id).where(rules.LeaveType.code == rules.COMPENSATORY))
        first = rules.submit(worker, worker.person, rules.LeaveInput(
            compensatory, MON, "am", MON, "pm", "调休", "本市", ""), app.config)
        db.session.flush()
        # Its twin, as a second submission racing the first would have left it.
        second = LeaveRequest(**{c: getattr(first, c) for c in (
            "person_id", "community_id", "street_id", "type_id", "start_half", "end_half", "days", "reason",
            "destination", "status", "created_by_id", "created_at")}, start_date=TUE, end_date=TUE)
        db.session.add(second)
        db.session.commit()
        return first.id, second.id


def test_two_approvals_drawing_the_same_day_at_once_approve_exactly_one(race_app):
    app = race_app
    ids = one_day_and_two_requests(app)
    racers = [(APPROVERS[i % 2], ids[(i // 2) % 2]) for i in range(RACERS)]
    clients = [logged_in(app, username, token_from=f"/leave/{leave_id}") for username, leave_id in racers]

    def press(leave_id, auth, token):
        response = auth.client.post(f"/leave/{leave_id}/decide", data={"decision": "approve", "csrf_token": token})
        return response.status_code, response.get_data(as_text=True)

    results = race([lambda r=r, c=c: press(r[1], *c) for r, c in zip(racers, clients, strict=True)])

    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = [status for status, _ in results]
    assert statuses.count(302) == 1 and set(statuses) <= {302, 400, 409}, statuses
    assert any("调休余额不足" in body for status, body in results if status == 400), statuses
    with app.app_context():
        leaves = [db.session.get(LeaveRequest, i) for i in ids]
        assert sorted(leave.status.value for leave in leaves) == ["approved", "pending"]
        winner = next(leave for leave in leaves if leave.status is LeaveStatus.APPROVED)
        credit = db.session.scalar(select(CompTimeCredit))
        assert credit.remaining == 0
        draws = db.session.scalars(select(CompTimeDraw)).all()
        assert [(d.leave_id, d.days) for d in draws] == [(winner.id, 1)]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "leave.approved")) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "comptime.drawn")) == 1
