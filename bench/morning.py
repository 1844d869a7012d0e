"""A district morning (issue "Stored day results…", Figures): 08:30 of the next
working day after the generated "now", for --duration seconds (60) on 2 gunicorn
workers:

- every community's desk (its front desk's board page, polling every 5 s) and its
  服务大厅 screen (/hall/<token>, polling every 10 s as its page says);
- --phones (300) grid workers' phones, each its own login session, polling their
  board (我的状态 sits on it) every 5 s;
- the whole district clocking in at the issue's 08:30 rate (786 签到 a minute): each
  phone posts its own 签到 (from=me), the others are clocked in by their
  community's front desk (代为设置); a third of the grid workers then start their
  first 巡查 5–30 s later;
- a bare request every 200 ms: for 10 s on the quiet server just before, the
  yardstick of the ratios, and during the morning (shown, not a yardstick: it
  waits in the same queue).

    python -m bench.morning [--db URL] [--duration 60] [--phones 300]

Reports p50/p99 and errors of each kind of request, the polls and the status POST
as multiples of the bare route's, against the targets (0 errors, poll p99 ≤ 3× bare
p99, status POST p99 ≤ 15× bare p99), and the workers' RSS; written to
bench/results/<time>-<backend>-<years>y-morning.md and .json. Runs on a copy of the
generated district (bench.common.working_copy), so it can be repeated.
"""
import argparse
import asyncio
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

import aiohttp
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bench.client import PASSWORD, csrf_of
from bench.common import bench_url, make_app, read_now, worker_rss_mb, working_copy
from bench.run import HERE, git_commit, log, poller_path, start_server, stop_server

CLOCK_IN_RATE = 786 / 60          # 签到 per second at 08:30 (the figure)
PATROL_SHARE = 1 / 3              # grid workers who start a 巡查 after their 签到
POLL_EVERY = {"phone": 5.0, "desk": 5.0, "hall": 10.0}
BARE_EVERY = 0.2
BARE_QUIET_SECONDS = 10
TARGETS = {"phone poll": 3.0, "status POST": 15.0}   # p99 as a multiple of the bare route's p99
HALL_POLLER = re.compile(r'id="hall" hx-get="([^"]+)"')


@dataclass
class Person:
    id: int
    community_id: int
    community_slug: str
    username: str
    grid_worker: bool


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    changed: int = 0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def morning_of(app, now: datetime) -> datetime:
    """08:30 of the first working day after the generated "now"."""
    from portal import clock
    from portal.workdays import rules as workdays

    with app.app_context():
        day = clock.to_local(now).date() + timedelta(days=1)
        while not workdays.is_workday(day):
            day += timedelta(days=1)
    return datetime.combine(day, clock_time(8, 30), tzinfo=clock.LOCAL_TZ).astimezone(UTC)


def setup(app) -> tuple[list[Person], dict[int, str]]:
    """Everyone on a board with an account, and a new hall link per community
    (made by its 书记, through the board's rules)."""
    from portal.auth.models import Account
    from portal.auth.policy import ON_THE_BOARD
    from portal.board.rules import create_display_link
    from portal.extensions import db
    from portal.org.models import Community
    from portal.people.models import Person as PersonRow
    from portal.people.models import Position

    with app.app_context():
        rows = db.session.execute(
            select(PersonRow.id, PersonRow.community_id, Community.slug, Account.username, PersonRow.position)
            .join(Account, Account.person_id == PersonRow.id).join(Community, Community.id == PersonRow.community_id)
            .where(PersonRow.active.is_(True), PersonRow.position.in_(list(ON_THE_BOARD)))
            .order_by(PersonRow.community_id, PersonRow.id)).all()
        people = [Person(pid, cid, slug, username, position is Position.GRID_WORKER)
                  for pid, cid, slug, username, position in rows]
        halls = {}
        for community in db.session.scalars(select(Community).order_by(Community.id)):
            secretary = db.session.scalar(select(Account).where(Account.username == f"{community.slug}_secretary"))
            halls[community.id] = create_display_link(secretary, community, "服务大厅显示屏")
        db.session.commit()
    return people, halls


