"""The whereabouts board: deriving each card from the current status, answering
polls, the hall display links.

No request objects here. Events are written by portal.activity.rules (the one
writer of the log), which also keeps the current-status rows and board versions
read here.
"""
import enum
import hashlib
import hmac
import math
import secrets
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache

import segno
from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import aliased, joinedload

from portal import clock, halfday, memo
from portal.activity.models import AWAY_KINDS, WORK_STARTS, BoardVersion, CurrentStatus, EventKind
from portal.activity.rules import BOARD_STATES, board_version
from portal.audit import log as audit
from portal.auth.models import Account
from portal.auth.policy import ON_THE_BOARD, Action, can
from portal.board.models import HallDisplayLink
from portal.errors import FieldErrors
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import Person, Position
from portal.text import field_text
from portal.workdays.rules import CalendarMissing, is_workday

RETURN_PRESETS = (30, 60, 90)


class Status(enum.StrEnum):
    NOT_IN = "not_in"
    IN_OFFICE = "in_office"
    PATROL = "patrol"
    VISIT = "visit"
    ERRAND = "errand"
    MEETING = "meeting"
    OFF = "off"
    LEAVE = "leave"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.NOT_IN: "未签到",
    Status.IN_OFFICE: "在岗",
    Status.PATROL: "巡查中",
    Status.VISIT: "入户中",
    Status.ERRAND: "外出办事",
    Status.MEETING: "开会",
    Status.OFF: "已签退",
    Status.LEAVE: "请假",
}
STATUS_OF_EVENT = {
    EventKind.CLOCK_IN: Status.IN_OFFICE,
    EventKind.BACK: Status.IN_OFFICE,
    EventKind.PATROL_END: Status.IN_OFFICE,
    EventKind.VISIT_END: Status.IN_OFFICE,
    EventKind.PATROL_START: Status.PATROL,
    EventKind.VISIT_START: Status.VISIT,
    EventKind.ERRAND: Status.ERRAND,
    EventKind.MEETING: Status.MEETING,
    EventKind.CLOCK_OUT: Status.OFF,
}
AWAY = {STATUS_OF_EVENT[kind] for kind in AWAY_KINDS}
OVERDUE_LABEL = "超时未归"
HALL_LABELS = {Status.NOT_IN: "暂未到岗", Status.OFF: "已下班", Status.ERRAND: "外出"}
# The buttons a person most likely needs next, by current status (two taps at most).
NEXT_KINDS = {
    Status.NOT_IN: [EventKind.CLOCK_IN, EventKind.PATROL_START, EventKind.VISIT_START],
    Status.OFF: [EventKind.VISIT_START],  # 弹性入户 in the evening
    Status.IN_OFFICE: [EventKind.PATROL_START, EventKind.VISIT_START, EventKind.ERRAND, EventKind.MEETING,
                       EventKind.CLOCK_OUT],
    Status.PATROL: [EventKind.PATROL_END],
    Status.VISIT: [EventKind.VISIT_END],
    Status.ERRAND: [EventKind.BACK],
    Status.MEETING: [EventKind.BACK],
    Status.LEAVE: [EventKind.CLOCK_IN],
}
POSITION_ORDER = [Position.SECRETARY, Position.STATION_HEAD, Position.FRONT_DESK, Position.GRID_WORKER]


