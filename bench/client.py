"""Blocking HTTP of the bench's setup and write stream: log in through the login form,
read the CSRF token a page hands htmx, post a form as htmx would. Standard library
only, one connection per request (gunicorn's sync workers close them anyway)."""
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = "demo-pass-2026"  # noqa: S105 - the demo accounts' password, demo mode only
CSRF_HEADER = re.compile(r"hx-headers='([^']+)'")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(base: str, username: str) -> str:
    """The Cookie header of a fresh login session of `username`."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(f"{base}/login", data=form).read()
    cookies = {c.name: c.value for c in jar}
    if "portal_session" not in cookies:
        raise SystemExit(f"login of {username} failed")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def csrf_of(html: str) -> str:
    """The token every page puts in <body hx-headers>, as htmx sends it."""
    return json.loads(CSRF_HEADER.search(html).group(1))["X-CSRFToken"]


def get(base: str, path: str, cookie: str, htmx: bool = False, timeout: float = 120) -> tuple[int, str]:
    headers = {"Cookie": cookie, **({"HX-Request": "true"} if htmx else {})}
    return _open(urllib.request.Request(base + path, headers=headers), timeout)


def post(base: str, path: str, cookie: str, token: str, form: dict, timeout: float = 60) -> tuple[int, str]:
    """A form POST with the CSRF token in the header and the field, as htmx's
    hx-headers and a plain form would send it; redirects are not followed."""
    data = urllib.parse.urlencode({**form, "csrf_token": token}).encode()
    headers = {"Cookie": cookie, "X-CSRFToken": token, "HX-Request": "true"}
    return _open(urllib.request.Request(base + path, data=data, headers=headers), timeout)


def _open(request, timeout) -> tuple[int, str]:
    try:
        response = urllib.request.build_opener(NoRedirect).open(request, timeout=timeout)
        return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
