"""What the administration keeps between two requests."""
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.database import UTCDateTime
from portal.extensions import db


class RosterUpload(db.Model):
    """An uploaded roster (花名册) between its preview and its confirmation: the file
    as it was checked, and the digest of the changes the preview listed, so that the
    confirmation applies exactly those or nothing. Deleted when applied; uploads older
    than a day are cleared by the next upload (they hold phone numbers)."""

    __tablename__ = "roster_uploads"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    filename: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    plan_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