def choose_phones(people: list[Person], count: int) -> list[Person]:
    """`count` grid workers, communities in turn (each phone a distinct worker)."""
    groups: dict[int, list[Person]] = {}
    for person in people:
        if person.grid_worker:
            groups.setdefault(person.community_id, []).append(person)
    chosen = []
    while len(chosen) < count and any(groups.values()):
        for group in groups.values():
            if group and len(chosen) < count:
                chosen.append(group.pop(0))
    return chosen


class Morning:
    def __init__(self, base: str, http: aiohttp.ClientSession, end: float):
        self.base = base
        self.http = http
        self.end = end
        self.tallies = {name: Tally() for name in ("bare", "phone poll", "desk poll", "hall poll", "status POST",
                                                   "bare, during the morning")}

    async def login(self, username: str) -> str:
        """A login through the form, in a cookie jar of its own, followed to the home
        page as a browser does (its CSRF token goes into the session there); the
        Cookie header."""
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as own:
            async with own.get(f"{self.base}/login") as response:
                page = await response.text()
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            async with own.post(f"{self.base}/login",
                                data={"username": username, "password": PASSWORD, "csrf_token": token}) as response:
                await response.read()
            cookies = {c.key: c.value for c in jar}
        if "portal_session" not in cookies:
            raise SystemExit(f"login of {username} failed")
        return "; ".join(f"{k}={v}" for k, v in cookies.items())

    async def board(self, cookie: str, community_id: int) -> tuple[str, str]:
        """(poller URL, CSRF token) from the board page, as the phone or desk opens it."""
        async with self.http.get(f"{self.base}/board/{community_id}", headers={"Cookie": cookie}) as response:
            page = await response.text()
        return poller_path(page), csrf_of(page)

    async def hall(self, token: str) -> str:
        async with self.http.get(f"{self.base}/hall/{token}") as response:
            page = await response.text()
        return HALL_POLLER.search(page).group(1).replace("&amp;", "&")

    async def poll(self, kind: str, path: str, cookie: str | None, every: float) -> None:
        """Poll until the end, as htmx does: a 200 carries the next poller's URL."""
        tally = self.tallies[f"{kind} poll"]
        await asyncio.sleep(random.uniform(0, every))
        headers = {"HX-Request": "true", **({"Cookie": cookie} if cookie else {})}
        while time.monotonic() < self.end:
            started = time.monotonic()
            try:
                async with self.http.get(self.base + path, headers=headers) as response:
                    body = await response.text()
                    status = response.status
            except aiohttp.ClientError:
                status, body = None, ""
            tally.latencies.append((time.monotonic() - started) * 1000)
            if status == 200:
                tally.changed += 1
                path = (poller_path(body) if kind != "hall"
                        else HALL_POLLER.search(body).group(1).replace("&amp;", "&"))
            elif status != 204:
                tally.errors += 1
            await asyncio.sleep(max(0.0, started + every - time.monotonic()))

    async def bare(self, name: str, end: float) -> None:
        tally = self.tallies[name]
        while time.monotonic() < end:
            started = time.monotonic()
            try:
                async with self.http.get(f"{self.base}/_bench/bare") as response:
                    await response.read()
                    ok = response.status == 200
            except aiohttp.ClientError:
                ok = False
            tally.latencies.append((time.monotonic() - started) * 1000)
            tally.errors += not ok
            await asyncio.sleep(max(0.0, started + BARE_EVERY - time.monotonic()))

    async def status(self, at: float, person: Person, kind: str, cookie: str, token: str, own: bool) -> None:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        tally = self.tallies["status POST"]
        form = {"kind": kind, "from": "me" if own else "card", "csrf_token": token}
        if kind == "patrol_start":
            form.update(destination="网格", back_in="90")
        headers = {"Cookie": cookie, "X-CSRFToken": token, "HX-Request": "true"}
        started = time.monotonic()
        try:
            async with self.http.post(f"{self.base}/board/{person.community_id}/people/{person.id}/status",
                                      data=form, headers=headers) as response:
                await response.read()
                ok = response.status == 200
        except aiohttp.ClientError:
            ok = False
        tally.latencies.append((time.monotonic() - started) * 1000)
        tally.errors += not ok


