"""Drive the bench district through gunicorn on loopback and print the table.

    python -m bench.run [--workers 2] [--connections 4] [--duration 6] [--rounds 3]

Starts `gunicorn bench.wsgi:app` on 127.0.0.1 (sync workers, BENCH_WORKERS, default
2: one per core of the reference machine), logs in once per account through the
login form (CSRF token from the page) and reuses the session cookie, then loads
each route with wrk (a small thread-based generator when wrk is missing), bounded
by time (--duration seconds) and by request count (--max-requests per wrk thread).
Every route, the bare one included, is measured in each of --rounds rounds, in turn,
so that the ratios compare figures taken under the same machine load; the table
gives the median over rounds. SQL statements per request come from the bench
server's X-Bench-SQL header, bytes from the body of one probe request.

The table is printed and written to bench/results/<UTC time>-<backend>-<years>y.md.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bench import writes
from bench.client import NoRedirect, login
from bench.common import BENCH_DIR, bench_url, make_app, read_now, worker_rss_mb, working_copy

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass
class Endpoint:
    key: str
    label: str
    user: str | None
    path: str
    htmx: bool = False
    expect: int = 200
    target: float | None = None
    probe: dict = field(default_factory=dict)
    writes: bool = False        # measured while the write stream (bench/writes.py) runs
    follow: bool = False        # a poller: after a change (200) it asks with the new poller's URL
    paths: list | None = None   # one request per path, each path once in the run (first views)
    duration: float = 0
    runs: list = field(default_factory=list)


def endpoints(ids: dict) -> list[Endpoint]:
    fz, kx, year, quarter = ids["fangzhi"], ids["kexue"], ids["year"], ids["quarter"]
    poll = f"/board/{fz}/poll?v={ids['version']}&t={ids['stamp']}&sort=grid"
    cold = list(ids["cold_sheets"])
    return [
        Endpoint("bare", "bare route (no database)", None, "/_bench/bare"),
        Endpoint("bare-w", "bare route, under writes", None, "/_bench/bare", writes=True),
        Endpoint("poll", "board poll, unchanged (204) or changed", "fangzhi_secretary", poll, htmx=True, expect=204,
                 target=0.9, writes=True, follow=True),
        Endpoint("fragment", "board fragment, 纺织社区", "fangzhi_secretary", f"/board/{fz}", htmx=True, target=0.5,
                 writes=True),
        Endpoint("board", "board page, 纺织社区", "fangzhi_secretary", f"/board/{fz}"),
        Endpoint("queue", "leave approval queue", "fangzhi_secretary", "/leave/queue", target=0.4, writes=True),
        Endpoint("sheet", "month 考勤表, 科学路街道", "kexue_leader", f"/attendance/sheet?street={kx}", target=0.1,
                 writes=True),
        Endpoint("bulletins", "通报 page", "inspector", "/inspections/bulletins"),
        Endpoint("assess-year", f"考核 {year}, 科学路街道", "kexue_leader", f"/assessment/streets/{kx}?period={year}",
                 target=0.02),
        Endpoint("assess-quarter", f"考核 {quarter}, 科学路街道", "kexue_leader",
                 f"/assessment/streets/{kx}?period={quarter}", target=0.04),
        Endpoint("dash-street", "数据看板 12 months, 科学路街道", "kexue_leader", f"/dashboards/streets/{kx}?months=12",
                 target=0.02),
        Endpoint("dash-district", "数据看板, district", "inspector", "/dashboards/district", target=0.05),
        Endpoint("assess-community", f"考核 {quarter}, 纺织社区 (书记)", "fangzhi_secretary",
                 f"/assessment/communities/{fz}?period={quarter}", target=0.05),
        Endpoint("audit", "操作日志, 街镇领导 (科学路)", "kexue_leader", "/audit/", target=0.05),
        Endpoint("sheet-cold", "street 考勤表, a month first viewed", "inspector", cold[0], paths=cold, target=0.02),
    ]


def last_quarter(today: date) -> tuple[str, str]:
    """The year and the last finished quarter (of that year) before `today`."""
    months_done = (today.month - 1) // 3 * 3
    if months_done == 0:
        return str(today.year - 1), f"{today.year - 1}-Q4"
    return str(today.year), f"{today.year}-Q{months_done // 3}"


def cold_sheets(street_ids: list[int], first: date, today: date) -> list[str]:
    """Street 考勤表 URLs of every (month, street) of the history before this month
    (the partial first month left out), streets in turn: each is asked once in a
    run, so each is a first view for the worker that answers it."""
    months = []
    month = (first + timedelta(days=32)).replace(day=1)
    while month < today.replace(day=1):
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return [f"/attendance/sheet?street={street}&month={month:%Y-%m}" for month in reversed(months)
            for street in street_ids]


def route_ids(app, now: datetime, years: float) -> dict:
    """What the routes' URLs need: ids of 纺织社区 and 科学路街道, the board's version,
    the periods and the first-view sheets."""
    from portal import clock
    from portal.activity.rules import board_version
    from portal.extensions import db
    from portal.org.models import Community, Street

    today = clock.to_local(now).date()
    year, quarter = last_quarter(today)
    with app.app_context():
        fangzhi = db.session.scalar(select(Community.id).where(Community.slug == "fangzhi"))
        kexue = db.session.scalar(select(Street.id).where(Street.slug == "kexue"))
        streets = list(db.session.scalars(select(Street.id).order_by(Street.sort_order)))
        return {"fangzhi": fangzhi, "kexue": kexue, "version": board_version(fangzhi), "stamp": int(now.timestamp()),
                "year": year, "quarter": quarter,
                "cold_sheets": cold_sheets(streets, today - timedelta(days=round(365 * years)), today)}


def log(message: str) -> None:
    print(f"[bench.run {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- the server -----------------------------------------------------------------------

def start_server(url: str, port: int, workers: int, clock_now: datetime | None = None) -> subprocess.Popen:
    """gunicorn on the bench app; `clock_now` freezes its clock elsewhere than at
    the generation's "now" (the morning scenario)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BENCH_DATABASE_URL": url, "PORTAL_CONFIG": "demo"}
    if clock_now is not None:
        env["BENCH_CLOCK_NOW"] = clock_now.isoformat()
    logfile = open(BENCH_DIR / "gunicorn.log", "w")  # noqa: SIM115 - lives as long as the server
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", os.environ.get("BENCH_WORKER_CLASS", "sync"),
         "--threads", os.environ.get("BENCH_THREADS", "1"),
         "--timeout", "120", "--log-level", "warning", "bench.wsgi:app"],
        cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {BENCH_DIR / 'gunicorn.log'}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_bench/bare", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    """The server and its workers (their own process group), even mid-request."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    except ProcessLookupError:
        pass


