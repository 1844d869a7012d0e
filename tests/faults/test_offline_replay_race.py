"""离线补传 exactly once: the phone's replay on reconnect and the one on the next page
load (or two tabs) send the same queued taps at the same instant, on SQLite and
PostgreSQL: each tap is written once, the others are told it is already there."""
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from portal.activity.models import ActivityEvent, EventKind
from portal.audit.models import AuditEntry
from portal.clock import LOCAL_TZ
from portal.extensions import db
from tests.conftest import account
from tests.faults.conftest import logged_in, race

pytestmark = pytest.mark.faults

TODAY = date(2026, 11, 25)
REPLAYS = 10


def at(hhmm: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(TODAY, time(hour, minute), tzinfo=LOCAL_TZ)


def test_ten_simultaneous_replays_of_one_tap_write_it_once(race_app):
    app = race_app
    app.config["CLOCK_NOW"] = at("11:00")
    tapped = str(int(at("09:40").timestamp() * 1000))
    clients = [logged_in(app, "fuyuan_worker03") for _ in range(REPLAYS)]

    def replay(auth, token):
        response = auth.client.post("/board/me/queued", data={
            "id": "race-tap-0001", "kind": "patrol_start", "at": tapped, "csrf_token": token})
        return response.status_code, (response.json or {}).get("status")

    results = race([lambda c=c: replay(*c) for c in clients])
    assert sorted(results) == [(200, "duplicate")] * (REPLAYS - 1) + [(200, "sent")], results
    with app.app_context():
        person_id = account("fuyuan_worker03").person.id
        events = db.session.scalars(select(ActivityEvent).where(ActivityEvent.person_id == person_id)).all()
        assert sorted(e.kind.value for e in events) == ["clock_in", "patrol_start"]
        (start,) = [e for e in events if e.kind is EventKind.PATROL_START]
        assert start.offline and start.client_id == "race-tap-0001" and start.at == at("09:40")
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "activity.offline_replayed")) == 1
