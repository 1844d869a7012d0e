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
import http.cookiejar
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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bench.common import BENCH_DIR, bench_url, make_app, read_now

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PASSWORD = "demo-pass-2026"  # noqa: S105 - the demo accounts' password, demo mode only


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
    duration: float = 0
    runs: list = field(default_factory=list)


def endpoints(ids: dict) -> list[Endpoint]:
    fz, kx = ids["fangzhi"], ids["kexue"]
    poll = f"/board/{fz}/poll?v={ids['version']}&t={ids['stamp']}&sort=grid"
    return [
        Endpoint("bare", "bare route (no database)", None, "/_bench/bare"),
        Endpoint("poll", "board poll, unchanged (204)", "fangzhi_secretary", poll, htmx=True, expect=204, target=0.9),
        Endpoint("fragment", "board fragment, 纺织社区", "fangzhi_secretary", f"/board/{fz}", htmx=True, target=0.5),
        Endpoint("board", "board page, 纺织社区", "fangzhi_secretary", f"/board/{fz}"),
        Endpoint("queue", "leave approval queue", "fangzhi_secretary", "/leave/queue", target=0.4),
        Endpoint("sheet", "month 考勤表, 科学路街道", "kexue_leader", f"/attendance/sheet?street={kx}", target=0.1),
        Endpoint("bulletins", "通报 page", "inspector", "/inspections/bulletins"),
    ]


def log(message: str) -> None:
    print(f"[bench.run {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- the server -----------------------------------------------------------------------

def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BENCH_DATABASE_URL": url, "PORTAL_CONFIG": "demo"}
    logfile = open(BENCH_DIR / "gunicorn.log", "w")  # noqa: SIM115 - lives as long as the server
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
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

def login(base: str, username: str) -> str:
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


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# -- load -----------------------------------------------------------------------------

def load_wrk(base, endpoint, headers, duration, max_requests, connections) -> dict:
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(duration))}s", "--latency", "--timeout", "60s",
               "-s", str(HERE / "wrk.lua")]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(base + endpoint.path)
    env = {**os.environ, "BENCH_MAX_REQUESTS": str(max_requests), "BENCH_EXPECT": str(endpoint.expect)}
    output = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    data = json.loads(line[len("BENCH "):])
    seconds = data["duration_us"] / 1e6
    if not data["requests"]:
        raise SystemExit(f"{endpoint.key}: no response within {duration} s")
    return {"rps": data["requests"] / seconds, "p50": data["p50_us"] / 1000, "p99": data["p99_us"] / 1000,
            "requests": data["requests"], "unexpected": data["unexpected"] + data["socket_errors"],
            "cpu": data["cpu_us"] / 1000}


def load_threads(base, endpoint, headers, duration, max_requests, connections) -> dict:
    """The fallback when wrk is not installed: one thread per connection."""
    parsed = urllib.parse.urlsplit(base)
    latencies, unexpected, cpu = [], [0], []
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def worker():
        while time.monotonic() < deadline:
            with lock:
                if len(latencies) >= max_requests:
                    return
            started = time.perf_counter()
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
            conn.request("GET", endpoint.path, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                unexpected[0] += response.status != endpoint.expect
                cpu.append(int(response.getheader("X-Bench-CPU") or 0) / 1000)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2],
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "requests": len(latencies), "unexpected": unexpected[0], "cpu": statistics.mean(cpu or [0])}


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
        })
    return rows


def ratio_text(value: float) -> str:
    return f"{value:.2f}" if value >= 0.1 else f"{value:.4f}"