@dataclass
class Card:
    """What one card of the board shows."""

    person: Person
    status: Status
    since: datetime | None = None
    destination: str | None = None
    expected_return: datetime | None = None
    note: str | None = None
    set_by_name: str | None = None
    version: int = 0
    leave_type: str | None = None    # never shown on the hall display
    leave_back: tuple | None = None  # (date, Half) expected back at work
    leave_back_unknown: int | None = None  # the year whose missing calendar hides the return day
    leave_overdue: bool = False      # 逾期未销假
    clocked_in: bool = False         # a 签到 today (also one made during a patrol)
    clock_in_due: bool = False       # a working day, not on leave, and no 签到 yet: the panel warns
    cover_name: str | None = None    # 代班: who looks after the grid during the leave (portal.leave.cover)

    @property
    def overdue(self) -> bool:
        return (self.status in AWAY and self.expected_return is not None
                and self.expected_return <= clock.now())

    @property
    def status_key(self) -> str:
        return "overdue" if self.overdue else self.status.value

    @property
    def status_label(self) -> str:
        if self.leave_type == "公务外出":
            return "公务外出"
        if self.leave_overdue:
            return "请假 · 逾期未销假"
        return f"{self.status.label} · {OVERDUE_LABEL}" if self.overdue else self.status.label

    @property
    def hall_label(self) -> str:
        """The status as residents in the 服务大厅 read it: no staff words (超时未归,
        未签到, 逾期未销假), only where the person is."""
        if self.leave_type == "公务外出":
            return "公务外出"
        return HALL_LABELS.get(self.status, self.status.label)

    @property
    def leave_back_label(self) -> str | None:
        if self.leave_back_unknown is not None:
            return f"返岗日期待定（{self.leave_back_unknown}年工作日历尚未录入）"
        if self.leave_back is None:
            return None
        day, half = self.leave_back
        return f"{day.month}月{day.day}日{half.label}返岗"

    @property
    def next_kinds(self) -> list[EventKind]:
        """The main buttons: by status, with 签到 first (and no 签退) while today has none."""
        kinds = NEXT_KINDS[self.status]
        if not self.clocked_in and EventKind.CLOCK_IN not in kinds and self.status is not Status.OFF:
            kinds = [EventKind.CLOCK_IN, *(k for k in kinds if k is not EventKind.CLOCK_OUT)]
        return kinds

    @property
    def offered_kinds(self) -> list[EventKind]:
        """Every event the day's sequence accepts now (activity.rules.check_clock_event),
        so that no button offered is then refused; 返回 only for someone away."""
        working = self.status in (Status.PATROL, Status.VISIT)
        accepted = {
            EventKind.CLOCK_IN: not self.clocked_in,
            EventKind.CLOCK_OUT: self.clocked_in and not working,
            EventKind.PATROL_END: self.status is Status.PATROL,
            EventKind.VISIT_END: self.status is Status.VISIT,
            EventKind.BACK: self.status in (Status.ERRAND, Status.MEETING),
        }
        return [kind for kind in EventKind if accepted.get(kind, not working)]

    @property
    def other_kinds(self) -> list[EventKind]:
        """The accepted events that are not main buttons (其他状态)."""
        main = self.next_kinds
        return [kind for kind in self.offered_kinds if kind not in main]

    @property
    def offers_return(self) -> bool:
        """Whether a next step takes the person away, so 去向 and return time apply."""
        return any(STATUS_OF_EVENT[kind] in AWAY for kind in self.next_kinds)

    @property
    def role_label(self) -> str:
        p = self.person
        return p.grid.label if p.grid is not None else p.position.label

    @property
    def sort_grid(self):
        p = self.person
        if p.grid is not None:
            return (1, p.grid.number, p.id)
        return (0, POSITION_ORDER.index(p.position), p.id)


def card_for(person: Person, current: CurrentStatus | None, today=None, set_by_name: str | None = None,
             leave=None) -> Card:
    """A status from an earlier day no longer holds: each day begins 未签到, or
    请假 for someone on approved leave (until they clock in or 销假)."""
    today = today or clock.today()
    clocked_in = current is not None and current.clocked_in_on == today
    if current is None or clock.to_local(current.since).date() != today:
        if leave is not None:
            from portal.leave import rules as leave_rules

            back = leave_rules.return_day(leave)
            return Card(person=person, status=Status.LEAVE, version=current.version if current else 0,
                        leave_type=leave.leave_type.name, leave_back=back,
                        leave_back_unknown=leave_rules.return_year_missing(leave) if back is None else None,
                        leave_overdue=leave_rules.is_overdue(leave))
        return Card(person=person, status=Status.NOT_IN, version=current.version if current else 0,
                    clocked_in=clocked_in)
    return Card(
        person=person, status=STATUS_OF_EVENT[current.kind], since=current.since,
        destination=current.destination, expected_return=current.expected_return,
        note=current.note, set_by_name=set_by_name if current.on_behalf else None, version=current.version,
        clocked_in=clocked_in,
    )


