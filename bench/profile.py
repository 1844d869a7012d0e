"""Profile one bench route in-process (Flask test client, no server, no load):

    python -m bench.profile sheet [-n 20] [--no-profile]

Logs in like the runner, times -n requests (a route of first views asks each of
its paths once, so every request is a first view) (mean wall and CPU ms, SQL statements),
then runs them again under pyinstrument (pip install pyinstrument) and prints the
call tree.
"""
import argparse
import re
import statistics
import sys
import time

from sqlalchemy import text

from bench.client import PASSWORD
from bench.common import bench_url, make_app, read_now
from bench.run import endpoints, route_ids


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("key")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args(argv)

    import bench.wsgi as bench_wsgi  # the bench app: bare route, SQL counter, frozen clock

    app = bench_wsgi.app
    from portal.extensions import db

    now = read_now(make_app(bench_url()))
    with app.app_context():
        years = float(db.session.execute(text("SELECT value FROM bench_meta WHERE key = 'years'")).scalar_one())
    ids = route_ids(app, now, years)
    fangzhi = ids["fangzhi"]
    point = next(p for p in endpoints(ids) if p.key == args.key)
    client = app.test_client()
    if point.user:
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": point.user, "password": PASSWORD, "csrf_token": token})
    if point.key == "poll":
        from bench.run import poller_path

        point.path = poller_path(client.get(f"/board/{fangzhi}").get_data(as_text=True))
    headers = {"HX-Request": "true"} if point.htmx else {}
    # First views (`paths`): each request asks a path not asked before, as the runner does.
    paths = list(point.paths) if point.paths is not None else None
    if paths is not None and len(paths) < 1 + args.n * (1 if args.no_profile else 2):
        parser.error(f"{point.key} has {len(paths)} first views: ask fewer (-n)")

    def once():
        response = client.get(paths.pop(0) if paths is not None else point.path, headers=headers)
        assert response.status_code == point.expect, response.status_code
        return response

    once()
    walls, cpus = [], []
    for _ in range(args.n):
        wall, cpu = time.perf_counter(), time.process_time()
        response = once()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    print(f"{point.key}: {point.path}: wall {statistics.mean(walls):.2f} ms, CPU {statistics.mean(cpus):.2f} ms, "
          f"SQL {response.headers.get('X-Bench-SQL')}, {len(response.get_data())} bytes")
    if not args.no_profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.n):
            once()
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