def drain(base: str, workers: int) -> None:
    """Wait until the requests a load run left queued are done: one bare request
    per worker, all at once, queue behind them."""
    def one():
        urllib.request.urlopen(f"{base}/_bench/bare", timeout=300).read()

    threads = [threading.Thread(target=one) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# -- sessions and probes --------------------------------------------------------------

def poller_path(html: str) -> str:
    """The poll URL a board page hands its poller (version, time, and the key the
    fast path of an unchanged poll checks), as the browser would request it."""
    url = re.search(r'id="board-poll"[^>]*hx-get="([^"]+)"', html).group(1)
    return url.replace("&amp;", "&")


def headers_for(endpoint: Endpoint, cookies: dict) -> dict:
    headers = {}
    if endpoint.user:
        headers["Cookie"] = cookies[endpoint.user]
    if endpoint.htmx:
        headers["HX-Request"] = "true"
    return headers


def probe(base: str, endpoint: Endpoint, headers: dict) -> dict:
    request = urllib.request.Request(base + endpoint.path, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(request, timeout=120)
        status, body, sql = response.status, response.read(), response.headers.get("X-Bench-SQL")
    except urllib.error.HTTPError as error:
        status, body, sql = error.code, error.read(), error.headers.get("X-Bench-SQL")
    if status != endpoint.expect:
        raise SystemExit(f"{endpoint.key}: {endpoint.path} answered {status}, expected {endpoint.expect}")
    return {"status": status, "bytes": len(body), "sql": int(sql) if sql is not None else None}


def timed_probe(base: str, endpoint: Endpoint, headers: dict) -> dict:
    started = time.perf_counter()
    result = probe(base, endpoint, headers)
    result["seconds"] = time.perf_counter() - started
    return result


# -- load -----------------------------------------------------------------------------

def load_wrk(base, endpoint, headers, duration, max_requests, connections) -> dict:
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(duration))}s", "--latency", "--timeout", "60s",
               "-s", str(HERE / "wrk.lua")]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(base + endpoint.path)
    env = {**os.environ, "BENCH_MAX_REQUESTS": str(max_requests), "BENCH_EXPECT": str(endpoint.expect),
           "BENCH_FOLLOW": "1" if endpoint.follow else "0"}
    output = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    data = json.loads(line[len("BENCH "):])
    seconds = data["duration_us"] / 1e6
    if not data["requests"]:
        raise SystemExit(f"{endpoint.key}: no response within {duration} s")
    return {"rps": data["requests"] / seconds, "p50": data["p50_us"] / 1000, "p99": data["p99_us"] / 1000,
            "requests": data["requests"], "unexpected": data["unexpected"] + data["socket_errors"],
            "cpu": data["cpu_us"] / 1000, "changed": data.get("changed", 0)}


