"""The work calendar: statutory holidays (法定假日) and 调休上班日 per year.

A day without a row is a workday Monday to Friday and a rest day at the weekend.
A year counts only once it has a `CalendarYear` row (prefilled from the
chinese-calendar package, or entered by an admin and confirmed complete); for any
other year the calendar refuses to answer instead of guessing.
"""
import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime, str_enum
from portal.extensions import db


class DayKind(enum.StrEnum):
    HOLIDAY = "holiday"                    # 法定假日 (including the weekend days inside the break)
    ADJUSTED_WORKDAY = "adjusted_workday"  # 调休上班日: a Saturday or Sunday that is worked

    @property
    def label(self) -> str:
        return DAY_KIND_LABELS[self]


DAY_KIND_LABELS = {DayKind.HOLIDAY: "法定假日", DayKind.ADJUSTED_WORKDAY: "调休上班日"}


class CalendarSource(enum.StrEnum):
    PACKAGE = "chinese_calendar"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {CalendarSource.PACKAGE: "chinese-calendar", CalendarSource.ADMIN: "管理员录入"}


class CalendarDay(db.Model):
    """One day that differs from the plain Monday–Friday week."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[DayKind] = mapped_column(str_enum(DayKind, "calendar_day_kind"))
    name: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[CalendarSource] = mapped_column(str_enum(CalendarSource, "calendar_day_source"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    updated_by = relationship("Account")


class CalendarYear(db.Model):
    """A year whose holidays and 调休 are known in full."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[CalendarSource] = mapped_column(str_enum(CalendarSource, "calendar_year_source"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    confirmed_by = relationship("Account")
