"""调休 earned by rest-day work: a credit per person and day worked, and the draws
of approved 调休 leave on those credits (so "oldest first" and the refund of a
revoked or shortened leave are exact)."""
import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime, str_enum
from portal.extensions import db


class CreditSource(enum.StrEnum):
    ACTIVITY = "activity"  # the day's 入户 and 巡查 in the activity log
    OVERTIME = "overtime"  # a 加班 the 书记/站长 recorded

    @property
    def label(self) -> str:
        return {"activity": "入户/巡查", "overtime": "加班"}[self.value]


class CreditStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    REJECTED = "rejected"   # looked at and not counted: the day is no longer proposed

    @property
    def label(self) -> str:
        return {"confirmed": "已确认", "rejected": "不计调休"}[self.value]


class CompTimeCredit(db.Model):
    """One rest day or holiday a person worked, as the 书记/站长 decided it: how much
    work the day held (minutes, kept as they were at the decision), the days of
    调休 it earns, what is left of them, and until when they can be taken.
    One per person and day: a second decision on the same day is refused."""

    __tablename__ = "comp_time_credits"
    __table_args__ = (
        UniqueConstraint("person_id", "work_day", name="uq_comp_time_credits_person_day"),
        Index("ix_comp_time_credits_community_day", "community_id", "work_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    work_day: Mapped[date]
    day_name: Mapped[str | None] = mapped_column(String(40))   # 休息日, 国庆节 …
    source: Mapped[CreditSource] = mapped_column(str_enum(CreditSource, "comp_time_source"))
    visit_minutes: Mapped[int] = mapped_column(default=0)
    patrol_minutes: Mapped[int] = mapped_column(default=0)
    overtime_minutes: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(String(200))       # what the 加班 was
    suggested_days: Mapped[Decimal] = mapped_column(Numeric(3, 1))  # by the rules in force that day
    days: Mapped[Decimal] = mapped_column(Numeric(3, 1))        # earned (0 when rejected)
    remaining: Mapped[Decimal] = mapped_column(Numeric(3, 1))   # not yet drawn by approved 调休
    expires_on: Mapped[date | None]                             # the last day a 调休 may start on
    status: Mapped[CreditStatus] = mapped_column(str_enum(CreditStatus, "comp_time_status"))
    comment: Mapped[str | None] = mapped_column(String(200))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    person = relationship("Person")
    decided_by = relationship("Account")

    @property
    def minutes(self) -> int:
        return self.visit_minutes + self.patrol_minutes + self.overtime_minutes


class CompTimeDraw(db.Model):
    """Days an approved 调休 leave took from one credit; `returned` of them came back
    (the leave was revoked, or 销假 ended it early)."""

    __tablename__ = "comp_time_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    leave_id: Mapped[int] = mapped_column(ForeignKey("leave_requests.id"), index=True)
    credit_id: Mapped[int] = mapped_column(ForeignKey("comp_time_credits.id"), index=True)
    days: Mapped[Decimal] = mapped_column(Numeric(3, 1))
    returned: Mapped[Decimal] = mapped_column(Numeric(3, 1), default=Decimal(0))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    credit: Mapped[CompTimeCredit] = relationship()
    leave = relationship("LeaveRequest")
