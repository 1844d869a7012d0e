"""Data versions: one value per scope (a text key) that changes, in the same
transaction, with every write to the data behind the scope. A process may keep
what it computed from that data under the versions it read *before* the data,
and serve it again while they are unchanged. Several gunicorn workers and several
servers share one database, so the versions live there, not in memory.

Writers do nothing by hand. A feature registers a `Watcher`; the session hooks
below ask it which keys each flush (ORM objects new, changed or deleted) and each
ORM-enabled insert/update/delete statement touches, and at commit the watcher
turns the keys into scopes, which are bumped in one statement: sorted, so that
concurrent writers take the rows' locks in one order, and last, so that a row is
locked only for the commit itself (no writer waits on it while holding another).

A version is a random 62-bit number, not a counter: equal versions mean equal
data even across a restore from backup (`flask restore` under running servers
brings back the versions of the backup's data, which is what a process may still
hold under them), where a counter would start again from the backup's value and
repeat numbers a running process has cached.

Not seen: writes that bypass `db.session` (raw DBAPI as in bench/generate.py,
Core connections, text() SQL, psql, data migrations, a hand-made Session). Such a
writer calls `touch()` on db.session before its commit, or the servers restart.
A bulk statement whose rows a watcher cannot tell (no WHERE, values inside the
statement) is charged to its widest scope.
"""
import secrets
from collections.abc import Hashable, Iterable

from sqlalchemy import BigInteger, String, bindparam, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from portal import memo
from portal.extensions import db

TOUCHED = "versions.touched"   # session.info: {watcher: set of keys} not yet bumped
BUMPED = "versions.bumped"     # session.info: bumped in this (still open) transaction
READS = "versions.reads"   # portal.memo: versions this worker read recently
CHUNK = 500                    # scopes per statement (bulk seeding touches thousands)


class DataVersion(db.Model):
    __tablename__ = "data_versions"

    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class Watcher:
    """What a feature says about writes: override the three methods."""

    def flushed(self, session: Session) -> Iterable[Hashable]:
        """Keys touched by the flush under way (called from after_flush, where
        session.new/dirty/deleted and attribute history still show the flush)."""
        return ()

    def statement(self, state) -> Iterable[Hashable]:
        """Keys touched by an ORM-enabled insert/update/delete about to run."""
        return ()

    def scopes(self, session: Session, keys: set) -> set[str]:
        """The scopes of these keys, as the database says now (may query)."""
        return set()


WATCHERS: list[Watcher] = []


def register(watcher: Watcher) -> Watcher:
    WATCHERS.append(watcher)
    return watcher


def touch(session: Session, key: Hashable, watcher: Watcher | None = None) -> None:
    """Mark a key (a scope string for the default) to be bumped at commit."""
    session.info.setdefault(TOUCHED, {}).setdefault(watcher or SCOPES, set()).add(key)


class _Scopes(Watcher):
    """Keys that are scopes already."""

    def scopes(self, session, keys):
        return set(keys)


SCOPES = _Scopes()


def uncommitted(session: Session) -> bool:
    """True while this session's transaction has written something a watcher
    watches: what it reads then is not what the versions say, so nothing read in
    it may be cached (call after a query, so that autoflush has run)."""
    if isinstance(session, scoped_session) and not session.registry.has():
        return False  # no session in this request yet: nothing written (and none made to say so)
    return bool(session.info.get(TOUCHED)) or bool(session.info.get(BUMPED))


def read(session: Session, scopes: list[str], max_age: float = 0.0) -> tuple:
    """The versions of these scopes, in order (None for a scope never bumped), in
    one statement. Read them before the data they stand for.

    With `max_age`, this worker answers from what it read of the same scopes at
    most that many seconds ago: a write through another worker is then seen that
    much later (a write through this one at once: `bump` forgets). Inside a
    transaction that has written, always from the database."""
    started = not isinstance(session, scoped_session) or session.registry.has()
    if started and (session.new or session.deleted or session.dirty):
        session.flush()  # as the ORM's autoflush would: pending writes are then "uncommitted"

    def fetch() -> tuple:
        # A Core statement built once on the session's connection: this read is part of
        # every page that shows the leave badge.
        found = dict(session.connection().execute(_READ, {"scopes": list(scopes)}).all())
        return tuple(found.get(scope) for scope in scopes)

    return memo.recent(READS, tuple(scopes), fetch, 0.0 if uncommitted(session) else max_age)


_READ = select(DataVersion.scope, DataVersion.version).where(
    DataVersion.scope.in_(bindparam("scopes", expanding=True)))


def bump(session: Session, scopes: Iterable[str]) -> None:
    """Give each scope a new version (insert the row if missing), atomically."""
    ordered = sorted(set(scopes))
    if not ordered:
        return
    dialect = session.connection().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the portal runs on these two
        raise RuntimeError(f"data versions need an upsert on {dialect}")
    table = DataVersion.__table__
    for start in range(0, len(ordered), CHUNK):
        rows = [{"scope": scope, "version": secrets.randbits(62)} for scope in ordered[start:start + CHUNK]]
        stmt = insert(table).values(rows)
        session.execute(stmt.on_conflict_do_update(index_elements=[table.c.scope],
                                                   set_={"version": stmt.excluded.version}))
    memo.forget(READS)  # this worker's own writes are seen at once


# -- the session hooks ----------------------------------------------------------------

@event.listens_for(db.session, "after_flush")
def _after_flush(session, flush_context):
    for watcher in WATCHERS:
        keys = set(watcher.flushed(session))
        if keys:
            session.info.setdefault(TOUCHED, {}).setdefault(watcher, set()).update(keys)


@event.listens_for(db.session, "do_orm_execute")
def _on_execute(state):
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    for watcher in WATCHERS:
        keys = set(watcher.statement(state))
        if keys:
            state.session.info.setdefault(TOUCHED, {}).setdefault(watcher, set()).update(keys)


@event.listens_for(db.session, "before_commit")
def _before_commit(session):
    # Also for a savepoint's release (the hook cannot tell which transaction
    # commits): bumping there is early, never missing.
    session.flush()
    touched = session.info.pop(TOUCHED, None)
    if not touched:
        return
    scopes = set()
    for watcher, keys in touched.items():
        scopes |= watcher.scopes(session, keys)
    bump(session, scopes)
    session.info[BUMPED] = True
    if session.connection().dialect.name == "sqlite":
        return  # a writer holds the write lock from BEGIN IMMEDIATE: nothing committed meanwhile
    # Once more, now that the rows are locked: a key's scope may have moved under
    # a concurrent transaction that committed meanwhile (a person moved to another
    # street while their leave was approved). That one bumped the old scope too,
    # so our bump above waited for its commit, and this read sees the move.
    again = set()
    for watcher, keys in touched.items():
        if watcher is not SCOPES:
            again |= watcher.scopes(session, keys)
    bump(session, again - scopes)


@event.listens_for(db.session, "after_transaction_end")
def _after_transaction_end(session, transaction):
    if transaction.parent is None:
        session.info.pop(TOUCHED, None)
        session.info.pop(BUMPED, None)
