"""`gunicorn bench.wsgi:app`: the portal against the bench database, for `make bench`.

Only here, never in production: the clock frozen at the generation's "now", a bare
route of the same app (no database, a tiny template rendered through the same
context processors and response hooks as every page), and an `X-Bench-SQL`
response header with the number of SQL statements the request ran (BEGIN not
counted), from a SQLAlchemy event listener, and `X-Bench-CPU` with the worker's CPU
time for the request in microseconds (less disturbed by other load on the machine
than wall time).
"""
import os
import time
from datetime import datetime

from flask import g, has_request_context, render_template, request
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.common import bench_url, make_app, read_now

BARE_TEMPLATE = "<!doctype html><html lang=\"zh-CN\"><title>bench</title><p>{{ word }}</p></html>"

app = make_app(bench_url())
# BENCH_CLOCK_NOW (ISO): the morning scenario's 08:30 of the next working day.
app.config["CLOCK_NOW"] = (datetime.fromisoformat(os.environ["BENCH_CLOCK_NOW"]) if os.environ.get("BENCH_CLOCK_NOW")
                           else read_now(app))
app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, DictLoader({"bench/bare.html": BARE_TEMPLATE})])


@app.get("/_bench/bare")
def bare():
    return render_template("bench/bare.html", word="ok")


@event.listens_for(Engine, "before_cursor_execute")
def _count_statement(conn, cursor, statement, parameters, context, executemany):
    if has_request_context() and not statement.startswith("BEGIN"):
        g.bench_sql = g.get("bench_sql", 0) + 1
        if _TRACE is not None:
            g.bench_first = g.get("bench_first") or " ".join(statement.split())[:160]


@app.before_request
def _start_clock():
    g.bench_cpu = time.process_time()


@app.after_request
def _report_statements(response):
    response.headers["X-Bench-SQL"] = str(g.get("bench_sql", 0))
    response.headers["X-Bench-CPU"] = str(round((time.process_time() - g.get("bench_cpu", 0)) * 1e6))
    if _TRACE is not None:
        _TRACE.write(f"{time.monotonic():.4f} {request.method} {request.path} {response.status_code} "
                     f"{response.headers['X-Bench-CPU']} {response.headers['X-Bench-SQL']} {g.get('bench_first', '')}\n")
    return response


# BENCH_TRACE=<dir>: one line per request (time, method, path, status, CPU µs, SQL) in a file per worker.
_TRACE = None
if os.environ.get("BENCH_TRACE"):
    _TRACE = open(os.path.join(os.environ["BENCH_TRACE"], f"trace-{os.getpid()}.txt"), "a", buffering=1 << 16)  # noqa: SIM115
