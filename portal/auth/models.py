"""Accounts, server-side login sessions and login attempts."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime
from portal.extensions import db
from portal.people.models import Person


class Account(UserMixin, db.Model):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A password an administrator set (new account, reset, roster import) is temporary:
    # the owner must replace it at the next login, and it stops working at temporary_until.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    temporary_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="account", lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.active and self.person.active

    @property
    def position(self):
        return self.person.position


class LoginSession(db.Model):
    """One login on one browser. The cookie carries only its id, so logout,
    deactivation or a password reset revoke it here and a copied cookie stops working."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address: Mapped[str | None] = mapped_column(String(64))

    account: Mapped[Account] = relationship(lazy="joined")


class LoginAttempt(db.Model):
    """Every login try, kept in the database so throttling holds across workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(default=False)
    # Refused by the throttle without checking the password: not a failure, so a
    # lockout is never extended by the attempts it refuses.
    throttled: Mapped[bool] = mapped_column(default=False, server_default=false())