async def scenario(base: str, people: list[Person], halls: dict[int, str], phones: int, duration: float) -> dict:
    rng = random.Random("bench-morning")
    connector = aiohttp.TCPConnector(limit=256, force_close=True)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                     cookie_jar=aiohttp.DummyCookieJar()) as http:
        morning = Morning(base, http, end=0)
        gate = asyncio.Semaphore(4)

        async def logged_in(username: str) -> str:
            async with gate:
                return await morning.login(username)

        phone_people = choose_phones(people, phones)
        desks = sorted({p.community_id: p.community_slug for p in people}.items())
        started = time.monotonic()
        phone_cookies = await asyncio.gather(*(logged_in(p.username) for p in phone_people))
        desk_cookies = await asyncio.gather(*(logged_in(f"{slug}_frontdesk") for _cid, slug in desks))
        phone_pages = await asyncio.gather(*(morning.board(c, p.community_id)
                                             for c, p in zip(phone_cookies, phone_people, strict=True)))
        desk_pages = await asyncio.gather(*(morning.board(c, cid) for c, (cid, _slug) in zip(desk_cookies, desks,
                                                                                               strict=True)))
        hall_paths = await asyncio.gather(*(morning.hall(halls[cid]) for cid, _slug in desks))
        log(f"setup: {len(phone_people) + len(desks)} logins and pages in {time.monotonic() - started:.0f} s")

        # Who posts for whom: a phone for its worker, the desk for everyone else.
        own = {p.id: (cookie, page[1]) for p, cookie, page in zip(phone_people, phone_cookies, phone_pages, strict=True)}
        desk = {cid: (cookie, page[1]) for (cid, _slug), cookie, page in zip(desks, desk_cookies, desk_pages,
                                                                             strict=True)}
        order = people[:]
        rng.shuffle(order)
        # The yardstick: the bare route on the quiet server, just before the morning.
        await morning.bare("bare", time.monotonic() + BARE_QUIET_SECONDS)
        t0 = time.monotonic() + 1
        morning.end = t0 + duration
        tasks = [asyncio.create_task(morning.bare("bare, during the morning", morning.end))]
        for cookie, (path, _token) in zip(phone_cookies, phone_pages, strict=True):
            tasks.append(asyncio.create_task(morning.poll("phone", path, cookie, POLL_EVERY["phone"])))
        for cookie, (path, _token) in zip(desk_cookies, desk_pages, strict=True):
            tasks.append(asyncio.create_task(morning.poll("desk", path, cookie, POLL_EVERY["desk"])))
        for path in hall_paths:
            tasks.append(asyncio.create_task(morning.poll("hall", path, None, POLL_EVERY["hall"])))
        posts = {"clock_in": 0, "patrol_start": 0}
        for n, person in enumerate(order):
            at = t0 + n / CLOCK_IN_RATE
            if at >= morning.end:
                break
            cookie, token = own.get(person.id) or desk[person.community_id]
            tasks.append(asyncio.create_task(morning.status(at, person, "clock_in", cookie, token, person.id in own)))
            posts["clock_in"] += 1
            later = at + rng.uniform(5, 30)
            if person.grid_worker and rng.random() < PATROL_SHARE and later < morning.end:
                tasks.append(asyncio.create_task(
                    morning.status(later, person, "patrol_start", cookie, token, person.id in own)))
                posts["patrol_start"] += 1
        await asyncio.gather(*tasks)
        return {"tallies": morning.tallies, "posts": posts, "phones": len(phone_people), "desks": len(desks),
                "halls": len(hall_paths)}


