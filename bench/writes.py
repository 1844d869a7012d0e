"""The write stream the four target routes are measured under (issue "Stored day
results…", Figures): a status change every 200 ms spread over the measured street's
people, posted as their community's 书记 does it (代为设置, the board's status route
with the login session's CSRF token), and a leave decision every 3 s through the
approval queue's decide route, and a 事项 registered every 5 s (记一件事, with the
community's grid, as its 书记 takes one down at the counter). Real requests through the server, so the data
versions, the kept boards, sheets and queues are invalidated as in an office.

The setup runs in-process on the run's working copy (bench.common.working_copy)
before the server starts: it files the pending leave the decisions take, through
the leave rules, and reads each person's events of today, so every status posted
is one the board's sequence check accepts (the portal's own check_clock_event
picks it).
"""
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import zip_longest

from sqlalchemy import select

from bench import client
from portal.errors import FieldErrors

STATUS_EVERY = 0.2
DECIDE_EVERY = 3.0
MATTER_EVERY = 5.0
MATTER_TEXTS = ("楼道灯不亮，老人夜里出行不便", "小区垃圾清运不及时", "单元门禁损坏", "居民咨询高龄津贴办理")


@dataclass
class Card:
    """One person of the stream, and what the board knows of their day."""

    person_id: int
    community_id: int
    actor: str                          # the username that posts for them
    kinds: list[str] = field(default_factory=list)
    carried: set = field(default_factory=set)

    def next_status(self) -> dict:
        """A change the sequence check accepts: end what is open, 签到 if not yet,
        then out on an errand and back, in turn."""
        from portal.activity.rules import check_clock_event

        for kind in ("patrol_end", "visit_end", "clock_in"):
            if check_clock_event(kind, self.kinds, self.carried) is None:
                return {"kind": kind}
        if self.kinds and self.kinds[-1] == "errand":
            return {"kind": "back"}
        return {"kind": "errand", "destination": "街道办事处", "back_in": "30"}


@dataclass
class Plan:
    cards: list[Card]
    pending: list[int]                  # leave request ids waiting for `decider`
    decider: str
    grid_ids: list[int] = field(default_factory=list)  # the decider's community's grids, for 事项


def prepare(app, street_slug: str, community_slug: str, pending: int = 60) -> Plan:
    """Cards for the street's people (on the boards, active) and `pending` one-day
    leave requests of the community's grid workers, filed through the leave rules."""
    from portal import clock
    from portal.activity.rules import _events_before, open_at_midnight
    from portal.auth.policy import ON_THE_BOARD
    from portal.extensions import db
    from portal.org.models import Community, Street
    from portal.people.models import Person

    with app.app_context():
        street = db.session.scalar(select(Street).where(Street.slug == street_slug))
        slugs = {c.id: c.slug for c in street.communities}
        now = clock.now()
        today = clock.today()
        people = db.session.scalars(select(Person).where(
            Person.community_id.in_(list(slugs)), Person.active.is_(True),
            Person.position.in_(list(ON_THE_BOARD))).order_by(Person.id)).all()
        cards = []
        for person in people:
            # The board's own reading of "today so far" (and what runs since yesterday).
            yesterday, earlier = _events_before(person.id, today, now)
            cards.append(Card(person.id, person.community_id, f"{slugs[person.community_id]}_secretary",
                              [e.kind.value for e in earlier], {k.value for k in open_at_midnight(yesterday, now)}))
        community = db.session.scalar(select(Community).where(Community.slug == community_slug))
        leave_ids = file_leave(community, pending, now)
        db.session.commit()
        grid_ids = [g.id for g in community.grids]
    return Plan(interleave(cards), leave_ids, f"{community_slug}_secretary", grid_ids)


def interleave(cards: list[Card]) -> list[Card]:
    """One card of each community in turn, so that every board changes every few seconds."""
    groups: dict[int, list[Card]] = {}
    for card in cards:
        groups.setdefault(card.community_id, []).append(card)
    return [card for row in zip_longest(*groups.values()) for card in row if card is not None]


def file_leave(community, count: int, now: datetime, per_day: int = 4) -> list[int]:
    """One-day 事假 requests of the community's grid workers on the coming working
    days (`per_day` people a day, the year's calendar permitting), as the workers
    would file them."""
    from flask import current_app

    from portal.auth.models import Account
    from portal.extensions import db
    from portal.leave import rules
    from portal.leave.models import LeaveType
    from portal.people.models import Person, Position
    from portal.workdays import rules as workdays

    workers = db.session.scalars(select(Person).where(
        Person.community_id == community.id, Person.position == Position.GRID_WORKER,
        Person.active.is_(True)).order_by(Person.id)).all()
    accounts = {a.person_id: a for a in db.session.scalars(select(Account).where(
        Account.person_id.in_([p.id for p in workers])))}
    personal = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "personal"))
    day = now.date() + timedelta(days=3)
    filed: list[int] = []
    turn = 0
    for _ in range(count * 2):
        if len(filed) >= count:
            break
        day += timedelta(days=1)
        try:
            if not workdays.is_workday(day):
                continue
        except workdays.CalendarMissing:
            break
        for _ in range(per_day):
            person = workers[turn % len(workers)]
            turn += 1
            data = rules.LeaveInput(personal, day, "am", day, "pm", "处理家中私事", "包头市青山区")
            try:
                with db.session.begin_nested():
                    filed.append(rules.submit(accounts[person.id], person, data, current_app.config, now=now).id)
            except (FieldErrors, PermissionError):
                continue
    return filed[:count]


