"""axe-core on every page a journey visited, at phone and desk sizes.

When a journey has passed, each page its browser contexts navigated to is opened
again with the same login (the context's cookies), at 390×844 and at 1366×900,
and axe-core (vendored: tests/e2e/axe/) runs on it. Any serious or critical
violation fails the journey. Each page checked is appended to
artifacts/axe/<process>.jsonl, which the session's summary counts.
"""
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

AXE = (Path(__file__).resolve().parent / "axe" / "axe.min.js").read_text(encoding="utf-8")
FAILING = ("serious", "critical")
SKIPPED_PATHS = ("/logout",)

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ")), count: v.nodes.length}));
}"""


def path_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.path in SKIPPED_PATHS:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now (evaluated through the
    DevTools protocol, so the portal's CSP needs no exception for it)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE)
    return page.evaluate(RUN_AXE)


def check_pages(browser, base_url: str, visits: list[tuple[object, list[str]]], sizes: dict,
                context_options: dict, report: Path) -> list[str]:
    """Each (context, paths) visited again at every size with that context's cookies;
    the serious and critical violations found, as lines."""
    problems = []
    report.parent.mkdir(parents=True, exist_ok=True)
    with report.open("a", encoding="utf-8") as out:
        for context, paths in visits:
            if not paths:
                continue
            state = context.storage_state()
            for size, options in sizes.items():
                checker = browser.new_context(base_url=base_url, storage_state=state,
                                              **{**context_options, **options})
                try:
                    page = checker.new_page()
                    for path in paths:
                        response = page.goto(path)
                        if response is None or "text/html" not in response.headers.get("content-type", ""):
                            continue
                        page.wait_for_load_state("load")
                        found = violations(page)
                        bad = [v for v in found if v["impact"] in FAILING]
                        out.write(json.dumps({"path": path, "size": size, "serious": len(bad),
                                              "other": sorted(f"{v['impact']}:{v['id']} {' | '.join(v['nodes'])}"
                                                              for v in found if v not in bad), "pid": os.getpid()},
                                             ensure_ascii=False) + "\n")
                        problems += [f"axe {v['impact']} {v['id']} at {size} on {path}: {v['help']} "
                                     f"({v['count']} elements, e.g. {', '.join(v['nodes'])})" for v in bad]
                finally:
                    checker.close()
    return problems