def load_threads(base, endpoint, headers, duration, max_requests, connections) -> dict:
    """The Python load generator (wrk is not installed, or a route needs it): one
    thread per connection. A poller follows the board (a 200 hands it the next
    poller's URL, as htmx swaps it in); a route with `paths` asks each path once."""
    parsed = urllib.parse.urlsplit(base)
    latencies, unexpected, cpu, changed = [], [0], [], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def worker():
        path = endpoint.path
        while time.monotonic() < deadline:
            with lock:
                if len(latencies) >= max_requests:
                    return
                if endpoint.paths is not None:
                    if not endpoint.paths:
                        return
                    path = endpoint.paths.pop(0)
            started = time.perf_counter()
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            conn.close()
            elapsed = (time.perf_counter() - started) * 1000
            moved = endpoint.follow and response.status == 200
            if moved:
                path = poller_path(body.decode())
            with lock:
                latencies.append(elapsed)
                changed[0] += moved
                unexpected[0] += response.status != endpoint.expect and not moved
                cpu.append(int(response.getheader("X-Bench-CPU") or 0) / 1000)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    if not latencies:
        raise SystemExit(f"{endpoint.key}: no response within {duration} s")
    return {"rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2],
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "requests": len(latencies), "unexpected": unexpected[0], "changed": changed[0],
            "cpu": statistics.mean(cpu or [0])}


# -- the table ------------------------------------------------------------------------

def summarise(points: list[Endpoint]) -> list[dict]:
    bare = points[0]
    base_rps = statistics.median(r["rps"] for r in bare.runs)
    base_p50 = statistics.median(r["p50"] for r in bare.runs)
    base_p99 = statistics.median(r["p99"] for r in bare.runs)
    base_cpu = statistics.median(r["cpu"] for r in bare.runs) or 0.001
    rows = []
    for point in points:
        rps = statistics.median(r["rps"] for r in point.runs)
        p50 = statistics.median(r["p50"] for r in point.runs)
        p99 = statistics.median(r["p99"] for r in point.runs)
        cpu = statistics.median(r["cpu"] for r in point.runs)
        ratio = rps / base_rps
        rows.append({
            "key": point.key, "label": point.label, "status": point.probe["status"], "rps": rps, "ratio": ratio,
            "p50": p50, "p50_ratio": p50 / base_p50, "p99": p99, "p99_ratio": p99 / base_p99,
            "cpu": cpu, "cpu_ratio": cpu / base_cpu,
            "bytes": point.probe["bytes"], "sql": point.probe["sql"], "target": point.target,
            "met": None if point.target is None else ratio >= point.target,
            "rounds": [round(r["rps"], 1) for r in point.runs],
            "requests": sum(r["requests"] for r in point.runs),
            "unexpected": sum(r["unexpected"] for r in point.runs),
            "changed": sum(r.get("changed", 0) for r in point.runs),
            "writes": None if not point.writes else {
                name: sum(r["writes"][name] for r in point.runs) for name in point.runs[0]["writes"]},
        })
    return rows


def writes_text(writes: dict | None) -> str:
    """"412 status + 9 leave + 6 matters (0)": the writes done while the route was
    measured, and the write errors in brackets."""
    if not writes:
        return ""
    errors = writes["errors"] + writes["decision_errors"] + writes.get("matter_errors", 0)
    return f"{writes['writes']} status + {writes['decisions']} leave + {writes.get('matters', 0)} matters ({errors})"


