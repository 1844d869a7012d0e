"""Response headers of the security baseline."""
from flask import request
from flask_login import current_user

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
