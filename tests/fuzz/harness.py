"""One fuzzed POST and what must hold after it, whatever was sent:

* never a 5xx;
* refused input (a 4xx, or a redirect that flashes an error) leaves every table as it
  was and says why in Chinese, next to the field or at the top of the page;
* input that is accepted is in fact valid (the case's `refuse` oracle finds nothing
  wrong with it), and the user is told what happened.
"""
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote

from portal.extensions import db
from tests.conftest import Auth
from tests.fuzz.values import MISSING

CJK = re.compile(r"[\u4e00-\u9fff]")
MESSAGE_CLASSES = {"error", "flash-error", "problems", "card-errors"}


@dataclass
class Case:
    role: str | None                      # who posts (None: nobody is logged in)
    path: str | Callable                  # test_policy template, or fn(app) → path per example
    fields: dict = field(default_factory=dict)   # name → strategy
    files: dict = field(default_factory=dict)    # name → strategy of (filename, bytes) or MISSING
    refuse: Callable | None = None        # fn(seen form) → why this input must be refused, or None
    htmx: bool = False                    # also post as htmx (fragment answers)
    may_write_on_refusal: frozenset = frozenset()  # tables a refusal may still touch (e.g. login_attempts)
    after_success: Callable | None = None  # fn(fuzzer, seen form): restore what later examples rely on
    path_param: object = None             # strategy for a {param} segment of a string path
    silent_ok: bool = False               # accepting may change nothing and say nothing (same answer again)
    fill: Callable | None = None          # fn(form) → form: values known only once the path's object exists


class _Messages(HTMLParser):
    """Text inside elements whose class marks a message (.error, .flash-error, …)."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        if self.depth or classes & MESSAGE_CLASSES:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def messages_in(html: str) -> str:
    parser = _Messages()
    parser.feed(html)
    found = " ".join(parser.parts)
    if "错误代码" in html:  # the error page: title and explanation
        found += " " + " ".join(re.findall(r"<h1>([^<]*)</h1>", html))
    return found


def seen(value):
    """What request.form.get() sees for a generated value."""
    if value is MISSING:
        return None
    if isinstance(value, list):
        return value[0] if value else None
    return value


# Stored day results a page may fill on first read (days the night's day-close has
# not judged yet): derived from the data, never written from a form's input.
FILLED_ON_READ = frozenset({"attendance_days", "attendance_months", "attendance_weeks", "attendance_fill"})


def table_digests() -> dict[str, int]:
    """Every table's rows, order-free: an UPDATE shows as well as an INSERT. Read
    through the driver's own cursor (plain tuples) to keep an example quick."""
    digests = {}
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table in db.metadata.sorted_tables:
            if table.name in FILLED_ON_READ:
                continue
            cursor.execute(f'SELECT * FROM "{table.name}"')
            digests[table.name] = hash(frozenset(map(repr, cursor.fetchall())))
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return digests


class Fuzzer:
    def __init__(self, app, case: Case):
        self.app = app
        self.case = case
        self.path_template = None
        self.last_digests = None  # the tables as the previous example left them
        self.start_session()

    def start_session(self):
        """A new browser: logged in as the case's role, with its CSRF token."""
        self.client = self.app.test_client()
        self.auth = Auth(self.client)
        if self.case.role:
            assert self.auth.login(self.case.role).status_code == 302, self.case.role
            self.token = self.auth.token("/")
        else:
            self.token = self.auth.token("/login")

    def resolve_path(self, param) -> str:
        from tests.test_policy import resolve

        with self.app.app_context():
            if callable(self.case.path):
                path = self.case.path()
            else:
                if self.path_template is None:  # objects named once: a renamed account keeps its id
                    self.path_template = resolve(self.app, self.case.path.replace("{param}", "\x00"))
                path = self.path_template
        if param is not None:
            path = path.replace("\x00", quote(seen(param) or "", safe=""))
        return path

    def body(self, form: dict, files: dict, extra: dict, csrf: str) -> dict:
        data = {}
        for name, value in {**extra, **form}.items():
            if value is not MISSING:
                data[name] = value
        for name, value in files.items():
            if value is not MISSING:
                filename, content = value
                data[name] = (io.BytesIO(content), filename)
        if csrf == "valid":
            data["csrf_token"] = self.token
        elif csrf == "garbage":
            data["csrf_token"] = "伪造的令牌<script>"
        elif csrf == "altered":
            data["csrf_token"] = self.token[:-2] + ("AA" if not self.token.endswith("AA") else "BB")
        else:
            data.pop("csrf_token", None)
        return data

    def flashes(self) -> list[tuple[str, str]]:
        with self.client.session_transaction() as session:
            return list(session.pop("_flashes", []))

    def check(self, form: dict, files: dict, extra: dict, csrf: str, htmx: bool, param=None):
        path = self.resolve_path(param)
        if self.case.fill is not None:
            form = self.case.fill(form)
        before = self.last_digests
        if before is None or callable(self.case.path):  # a fresh object may have been made
            with self.app.app_context():
                before = table_digests()
        headers = {"HX-Request": "true"} if htmx else {}
        response = self.client.post(path, data=self.body(form, files, extra, csrf), headers=headers)
        with self.app.app_context():
            after = table_digests()
        self.last_digests = after
        flashes = self.flashes()
        status = response.status_code
        html = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
        if response.is_json:  # an answer to a script (the phone's 离线 queue): its reason is shown
            html = f'<p class="error">{(response.get_json(silent=True) or {}).get("reason", "")}</p>'
        changed = sorted(name for name in before if before[name] != after[name])
        where = f"POST {path} ({'htmx' if htmx else 'page'}, csrf {csrf}) → {status}"

        assert status < 500, f"{where}: server error\n{html[:2000]}"
        errors = [message for category, message in flashes if category == "error"]
        refused = status >= 400 or bool(errors)
        if refused:
            touched = set(changed) - self.case.may_write_on_refusal
            assert not touched, f"{where}: refused, yet wrote to {sorted(touched)}"
            message = " ".join(errors) + " " + messages_in(html)
            assert CJK.search(message), f"{where}: refused without a Chinese message\n{html[:2000]}"
            return
        if param is not None:
            form = {**form, "param": param}
        why = self.case.refuse(form) if (self.case.refuse and csrf == "valid") else None
        if csrf != "valid":
            why = "the CSRF token was missing or wrong"
        if why:
            assert not changed, f"{where}: accepted and wrote {changed} although {why}"
            # Not written and not a redirect: a page that must say what is wrong.
            assert status < 300 and CJK.search(messages_in(html)), \
                f"{where}: {why}, yet answered without an error message\n{html[:2000]}"
            return
        if 300 <= status < 400 and not changed and not flashes and not self.case.silent_ok:
            raise AssertionError(f"{where}: nothing saved and nothing said")
        if self.case.after_success is not None and (changed or flashes or status < 300):
            with self.app.app_context():
                self.case.after_success(self, form)
            self.last_digests = None