def table(rows: list[dict]) -> str:
    lines = ["| route | status | req/s | ratio | p50 ms | p50 ×bare | p99 ms | p99 ×bare | CPU ms | CPU ×bare "
             "| bytes | SQL | target (req/s ratio) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        target = "" if r["target"] is None else f"≥ {r['target']:g} {'met' if r['met'] else 'MISSED'}"
        lines.append(
            f"| {r['label']} | {r['status']} | {r['rps']:.1f} | {ratio_text(r['ratio'])} | {r['p50']:.1f} | "
            f"{r['p50_ratio']:.1f} | {r['p99']:.1f} | {r['p99_ratio']:.1f} | {r['cpu']:.2f} | {r['cpu_ratio']:.1f} | "
            f"{r['bytes']} | {r['sql']} | {target} |")
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
    parser.add_argument("--note", default=os.environ.get("BENCH_NOTE", ""), help="a line for the results file")
    args = parser.parse_args(argv)

    url = bench_url(args.db)
    app = make_app(url)
    try:
        now = read_now(app)
    except Exception:  # noqa: BLE001 - any failure here means: not generated yet
        raise SystemExit("no bench district in this database: run `python -m bench.generate` first") from None
    from portal.board.rules import board_version
    from portal.extensions import db
    from portal.org.models import Community, Street

    with app.app_context():
        fangzhi = db.session.scalar(select(Community.id).where(Community.slug == "fangzhi"))
        kexue = db.session.scalar(select(Street.id).where(Street.slug == "kexue"))
        ids = {"fangzhi": fangzhi, "kexue": kexue, "version": board_version(fangzhi), "stamp": int(now.timestamp())}
        meta = dict(db.session.execute(text("SELECT key, value FROM bench_meta")).all())
    backend = make_url(url).get_backend_name()
    points = endpoints(ids)
    if args.only:
        wanted = {"bare", *args.only.split(",")}
        points = [p for p in points if p.key in wanted]
    use_wrk = shutil.which("wrk") and os.environ.get("BENCH_LOADGEN", "wrk") == "wrk"
    load = load_wrk if use_wrk else load_threads
    generator = "wrk 1 thread" if load is load_wrk else "Python threads"
    log(f"{backend}, {meta.get('years')} year(s), {meta.get('history_events')} history events; "
        f"gunicorn {args.workers} sync workers; {generator}, {args.connections} connections, "
        f"{args.duration:g} s or {args.max_requests} requests per route and round, {args.rounds} rounds")

    server = start_server(url, args.port, args.workers)
    base = f"http://127.0.0.1:{args.port}"
    try:
        cookies = {user: login(base, user) for user in {p.user for p in points if p.user}}
        for point in points:
            if point.key == "poll":
                page = urllib.request.Request(f"{base}/board/{ids['fangzhi']}", headers={"Cookie": cookies[point.user]})
                point.path = poller_path(urllib.request.urlopen(page).read().decode())
        for point in points:
            point.probe = timed_probe(base, point, headers_for(point, cookies))
            # Warm-up: the worker processes' first requests, the database's page cache.
            if point.probe["seconds"] < 0.5:
                load(base, point, headers_for(point, cookies), 1, 200, args.connections)
                drain(base, args.workers)
            # A slow route gets the time for several requests per connection.
            point.duration = min(90, max(args.duration,
                                         2 * point.probe["seconds"] * args.connections / args.workers + 1))
        for number in range(1, args.rounds + 1):
            for point in points:
                result = load(base, point, headers_for(point, cookies), point.duration, args.max_requests,
                              args.connections)
                drain(base, args.workers)
                point.runs.append(result)
                log(f"round {number}: {point.key:10} {result['rps']:8.1f} req/s  p50 {result['p50']:.1f} ms  "
                    f"p99 {result['p99']:.1f} ms  CPU {result['cpu']:.2f} ms")
    finally:
        stop_server(server)

    rows = summarise(points)
    rendered = table(rows)
    print()
    print(rendered)
    print()
    bad = [r for r in rows if r["unexpected"]]
    for r in bad:
        print(f"WARNING: {r['key']}: {r['unexpected']} responses with an unexpected status or socket errors")
    stamp = datetime.now(UTC)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    out = results / f"{stamp:%Y%m%dT%H%M%SZ}-{backend}-{meta.get('years')}y.md"
    load_average = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    out.write_text(
        f"# bench {stamp:%Y-%m-%d %H:%M} UTC\n\n"
        f"- database: {backend}, {meta.get('years')} year(s) of history, {meta.get('history_events')} history "
        f"events, {meta.get('leave_requests')} leave requests, {meta.get('corrections')} 补卡, "
        f"{meta.get('inspections')} inspections, {meta.get('bulletins')} 通报; clock frozen at {meta.get('now')}\n"
        f"- server: gunicorn {args.workers} sync workers on 127.0.0.1; load: {generator}, {args.connections} "
        f"connections, {args.duration:g} s or {args.max_requests} requests per route and round, "
        f"{args.rounds} rounds (median shown)\n"
        f"- machine: {os.cpu_count()} CPUs, load average at the end {load_average}; commit {git_commit()}\n"
        + (f"- note: {args.note}\n" if args.note else "")
        + "\n" + rendered + "\n\nrequests/s per round: "
        + "; ".join(f"{r['key']} {r['rounds']}" for r in rows) + "\n",
        encoding="utf-8")
    log(f"written to {out.relative_to(ROOT)}")
    missed = [r["key"] for r in rows if r["met"] is False]
    if missed:
        log("targets missed: " + ", ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
