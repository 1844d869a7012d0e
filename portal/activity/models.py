"""The activity log, the ground floor of the portal: the events of a worker's day,
each person's current status (what the board shows), the per-community version that
every status change bumps, and the 街镇's month locks (封账) that close a month of the
log. Board, leave, attendance and inspections stand on these tables; nothing here
imports a feature."""
import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime, str_enum
from portal.extensions import db


class EventKind(enum.StrEnum):
    CLOCK_IN = "clock_in"
    CLOCK_OUT = "clock_out"
    PATROL_START = "patrol_start"
    PATROL_END = "patrol_end"
    VISIT_START = "visit_start"
    VISIT_END = "visit_end"
    ERRAND = "errand"
    MEETING = "meeting"
    BACK = "back"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]

    @classmethod
    def of(cls, value) -> "EventKind | None":
        """The kind of an event, a kind's value or a database enum; None for anything else."""
        if value.__class__ is cls:
            return value
        try:
            return cls(getattr(value, "value", value))
        except ValueError:
            return None


EVENT_LABELS = {
    EventKind.CLOCK_IN: "签到",
    EventKind.CLOCK_OUT: "签退",
    EventKind.PATROL_START: "巡查开始",
    EventKind.PATROL_END: "巡查结束",
    EventKind.VISIT_START: "入户开始",
    EventKind.VISIT_END: "入户结束",
    EventKind.ERRAND: "外出办事",
    EventKind.MEETING: "开会",
    EventKind.BACK: "返回（在岗）",
}
# After these a person is away from the office: a destination and a return time apply.
AWAY_KINDS = frozenset({EventKind.PATROL_START, EventKind.VISIT_START, EventKind.ERRAND, EventKind.MEETING})
# Work begun by the worker themself: on a working day without 签到 yet, it implies 签到.
WORK_STARTS = AWAY_KINDS


class ActivityEvent(db.Model):
    """One entry of a worker's day. `entered_by` is the account that typed it: the
    person themself, or the front desk, 书记 or 站长 on their behalf."""

    __tablename__ = "activity_events"
    __table_args__ = (
        Index("ix_activity_events_person_at", "person_id", "at"),
        Index("ix_activity_events_community_at", "community_id", "at"),
        # An offline tap replayed twice (or by two racing replays) is written once.
        UniqueConstraint("person_id", "client_id", name="uq_activity_events_person_client"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "event_kind"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    destination: Mapped[str | None] = mapped_column(String(100))
    expected_return: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(200))
    # 入户: which household (楼-单元-室); never ID numbers or sensitive categories.
    household: Mapped[str | None] = mapped_column(String(30))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # 离线补传: tapped on the phone without a connection and sent later; `at` is the
    # tap's time, `created_at` the arrival. `client_id` is the phone's id of the tap.
    client_id: Mapped[str | None] = mapped_column(String(64))
    offline: Mapped[bool] = mapped_column(default=False, server_default=false())

    person = relationship("Person")
    entered_by = relationship("Account")


class CurrentStatus(db.Model):
    """Each person's latest event, written in the same transaction as the event,
    so the board is one query. `version` is the community board version at which
    this row last changed: a poll asks only for rows newer than what it has."""

    __tablename__ = "current_statuses"
    __table_args__ = (Index("ix_current_statuses_community_version", "community_id", "version"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("activity_events.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "status_kind"))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    destination: Mapped[str | None] = mapped_column(String(100))
    expected_return: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(200))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=0)
    # The day of the person's latest 签到 (local date): a 签到 during a patrol leaves
    # the card on the patrol, and the panel warns 今天尚未签到 until this is today.
    clocked_in_on: Mapped[date | None] = mapped_column(Date)

    set_by = relationship("Account")


class BoardVersion(db.Model):
    """A counter per community, bumped by every status change (compare-and-set
    free: the UPDATE that bumps it serialises concurrent writers of one board)."""

    __tablename__ = "board_versions"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MonthLock(db.Model):
    """封账: a 街镇 has closed a month for payroll. While locked_at is set and
    unlocked_at is not, nothing dated in that month may change for its people."""

    __tablename__ = "month_locks"
    __table_args__ = (UniqueConstraint("street_id", "month", name="uq_month_locks_street_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    month: Mapped[date]  # the first day of the month
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unlocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    unlock_reason: Mapped[str | None] = mapped_column(String(200))
    # {"<person id>:<yyyy-mm-dd>": cell text} as locked: a relock lists what moved since.
    snapshot: Mapped[dict | None] = mapped_column(JSON)

    street = relationship("Street")

    @property
    def is_locked(self) -> bool:
        return self.unlocked_at is None
