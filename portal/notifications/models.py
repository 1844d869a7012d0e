"""The stored notices and each person's choices (muted kinds, digest address)."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from portal import clock
from portal.database import UTCDateTime, str_enum
from portal.extensions import db


class NoticeKind(enum.StrEnum):
    LEAVE_WAITING = "leave_waiting"
    LEAVE_DECIDED = "leave_decided"
    LEAVE_OVERDUE = "leave_overdue"
    ACTION_ASSIGNED = "action_assigned"
    ACTION_DUE = "action_due"
    ACTION_OVERDUE = "action_overdue"
    AWAY_OVERDUE = "away_overdue"
    MATTER_ASSIGNED = "matter_assigned"
    MATTER_OVERDUE = "matter_overdue"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    NoticeKind.LEAVE_WAITING: "待我审批的请假",
    NoticeKind.LEAVE_DECIDED: "我的请假审批结果",
    NoticeKind.LEAVE_OVERDUE: "逾期未销假",
    NoticeKind.ACTION_ASSIGNED: "交办本社区的整改",
    NoticeKind.ACTION_DUE: "整改两天内到期",
    NoticeKind.ACTION_OVERDUE: "整改逾期",
    NoticeKind.AWAY_OVERDUE: "本社区人员超时未归",
    NoticeKind.MATTER_ASSIGNED: "交办给我的事项",
    NoticeKind.MATTER_OVERDUE: "事项超期未办结",
}


class Notice(db.Model):
    """One notice to one person. `key` names the occasion (the leave request and its
    status, the action and its deadline, the away event): a notice is written once
    per person and occasion, however often the occasion is looked at."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("person_id", "key", name="uq_notices_person_key"),
        Index("ix_notices_person_read", "person_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind, "notice_kind"))
    key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person = relationship("Person")


class NoticePrefs(db.Model):
    """A person's muted kinds (comma-separated values) and digest e-mail address."""

    __tablename__ = "notice_prefs"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    muted: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(120))
    id = synonym("person_id")  # the audit viewer's links name objects by `id`

    @property
    def muted_kinds(self) -> set[str]:
        return {k for k in (self.muted or "").split(",") if k}
