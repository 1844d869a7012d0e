"""Database plumbing: a UTC timestamp type and SQLite connection settings."""
import sqlite3
from datetime import UTC

from flask import has_request_context, request
from sqlalchemy import DateTime, Enum, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UTCDateTime(TypeDecorator):
    """Stores naive UTC on every backend and hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" hook below emit BEGIN itself (pysqlite's own
    # transaction handling would defer it and cannot say IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _wants_write_lock() -> bool:
    # A request that may change state takes the write lock at BEGIN, so that a
    # concurrent writer waits on busy_timeout instead of failing with "database is
    # locked" when it upgrades from reading to writing. Reads stay concurrent.
    if has_request_context():
        return request.method not in SAFE_METHODS
    return True


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    # Straight to the driver: this runs at the start of every request that reads.
    conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")



def str_enum(cls, name: str, length: int = 20) -> Enum:
    """A StrEnum stored as its values in a VARCHAR with a named CHECK constraint:
    portable across SQLite and PostgreSQL, and readable in the raw tables."""
    return Enum(cls, native_enum=False, length=length, name=name, create_constraint=True,
                values_callable=lambda members: [m.value for m in members])