def report(tallies: dict[str, Tally]) -> tuple[str, list[dict]]:
    bare = tallies["bare"]
    bare_p50, bare_p99 = bare.percentile(0.5), bare.percentile(0.99)
    lines = ["| requests | count | errors | changed (200) | p50 ms | p50 ×bare | p99 ms | p99 ×bare | target |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    rows = []
    for name, tally in tallies.items():
        p50, p99 = tally.percentile(0.5), tally.percentile(0.99)
        limit = TARGETS.get(name)
        met = None if limit is None else tally.errors == 0 and p99 <= limit * bare_p99
        target = "" if limit is None else f"0 errors, p99 ≤ {limit:g}× bare {'met' if met else 'MISSED'}"
        rows.append({"name": name, "count": len(tally.latencies), "errors": tally.errors, "changed": tally.changed,
                     "p50": p50, "p99": p99, "p50_ratio": p50 / bare_p50, "p99_ratio": p99 / bare_p99,
                     "target": limit, "met": met})
        lines.append(f"| {name} | {len(tally.latencies)} | {tally.errors} | {tally.changed or ''} | {p50:.1f} | "
                     f"{p50 / bare_p50:.1f} | {p99:.1f} | {p99 / bare_p99:.1f} | {target} |")
    return "\n".join(lines), rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="A district morning: desks, halls, phones and 签到 at 08:30.")
    parser.add_argument("--db", help="database URL (default BENCH_DATABASE_URL or instance/bench/bench.db)")
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_MORNING_SECONDS", 60)))
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 2)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 5099)) + 1)
    args = parser.parse_args(argv)

    source = bench_url(args.db)
    app = make_app(source)
    now = read_now(app)
    from portal.extensions import db

    with app.app_context():
        meta = dict(db.session.execute(text("SELECT key, value FROM bench_meta")).all())
    at = morning_of(app, now)
    url = working_copy(source, "morning")
    people, halls = setup(make_app(url, at))
    from portal import clock

    log(f"the morning of {clock.to_local(at):%Y-%m-%d %H:%M}: {len(people)} people, "
        f"{len(halls)} communities, {args.phones} phones, {args.duration:g} s, {args.workers} workers")
    server = start_server(url, args.port, args.workers, clock_now=at)
    try:
        result = asyncio.run(scenario(f"http://127.0.0.1:{args.port}", people, halls, args.phones, args.duration))
        rss = worker_rss_mb(server.pid)
    finally:
        stop_server(server)
    rendered, rows = report(result["tallies"])
    posts = result["posts"]
    summary = (f"{result['phones']} phones, {result['desks']} desks, {result['halls']} hall screens; "
               f"{posts['clock_in']} 签到 ({CLOCK_IN_RATE * 60:.0f} a minute) and {posts['patrol_start']} 巡查开始 "
               f"posted in {args.duration:g} s; {args.workers} gunicorn workers")
    print()
    print(summary)
    print(rendered)
    print(f"worker RSS after the run: {', '.join(f'{mb:.0f} MB' for mb in rss)} (target ≤ 200 MB at 5 years)")
    backend = make_url(url).get_backend_name()
    stamp = datetime.now(UTC)
    out = HERE / "results" / f"{stamp:%Y%m%dT%H%M%SZ}-{backend}-{meta.get('years')}y-morning.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(f"# bench.morning {stamp:%Y-%m-%d %H:%M} UTC\n\n- {summary}\n- clock frozen at {at.isoformat()}; "
                   f"commit {git_commit()}; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
                   f"- worker RSS after the run: {', '.join(f'{mb:.0f} MB' for mb in rss)}\n\n{rendered}\n",
                   encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(
        {"stamp": stamp.isoformat(), "backend": backend, "years": meta.get("years"), "commit": git_commit(),
         "clock": at.isoformat(), "summary": summary, "rss_mb": rss, "rows": rows}, ensure_ascii=False, indent=1),
        encoding="utf-8")
    log(f"written to {out.relative_to(HERE.parent)} and .json")
    missed = [r["name"] for r in rows if r["met"] is False]
    if missed:
        log("targets missed: " + ", ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
