"""What a worker process keeps in memory, and the one rule it is kept by.

The portal's figures are stored in the database by the writes that change their
inputs (portal.attendance.days); pages read them. A few pages are still asked for
so often that each gunicorn worker keeps what it rendered, and it keeps it only
one way: **under versions read from the database** (portal.versions' data
versions, the boards' versions of portal.activity), which every write to an input
changes in its own transaction. Two functions, nothing else:

- `kept(name, key, compute)`: a value computed under `key`, which holds the
  versions read before the data. A changed version is a new key, so nothing kept
  is ever served after a write has committed and its version been read.
- `recent(name, key, read, max_age)`: the versions themselves, read at most
  `max_age` seconds ago by this worker (VERSIONS_MAX_AGE, 1 s in production; 0 in
  the tests). The board's 5 s poll is the reason: a write through another worker is
  seen at most that much later; a write through this one is forgotten at once
  (`forget`).

Which tables feed each kept page, and that each of them changes the page's
versions, is checked by tests/test_kept_pages.py.
"""
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from time import monotonic

from flask import current_app, has_app_context
from markupsafe import Markup


class _Memo:
    """A small LRU map: `get` refreshes an entry, `put` evicts the oldest beyond `size`."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()  # a threaded server shares one app between requests

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def drop(self, key=None) -> None:
        with self.lock:
            if key is None:
                self.entries.clear()
            else:
                self.entries.pop(key, None)


def _memo(name: str, size: int) -> _Memo:
    memos = current_app.extensions.setdefault("memos", {})
    if name not in memos:
        memos[name] = _Memo(size)
    return memos[name]


@dataclass
class Kept:
    """Plain data (no ORM instances of a request: they expire with it; a detached copy
    that requests only merge without a load is fine) and the HTML fragments rendered
    from it, once per key."""

    data: object
    html: dict = field(default_factory=dict)

    def fragment(self, name: str, render: Callable[[], str]) -> Markup:
        found = self.html.get(name)
        if found is None:
            found = self.html[name] = Markup(render())
        return found


def kept(name: str, key: Hashable, compute: Callable[[], object], dirty: bool, size: int = 32,
         clean_after: Callable[[], bool] = lambda: True) -> Kept:
    """What `compute` gives, from this worker's memory while `key` (holding the
    versions read before the data) is unchanged. `dirty`: this transaction has
    written what it reads, so nothing is kept; `clean_after` says whether it still
    holds after computing (computing may write, e.g. a default row created)."""
    if dirty:
        return Kept(compute())
    store = _memo(name, size)
    found = store.get(key)
    if found is None:
        found = Kept(compute())
        if clean_after():
            store.put(key, found)
    return found


def recent(name: str, key: Hashable, read: Callable[[], object], max_age: float, size: int = 4096):
    """What `read` gave for `key` at most `max_age` seconds ago in this worker (a
    fresh read with max_age 0)."""
    if max_age <= 0:
        return read()
    store = _memo(name, size)
    found = store.get(key)
    moment = monotonic()
    if found is None or moment - found[1] >= max_age:
        found = (read(), moment)
        store.put(key, found)
    return found[0]


def forget(name: str, key: Hashable | None = None) -> None:
    """This worker's own writes are seen by its next read at once: drop `key` (or
    everything) from `name`."""
    if has_app_context():
        memos = current_app.extensions.get("memos", {})
        if name in memos:
            memos[name].drop(key)