class WriteStream:
    """Posts in a thread of its own while `running()` is open; counts what it did."""

    def __init__(self, base: str, plan: Plan):
        self.base = base
        self.plan = plan
        self.sessions: dict[str, tuple[str, str]] = {}   # username -> (cookie, CSRF token)
        self.position = 0
        self.decisions = 0

    def login(self) -> None:
        for card in self.plan.cards:
            if card.actor not in self.sessions:
                cookie = client.login(self.base, card.actor)
                _status, page = client.get(self.base, f"/board/{card.community_id}", cookie)
                self.sessions[card.actor] = (cookie, client.csrf_of(page))
        if self.plan.decider not in self.sessions:
            cookie = client.login(self.base, self.plan.decider)
            _status, page = client.get(self.base, "/leave/queue", cookie)
            self.sessions[self.plan.decider] = (cookie, client.csrf_of(page))

    @contextmanager
    def running(self):
        """Yields the counts, filled in when the block ends."""
        counts = {"writes": 0, "errors": 0, "decisions": 0, "decision_errors": 0, "matters": 0, "matter_errors": 0}
        stop = threading.Event()
        thread = threading.Thread(target=self._loop, args=(stop, counts), daemon=True)
        thread.start()
        try:
            yield counts
        finally:
            stop.set()
            thread.join()

    def _loop(self, stop: threading.Event, counts: dict) -> None:
        next_status = time.monotonic()
        next_decision = next_status + DECIDE_EVERY / 2
        next_matter = next_status + MATTER_EVERY / 3
        while not stop.is_set():
            now = time.monotonic()
            if now >= next_status:
                self._status(counts)
                next_status = max(next_status + STATUS_EVERY, time.monotonic() - STATUS_EVERY)
            if now >= next_decision:
                self._decision(counts)
                next_decision = max(next_decision + DECIDE_EVERY, time.monotonic())
            if now >= next_matter and self.plan.grid_ids:
                self._matter(counts)
                next_matter = max(next_matter + MATTER_EVERY, time.monotonic())
            stop.wait(max(0.0, min(next_status, next_decision, next_matter) - time.monotonic()))

    def _status(self, counts: dict) -> None:
        card = self.plan.cards[self.position % len(self.plan.cards)]
        self.position += 1
        cookie, token = self.sessions[card.actor]
        form = card.next_status()
        try:
            status, _body = client.post(self.base, f"/board/{card.community_id}/people/{card.person_id}/status",
                                        cookie, token, form)
        except OSError:
            status = None
        if status == 200:
            card.kinds.append(form["kind"])
            counts["writes"] += 1
        else:
            counts["errors"] += 1

    def _decision(self, counts: dict) -> None:
        if self.decisions >= len(self.plan.pending):
            return  # all filed requests decided: the stream goes on with status changes only
        leave_id = self.plan.pending[self.decisions]
        self.decisions += 1
        cookie, token = self.sessions[self.plan.decider]
        decision = "approve" if self.decisions % 3 else "reject"
        try:
            status, _body = client.post(self.base, f"/leave/{leave_id}/decide", cookie, token,
                                        {"decision": decision, "comment": "同意。" if decision == "approve" else "人手不足。"})
        except OSError:
            status = None
        if status in (302, 303):
            counts["decisions"] += 1
        else:
            counts["decision_errors"] += 1

    def _matter(self, counts: dict) -> None:
        """A 事项 taken down by the decider (the community's 书记), in turn on each grid."""
        n = counts["matters"] + counts["matter_errors"]
        cookie, token = self.sessions[self.plan.decider]
        form = {"grid_id": str(self.plan.grid_ids[n % len(self.plan.grid_ids)]), "kind_id": str(1 + n % 4),
                "urgency_id": str(1 + n % 3), "description": MATTER_TEXTS[n % len(MATTER_TEXTS)],
                "place": f"{1 + n % 12}-{1 + n % 3}-{101 + n % 6 * 100}"}
        try:
            status, _body = client.post(self.base, "/matters/new", cookie, token, form)
        except OSError:
            status = None
        counts["matters" if status in (302, 303) else "matter_errors"] += 1