def _cards_query():
    setter = aliased(Person)
    setter_account = aliased(Account)
    return (
        select(Person, CurrentStatus, setter.name)
        .outerjoin(CurrentStatus, CurrentStatus.person_id == Person.id)
        .outerjoin(setter_account, setter_account.id == CurrentStatus.set_by_id)
        .outerjoin(setter, setter.id == setter_account.person_id)
        .where(Person.community_id == bindparam("community"), Person.active.is_(True),
               Person.position.in_(list(ON_THE_BOARD)))
        .options(joinedload(Person.grid))
    )


# Built once: a changed poll or a status change reads cards several times a second
# at 08:30, and building the statement cost more than running it.
_CARDS = _cards_query()
_SOME_CARDS = _CARDS.where(Person.id.in_(bindparam("people", expanding=True)))


def board_cards(community_id: int, person_ids=None) -> list[Card]:
    """All cards of a community (or only those of person_ids) in one query,
    whatever the number of people and events."""
    if person_ids is None:
        rows = db.session.execute(_CARDS, {"community": community_id}).all()
    else:
        rows = db.session.execute(_SOME_CARDS, {"community": community_id, "people": list(person_ids)}).all()
    today = clock.today()
    on_leave = _leave_today([community_id], today)
    cards = [card_for(person, current, today, setter, on_leave.get(person.id)) for person, current, setter in rows]
    _name_covers(cards, on_leave)
    if _workday(today):
        for card in cards:
            card.clock_in_due = not card.clocked_in and card.status is not Status.LEAVE
    return sorted(cards, key=lambda c: c.sort_grid)


def hall_grid(count: int) -> tuple[int, int]:
    """(columns, rows) that fill a 16:9 hall screen with `count` cards about twice
    as wide as high: 12 cards 3×4, 17 cards 4×5, 31 cards 6×6."""
    rows = max(1, math.ceil(math.sqrt(count * 1.1)))
    return max(1, math.ceil(count / rows)), rows


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG data URI (the CSP allows data: images): the hall
    screen's link is scanned with a phone or typed, never copied by hand from a TV."""
    return segno.make(text, error="m").svg_data_uri(scale=6, border=2)


def implies_clock_in(actor, person: Person, kind_value: str, today) -> bool:
    """The worker's own first work of a working day counts as 签到 (the morning
    trap: 巡查开始 before 签到 used to leave the day 缺勤); work set on someone's
    behalf, or on a rest day, does not."""
    return actor.person_id == person.id and EventKind.of(kind_value) in WORK_STARTS and _workday(today)


def _workday(day) -> bool:
    """The work calendar's answer; Monday to Friday while the year's calendar is not
    entered yet (the admin is told elsewhere), so the board still works."""
    try:
        return is_workday(day)
    except CalendarMissing:
        return day.weekday() < 5


def _name_covers(cards: list[Card], on_leave: dict) -> None:
    """Cards of people on leave today name their grid's cover (one query, only when
    someone is on leave)."""
    away = [card for card in cards if card.status is Status.LEAVE and card.person.id in on_leave]
    if not away:
        return
    from portal.leave.cover import covers_for

    covers = covers_for([on_leave[card.person.id].id for card in away])
    for card in away:
        cover = covers.get(on_leave[card.person.id].id)
        card.cover_name = cover.person.name if cover is not None else None


def _leave_today(community_ids, today):
    from portal.leave.rules import leave_today

    return leave_today(community_ids, today)


# The one order of statuses wherever they are listed: the board sorted by status,
# its counts, the street and district summaries, the dashboards. What needs someone
# first (超时未归, 未签到), then who is out and where, then who is here, on leave, gone.
STATUS_ORDER = ["overdue", Status.NOT_IN.value, Status.ERRAND.value, Status.MEETING.value, Status.PATROL.value,
                Status.VISIT.value, Status.IN_OFFICE.value, Status.LEAVE.value, Status.OFF.value]
# The heading of each count, in that order: (key, label).
STATUS_COLUMNS = [(key, OVERDUE_LABEL if key == "overdue" else STATUS_LABELS[Status(key)]) for key in STATUS_ORDER]


