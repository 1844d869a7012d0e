"""The activity log and the whereabouts board (社工去向指示牌) that reads it."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
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



class ActivityEvent(db.Model):
    """One entry of a worker's day. `entered_by` is the account that typed it: the
    person themself, or the front desk, 书记 or 站长 on their behalf."""

    __tablename__ = "activity_events"
    __table_args__ = (
        Index("ix_activity_events_person_at", "person_id", "at"),
        Index("ix_activity_events_community_at", "community_id", "at"),
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

    set_by = relationship("Account")


class BoardVersion(db.Model):
    """A counter per community, bumped by every status change (compare-and-set
    free: the UPDATE that bumps it serialises concurrent writers of one board)."""

    __tablename__ = "board_versions"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HallDisplayLink(db.Model):
    """A read-only link for the 服务大厅 screen, limited to one community's board.
    Only a hash of the token is kept; the link is shown once when created."""

    __tablename__ = "hall_display_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Person and unit edits bump the boards they touch (loaded with the models).
from portal.board import watch  # noqa: E402,F401
