"""Bounded per-process memory for rendered pieces that are keyed by the version of
what they show (each gunicorn worker has its own; a version read from the
database tells them all when to stop using an entry)."""
import threading
from collections import OrderedDict

from flask import current_app


class Memo:
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

    def discard(self, matches) -> None:
        """Drop every entry whose (key, value) `matches`."""
        with self.lock:
            for key in [k for k, v in self.entries.items() if matches(k, v)]:
                del self.entries[key]


def memo(name: str, size: int = 256) -> Memo:
    """The app's (this worker's) memo of that name."""
    memos = current_app.extensions.setdefault("memos", {})
    if name not in memos:
        memos[name] = Memo(size)
    return memos[name]