def sort_cards(cards: list[Card], sort: str) -> list[Card]:
    if sort == "status":
        return sorted(cards, key=lambda c: (STATUS_ORDER.index(c.status_key), c.sort_grid))
    return sorted(cards, key=lambda c: c.sort_grid)


def summary(cards: list[Card]) -> dict[str, int]:
    counts = {key: 0 for key in STATUS_ORDER}
    for card in cards:
        counts[card.status_key] += 1
    return counts


def parse_expected_return(back_in: str | None, return_at: str | None, now: datetime) -> datetime | None:
    """`back_in` is minutes from now (30/60/90 presets or any whole number);
    `return_at` is a clock time today, HH:MM, in Qingshan. Raises FieldErrors."""
    if back_in:
        if not (back_in.strip().isascii() and back_in.strip().isdigit()):
            raise FieldErrors({"expected_return": "预计返回时间无效。"})
        return now + timedelta(minutes=int(back_in.strip()[:6]))
    if return_at:
        try:
            hour, minute = (int(part) for part in return_at.strip().split(":")[:2])
            local = datetime.combine(clock.to_local(now).date(), time(hour, minute), tzinfo=clock.LOCAL_TZ)
        except (ValueError, OverflowError):
            raise FieldErrors({"expected_return": "预计返回时间应为“时:分”，如 15:30。"}) from None
        return local
    return None


@dataclass
class PollAnswer:
    version: int
    checked_at: int
    cards: list[Card] | None  # None: nothing changed
    everything: bool = False


def _seen_today(known_at: int, now: datetime) -> datetime | None:
    """The instant a client last rendered, if it is a sane moment earlier in this half-day."""
    try:
        seen = datetime.fromtimestamp(known_at, tz=clock.LOCAL_TZ)
    except (OverflowError, OSError, ValueError):
        return None
    if known_at < 0 or seen > now or halfday.index_of(seen) != halfday.index_of(now):
        return None
    return seen


def _fell_due(seen: datetime, now: datetime):
    return (CurrentStatus.expected_return.is_not(None)
            & (CurrentStatus.expected_return > seen) & (CurrentStatus.expected_return <= now))


def anything_changed(community_ids: list[int], known_version: int, known_at: int,
                     now: datetime | None = None) -> bool:
    """For summaries and the hall screen: has any of these boards changed since the
    client's (summed version, time), including an expected return falling due?"""
    now = now or clock.now()
    seen = _seen_today(known_at, now)
    if seen is None or summary_version(community_ids) != known_version:
        return True
    due = db.session.scalar(
        select(func.count()).select_from(CurrentStatus)
        .where(CurrentStatus.community_id.in_(community_ids), _fell_due(seen, now))
    )
    return due > 0


_POLL = (
    select(BoardVersion.version, CurrentStatus.person_id)
    .outerjoin(CurrentStatus, (CurrentStatus.community_id == BoardVersion.community_id)
               & ((CurrentStatus.version > bindparam("known"))
                  | (CurrentStatus.expected_return.is_not(None) & (CurrentStatus.expected_return > bindparam("seen"))
                     & (CurrentStatus.expected_return <= bindparam("now")))))
    .where(BoardVersion.community_id == bindparam("community"))
)


def poll(community_id: int, known_version: int, known_at: int, now: datetime | None = None) -> PollAnswer:
    """What changed on a board since a client rendered it (version, epoch seconds):
    cards written since, cards whose expected return fell due since, or everything
    when the day has turned."""
    now = now or clock.now()
    stamp = int(now.timestamp())
    seen = _seen_today(known_at, now)
    if seen is None:
        return PollAnswer(board_version(community_id), stamp, board_cards(community_id), everything=True)
    # One statement for the version and the changed cards: the unchanged poll, every
    # 5 s from every open board, is the most frequent request of the portal.
    rows = db.session.execute(_POLL, {"community": community_id, "known": known_version, "seen": seen,
                                      "now": now}).all()
    version = rows[0][0] if rows else 0
    changed = [person_id for _version, person_id in rows if person_id is not None]
    if known_version > version:
        return PollAnswer(version, stamp, board_cards(community_id), everything=True)
    if not rows:
        changed = db.session.scalars(select(CurrentStatus.person_id).where(
            CurrentStatus.community_id == community_id,
            (CurrentStatus.version > known_version) | _fell_due(seen, now))).all()
    if not changed and version > known_version:
        # Changed without a status row (leave approved or 销假 for today): send all.
        return PollAnswer(version, stamp, board_cards(community_id), everything=True)
    if not changed:
        return PollAnswer(version, stamp, None)
    return PollAnswer(version, stamp, board_cards(community_id, changed))


