"""两人同时办结同一件事项：恰好一人办结 (issue 15, Bad input).

A matter held by a worker; the worker and the community's 书记 and 站长 press 办结
on the same page version at the same instant, twenty browsers at once, on SQLite and
PostgreSQL: exactly one 办结 is stored (one timeline row, one audit entry); every
other press is told in Chinese that someone was first, and nothing half-written.
"""
import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.matters import rules
from portal.matters.models import Matter, MatterStep, Status
from tests.conftest import account
from tests.faults.conftest import RACERS, logged_in, race

pytestmark = pytest.mark.faults

CLOSERS = ("fuyuan_worker01", "fuyuan_secretary", "fuyuan_stationhead")


def a_matter(app) -> tuple[int, int]:
    with app.app_context():
        worker = account("fuyuan_worker01")
        matter = rules.register(worker, worker.person.community, rules.MatterInput(
            str(worker.person.grid_id), "3-2-501", "楼道灯不亮", "1", "3"))
        db.session.commit()
        return matter.id, matter.version


def test_two_closings_pressed_at_once_store_exactly_one(race_app):
    app = race_app
    matter_id, version = a_matter(app)
    clients = [logged_in(app, CLOSERS[i % len(CLOSERS)], token_from=f"/matters/{matter_id}") for i in range(RACERS)]

    def press(auth, token, i):
        response = auth.client.post(f"/matters/{matter_id}/step", data={
            "step": "close", "version": version, "note": f"已处理（{i}）", "csrf_token": token})
        return response.status_code, response.get_data(as_text=True)

    results = race([lambda c=c, i=i: press(*c, i) for i, c in enumerate(clients)])

    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = [status for status, _ in results]
    assert statuses.count(302) == 1 and set(statuses) <= {302, 409}, statuses
    assert all("刚被他人处理过" in body or "现在“已办结”" in body for status, body in results if status == 409)
    with app.app_context():
        matter = db.session.get(Matter, matter_id)
        assert matter.status is Status.CLOSED and matter.version == version + 1
        assert db.session.scalar(select(func.count()).select_from(MatterStep).where(
            MatterStep.matter_id == matter_id, MatterStep.step == "closed")) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "matter.closed")) == 1
