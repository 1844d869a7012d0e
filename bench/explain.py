"""The query plans of the hot routes, on the bench database (SQLite or PostgreSQL):

    python -m bench.explain [--db URL] [--verbose]

Runs each measured route once through the Flask test client of the bench app (plus
the worker's own 考勤 page and a community's event log, which also read the event
table), captures every SQL statement with its parameters, and asks the database for
its plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL). Prints the plans of
the statements that touch activity_events (all of them with --verbose) and exits 1
if any plan reads the event table in full (SQLite "SCAN activity_events" without an
index, PostgreSQL "Seq Scan on activity_events").
"""
import argparse
import re
import sys

from flask import has_request_context
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from bench.client import PASSWORD
from bench.common import bench_url, make_app, read_now
from bench.run import Endpoint, endpoints, route_ids

EVENT_TABLE = "activity_events"
# Tables that grow with the years: a full scan of one is reported (not a failure).
GROWING = ("leave_requests", "attendance_corrections", "inspections", "inspection_answers", "corrective_actions",
           "audit_entries", "login_attempts", "login_sessions", "bulletins")


def full_scan(dialect: str, plan: list[str], table: str = EVENT_TABLE) -> bool:
    for line in plan:
        if dialect == "sqlite" and re.search(rf"\bSCAN {table}\b", line) and "USING" not in line:
            return True
        if dialect == "postgresql" and re.search(rf"Seq Scan on {table}\b", line):
            return True
    return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    url = bench_url(args.db)
    app = make_app(url)
    now = read_now(app)
    app.config["CLOCK_NOW"] = now
    from portal.extensions import db

    with app.app_context():
        years = float(db.session.execute(text("SELECT value FROM bench_meta WHERE key = 'years'")).scalar_one())
    ids = route_ids(app, now, years)
    fangzhi = ids["fangzhi"]
    points = [p for p in endpoints(ids) if not p.key.startswith("bare")] + [
        Endpoint("me", "worker's own 考勤", "fangzhi_worker01", "/attendance/me"),
        Endpoint("log", "community event log, today", "fangzhi_secretary", f"/board/{fangzhi}/log"),
        Endpoint("sheet-community", "month 考勤表, 纺织社区", "fangzhi_secretary", f"/attendance/sheet?community={fangzhi}"),
    ]
    captured: list[tuple[str, str, object]] = []
    current = {"key": None}

    @event.listens_for(Engine, "before_cursor_execute")
    def capture(conn, cursor, statement, parameters, context, executemany):
        if has_request_context() and current["key"] and statement.lstrip().upper().startswith("SELECT"):
            captured.append((current["key"], statement, parameters))

    clients = {}
    for point in points:
        client = clients.get(point.user)
        if client is None:
            client = clients[point.user] = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            client.post("/login", data={"username": point.user, "password": PASSWORD, "csrf_token": token})
        if point.key == "poll":
            from bench.run import poller_path

            point.path = poller_path(client.get(f"/board/{fangzhi}").get_data(as_text=True))
        current["key"] = point.key
        response = client.get(point.path, headers={"HX-Request": "true"} if point.htmx else {})
        current["key"] = None
        if response.status_code != point.expect:
            print(f"{point.key}: {point.path} answered {response.status_code}", file=sys.stderr)
            return 2

    failures = 0
    warnings = []
    with app.app_context():
        engine = db.engine
        dialect = engine.dialect.name
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            seen = set()
            for key, statement, parameters in captured:
                if (key, statement) in seen:
                    continue
                seen.add((key, statement))
                prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
                cursor.execute(prefix + statement, parameters)
                rows = cursor.fetchall()
                plan = [" ".join(str(c) for c in row[-1:]) if dialect == "sqlite" else row[0] for row in rows]
                touches = EVENT_TABLE in statement
                bad = touches and full_scan(dialect, plan)
                failures += bad
                scanned = [t for t in GROWING if full_scan(dialect, plan, t)]
                if scanned:
                    warnings.append((key, scanned))
                if touches or args.verbose or bad or scanned:
                    flat = " ".join(statement.split())
                    flat = re.sub(r"(\?, |%\(\w+\)s, ){4,}", "…, ", flat)
                    label = " FULL SCAN OF THE EVENT TABLE" if bad else f" (scans {', '.join(scanned)})" if scanned else ""
                    print(f"--- {key}{label}\n{flat if args.verbose or scanned else flat[:300]}")
                    for line in plan:
                        print(f"    {line}")
        finally:
            raw.close()
    for key, tables in warnings:
        print(f"note: {key} scans {', '.join(tables)} in full (grows with the years)")
    print(f"{dialect}: {len(seen)} distinct statements on {len(points)} routes; "
          f"{failures} full scan(s) of {EVENT_TABLE}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