def poll_key(secret: str, session_id: str, community_id: int) -> str:
    """What a board page puts in its poller's URL: binds the poll to this login
    session (the cookie) and this board, so that an unchanged poll can be answered
    without loading the account (see `unchanged`)."""
    message = f"board-poll:{community_id}:{session_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def poll_key_matches(secret: str, key: str | None, session_id: str | None, community_id: int) -> bool:
    if not key or not session_id or len(key) != 32:
        return False
    return hmac.compare_digest(key, poll_key(secret, session_id, community_id))


_STATE = (
    select(BoardVersion.version, CurrentStatus.expected_return)
    .outerjoin(CurrentStatus, (CurrentStatus.community_id == BoardVersion.community_id)
               & CurrentStatus.expected_return.is_not(None))
    .where(BoardVersion.community_id == bindparam("community"))
)


@dataclass(frozen=True)
class BoardState:
    """What a worker last read of a board: its version and the expected returns of
    its cards (a card changes by itself when one falls due)."""
    version: int
    returns: tuple[datetime, ...]


def board_state(community_id: int, max_age: float, at_least: int = 0) -> BoardState:
    """The board's version and its sorted expected returns, as this worker read them
    at most `max_age` seconds ago (portal.memo.recent): every open board polls every
    5 s, most of them with nothing changed. A write of this worker is seen at once
    (`bump_board_version` forgets the board), one of another worker `max_age` later."""
    def read() -> BoardState:
        rows = db.session.execute(_STATE, {"community": community_id}).all()
        return BoardState(rows[0][0] if rows else 0, tuple(sorted(at for _v, at in rows if at is not None)))

    state = memo.recent(BOARD_STATES, community_id, read, max_age)
    if state.version < at_least:
        # The client saw a version this worker has not read yet (another worker wrote it
        # and answered its poll): read again rather than answer from a state known to be old.
        memo.forget(BOARD_STATES, community_id)
        state = memo.recent(BOARD_STATES, community_id, read, max_age)
    return state


def unchanged(community_id: int, known_version: int, known_at: int, now: datetime | None = None,
              max_age: float = 0.0) -> bool:
    """True when a poll of (version, time) would get no card at all: same version,
    and no expected return fell due since the client rendered (see `poll`)."""
    now = now or clock.now()
    seen = _seen_today(known_at, now)
    if seen is None:
        return False
    state = board_state(community_id, max_age, at_least=known_version)
    # None of the (sorted) expected returns lies in (seen, now].
    return state.version == known_version and bisect_right(state.returns, seen) == bisect_right(state.returns, now)


def board_counts(community_id: int, max_age: float = 0.0) -> dict[str, int]:
    """The board's summary (how many 在岗, 巡查中, 请假 …): the same for every viewer,
    so a worker keeps it under the board's version, the returns fallen due and the
    half-day (portal.memo), and a changed poll or a status change does not build
    every card again to count them."""
    state = board_state(community_id, max_age)
    now = clock.now()
    key = (community_id, state.version, bisect_right(state.returns, now), halfday.index_of(now))
    return memo.kept(BOARD_COUNTS, key, lambda: summary(board_cards(community_id)), dirty=False, size=512).data


BOARD_COUNTS = "board.counts"


def community_summaries(community_ids: list[int]) -> dict[int, dict[str, int]]:
    """Counts per status per community, for street and district summaries (two queries)."""
    rows = db.session.execute(
        select(Person, CurrentStatus)
        .outerjoin(CurrentStatus, CurrentStatus.person_id == Person.id)
        .where(Person.community_id.in_(community_ids), Person.active.is_(True),
               Person.position.in_(list(ON_THE_BOARD)))
    ).all()
    today = clock.today()
    on_leave = _leave_today(community_ids, today)
    result = {cid: {key: 0 for key in STATUS_ORDER} for cid in community_ids}
    for person, current in rows:
        result[person.community_id][card_for(person, current, today, leave=on_leave.get(person.id)).status_key] += 1
    return result


