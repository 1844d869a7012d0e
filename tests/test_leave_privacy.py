"""Why someone is on leave (a diagnosis, a family matter) is for the requester, the
approvers of the request and the administrator. The front desk, the district
inspector and a 街镇领导 who does not approve it see that and until when someone
is away: the type, the dates, the status, the return."""
from datetime import UTC, date, datetime
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from portal.auth.models import Account
from portal.extensions import db
from portal.leave import rules as leave_rules
from portal.leave.models import LeaveType
from tests.conftest import Auth

REASON = "腰椎间盘突出，住院治疗"


@pytest.fixture
def sick_leave(app):
    with app.app_context():
        worker = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker03"))
        sick = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "sick"))
        leave = leave_rules.submit(worker, worker.person, leave_rules.LeaveInput(
            sick, date(2026, 11, 26), "am", date(2026, 11, 27), "pm", REASON, "包头市中心医院", ""), app.config,
            now=datetime(2026, 11, 25, 1, 0, tzinfo=UTC))
        db.session.commit()
        return leave.id, worker.person.community_id


@pytest.mark.parametrize("username, sees", [
    ("fuyuan_worker03", True), ("fuyuan_secretary", True), ("fuyuan_stationhead", True), ("admin", True),
    ("fuyuan_frontdesk", False), ("inspector", False), ("fuqiang_leader", False),
])
def test_the_reason_is_shown_only_to_the_requester_the_approvers_and_the_admin(app, sick_leave, username, sees):
    leave_id, community_id = sick_leave
    auth = Auth(app.test_client())
    auth.login(username)
    page = auth.client.get(f"/leave/{leave_id}").get_data(as_text=True)
    assert "病假" in page and "11月26日" in page
    assert (REASON in page) is sees and ("包头市中心医院" in page) is sees
    if username != "fuyuan_worker03":
        book = auth.client.get(f"/leave/communities/{community_id}/export.xlsx?start=2026-11-01&end=2026-11-30")
        cells = [c for row in openpyxl.load_workbook(BytesIO(book.data)).active.iter_rows(values_only=True)
                 for c in row]
        assert (REASON in cells) is sees
