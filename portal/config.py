"""Configuration classes, chosen by PORTAL_CONFIG (production unless told otherwise)."""
import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = PROJECT_ROOT / "instance"

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused by check_deploy


def database_url(url: str | None) -> str:
    """Normalise DATABASE_URL: plain postgres URLs get the psycopg 3 driver."""
    if not url:
        return f"sqlite:///{INSTANCE_PATH / 'portal.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    DEMO_MODE = False
    TESTING = False

    # A board left open all day must keep posting: the CSRF token lives as long as
    # the login session instead of Flask-WTF's default hour.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True

    SESSION_COOKIE_NAME = "portal_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # One working day on a shared desk; the server-side login session expires too.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=13)
    LOGIN_SESSION_HOURS = 13
    REMEMBER_COOKIE_DURATION = timedelta(0)
    # The cookie is set at login with the login session's lifetime; re-signing it on
    # every request (every 5 s poll of an open board) would extend nothing.
    SESSION_REFRESH_EACH_REQUEST = False

    LOGIN_WINDOW_MINUTES = 15
    LOGIN_MAX_FAILURES_PER_USERNAME = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 30
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (werkzeug
    # ProxyFix). 0: none, the peer's address is the client's. Behind the office's one HTTPS
    # proxy: 1 (env PROXY_HOPS=1), so throttles, sessions and the audit log see users' own addresses.
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0") or 0)
    TEMPORARY_PASSWORD_HOURS = 72  # a password an administrator set stops working after this

    # 请假: longer leave also needs the 街镇's decision; the approver is warned when
    # fewer than this share of a community's staff would remain on duty.
    LEAVE_STREET_APPROVAL_OVER_DAYS = 3
    LEAVE_MIN_ON_DUTY_RATIO = 0.7
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024

    # Seconds a worker reuses the versions it read (a board's, the data versions behind
    # the kept 考勤表 and approval queues; portal.memo): a change written through
    # another worker reaches open pages and polls this much later (boards poll every
    # 5 s; writes of the same worker are seen at once). 0: read on every request.
    VERSIONS_MAX_AGE = 1.0


    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    TIMEZONE = "Asia/Shanghai"
    # Freezes clock.now() for tests and demos; an aware datetime or None.
    CLOCK_NOW = None


class DemoConfig(Config):
    """`make run`: the seeded demo district, where demo-pass-2026 is accepted."""

    DEMO_MODE = True


class TestingConfig(Config):
    TESTING = True
    DEMO_MODE = True
    WTF_CSRF_ENABLED = True
    SECRET_KEY = "testing-secret-key-of-enough-length-0123456789"
    # Every request reads afresh, so that statement counts don't depend on timing;
    # the tests of the workers' memory and the browser journeys set them.
    VERSIONS_MAX_AGE = 0.0


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "production": ProductionConfig,
    "demo": DemoConfig,
    "development": DemoConfig,
    "testing": TestingConfig,
}


def check_deploy(config) -> list[str]:
    """Problems that make a configuration unfit for production, in the manner of
    Django's `check --deploy`. An empty list means fit."""
    problems = []
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < 32:
        problems.append("SECRET_KEY 未设置或过短（至少 32 个字符）")
    elif len(set(key)) < 16:
        # 32 × "a" is 32 characters of nothing: a generated key (secrets.token_urlsafe(48)) has ~40 distinct.
        problems.append("SECRET_KEY 过于简单（不同字符太少），请用 secrets.token_urlsafe(48) 生成")
    if config.get("DEMO_MODE"):
        problems.append("DEMO_MODE 已开启：演示密码可以登录")
    if config.get("DEBUG"):
        problems.append("DEBUG 已开启")
    if config.get("TESTING"):
        problems.append("TESTING 已开启")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE 未开启")
    if not config.get("SESSION_COOKIE_HTTPONLY"):
        problems.append("SESSION_COOKIE_HTTPONLY 未开启")
    if config.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        problems.append("SESSION_COOKIE_SAMESITE 应为 Lax 或 Strict")
    if config.get("WTF_CSRF_ENABLED") is False:
        problems.append("CSRF 保护被关闭")
    if config.get("REMEMBER_COOKIE_DURATION") and config["REMEMBER_COOKIE_DURATION"].total_seconds() > 0:
        problems.append("不应使用长期“记住我” Cookie")
    return problems
