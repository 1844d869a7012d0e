"""考勤 tables: schedule settings (district default, per-街镇 overrides, each from a
date), 补卡 corrections, and the stored results: one row per person per judged day,
with per-month and per-week sums of those rows. The month locks (封账) are
portal.activity.models.MonthLock: every writer of a day checks them.
The rows are written by portal.attendance.days in the transaction of every write
that changes what they were judged from; pages only read them."""
import enum
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Float, ForeignKey, Index, Numeric, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime, str_enum
from portal.extensions import db


class AttendanceSettings(db.Model):
    """The schedule a 街镇 works to from `effective_from` on; rows with no street are
    the district default. A change is a new row from a date (past days keep the
    rules they were judged with); a 街镇's row with `follows_default` returns it to
    the district default from that date. The notice leaves hours to each 街镇;
    patrol minimum and visit target come from 工作规范 二(二) (1.5 h per patrol;
    八个一 六 says 1 h) and the 弹性入户 5 h a week."""

    __tablename__ = "attendance_settings"
    __table_args__ = (UniqueConstraint("street_id", "effective_from", name="uq_attendance_settings_street_effective"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    effective_from: Mapped[date] = mapped_column(default=date(2000, 1, 1), server_default="2000-01-01")
    follows_default: Mapped[bool] = mapped_column(default=False, server_default=false())
    morning_start: Mapped[time]
    morning_end: Mapped[time]
    summer_afternoon_start: Mapped[time]
    summer_afternoon_end: Mapped[time]
    winter_afternoon_start: Mapped[time]
    winter_afternoon_end: Mapped[time]
    summer_from: Mapped[str] = mapped_column(String(5))   # "05-01": summer hours from this day
    winter_from: Mapped[str] = mapped_column(String(5))   # "10-01": winter hours from this day
    late_grace_minutes: Mapped[int]
    early_grace_minutes: Mapped[int]
    patrols_per_day: Mapped[int]
    patrol_min_minutes: Mapped[int]
    weekly_visit_minutes: Mapped[int]
    corrections_per_month: Mapped[int]
    # 调休 earned by rest-day work (portal.comptime)
    comptime_half_day_minutes: Mapped[int] = mapped_column(default=120, server_default="120")
    comptime_full_day_minutes: Mapped[int] = mapped_column(default=240, server_default="240")
    comptime_valid_months: Mapped[int] = mapped_column(default=6, server_default="6")
    # 离线补传: how many hours after a tap the phone may still send it (portal.activity.offline)
    offline_replay_max_hours: Mapped[int] = mapped_column(default=12, server_default="12")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    street = relationship("Street")


class CorrectionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"pending": "待审批", "approved": "已批准", "rejected": "已驳回"}[self.value]


class AttendanceCorrection(db.Model):
    """补卡: a person asks for a missing 签到 or 签退; their 书记/站长 decides. An
    approval writes the clock event into the activity log, entered by the approver."""

    __tablename__ = "attendance_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # clock_in or clock_out
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[CorrectionStatus] = mapped_column(str_enum(CorrectionStatus, "correction_status"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(String(200))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("activity_events.id"))

    person = relationship("Person")
    decided_by = relationship("Account")


class DayRecord(db.Model):
    """One person's judged day: what the 考勤表, 我的考勤, the dashboards and 考核 read.
    Where the person belonged that day (street, community, grid, position) and the
    settings it was judged with are kept with it, so a later move, deactivation or
    settings change leaves it as it was. `final` is False for today (a 签退 may
    still come) until the day is closed."""

    __tablename__ = "attendance_days"
    __table_args__ = (Index("ix_attendance_days_community_day", "community_id", "day"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    grid_number: Mapped[int | None]
    position: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(20))
    symbol: Mapped[str] = mapped_column(String(8))
    workday: Mapped[bool]
    day_name: Mapped[str | None] = mapped_column(String(40))
    late_minutes: Mapped[int] = mapped_column(default=0)
    early_minutes: Mapped[int] = mapped_column(default=0)
    flags: Mapped[str] = mapped_column(String(200), default="")        # "|"-joined
    needs_review: Mapped[bool] = mapped_column(default=False)
    leave_type: Mapped[str | None] = mapped_column(String(60))
    leave_halves: Mapped[str] = mapped_column(String(8), default="")   # "am", "pm", "am,pm"
    present_days: Mapped[Decimal] = mapped_column(Numeric(3, 1), default=Decimal(0))
    absent_days: Mapped[Decimal] = mapped_column(Numeric(3, 1), default=Decimal(0))
    leave_days: Mapped[Decimal] = mapped_column(Numeric(3, 1), default=Decimal(0))
    worked_minutes: Mapped[int] = mapped_column(default=0)
    visit_minutes: Mapped[int] = mapped_column(default=0)
    patrol_required: Mapped[int] = mapped_column(default=0)
    patrol_done: Mapped[int] = mapped_column(default=0)
    patrol_min_minutes: Mapped[int] = mapped_column(default=0)
    patrol_short: Mapped[str] = mapped_column(String(100), default="")  # minutes of short patrols, ","-joined
    judged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    final: Mapped[bool] = mapped_column(default=True)
    week: Mapped[date]                                   # the Monday of the day's week
    settings_id: Mapped[int | None] = mapped_column(ForeignKey("attendance_settings.id"))
    visit_target: Mapped[int] = mapped_column(default=0)  # the week's 入户 minutes it was judged against
    patrol_minutes: Mapped[int] = mapped_column(default=0)
    patrol_ratio_bp: Mapped[int | None]                  # done ÷ required in 1/10000 (None: none required)
    logged: Mapped[bool] = mapped_column(default=False)  # the log has an event of the day
    clock_in: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock_out: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MonthTally(db.Model):
    """A person's month in one community: the sums of their DayRecords there, so a
    year of a street is a few thousand rows, not a replay of the log. Rewritten with
    the day rows it sums."""

    __tablename__ = "attendance_months"
    __table_args__ = (Index("ix_attendance_months_community_month", "community_id", "month"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    grid_number: Mapped[int | None]
    position: Mapped[str] = mapped_column(String(20))
    days: Mapped[int]
    workdays: Mapped[int]
    present_days: Mapped[float] = mapped_column(Float)   # half-days are exact in binary
    absent_days: Mapped[float] = mapped_column(Float)
    leave_days: Mapped[float] = mapped_column(Float)
    late_count: Mapped[int]
    early_count: Mapped[int]
    review_count: Mapped[int]
    visit_minutes: Mapped[int]
    patrol_days: Mapped[int]        # workdays present with patrols required
    patrol_ratio_bp: Mapped[int]    # the sum of those days' ratios, 1/10000
    logged_days: Mapped[int]


class WeekTally(db.Model):
    """A person's Monday–Sunday week: 弹性入户 minutes against the week's target
    (工作规范 二(二): 每周不少于5小时), over the days judged."""

    __tablename__ = "attendance_weeks"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    week: Mapped[date] = mapped_column(primary_key=True)
    days: Mapped[int]
    duty_days: Mapped[int]          # workdays not wholly on leave: a week without one is excused
    visit_minutes: Mapped[int]
    visit_target: Mapped[int]


class DayFill(db.Model):
    """Up to which day a community's month is judged and final (the day-close, or a
    page that needed it first), Zulip's FillState per community and month."""

    __tablename__ = "attendance_fill"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    closed_through: Mapped[date]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


# The data_versions table (loaded with the models, so every app has it); the
# 考勤表's watcher (portal.attendance.freshness) is loaded by create_app.
from portal import versions  # noqa: E402,F401
