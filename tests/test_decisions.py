"""A decision is one of its buttons: anything else posted as `decision` is refused
with a Chinese message and changes nothing, never read as the negative outcome
(a rejected leave, a refused 补卡, a reopened 整改, a dismissed 申诉)."""
import pytest
from sqlalchemy import func, select

from portal.attendance.models import AttendanceCorrection, CorrectionStatus
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.inspections.models import CorrectiveAction, Objection
from portal.leave.models import LeaveRequest, LeaveStatus
from portal.text import choice
from tests.test_policy import inspection_objects, pending_correction_of, pending_leave_of

MALFORMED = ["{{7*7}}", "", "REJECT", "approved", "0"]


def audit_count():
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_a_choice_is_one_of_its_two_buttons():
    assert choice("approve", "approve", "reject") is True
    assert choice("reject", "approve", "reject") is False
    for value in ("{{7*7}}", "", None, "Approve", "rejected"):
        assert choice(value, "approve", "reject") is None


@pytest.mark.parametrize("decision", MALFORMED)
def test_a_malformed_leave_decision_leaves_the_request_pending(app, auth, decision):
    with app.app_context():
        leave_id = pending_leave_of("fuyuan_worker02")
    auth.login("fuyuan_secretary")
    with app.app_context():
        before = audit_count()
    response = auth.post(f"/leave/{leave_id}/decide", {"decision": decision, "comment": "看看"},
                         token_from=f"/leave/{leave_id}")
    assert response.status_code == 400 and "请点“批准”或“驳回”" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LeaveRequest, leave_id).status is LeaveStatus.PENDING and audit_count() == before


@pytest.mark.parametrize("decision", MALFORMED)
def test_a_malformed_correction_decision_leaves_it_pending(app, auth, decision):
    with app.app_context():
        correction_id = pending_correction_of("fuyuan_worker02")
    auth.login("fuyuan_secretary")
    response = auth.post(f"/attendance/corrections/{correction_id}/decide", {"decision": decision},
                         token_from="/attendance/corrections")
    assert response.status_code == 400 and "请点“批准”或“驳回”" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AttendanceCorrection, correction_id).status is CorrectionStatus.PENDING


@pytest.mark.parametrize("decision", MALFORMED)
def test_a_malformed_review_or_objection_answer_changes_nothing(app, auth, decision):
    with app.app_context():
        found = inspection_objects()
        action = db.session.get(CorrectiveAction, found["action"])
        action_status = action.status
        objection_reply = db.session.get(Objection, found["objection"]).reply
    auth.login("inspector")
    review = auth.post(f"/inspections/actions/{found['action']}/review", {"decision": decision, "note": "不行"},
                       token_from=f"/inspections/actions/{found['action']}")
    assert review.status_code in (400, 403, 409)
    answer = auth.post(f"/inspections/objections/{found['objection']}/answer", {"decision": decision, "reply": "答复"},
                       token_from=f"/inspections/bulletins/{found['bulletin']}")
    assert answer.status_code in (400, 403) and "维持原结果" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CorrectiveAction, found["action"]).status == action_status
        assert db.session.get(Objection, found["objection"]).reply == objection_reply
