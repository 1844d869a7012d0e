"""便民服务事项 and 居民诉求 (工作规范 一(六), 八个一 六): a matter found on patrol, on a
visit or brought to the counter, handled in a closed loop and fed back to the resident.

The figures a list or a count reads are stored on the row when a step writes them
(status, holder, due_at, closed_on_time, satisfaction), never recomputed per request.
`version` is bumped by every step: a step is a compare-and-set on it, so of two
办结 pressed at once exactly one wins."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime, str_enum
from portal.extensions import db


class MatterKind(db.Model):
    """便民服务 / 居民诉求 / 矛盾纠纷 / 安全隐患 / 上级交办: a table the district extends."""

    __tablename__ = "matter_kinds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    from_above: Mapped[bool] = mapped_column(default=False)  # 上级交办: started by the 街镇 or district


class MatterUrgency(db.Model):
    """A response level and its time limit (a setting: 紧急 2 h, 较急 24 h, 一般 72 h),
    counted in clock hours or in working hours (08:30–17:30 on workdays)."""

    __tablename__ = "matter_urgencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    hours: Mapped[int]
    working_hours: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)


class MatterSettings(db.Model):
    """District-wide: whether 核查 is part of the loop and how long a resident's phone is
    kept after a matter is closed. (The weight of matters in the 考核 is a 考核 setting,
    per 街镇 and from a date: assessment_settings.weight_matters.)"""

    __tablename__ = "matter_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    verify_required: Mapped[bool] = mapped_column(default=False)
    phone_retention_days: Mapped[int] = mapped_column(default=90)


class Status(enum.StrEnum):
    REGISTERED = "registered"  # 登记
    HANDLING = "handling"      # 办理中, by its holder
    REPORTED = "reported"      # 办理中, 上报 to the 书记/站长 (or 交办 to the community), no holder yet
    REFERRED = "referred"      # 办理中, 外转 to the 街镇 or a department outside the portal
    CLOSED = "closed"          # 已办结
    FED_BACK = "fed_back"      # 已反馈
    VERIFIED = "verified"      # 已核查

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def open(self) -> bool:
        return self in OPEN


STATUS_LABELS = {
    Status.REGISTERED: "已登记", Status.HANDLING: "办理中", Status.REPORTED: "已上报",
    Status.REFERRED: "已外转", Status.CLOSED: "已办结", Status.FED_BACK: "已反馈", Status.VERIFIED: "已核查",
}
OPEN = frozenset({Status.REGISTERED, Status.HANDLING, Status.REPORTED, Status.REFERRED})


class Source(enum.StrEnum):
    PATROL = "patrol"
    VISIT = "visit"
    COUNTER = "counter"
    ABOVE = "above"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"patrol": "巡查发现", "visit": "入户发现", "counter": "窗口登记", "above": "上级交办",
                "other": "其他"}[self.value]


class Satisfaction(enum.StrEnum):
    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"

    @property
    def label(self) -> str:
        return {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}[self.value]


class Matter(db.Model):
    __tablename__ = "matters"
    __table_args__ = (
        Index("ix_matters_community_status", "community_id", "status"),
        Index("ix_matters_holder_status", "holder_id", "status"),
        Index("ix_matters_street_created", "street_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("matter_kinds.id"))
    urgency_id: Mapped[int] = mapped_column(ForeignKey("matter_urgencies.id"))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    place: Mapped[str | None] = mapped_column(String(60))          # 楼-单元-室 or a place name
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[Source] = mapped_column(str_enum(Source, "matter_source"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("activity_events.id"))  # the patrol/visit
    resident_name: Mapped[str | None] = mapped_column(String(20))  # 称呼, e.g. 王阿姨
    phone: Mapped[str | None] = mapped_column(String(20))          # only with consent to a call back
    phone_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[Status] = mapped_column(str_enum(Status, "matter_status"))
    version: Mapped[int] = mapped_column(default=1)
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    referred_to: Mapped[str | None] = mapped_column(String(60))    # 街镇 or a named department
    referred_ref: Mapped[str | None] = mapped_column(String(60))   # their reference number
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_on_time: Mapped[bool | None]
    resolution: Mapped[str | None] = mapped_column(String(500))
    feedback_how: Mapped[str | None] = mapped_column(String(100))
    fed_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(str_enum(Satisfaction, "matter_satisfaction"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    kind: Mapped[MatterKind] = relationship()
    urgency: Mapped[MatterUrgency] = relationship()
    community = relationship("Community")
    grid = relationship("Grid")
    found_by = relationship("Person", foreign_keys=[found_by_id])
    holder = relationship("Person", foreign_keys=[holder_id])
    steps: Mapped[list["MatterStep"]] = relationship(order_by="MatterStep.id", back_populates="matter")
    photos: Mapped[list["MatterPhoto"]] = relationship(order_by="MatterPhoto.id")

    @property
    def number(self) -> str:
        return f"SX{self.id:06d}"

    def overdue(self, now: datetime) -> bool:
        return self.status in OPEN and self.due_at < now


class MatterStep(db.Model):
    """One step of the loop, as the matter's timeline shows it."""

    __tablename__ = "matter_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    step: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(500))
    to_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    matter: Mapped[Matter] = relationship(back_populates="steps")
    actor = relationship("Account")
    to_person = relationship("Person")


class MatterPhoto(db.Model):
    __tablename__ = "matter_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    stored_name: Mapped[str] = mapped_column(String(80))
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
