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


def working_copy(url: str, name: str) -> str:
    """A copy of the generated district for one run that writes (status changes,
    leave decisions, the morning's 签到): every run then starts from the same data,
    and the frozen clock never meets events a previous run left on its day.
    SQLite: a file next to it; PostgreSQL: a database created from it as a template."""

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = parsed.database
        target = f"{source.removesuffix('.db')}.{name}.db"
        for suffix in ("-wal", "-shm", ""):
            if os.path.exists(target + suffix):
                os.remove(target + suffix)
        # SQLite's backup API: one consistent copy, WAL included, readers or not.
        import sqlite3

        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return parsed.set(database=target).render_as_string(hide_password=False)
    copy = f"{parsed.database}_{name}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{copy}"'))
        conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{parsed.database}"'))
    admin.dispose()
    return parsed.set(database=copy).render_as_string(hide_password=False)


def worker_rss_mb(server_pid: int) -> list[float]:
    """Resident memory (VmRSS, MB) of each gunicorn worker of this master."""
    import psutil

    try:
        children = psutil.Process(server_pid).children()
    except psutil.NoSuchProcess:
        return []
    return sorted(round(child.memory_info().rss / 2**20, 1) for child in children)
