"""五十次状态同时变更：每张卡片等于本人最后一条记录，日志一条不少 (社工去向指示牌).

Fifty browsers, each its own client and login session, press a status button at
the same instant for thirty people of 富源社区 and 富达社区 (twenty of them twice),
on SQLite and PostgreSQL.
"""
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.activity import rules as activity
from portal.activity.models import ActivityEvent, BoardVersion, CurrentStatus, EventKind
from portal.audit.models import AuditEntry
from portal.auth.models import Account
from portal.auth.policy import ON_THE_BOARD
from portal.board import rules
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import Person
from tests.faults.conftest import logged_in, race

pytestmark = pytest.mark.faults

PEOPLE, CHANGES = 30, 50
# Kinds any of which may follow any other on a day without an open 巡查 or 入户.
KINDS = ("errand", "meeting", "back")


def board_people(slugs) -> list[tuple[str, int, int]]:
    """(username, person id, community id) of everyone on the boards of `slugs`."""
    rows = db.session.execute(
        select(Account.username, Person.id, Person.community_id)
        .join(Person, Account.person_id == Person.id).join(Community, Community.id == Person.community_id)
        .where(Community.slug.in_(slugs), Person.active.is_(True), Person.position.in_(list(ON_THE_BOARD)))
        .order_by(Person.id)).all()
    return [tuple(r) for r in rows]


def test_fifty_simultaneous_status_changes_for_thirty_people(race_app):
    app = race_app
    with app.app_context():
        people = board_people(["fuyuan", "fuda"])[:PEOPLE]
        assert len(people) == PEOPLE
        communities = sorted({c for _, _, c in people})
        versions_before = {c: activity.board_version(c) for c in communities}
        assert db.session.scalar(select(func.count()).select_from(ActivityEvent)) == 0
    plan = [(people[i % PEOPLE], KINDS[i % len(KINDS)], f"并发测试第{i}次") for i in range(CHANGES)]
    clients = [logged_in(app, username, token_from=f"/board/{community}")
               for (username, _, community), _, _ in plan]

    def press(auth, token, person, kind, note):
        _, person_id, community = person
        response = auth.client.post(f"/board/{community}/people/{person_id}/status",
                                    data={"kind": kind, "note": note, "csrf_token": token},
                                    headers={"HX-Request": "true"})
        return response.status_code

    results = race([lambda c=c, p=p: press(*c, *p) for c, p in zip(clients, plan, strict=True)])
    assert results == [200] * CHANGES, results

    with app.app_context():
        everything = db.session.scalars(select(ActivityEvent)).all()
        # Each worker's first work of the (working) day brought its 签到 along, once.
        implied = [e for e in everything if e.kind is EventKind.CLOCK_IN]
        working = {person_id for (_, person_id, _), kind, _ in plan if kind in ("errand", "meeting")}
        assert len(implied) == len({e.person_id for e in implied}) and {e.person_id for e in implied} == working
        assert all(e.note.startswith("随") for e in implied)
        events = [e for e in everything if e.kind is not EventKind.CLOCK_IN]
        assert sorted(e.note for e in events) == sorted(note for _, _, note in plan)
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "board.status_set")) == CHANGES + len(implied)
        by_person = defaultdict(list)
        for event in events:
            by_person[event.person_id].append(event)
        assert len(by_person) == PEOPLE
        for community in communities:
            cards = {card.person.id: card for card in rules.board_cards(community)}
            for person_id, own in by_person.items():
                if person_id not in cards:
                    continue
                last = max(own, key=lambda e: (e.at, e.id))
                assert last.id == max(e.id for e in own), "the last write is also the latest in time"
                current = db.session.get(CurrentStatus, person_id)
                assert (current.event_id, current.kind, current.note) == (last.id, last.kind, last.note)
                card = cards[person_id]
                assert card.status is rules.STATUS_OF_EVENT[last.kind] and card.note == last.note
                assert card.since == last.at and card.version == current.version
            written = sum(1 for e in events if e.community_id == community)
            version = db.session.scalar(select(BoardVersion.version).where(BoardVersion.community_id == community))
            assert version - versions_before[community] == written
        assert all(clock.to_local(e.at).date() == clock.today() for e in events)


def test_ten_simultaneous_clock_ins_for_one_person_record_one(race_app):
    """签到 pressed at once on the worker's phone, the front desk and the 站长's
    screen: one 签到 a day (考勤 counts it once), the others are told it is done."""
    app = race_app
    with app.app_context():
        (username, person_id, community), = [p for p in board_people(["fuyuan"]) if p[0] == "fuyuan_worker05"]
    pressers = [username] * 6 + ["fuyuan_frontdesk", "fuyuan_frontdesk2", "fuyuan_secretary", "fuyuan_stationhead"]
    clients = [logged_in(app, u, token_from=f"/board/{community}") for u in pressers]

    def press(auth, token):
        response = auth.client.post(f"/board/{community}/people/{person_id}/status",
                                    data={"kind": "clock_in", "csrf_token": token}, headers={"HX-Request": "true"})
        return response.status_code, response.get_data(as_text=True)

    results = race([lambda c=c: press(*c) for c in clients])
    statuses = [r[0] if isinstance(r, tuple) else r for r in results]
    assert sorted(statuses) == [200] + [422] * (len(pressers) - 1), statuses
    assert all("今天已经签到" in body for status, body in results if status == 422)
    with app.app_context():
        kinds = db.session.scalars(select(ActivityEvent.kind).where(ActivityEvent.person_id == person_id)).all()
        assert [k.value for k in kinds] == ["clock_in"]
        assert db.session.get(CurrentStatus, person_id).kind.value == "clock_in"
