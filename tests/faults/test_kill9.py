"""kill -9 of the server in the middle of a write load: after a restart the
database passes its integrity check, and every status change that was answered
2xx is there, with its audit entry and its card (社工去向指示牌).

gunicorn runs as a real subprocess on 127.0.0.1 against a copy of the seeded
database; eight workers of 富源社区 keep pressing their own status buttons over
HTTP until the whole process group is killed with SIGKILL.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from sqlalchemy import func, select, text

from portal.activity.models import ActivityEvent, CurrentStatus, EventKind
from portal.audit.models import AuditEntry
from portal.auth.models import Account
from portal.extensions import db
from portal.org.models import Community
from tests.conftest import DEMO_PASSWORD, csrf_token_from, make_app
from tests.faults.conftest import quick_logins

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]
WORKERS = [f"fuyuan_worker{n:02d}" for n in range(1, 9)]
KINDS = ("errand", "back", "meeting")
ANSWERED_BEFORE_KILL = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn in its own process group, so that SIGKILL takes master and workers at once."""

    def __init__(self, database_url: str, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PORTAL_CONFIG": "demo", "DATABASE_URL": database_url,
               "SECRET_KEY": "kill-nine-test-secret-key-0123456789abcdef"}
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--preload", "--timeout", "60", "app:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, log.read_text()
            try:
                if Browser(self.base).get("/login")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("server did not come up:\n" + log.read_text())

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.log.close()


class Browser:
    """A browser's cookie jar and form posts, over real HTTP."""

    def __init__(self, base: str):
        self.base = base
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))
        self.token = None

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except HTTPError as error:
            return error.code, error.read().decode()

    def get(self, path):
        return self._open(self.base + path)

    def post(self, path, data, headers=None):
        return self._open(Request(self.base + path, data=urlencode(data).encode(), headers=headers or {},
                                  method="POST"))

    def login(self, username):
        token = csrf_token_from(self.get("/login")[1])
        status, home = self.post("/login", {"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
        assert status == 200, status
        self.token = csrf_token_from(home)


@pytest.fixture
def server_db(database_url):
    app = make_app(database_url)
    with app.app_context():
        quick_logins()
        community = db.session.scalar(select(Community.id).where(Community.slug == "fuyuan"))
        people = dict(db.session.execute(select(Account.username, Account.person_id)
                                         .where(Account.username.in_(WORKERS))).all())
        db.engine.dispose()
    return database_url, community, people


def test_kill_nine_during_writes_loses_no_answered_change(server_db, tmp_path):
    url, community, people = server_db
    log = tmp_path / "gunicorn.log"
    server = Server(url, log)
    answered: list[tuple[str, int]] = []   # (note, status) of every request that got an answer
    unanswered: list[str] = []
    killed = threading.Event()

    def press_until_killed(username):
        browser = Browser(server.base)
        browser.login(username)
        path = f"/board/{community}/people/{people[username]}/status"
        n = 0
        while True:
            note = f"{username}-{n}"
            try:
                status, _ = browser.post(path, {"kind": KINDS[n % len(KINDS)], "note": note,
                                                "csrf_token": browser.token}, headers={"HX-Request": "true"})
            except OSError:
                unanswered.append(note)  # the server died under this request
                return
            answered.append((note, status))
            if killed.is_set():
                return
            n += 1

    threads = [threading.Thread(target=press_until_killed, args=(u,)) for u in WORKERS]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(answered) < ANSWERED_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()  # SIGKILL while eight requests are in flight
        killed.set()
        for t in threads:
            t.join(timeout=60)
    finally:
        if server.process.poll() is None:
            server.kill()
    assert len(answered) >= ANSWERED_BEFORE_KILL, log.read_text()
    assert all(status == 200 for _, status in answered), [a for a in answered if a[1] != 200][:5]
    assert unanswered, "the kill should have cut some requests off"

    # Restart on the same database: it serves and writes again.
    server = Server(url, log)
    try:
        browser = Browser(server.base)
        browser.login(WORKERS[0])
        status, _ = browser.post(f"/board/{community}/people/{people[WORKERS[0]]}/status",
                                 {"kind": "meeting", "note": "重启后", "csrf_token": browser.token},
                                 headers={"HX-Request": "true"})
        assert status == 200
    finally:
        server.kill()

    app = make_app(url)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
            assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        events = db.session.scalars(select(ActivityEvent)).all()
        notes = {e.note for e in events}
        lost = [note for note, _ in answered if note not in notes]
        assert lost == [], f"answered 200 but not in the database: {lost}"
        assert "重启后" in notes
        # No half-written change: each event has its audit entry, each card its latest event.
        audited = set(db.session.scalars(select(AuditEntry.object_id)
                                         .where(AuditEntry.action == "board.status_set")))
        assert {str(e.id) for e in events} == audited
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "board.status_set")) == len(events)
        latest = defaultdict(int)
        for e in events:
            latest[e.person_id] = max(latest[e.person_id], e.id)
        for person_id, event_id in latest.items():
            assert db.session.get(CurrentStatus, person_id).event_id == event_id
        # Requests cut off by the kill either committed whole or not at all (a worker's
        # first change of the day also wrote the 签到 it implies).
        changes = [e for e in events if e.kind is not EventKind.CLOCK_IN]
        assert len(changes) <= len(answered) + len(unanswered) + 1
        db.engine.dispose()
