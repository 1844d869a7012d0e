from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime
from portal.extensions import db


class AuditEntry(db.Model):
    """Who (account) did what to which object, acting for whom, with before/after.

    `street_id`/`community_id` are where the entry belongs (its scope): the street and
    community of the person the object belongs to (or who was acted for), else of the
    object's community or street; both null for district matters. Stored by the writer
    (portal.audit.log), so a 街镇 leader's viewer is one indexed column, not a search
    through every feature's tables."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_object", "object_type", "object_id"),
        Index("ix_audit_entries_street_at", "street_id", "at"),
        Index("ix_audit_entries_street_action", "street_id", "action"),
        Index("ix_audit_entries_action", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))

    account = relationship("Account")
    on_behalf_of = relationship("Person")
