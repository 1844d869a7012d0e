"""What the bench generator, server and runner share: where the bench database is,
and how the app is built against it (demo mode, clock frozen at the generation's
"now", so a poll stays unchanged however long the run takes)."""
import os
from datetime import UTC, datetime

from portal.config import INSTANCE_PATH, database_url

BENCH_DIR = INSTANCE_PATH / "bench"
SECRET = "bench-only-secret-key-0123456789abcdefghijklmnop"  # noqa: S105 - loopback bench, demo mode


def bench_url(url: str | None = None) -> str:
    """BENCH_DATABASE_URL (a postgresql:// URL) or instance/bench/bench.db."""
    url = url or os.environ.get("BENCH_DATABASE_URL")
    if not url:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{BENCH_DIR / 'bench.db'}"
    return database_url(url)


def make_app(url: str, now: datetime | None = None, **extra):
    from portal import create_app

    config = {"CONFIG_NAME": "demo", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
              "CLOCK_NOW": now, **extra}
    return create_app(config)


def read_now(app) -> datetime:
    """The instant the bench district was generated for (kept in bench_meta)."""
    from sqlalchemy import text

    from portal.extensions import db

    with app.app_context():
        value = db.session.execute(text("SELECT value FROM bench_meta WHERE key = 'now'")).scalar_one()
        return datetime.fromisoformat(value).astimezone(UTC)
