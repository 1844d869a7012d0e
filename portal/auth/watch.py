"""A login session and the page frame it is read with (its account, person,
community and street) change only by a few writes: a logout or revocation
(login_sessions.revoked_at), an edit of an account, a person or a unit. Each bumps
one data version, LOGINS, in the same transaction, so that a worker may keep a
session's facts (`rules.session_alive`) and its account (`rules.load_session`)
under it and still refuse a cookie revoked through any worker within
VERSIONS_MAX_AGE. A new login bumps nothing: no kept fact is about it yet, and an
account's last_login_at is shown by no page a kept account serves.

FEEDS names the tables this covers; tests/test_kept_pages.py checks that the kept
facts read no other and that a write to each changes the version.
"""
from sqlalchemy import inspect

from portal import versions

LOGINS = "logins"
FEEDS = frozenset({"login_sessions", "accounts", "people", "communities", "streets"})
# None: every column.
_FIELDS = {"login_sessions": ("revoked_at", "expires_at", "account_id"), "accounts": None, "people": None,
           "communities": None, "streets": None}
_IGNORED = frozenset({"last_login_at"})


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    if fields is None:
        return any(attr.history.has_changes() for attr in state.attrs if attr.key not in _IGNORED)
    return any(state.attrs[name].history.has_changes() for name in fields)


class LoginWatcher(versions.Watcher):
    def flushed(self, session):
        for obj in (*session.dirty, *session.deleted):
            table = getattr(obj, "__tablename__", None)
            if table in _FIELDS and (obj in session.deleted or _changed(obj, _FIELDS[table])):
                return {LOGINS}
        return ()

    def statement(self, state):
        """Bulk updates and deletes (every session of an account revoked at once)."""
        mapper = state.bind_mapper
        if state.is_insert or mapper is None or mapper.local_table.name not in _FIELDS:
            return ()
        return {LOGINS}

    def scopes(self, session, keys):
        return set(keys)


WATCHER = versions.register(LoginWatcher())
