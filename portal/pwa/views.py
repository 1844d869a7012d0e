"""The manifest (Chinese name, the portal's icons, theme colour; opens on the
worker's 我的状态 = the home page) and the service worker script.

The worker (static/js/sw.js) is sent from /sw.js so that its scope is the whole
portal; its cache name carries a hash of the static files it keeps, so a new
release replaces them. No data is kept but the last home page, which it shows
offline only with a banner saying so (see sw.js)."""
import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, url_for

bp = Blueprint("pwa", __name__)
THEME = "#b4232a"
SHELL = ("css/portal.css", "js/portal.js", "js/offline-queue.js", "js/notices.js", "js/keep-forms.js", "vendor/htmx-2.0.11.min.js",
         "icons/portal.svg", "icons/portal-192.png", "icons/portal-512.png")


@cache
def _release(static_folder: str) -> str:
    """A hash of the worker and the shell's files: a new release, a new cache."""
    digest = hashlib.sha256()
    for name in ("js/sw.js", *SHELL):
        digest.update((Path(static_folder) / name).read_bytes())
    return digest.hexdigest()[:12]


@bp.get("/manifest.webmanifest")
def manifest():
    icon = lambda name, size, purpose="any": {  # noqa: E731
        "src": url_for("static", filename=f"icons/{name}"), "sizes": size, "purpose": purpose,
        "type": "image/svg+xml" if name.endswith(".svg") else "image/png"}
    body = {
        "name": "青山区社区网格工作门户", "short_name": "青山网格", "lang": "zh-CN",
        "description": "网格员的状态、考勤、请假和消息",
        "id": url_for("home.index"), "start_url": url_for("home.index") + "?from=app",
        "scope": url_for("home.index"), "display": "standalone",
        "theme_color": THEME, "background_color": "#f4f6f8",
        "icons": [icon("portal.svg", "any"), icon("portal-192.png", "192x192"), icon("portal-512.png", "512x512"),
                  icon("portal-maskable-512.png", "512x512", "maskable")],
    }
    response = current_app.response_class(current_app.json.dumps(body), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    static = Path(current_app.static_folder)
    script = (static / "js" / "sw.js").read_text(encoding="utf-8")
    shell = [url_for("static", filename=name) for name in SHELL]
    head = (f"const RELEASE = {current_app.json.dumps(_release(str(static)))};\n"
            f"const SHELL = {current_app.json.dumps(shell)};\n"
            f"const HOME = {current_app.json.dumps(url_for('home.index'))};\n")
    response = current_app.response_class(head + script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for("home.index")
    return response