@cache
def _status_counts_query():
    """People on the boards grouped by community, their status of today (a status
    of an earlier day is none: NULL), whether an expected return has passed and
    whether they are on leave. Built once; parameters: communities, today,
    midnight and next_midnight (today's bounds), now."""
    from portal.leave.rules import ON_LEAVE_TODAY as leave

    current = (CurrentStatus.since >= bindparam("midnight")) & (CurrentStatus.since < bindparam("next_midnight"))
    kind = case((current, CurrentStatus.kind), else_=None)
    due = CurrentStatus.expected_return.is_not(None) & (CurrentStatus.expected_return <= bindparam("now"))
    on_leave = leave.c.person_id.is_not(None)
    return (select(Person.community_id, kind, due, on_leave, func.count())
            .outerjoin(CurrentStatus, CurrentStatus.person_id == Person.id)
            .outerjoin(leave, leave.c.person_id == Person.id)
            .where(Person.community_id.in_(bindparam("communities", expanding=True)), Person.active.is_(True),
                   Person.position.in_(list(ON_THE_BOARD)))
            .group_by(Person.community_id, kind, due, on_leave))


def status_counts(community_ids: list[int]) -> dict[int, dict[str, int]]:
    """What `community_summaries` counts, counted by the database in one query (a
    few rows per community, whatever the number of people): each group is keyed
    as `card_for` and `Card.status_key` key a card."""
    today = clock.today()
    midnight = datetime.combine(today, time(0), tzinfo=clock.LOCAL_TZ)
    rows = db.session.execute(_status_counts_query(), {
        "communities": list(community_ids), "today": today, "midnight": midnight,
        "next_midnight": midnight + timedelta(days=1), "now": clock.now()})
    result = {cid: {key: 0 for key in STATUS_ORDER} for cid in community_ids}
    for community_id, kind, due, on_leave, people in rows:
        if kind is None:
            key = Status.LEAVE.value if on_leave else Status.NOT_IN.value
        else:
            status = STATUS_OF_EVENT[EventKind(kind)]
            key = "overdue" if status in AWAY and due else status.value
        result[community_id][key] += people
    return result


def summary_version(community_ids: list[int]) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(BoardVersion.version), 0)).where(BoardVersion.community_id.in_(community_ids))
    )


# Hall display links -------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_display_link(actor, community: Community, label: str) -> str:
    """A new read-only link for the hall screen; the token is returned once."""
    if not can(actor, Action.MANAGE_DISPLAY, community):
        raise PermissionError("may not manage display links")
    errors: dict[str, str] = {}
    label = field_text(label, 40, "label", "名称", errors) or "服务大厅显示屏"
    if errors:
        raise FieldErrors(errors)
    token = secrets.token_urlsafe(24)
    link = HallDisplayLink(community_id=community.id, token_hash=_hash(token), label=label,
                           created_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "board.display_link_created", link, after={"community_id": community.id, "label": label})
    return token


def revoke_display_link(actor, link: HallDisplayLink) -> None:
    if not can(actor, Action.MANAGE_DISPLAY, db.session.get(Community, link.community_id)):
        raise PermissionError("may not manage display links")
    if link.revoked_at is None:
        link.revoked_at = clock.now()
        audit.record(actor, "board.display_link_revoked", link, before={"revoked_at": None})


def display_links(community_id: int) -> list[HallDisplayLink]:
    return list(db.session.scalars(
        select(HallDisplayLink).where(HallDisplayLink.community_id == community_id,
                                      HallDisplayLink.revoked_at.is_(None)).order_by(HallDisplayLink.id)
    ))


def community_for_display(token: str | None) -> Community | None:
    if not token or len(token) > 64:
        return None
    link = db.session.scalar(select(HallDisplayLink).where(HallDisplayLink.token_hash == _hash(token),
                                                           HallDisplayLink.revoked_at.is_(None)))
    return db.session.get(Community, link.community_id) if link else None
