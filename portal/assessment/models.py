"""考核 tables: the rules (district default, per-街镇 overrides, each from a date), a
书记's adjustments, and the 街镇's confirmed (locked) periods with their frozen
results. An open period's results are summed from the stored day results
(portal.attendance.days) on every view."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime
from portal.extensions import db


class AssessmentSettings(db.Model):
    """How a 街镇 assesses (工作规范 三(二): 考核办法和等次由各街镇制定); the row with no
    street is the district default. Weights add up to 100; deductions are points per
    occurrence; grades are the lowest total of 优秀, 合格 and 基本合格."""

    __tablename__ = "assessment_settings"
    __table_args__ = (UniqueConstraint("street_id", "effective_from", name="uq_assessment_settings_street_effective"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    # From this day on (a period is judged by the rules in force on its last day, so
    # a period already over keeps its rules); `follows_default`: back to the district's.
    effective_from: Mapped[date] = mapped_column(default=date(2000, 1, 1), server_default="2000-01-01")
    follows_default: Mapped[bool] = mapped_column(default=False, server_default=false())
    weight_attendance: Mapped[int]
    weight_patrol: Mapped[int]
    weight_visits: Mapped[int]
    weight_inspection: Mapped[int]
    # 便民服务事项 (issue 15): 0, the default, leaves them out of the 考核 altogether.
    weight_matters: Mapped[int] = mapped_column(default=0, server_default="0")
    late_points: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    early_points: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    absent_points: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    overdue_return_points: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    overdue_action_points: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    excellent_from: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    pass_from: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    basic_from: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    street = relationship("Street")


class AssessmentAdjustment(db.Model):
    """A 书记's 加分/减分 for one person and period, with the reason (audited)."""

    __tablename__ = "assessment_adjustments"
    __table_args__ = (Index("ix_assessment_adjustments_person_period", "person_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    period: Mapped[str] = mapped_column(String(7))  # "2026-Q4" or "2026"
    points: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))

    person = relationship("Person")
    created_by = relationship("Account")


class AssessmentLock(db.Model):
    """The 街镇 has confirmed a period: the results as they were then are kept here
    and shown from now on, whatever later changes to the data."""

    __tablename__ = "assessment_locks"
    __table_args__ = (UniqueConstraint("street_id", "period", name="uq_assessment_locks_street_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    period: Mapped[str] = mapped_column(String(7))
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    locked_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    snapshot: Mapped[dict] = mapped_column(JSON)  # {"rules": {...}, "span": [...], "people": [...]}

    locked_by = relationship("Account")
