"""Browser journeys: a live server on a copy of the seeded demo district, driven by
Debian's Chromium through Playwright.

Every test under tests/e2e is marked `e2e`. Without /usr/bin/chromium the tests
are skipped, except in CI (CI=true), where a missing browser fails them: there the
journeys must run. Playwright never downloads a browser here.

Each page a test opens records its console messages, page errors and CSP
violations; when the test ends, any page error, CSP violation or CSP console error
("Refused to …" / "… violates the following Content Security Policy directive") fails it. Screenshots go to artifacts/screenshots/ at the repo root.
"""
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from tests.conftest import DEMO_PASSWORD, make_app

from . import a11y

# E2E_CHROMIUM points elsewhere only to try the skip/fail path; Playwright never downloads one.
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
IN_CI = os.environ.get("CI") == "true"
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
AXE_REPORTS = REPO_ROOT / "artifacts" / "axe"

DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
COMMON_CONTEXT = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
TIMEOUT_MS = 10_000

E2E_DIR = Path(__file__).resolve().parent

# Older Chromium said "Refused to … because it violates the following
# Content-Security-Policy directive"; Chromium 156 says "Executing inline script
# violates the following Content Security Policy directive". Either counts.
CSP_CONSOLE = re.compile(r"Content[- ]Security[- ]Policy|Refused to", re.IGNORECASE)

# Reports CSP violations to Python from every document, before any page script runs.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__e2eCspViolation(e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                           + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


# --- the live server -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def live_app(sqlite_template, tmp_path_factory):
    """The testing app on its own copy of the seeded demo database (one per session:
    the journeys only read, apart from login sessions and login attempts)."""
    path = tmp_path_factory.mktemp("e2e") / "portal.db"
    shutil.copyfile(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", VERSIONS_MAX_AGE=1.0)  # as in production
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """Base URL of the app served by werkzeug on 127.0.0.1, on a free port."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# --- the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; the browser journeys need Debian's chromium"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: e2e tests must run, not skip)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageLog:
    """What one page reported while a test drove it."""

    label: str
    console: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)  # paths the page navigated to, in order

    def problems(self) -> list[str]:
        found = [f"page error: {e}" for e in self.page_errors]
        found += [f"CSP violation: {v}" for v in self.csp_violations]
        found += [f"console error: {m}" for m in self.console_errors if CSP_CONSOLE.search(m)]
        return [f"[{self.label}] {p}" for p in found]


class Pages:
    """Opens pages in fresh browser contexts and watches what they report."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.contexts = []
        self.logs: dict = {}  # page -> PageLog

    def new(self, label: str = "desktop", **context_options):
        options = {**COMMON_CONTEXT, **(context_options or DESKTOP)}
        context = self.browser.new_context(base_url=self.base_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        log = PageLog(label)
        self.logs[page] = log
        page.expose_function("__e2eCspViolation", lambda text: log.csp_violations.append(text))
        page.add_init_script(CSP_LISTENER)
        page.on("console", lambda msg: self._console(log, msg))
        page.on("pageerror", lambda error: log.page_errors.append(str(error)))
        page.on("framenavigated", lambda frame: self._visited(page, frame, log))
        return page

    @staticmethod
    def _visited(page, frame, log: PageLog) -> None:
        path = a11y.path_of(frame.url) if frame == page.main_frame else None
        if path is not None and path not in log.visited:
            log.visited.append(path)

    def accessibility_problems(self) -> list[str]:
        """axe-core on every page visited, again at phone and desk sizes (tests/e2e/a11y.py)."""
        visits = [(page.context, log.visited) for page, log in self.logs.items() if not page.is_closed()]
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        return a11y.check_pages(self.browser, self.base_url, visits, {"phone": PHONE, "desk": DESKTOP},
                                COMMON_CONTEXT, AXE_REPORTS / f"{worker}.jsonl")

    @staticmethod
    def _console(log: PageLog, msg) -> None:
        text = f"{msg.type}: {msg.text}"
        log.console.append(text)
        if msg.type == "error":
            log.console_errors.append(msg.text)

    def log_of(self, page) -> PageLog:
        return self.logs[page]

    def problems(self) -> list[str]:
        return [p for log in self.logs.values() for p in log.problems()]

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "the browser reported:\n" + "\n".join(problems)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, live_server, request):
    """A factory of watched pages; at the end of the test every one must be clean."""
    pages = Pages(browser, live_server)
    yield pages
    call = getattr(request.node, "e2e_report_call", None)
    if call is not None and call.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        stem = "FAILED-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in request.node.name)
        for n, page in enumerate(pages.logs):
            if not page.is_closed():
                try:
                    page.screenshot(path=SCREENSHOTS / f"{stem}-{n}.png", full_page=True)
                except Exception:  # noqa: BLE001 - a diagnostic only
                    pass
    try:
        pages.assert_clean()
        if call is not None and call.passed:
            problems = pages.accessibility_problems()
            assert not problems, "axe-core found:\n" + "\n".join(problems)
    finally:
        pages.close()


@pytest.fixture
def page(pages):
    """A fresh desktop (1366×900) context and page."""
    return pages.new("desktop")


@pytest.fixture(scope="session")
def screenshots_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def demo_password():
    return DEMO_PASSWORD
