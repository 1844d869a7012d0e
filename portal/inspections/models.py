"""八个统一 spot checks (工作规范 三(三); 附件 “八个一”): a versioned checklist, inspections
answered item by item, 整改 actions, 抽查 draws and published 通报."""
import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime, str_enum
from portal.extensions import db

# The eight sections of the attachment, in its order.
SECTIONS = {
    1: "仪容仪表统一",
    2: "举止行为统一",
    3: "办事流程统一",
    4: "服务纪律统一",
    5: "入户制度统一",
    6: "巡查制度统一",
    7: "入户用品统一",
    8: "服务环境统一",
}


class Verdict(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "na"

    @property
    def label(self) -> str:
        return {"pass": "符合", "fail": "不符合", "na": "不适用"}[self.value]


class InspectionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        return "进行中" if self is InspectionStatus.DRAFT else "已提交"


class ActionStatus(enum.StrEnum):
    OPEN = "open"          # waiting for the community to fix it (again, after a reopen)
    FIXED = "fixed"        # the community says it is fixed; the inspector has to verify
    VERIFIED = "verified"  # closed

    @property
    def label(self) -> str:
        return {"open": "待整改", "fixed": "待复核", "verified": "已销号"}[self.value]


class ChecklistVersion(db.Model):
    """One version of the checklist; editing makes a new one, inspections keep theirs."""

    __tablename__ = "checklist_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    note: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    items: Mapped[list["ChecklistItem"]] = relationship(
        back_populates="version", order_by="(ChecklistItem.section, ChecklistItem.position)")
    created_by = relationship("Account")


class ChecklistItem(db.Model):
    __tablename__ = "checklist_items"
    __table_args__ = (Index("ix_checklist_items_version_section", "version_id", "section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    section: Mapped[int]
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(200))
    points: Mapped[int]
    per_person: Mapped[bool] = mapped_column(default=False)  # checked for each person present
    veto: Mapped[bool] = mapped_column(default=False)        # 一票否决: failing it fails the check

    version: Mapped[ChecklistVersion] = relationship(back_populates="items")

    @property
    def section_name(self) -> str:
        return SECTIONS[self.section]


class InspectionSettings(db.Model):
    """District-wide settings of the spot checks (one row)."""

    __tablename__ = "inspection_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_due_days: Mapped[int] = mapped_column(default=7)
    objection_days: Mapped[int] = mapped_column(default=5)
    sample_size: Mapped[int] = mapped_column(default=5)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class SamplingDraw(db.Model):
    """抽查: which communities were suggested, from which inputs and seed, and what was accepted."""

    __tablename__ = "sampling_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))  # None: the whole district
    seed: Mapped[int]
    size: Mapped[int]
    candidates: Mapped[list] = mapped_column(JSON)  # [[community_id, days since last inspection or null], …]
    suggested: Mapped[list] = mapped_column(JSON)   # community ids, as drawn
    chosen: Mapped[list] = mapped_column(JSON)      # community ids after swaps
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    drawn_by = relationship("Person")
    street = relationship("Street")


class Inspection(db.Model):
    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_community_status", "community_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("sampling_draws.id"))
    status: Mapped[InspectionStatus] = mapped_column(str_enum(InspectionStatus, "inspection_status"),
                                                     default=InspectionStatus.DRAFT)
    present_ids: Mapped[list] = mapped_column(JSON, default=list)  # people named as present
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    vetoed: Mapped[bool] = mapped_column(default=False)
    section_scores: Mapped[dict | None] = mapped_column(JSON)  # {"1": 100.0, …}; null: nothing applicable

    community = relationship("Community")
    version: Mapped[ChecklistVersion] = relationship()
    inspector = relationship("Person", foreign_keys=[inspector_id])
    answers: Mapped[list["InspectionAnswer"]] = relationship(back_populates="inspection")

    @property
    def submitted(self) -> bool:
        return self.status is InspectionStatus.SUBMITTED


class InspectionAnswer(db.Model):
    """One verdict on one item, for the office (person_id null) or one person present.
    Saved as it is given; at most one per item and person (the inspection row is
    locked while an answer is written)."""

    __tablename__ = "inspection_answers"
    __table_args__ = (UniqueConstraint("inspection_id", "item_id", "person_id",
                                       name="uq_inspection_answers_item_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    verdict: Mapped[Verdict] = mapped_column(str_enum(Verdict, "verdict", 10))
    note: Mapped[str | None] = mapped_column(String(500))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    inspection: Mapped[Inspection] = relationship(back_populates="answers")
    item: Mapped[ChecklistItem] = relationship()
    person = relationship("Person")


class CorrectiveAction(db.Model):
    """整改: a failed item the community's 书记/站长 must put right by the due date."""

    __tablename__ = "corrective_actions"
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_id", name="uq_corrective_actions_inspection_item"),
        Index("ix_corrective_actions_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    finding: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus, "action_status"), default=ActionStatus.OPEN)
    fix_note: Mapped[str | None] = mapped_column(String(500))
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fixed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    review_note: Mapped[str | None] = mapped_column(String(500))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    reopen_count: Mapped[int] = mapped_column(default=0)

    inspection: Mapped[Inspection] = relationship()
    item: Mapped[ChecklistItem] = relationship()
    community = relationship("Community")
    fixed_by = relationship("Account", foreign_keys=[fixed_by_id])
    reviewed_by = relationship("Account", foreign_keys=[reviewed_by_id])


class InspectionPhoto(db.Model):
    """A jpg/png under instance/uploads/inspections/, attached to an answer (evidence of a
    finding) or to a corrective action (evidence of the fix)."""

    __tablename__ = "inspection_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_answers.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("corrective_actions.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))

    inspection: Mapped[Inspection] = relationship()


class Bulletin(db.Model):
    """通报: a month's or quarter's ranking, frozen when published."""

    __tablename__ = "bulletins"
    __table_args__ = (UniqueConstraint("period", "street_key", name="uq_bulletins_period_scope"),
                      Index("ix_bulletins_published_at", "published_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10))    # "2026-11" or "2026-Q4"
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))  # None: the district
    street_key: Mapped[int] = mapped_column(default=0)  # street_id or 0, so one 通报 per period and scope
    content: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    objection_until: Mapped[date]

    street = relationship("Street")
    published_by = relationship("Account")
    objections: Mapped[list["Objection"]] = relationship(back_populates="bulletin", order_by="Objection.id")


class Objection(db.Model):
    """申诉 of a community against a published 通报, and the inspector's answer."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    text: Mapped[str] = mapped_column(String(1000))
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    lodged_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    upheld: Mapped[bool | None]
    reply: Mapped[str | None] = mapped_column(String(1000))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    bulletin: Mapped[Bulletin] = relationship(back_populates="objections")
    community = relationship("Community")
    lodged_by = relationship("Account", foreign_keys=[lodged_by_id])
    replied_by = relationship("Account", foreign_keys=[replied_by_id])