def changed_text(row: dict) -> str:
    """For a poller: how many of its answers carried a change (200) it then followed."""
    return f"; {row['changed']} polls answered a change" if row["changed"] else ""


def ratio_text(value: float) -> str:
    return f"{value:.2f}" if value >= 0.1 else f"{value:.4f}"


def table(rows: list[dict]) -> str:
    lines = ["| route | status | req/s | ratio | p50 ms | p50 ×bare | p99 ms | p99 ×bare | CPU ms | CPU ×bare "
             "| bytes | SQL | writes during (errors) | target (req/s ratio) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for r in rows:
        target = "" if r["target"] is None else f"≥ {r['target']:g} {'met' if r['met'] else 'MISSED'}"
        lines.append(
            f"| {r['label']} | {r['status']} | {r['rps']:.1f} | {ratio_text(r['ratio'])} | {r['p50']:.1f} | "
            f"{r['p50_ratio']:.1f} | {r['p99']:.1f} | {r['p99_ratio']:.1f} | {r['cpu']:.2f} | {r['cpu_ratio']:.1f} | "
            f"{r['bytes']} | {r['sql']} | {writes_text(r['writes'])}{changed_text(r)} | {target} |")
    return "\n".join(lines)


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Throughput of the portal's hot routes against a bare route.")
    parser.add_argument("--db", help="database URL (default BENCH_DATABASE_URL or instance/bench/bench.db)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 2)))
    parser.add_argument("--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", 4)))
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 6)))
    parser.add_argument("--max-requests", type=int, default=int(os.environ.get("BENCH_MAX_REQUESTS", 30000)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 5099)))
    parser.add_argument("--only", help="comma-separated route keys (bare is always measured)")
    parser.add_argument("--no-writes", action="store_true", help="measure every route without the write stream")
    parser.add_argument("--note", default=os.environ.get("BENCH_NOTE", ""), help="a line for the results file")
    args = parser.parse_args(argv)

    source = bench_url(args.db)
    app = make_app(source)
    try:
        now = read_now(app)
    except Exception:  # noqa: BLE001 - any failure here means: not generated yet
        raise SystemExit("no bench district in this database: run `python -m bench.generate` first") from None
    from portal.extensions import db

    with app.app_context():
        meta = dict(db.session.execute(text("SELECT key, value FROM bench_meta")).all())
    ids = route_ids(app, now, float(meta.get("years", 1)))
    backend = make_url(source).get_backend_name()
    points = endpoints(ids)
    if args.only:
        wanted = {"bare", *args.only.split(",")}
        points = [p for p in points if p.key in wanted]
    if args.no_writes:
        for point in points:
            point.writes = False
    use_wrk = shutil.which("wrk") and os.environ.get("BENCH_LOADGEN", "wrk") == "wrk"
    generator = "wrk 1 thread" if use_wrk else "Python threads"
    log(f"{backend}, {meta.get('years')} year(s), {meta.get('history_events')} history events; "
        f"gunicorn {args.workers} sync workers; {generator}, {args.connections} connections, "
        f"{args.duration:g} s or {args.max_requests} requests per route and round, {args.rounds} rounds")

    # The writes go to a copy: every run starts from the generated district.
    url = working_copy(source, "run")
    plan = writes.prepare(make_app(url, now), "kexue", "fangzhi") if any(p.writes for p in points) else None
    if plan:
        log(f"write stream: {len(plan.cards)} people of 科学路街道, {len(plan.pending)} pending leave requests")
    server = start_server(url, args.port, args.workers)
    base = f"http://127.0.0.1:{args.port}"
    try:
        cookies = {user: login(base, user) for user in {p.user for p in points if p.user}}
        stream = None
        if plan:
            stream = writes.WriteStream(base, plan)
            stream.login()
        for point in points:
            if point.key == "poll":
                page = urllib.request.Request(f"{base}/board/{ids['fangzhi']}", headers={"Cookie": cookies[point.user]})
                point.path = poller_path(urllib.request.urlopen(page).read().decode())
        for point in points:
            if point.paths is not None:
                point.path = point.paths.pop(0)
            point.probe = timed_probe(base, point, headers_for(point, cookies))
            # Warm-up: the worker processes' first requests, the database's page cache
            # (not for first views: each of their paths is asked once).
            if point.probe["seconds"] < 0.5 and point.paths is None:
                load_for(point, use_wrk)(base, point, headers_for(point, cookies), 1, 200, args.connections)
                drain(base, args.workers)
            # A slow route gets the time for several requests per connection.
            point.duration = min(90, max(args.duration,
                                         2 * point.probe["seconds"] * args.connections / args.workers + 1))
        for number in range(1, args.rounds + 1):
            for point in points:
                limit = args.max_requests
                if point.paths is not None:  # what is left of the first views, shared by the rounds left
                    limit = max(1, len(point.paths) // (args.rounds - number + 1))
                with (stream.running() if point.writes else nullcontext()) as counts:
                    result = load_for(point, use_wrk)(base, point, headers_for(point, cookies), point.duration,
                                                      limit, args.connections)
                    drain(base, args.workers)
                result["writes"] = dict(counts) if counts is not None else None
                point.runs.append(result)
                log(f"round {number}: {point.key:16} {result['rps']:8.1f} req/s  p50 {result['p50']:.1f} ms  "
                    f"p99 {result['p99']:.1f} ms  CPU {result['cpu']:.2f} ms"
                    + (f"  writes {writes_text(result['writes'])}" if result["writes"] else ""))
        rss = worker_rss_mb(server.pid)
    finally:
        stop_server(server)

    rows = summarise(points)
    rendered = table(rows)
    print()
    print(rendered)
    print()
    print(f"worker RSS after the run: {', '.join(f'{mb:.0f} MB' for mb in rss)} (target ≤ 200 MB at 5 years)")
    for r in rows:
        if r["unexpected"]:
            print(f"WARNING: {r['key']}: {r['unexpected']} responses with an unexpected status or socket errors")
    out = write_results(rows, rendered, rss, meta, backend, args, generator)
    log(f"written to {out.relative_to(ROOT)} and .json")
    missed = [r["key"] for r in rows if r["met"] is False]
    if missed:
        log("targets missed: " + ", ".join(missed))
    return 0


def load_for(point: Endpoint, use_wrk: bool):
    """wrk when it is installed (it follows a poller too, bench/wrk.lua), except for
    paths asked once each. The bare route and the routes it is compared with share
    one client: a poll measured by the Python generator (a new connection per
    request) against a bare route measured by wrk was the client's limit, not the
    server's."""
    return load_wrk if use_wrk and point.paths is None else load_threads


def write_results(rows, rendered, rss, meta, backend, args, generator) -> Path:
    """bench/results/<UTC time>-<backend>-<years>y.md and .json (bench.compare reads the JSON)."""
    stamp = datetime.now(UTC)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    out = results / f"{stamp:%Y%m%dT%H%M%SZ}-{backend}-{meta.get('years')}y.md"
    load_average = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    commit = git_commit()
    out.write_text(
        f"# bench {stamp:%Y-%m-%d %H:%M} UTC\n\n"
        f"- database: {backend}, {meta.get('years')} year(s) of history, {meta.get('history_events')} history "
        f"events, {meta.get('leave_requests')} leave requests, {meta.get('corrections')} 补卡, "
        f"{meta.get('inspections')} inspections, {meta.get('bulletins')} 通报; day results stored: "
        f"{meta.get('days_closed', 'no')}; clock frozen at {meta.get('now')}\n"
        f"- server: gunicorn {args.workers} sync workers on 127.0.0.1; load: {generator}, {args.connections} "
        f"connections, {args.duration:g} s or {args.max_requests} requests per route and round, "
        f"{args.rounds} rounds (median shown); rows with writes: a status change every "
        f"{writes.STATUS_EVERY * 1000:.0f} ms and a leave decision every {writes.DECIDE_EVERY:g} s meanwhile\n"
        f"- machine: {os.cpu_count()} CPUs, load average at the end {load_average}; commit {commit}\n"
        f"- worker RSS after the run: {', '.join(f'{mb:.0f} MB' for mb in rss)}\n"
        + (f"- note: {args.note}\n" if args.note else "")
        + "\n" + rendered + "\n\nrequests/s per round: "
        + "; ".join(f"{r['key']} {r['rounds']}" for r in rows) + "\n",
        encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({
        "stamp": stamp.isoformat(), "backend": backend, "years": meta.get("years"), "commit": commit,
        "meta": meta, "generator": generator, "workers": args.workers, "rss_mb": rss, "note": args.note,
        "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


if __name__ == "__main__":
    sys.exit(main())
