"""考勤表 kept per worker while the street writes: never stale afterwards.

Six 补卡 approvals (past days: the judged table), six 入户 ended today (the week
box) and eight readers of the street's sheet, all at the same instant, each its
own client and login session, on SQLite and PostgreSQL. Afterwards the sheet the
racing app serves from its cache is the one a fresh app computes from scratch.
"""
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.activity import rules as activity
from portal.attendance import corrections
from portal.extensions import db
from portal.org.models import Street
from tests.conftest import account, make_app
from tests.faults.conftest import logged_in, race

pytestmark = pytest.mark.faults

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # Thursday 10:00 in Baotou
CORRECTED = [f"{slug}_worker0{n}" for slug in ("fuyuan", "fuda") for n in (1, 2, 3)]
VISITING = [f"{slug}_worker0{n}" for slug in ("fuyuan", "fuda") for n in (4, 5, 6)]
READERS = 8


def strip_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"|"X-CSRFToken": "[^"]+"|nonce="[^"]+"', "", html)


def test_the_kept_sheet_equals_a_fresh_one_after_racing_writes(race_app, database_url):
    app = race_app
    app.config["CLOCK_NOW"] = NOW
    with app.app_context():
        street = db.session.scalar(select(Street.id).where(Street.slug == "fuqiang"))
        asked = []
        for username in CORRECTED:
            worker = account(username)
            correction = corrections.request(worker, worker.person, "clock_in", date(2026, 11, 24), "08:20", "忘带手机")
            asked.append((username.split("_")[0] + "_secretary", correction.id))
        visits = []
        for username in VISITING:
            worker = account(username)
            activity.record_event(worker, worker.person, "visit_start", household="1-1-101",
                                     now=NOW - timedelta(minutes=60))
            visits.append((username, worker.person_id, worker.person.community_id))
        db.session.commit()
    path = f"/attendance/sheet?street={street}"
    reader, _ = logged_in(app, "fuqiang_leader", token_from="/")
    before = reader.client.get(path).get_data(as_text=True)  # the sheet is kept before the race

    def approve(auth, token, correction_id):
        return auth.client.post(f"/attendance/corrections/{correction_id}/decide",
                                data={"decision": "approve", "comment": "", "csrf_token": token}).status_code

    def visit(auth, token, person_id, community_id):
        return auth.client.post(f"/board/{community_id}/people/{person_id}/status",
                                data={"kind": "visit_end", "csrf_token": token},
                                headers={"HX-Request": "true"}).status_code

    def read(auth):
        response = auth.client.get(path)
        return response.status_code

    jobs = []
    for secretary, correction_id in asked:
        auth, token = logged_in(app, secretary, token_from="/attendance/corrections")
        jobs.append(lambda a=auth, t=token, c=correction_id: approve(a, t, c))
    for username, person_id, community_id in visits:
        auth, token = logged_in(app, username, token_from=f"/board/{community_id}")
        jobs.append(lambda a=auth, t=token, p=person_id, c=community_id: visit(a, t, p, c))
    for _ in range(READERS):
        auth, _token = logged_in(app, "fuqiang_leader")
        jobs.append(lambda a=auth: read(a))
    results = race(jobs)
    assert results == [302] * len(asked) + [200] * (len(visits) + READERS), results

    kept = strip_tokens(reader.client.get(path).get_data(as_text=True))
    fresh_app = make_app(database_url)
    fresh_app.config["CLOCK_NOW"] = NOW
    try:
        fresh, _ = logged_in(fresh_app, "fuqiang_leader")
        computed = strip_tokens(fresh.client.get(path).get_data(as_text=True))
    finally:
        with fresh_app.app_context():
            db.engine.dispose()
    assert kept == computed
    assert kept != strip_tokens(before)
    assert kept.count("1.0 / 5.0") == len(visits)
