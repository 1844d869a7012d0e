"""Assignments (包社区 / 包网格) with their history, the monthly supervision log, and
the version rows that make concurrent assignment edits a compare-and-set."""
import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime, str_enum
from portal.extensions import db


class AssignmentKind(enum.StrEnum):
    COMMUNITY = "community"  # 街镇领导包社区 (通知 工作要求 三(一))
    GRID = "grid"            # 书记、站长包网格 (三(二))

    @property
    def label(self) -> str:
        return {"community": "包社区", "grid": "包网格"}[self.value]


class Assignment(db.Model):
    """One person answering for one community (kind community) or one grid (kind
    grid) from valid_from to valid_to inclusive (None: until further notice). A unit
    has at most one responsible person on any day; history is kept, never rewritten
    except to end an open assignment."""

    __tablename__ = "responsibility_assignments"
    __table_args__ = (
        Index("ix_responsibility_assignments_community", "community_id", "kind", "valid_from"),
        Index("ix_responsibility_assignments_person", "person_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AssignmentKind] = mapped_column(str_enum(AssignmentKind, "assignment_kind"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    person = relationship("Person")
    community = relationship("Community")
    grid = relationship("Grid")

    def covers_day(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class AssignmentBook(db.Model):
    """The version of one unit's assignments (a street's 包社区, a community's 包网格):
    every edit moves it by compare-and-set, so two simultaneous edits cannot both
    pass the overlap check; the later one is told to reload."""

    __tablename__ = "responsibility_books"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(40), unique=True)  # "street:3", "community:12"
    version: Mapped[int] = mapped_column(default=0)


class SupervisionKind(enum.StrEnum):
    TRAINING = "training"
    GUIDANCE = "guidance"
    URGING = "urging"
    CHECK = "check"
    ASSESSMENT = "assessment"

    @property
    def label(self) -> str:
        return SUPERVISION_LABELS[self]


SUPERVISION_LABELS = {
    SupervisionKind.TRAINING: "培训",
    SupervisionKind.GUIDANCE: "指导",
    SupervisionKind.URGING: "督促",
    SupervisionKind.CHECK: "检查",
    SupervisionKind.ASSESSMENT: "考核",
}


class SupervisionEntry(db.Model):
    """One visit of a 包社区 leader to an assigned community (通知 工作要求 三(一):
    每月对所包社区进行培训、指导、督促、检查、考核)."""

    __tablename__ = "supervision_entries"
    __table_args__ = (Index("ix_supervision_entries_community_day", "community_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    day: Mapped[date]
    kind: Mapped[SupervisionKind] = mapped_column(str_enum(SupervisionKind, "supervision_kind"))
    covered: Mapped[str] = mapped_column(Text)
    present: Mapped[str | None] = mapped_column(String(200))
    follow_ups: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    person = relationship("Person")
    community = relationship("Community")


class SupervisionRules(db.Model):
    """The optional 考核 deduction for a 包社区 leader's missing monthly supervision
    (工作要求 三(一)): points per kind of the five missing for an assigned community in
    a month; 0 (the default) is off. A district default (street_id None) and a
    street's own rows, each from a date (portal.dated), like the 考核 rules."""

    __tablename__ = "supervision_rules"
    __table_args__ = (UniqueConstraint("street_id", "effective_from", name="uq_supervision_rules_street_effective"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    effective_from: Mapped[date]
    follows_default: Mapped[bool] = mapped_column(default=False, server_default=false())
    missing_points: Mapped[Decimal] = mapped_column(Numeric(4, 1), default=Decimal("0"), server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    street = relationship("Street")
