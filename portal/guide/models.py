"""办事指南 tables: service items with their versions and local contact details, the
一次性告知单 register, and the hall screen's information area (八个一 二、三、八)."""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime
from portal.extensions import db


class ServiceItem(db.Model):
    """One service a resident asks about. Scope: the district's list (no street, no
    community), a 街镇's own items (street_id) or a community's local ones (community_id).
    `search_text` is the normalised text search matches (name, aliases, audience,
    materials), written with the item; `name_key` the normalised name, unique per scope."""

    __tablename__ = "service_items"
    __table_args__ = (
        UniqueConstraint("scope_key", "name_key", name="uq_service_items_scope_name"),
        Index("ix_service_items_scope", "street_id", "community_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(20))     # "d", "s<street id>", "c<community id>"
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))
    aliases: Mapped[str | None] = mapped_column(String(300))      # words residents say: 低保, 老年证 …
    audience: Mapped[str | None] = mapped_column(Text)             # 适用对象
    basis: Mapped[str | None] = mapped_column(Text)                # 办理依据
    materials: Mapped[list] = mapped_column(JSON)                  # [{"name", "count", "kind"}]
    process: Mapped[str | None] = mapped_column(Text)              # 办理流程
    time_limit: Mapped[str | None] = mapped_column(String(100))    # 办理时限
    place: Mapped[str | None] = mapped_column(String(200))         # 办理地点
    handler: Mapped[str | None] = mapped_column(String(100))       # who handles it at the community
    fee: Mapped[str | None] = mapped_column(String(100))           # 收费
    phone: Mapped[str | None] = mapped_column(String(40))          # 咨询电话
    notes: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    street = relationship("Street")
    community = relationship("Community")

    @property
    def scope_label(self) -> str:
        if self.community_id is not None:
            return f"{self.community.name}自有事项"
        if self.street_id is not None:
            return f"{self.street.name}事项"
        return "区级事项"


class ServiceItemVersion(db.Model):
    """The item as it was saved: every field, so an old 告知单 or a question
    "what did we tell people last spring" can be answered."""

    __tablename__ = "service_item_versions"
    __table_args__ = (UniqueConstraint("item_id", "version", name="uq_service_item_versions_item_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"))
    version: Mapped[int]
    data: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    saved_by = relationship("Account")


class ServiceItemLocal(db.Model):
    """A community's own place, handler, phone and notes for a district or 街镇 item."""

    __tablename__ = "service_item_locals"
    __table_args__ = (UniqueConstraint("item_id", "community_id", name="uq_service_item_locals_item_community"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    handler: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class NoticeSheet(db.Model):
    """An issued 一次性告知单: what it said (`content`, kept as printed, so a reprint
    on the resident's second visit is the same sheet), to whom (a form of address,
    optional), by whom, and its serial number within the community's year."""

    __tablename__ = "notice_sheets"
    __table_args__ = (
        UniqueConstraint("community_id", "serial", name="uq_notice_sheets_community_serial"),
        Index("ix_notice_sheets_community_issued", "community_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    serial: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"), index=True)
    item_version: Mapped[int]
    resident: Mapped[str | None] = mapped_column(String(20))   # 张女士, 李大爷 … or nothing
    content: Mapped[dict] = mapped_column(JSON)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    issued_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The 便民服务事项 the sheet was issued for (issue 17: "a 告知单 issued for a matter
    # links to it"), of the same community; none for a resident who only asked.
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"), index=True)

    clerk = relationship("Person")
    community = relationship("Community")


class HallInfo(db.Model):
    """The hall screen's information area of one community: office hours, the day's
    duty person (shown on `duty_on` only), the guide items shown, and a version the
    screen's poll compares (bumped by every edit, notices included)."""

    __tablename__ = "hall_infos"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), unique=True)
    office_hours: Mapped[str | None] = mapped_column(String(200))
    duty_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    duty_on: Mapped[date | None]
    featured: Mapped[list] = mapped_column(JSON, default=list)   # service item ids, in order
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    duty_person = relationship("Person")


class HallNotice(db.Model):
    """A notice on the hall screen from `start_on` to `end_on` (both shown); it goes
    by itself when its last day has passed."""

    __tablename__ = "hall_notices"
    __table_args__ = (Index("ix_hall_notices_community_end", "community_id", "end_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    title: Mapped[str] = mapped_column(String(40))
    body: Mapped[str | None] = mapped_column(String(300))
    start_on: Mapped[date]
    end_on: Mapped[date]
    removed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
