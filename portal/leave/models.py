"""请假 and 销假: leave types, requests, their decisions, and 年休假 entitlements."""
import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime, str_enum
from portal.extensions import db
from portal.halfday import Half


class LeaveStatus(enum.StrEnum):
    PENDING = "pending"                # waiting for the community's 书记/站长 (or the street, for them)
    PENDING_STREET = "pending_street"  # long leave: waiting for the 街镇's second decision
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"            # by the requester, before any decision
    REVOKED = "revoked"                # approved but cancelled before it started
    COMPLETED = "completed"            # 销假 recorded

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    LeaveStatus.PENDING: "待审批",
    LeaveStatus.PENDING_STREET: "待街镇审批",
    LeaveStatus.APPROVED: "已批准",
    LeaveStatus.REJECTED: "已驳回",
    LeaveStatus.WITHDRAWN: "已撤回",
    LeaveStatus.REVOKED: "已撤销",
    LeaveStatus.COMPLETED: "已销假",
}


class LeaveType(db.Model):
    """事假, 病假, 年休假 … with the rules that differ between them (admin-editable)."""

    __tablename__ = "leave_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    advance_required: Mapped[bool] = mapped_column(default=True)
    uses_balance: Mapped[bool] = mapped_column(default=False)
    document_expected: Mapped[bool] = mapped_column(default=False)
    counts_holidays: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class LeaveEntitlement(db.Model):
    """An admin's override of a person's 年休假 days for one year, with the reason."""

    __tablename__ = "leave_entitlements"
    __table_args__ = (UniqueConstraint("person_id", "year", name="uq_leave_entitlements_person_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    year: Mapped[int]
    days: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    reason: Mapped[str] = mapped_column(String(200))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class LeaveRequest(db.Model):
    __tablename__ = "leave_requests"
    __table_args__ = (
        Index("ix_leave_requests_person_start", "person_id", "start_date"),
        Index("ix_leave_requests_community_status", "community_id", "status", "start_date"),
        Index("ix_leave_requests_community_dates", "community_id", "start_date", "end_date"),
        Index("ix_leave_requests_street_status", "street_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    type_id: Mapped[int] = mapped_column(ForeignKey("leave_types.id"))
    start_date: Mapped[date]
    start_half: Mapped[Half] = mapped_column(str_enum(Half, "half_start", 2))
    end_date: Mapped[date]
    end_half: Mapped[Half] = mapped_column(str_enum(Half, "half_end", 2))
    days: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    reason: Mapped[str] = mapped_column(String(500))
    destination: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    late_filed: Mapped[bool] = mapped_column(default=False)  # 补请假: filed after it began
    needs_street: Mapped[bool] = mapped_column(default=False)
    status: Mapped[LeaveStatus] = mapped_column(str_enum(LeaveStatus, "leave_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # 代请假: the 书记's or 站长's account that filed it for the person (None: the person
    # filed it), and why the person could not (portal.leave.behalf).
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    behalf_reason: Mapped[str | None] = mapped_column(String(200))

    attachment_file: Mapped[str | None] = mapped_column(String(80))
    attachment_name: Mapped[str | None] = mapped_column(String(120))
    attachment_type: Mapped[str | None] = mapped_column(String(40))

    first_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    first_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_comment: Mapped[str | None] = mapped_column(String(500))
    street_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    street_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    street_comment: Mapped[str | None] = mapped_column(String(500))

    revoke_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    returned_date: Mapped[date | None]      # 销假: the first half-day back at work
    returned_half: Mapped[Half | None] = mapped_column(str_enum(Half, "half_returned", 2))
    returned_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    returned_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    days_taken: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))

    person = relationship("Person")
    leave_type: Mapped[LeaveType] = relationship()
    first_decided_by = relationship("Account", foreign_keys=[first_decided_by_id])
    street_decided_by = relationship("Account", foreign_keys=[street_decided_by_id])
    returned_recorded_by = relationship("Account", foreign_keys=[returned_recorded_by_id])
    revoked_by = relationship("Account", foreign_keys=[revoked_by_id])
    filed_by = relationship("Account", foreign_keys=[filed_by_id])

    @property
    def span_label(self) -> str:
        return span_label(self.start_date, self.start_half, self.end_date, self.end_half)


def span_label(start_date: date, start_half: Half, end_date: date, end_half: Half) -> str:
    """"2026年3月2日上午 至 2026年3月3日下午": a leave's span as people read it; one
    half-day is "2026年12月7日上午（半天）", one whole day "2026年12月7日（全天）"."""
    start = clock.format_date(start_date)
    if start_date == end_date:
        if start_half == end_half:
            return f"{start}{start_half.label}（半天）"
        if start_half is Half.AM and end_half is Half.PM:
            return f"{start}（全天）"
    return f"{start}{start_half.label} 至 {clock.format_date(end_date)}{end_half.label}"


class LeaveCover(db.Model):
    """代班: who looks after a 网格员's grid while their approved leave lasts, named by
    the approver (portal.leave.cover). One per request."""

    __tablename__ = "leave_covers"

    id: Mapped[int] = mapped_column(primary_key=True)
    leave_id: Mapped[int] = mapped_column(ForeignKey("leave_requests.id"), unique=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    leave: Mapped[LeaveRequest] = relationship()
    person = relationship("Person")
    grid = relationship("Grid")
