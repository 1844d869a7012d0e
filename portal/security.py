"""Response headers of the security baseline, and the session cookie's reading."""
import copy
import time

from flask import request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import BadSignature

from portal import memo

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


BASELINE = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def set_security_headers(response):
    """Each baseline header a view did not set itself, added in one call (every
    response passes here, the board's 5 s poll too)."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    headers.extend([(name, value) for name, value in BASELINE if name.lower() not in present])
    if request.endpoint != "static" and headers.get("Cache-Control") != "no-store" and current_user.is_authenticated:
        # Pages of a logged-in user must not outlive logout in any cache.
        headers["Cache-Control"] = "no-store"
    return response


class KeptCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with each cookie's signature checked and its
    payload decoded once per worker (portal.memo): the cookie is set at login and not
    re-signed on later requests (SESSION_REFRESH_EACH_REQUEST off), so an open board
    sends the same cookie with every 5 s poll, and checking it cost as much as the
    poll's own work. Only a cookie whose signature verified is kept, under its whole
    text; its age is compared with the session's lifetime on every request."""

    def get_signing_serializer(self, app):
        # Built once per secret (Flask builds one per request).
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializers = app.extensions.setdefault("security.serializers", {})
        if key not in serializers:
            serializers.clear()
            serializers[key] = super().get_signing_serializer(app)
        return serializers[key]

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())

        verified = []

        def decode():
            try:
                found = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return None
            verified.append(True)
            return found

        # A cookie that failed its check is not kept: junk cookies cannot crowd out good ones.
        found = memo.kept(COOKIES, value, decode, dirty=False, size=4096, clean_after=lambda: bool(verified)).data
        if found is None:
            return self.session_class()
        data, signed_at = found
        age = time.time() - signed_at.timestamp()
        if age > max_age or age < 0:
            return self.session_class()
        return self.session_class(copy.deepcopy(data))


COOKIES = "security.cookies"
