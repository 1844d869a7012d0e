"""办事指南 search at a few hundred items (issue 17: "well under a second"), on SQLite or
PostgreSQL (BENCH_DATABASE_URL). Builds a scratch database: migrations, the demo district
and guide, then copies of the demo items under other names up to --items; times
portal.guide.rules.search and the /guide/?q= page for residents' phrasings.

    .venv/bin/python -m bench.guide_search [--items 300] [--repeat 20]

Prints milliseconds per phrasing (median and worst); no assertion: timings are read,
not tested (house rule)."""
import argparse
import statistics
import time
from datetime import UTC, datetime

from bench.common import make_app
from portal.auth.rules import DEMO_PASSWORD

PHRASINGS = ["低保", "居住证", "老年证", "计划生育", "残疾证", "就业登记", "我想办居住证", "低保怎么办",
             "孩子上学要开什么证明", "养老金认证", "x" * 1000, "' OR 1=1 --", "证"]
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def scratch_url(url: str | None) -> str:
    """A fresh database: a file under instance/bench/, or a PostgreSQL database
    guide_bench created next to the one named."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bench.common import BENCH_DIR
    from portal.config import database_url

    if not url:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        path = BENCH_DIR / "guide-search.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    parsed = make_url(database_url(url))
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS guide_bench"))
        conn.execute(text("CREATE DATABASE guide_bench"))
    admin.dispose()
    return parsed.set(database="guide_bench").render_as_string(hide_password=False)


def build(app, items: int) -> int:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from portal.auth.models import Account
    from portal.extensions import db
    from portal.guide import rules as guide
    from portal.guide.models import ServiceItem
    from portal.seed import seed_demo

    with app.app_context():
        upgrade()
        seed_demo(with_day=False, now=NOW)
        db.session.commit()
        admin = db.session.scalar(select(Account).where(Account.username == "admin"))
        base = list(db.session.scalars(select(ServiceItem).where(ServiceItem.scope_key == "d")
                                       .order_by(ServiceItem.id)))
        n = db.session.scalar(select(func.count()).select_from(ServiceItem))
        round_no = 1
        while n < items:
            for item in base:
                if n >= items:
                    break
                data = {name: getattr(item, name) for name, *_ in guide.FIELDS}
                data["name"] = f"{item.name}（样例{round_no}）"
                data["materials"] = item.materials
                guide.create_item(admin, None, data)
                n += 1
            round_no += 1
        db.session.commit()
        return n


def timed(fn, repeat: int) -> tuple[float, float]:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds) * 1000, max(seconds) * 1000


def main(argv=None) -> int:
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    url = scratch_url(os.environ.get("BENCH_DATABASE_URL"))
    app = make_app(url, now=NOW, WTF_CSRF_ENABLED=False)
    total = build(app, args.items)

    from sqlalchemy import select

    from portal.extensions import db
    from portal.guide import rules as guide
    from portal.org.models import Community

    client = app.test_client()
    client.post("/login", data={"username": "fuyuan_frontdesk", "password": DEMO_PASSWORD})
    page = client.get("/guide/", query_string={"q": "居住证"})
    assert page.status_code == 200 and "居住证申领" in page.text, page.status_code  # logged in, real page
    print(f"{url.split('://')[0]}: {total} items, {args.repeat} runs each; ms median / worst")
    print(f"{'phrasing':<24} {'rules':>16} {'page':>16}  first hit")
    with app.app_context():
        fuyuan = db.session.scalar(select(Community).where(Community.slug == "fuyuan"))
        for phrase in PHRASINGS:
            result = guide.search(phrase, fuyuan.id, fuyuan.street_id)
            rule_ms = timed(lambda p=phrase: guide.search(p, fuyuan.id, fuyuan.street_id), args.repeat)
            page_ms = timed(lambda p=phrase: client.get("/guide/", query_string={"q": p}), args.repeat)
            shown = phrase if len(phrase) <= 20 else phrase[:8] + f"…({len(phrase)})"
            first = result.items[0].name if result.items else (result.message or "—")
            print(f"{shown:<24} {rule_ms[0]:7.1f} /{rule_ms[1]:7.1f} {page_ms[0]:7.1f} /{page_ms[1]:7.1f}  {first}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
