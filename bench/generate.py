"""A district with years of history, for `make bench`.

    python -m bench.generate [--years 1] [--db URL]

Into its own database (instance/bench/bench.db, or BENCH_DATABASE_URL / --db for
PostgreSQL), from scratch: the migrations, the notice's organisation and the demo
people (portal/demo.py: same usernames and password), today's living board and the
demo's leave in every state (through the app's rules), then the history in bulk:
about 1.7 M activity events a year (sqlite3 executemany / PostgreSQL COPY, with the
event table's indexes rebuilt afterwards), years of leave, 补卡, 封帐 and the
monthly 八个统一 checks with their 整改 and 通报.

The clock is frozen at the generation's "now" (kept in the table bench_meta), so the
server of the run sees the same day as the data. Audit rows are written only for
what goes through the rules (today, the demo leave, inspections, 通报), not for
the bulk history.
"""
import argparse
import functools
import os
import random
import sys
import time as timer
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.engine import make_url

from bench.common import bench_url, make_app
from portal import clock

EVENT_COLUMNS = ("id", "person_id", "community_id", "kind", "at", "destination", "expected_return", "note",
                 "household", "entered_by_id", "created_at")
EVENTS_PER_CHUNK = 200_000
REASONS = {
    "personal": ("家中老人就医，需陪同", "办理不动产登记", "孩子学校家长会", "处理家中私事", "回老家处理房屋事宜"),
    "sick": ("感冒发烧，社区卫生服务中心就诊", "腰椎不适，医院检查", "牙科治疗", "肠胃不适，需休息"),
    "annual": ("年休假，探亲", "年休假，外出旅游", "年休假，照顾家人"),
    "field": ("参加区民政局业务培训", "到街道办事处报送材料", "参加市里网格化管理培训"),
    "other": ("参加社区工作者职业水平考试", "配合公安机关调查取证"),
}
LEAVE_MIX = (("personal", 0.35), ("sick", 0.30), ("annual", 0.20), ("field", 0.10), ("other", 0.05))
DESTINATIONS = ("街道办事处", "区政务服务中心", "区民政局", "派出所", "社区卫生服务站")


def log(message: str) -> None:
    print(f"[bench.generate {timer.strftime('%H:%M:%S')}] {message}", flush=True)


def choose_now() -> datetime:
    """BENCH_NOW (ISO, with offset) or today at 15:30 in Qingshan: an afternoon with
    the board in full swing, frozen for the whole run."""
    raw = os.environ.get("BENCH_NOW")
    if raw:
        return datetime.fromisoformat(raw).astimezone(UTC)
    today = datetime.now(clock.LOCAL_TZ).date()
    return datetime.combine(today, time(15, 30), tzinfo=clock.LOCAL_TZ).astimezone(UTC)


def reset_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            path = f"{parsed.database}{suffix}"
            if os.path.exists(path):
                os.remove(path)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# -- the people -----------------------------------------------------------------------

@dataclass
class Member:
    id: int
    position: str
    community_id: int
    street_id: int
    grid: int | None
    account: int
    approver: int      # the account that decides this person's leave and 补卡
    street_leader: int


def board_members() -> list[Member]:
    from portal.auth.models import Account
    from portal.extensions import db
    from portal.org.models import Grid
    from portal.people.models import Person, Position

    accounts = dict(db.session.execute(select(Account.person_id, Account.id)).all())
    rows = db.session.execute(
        select(Person.id, Person.position, Person.community_id, Person.street_id, Grid.number)
        .outerjoin(Grid, Grid.id == Person.grid_id).where(Person.active.is_(True)).order_by(Person.id)).all()
    secretaries, heads, leaders = {}, {}, {}
    for pid, position, community_id, street_id, _grid in rows:
        if position is Position.SECRETARY:
            secretaries[community_id] = accounts[pid]
        elif position is Position.STATION_HEAD:
            heads[community_id] = accounts[pid]
        elif position is Position.STREET_LEADER:
            leaders[street_id] = accounts[pid]
    members = []
    for pid, position, community_id, street_id, grid in rows:
        if community_id is None:
            continue
        approver = secretaries[community_id]
        if position is Position.SECRETARY:
            approver = heads[community_id]
        members.append(Member(pid, position.value, community_id, street_id, grid, accounts[pid], approver,
                              leaders[street_id]))
    return members


# -- time helpers ---------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def _day_text(day: date) -> str:
    return day.isoformat()


def utc_text(day: date, minute: int, second: int = 0) -> str:
    """A local (Asia/Shanghai, UTC+8 all year) minute of `day` as the naive UTC text
    SQLAlchemy stores on SQLite (and PostgreSQL's COPY accepts)."""
    minute -= 480
    if minute < 0:
        day, minute = day - timedelta(days=1), minute + 1440
    elif minute >= 1440:
        day, minute = day + timedelta(days=1), minute - 1440
    return f"{_day_text(day)} {minute // 60:02d}:{minute % 60:02d}:{second:02d}.000000"


def local_at(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.LOCAL_TZ) + timedelta(minutes=minute)


# -- leave ----------------------------------------------------------------------------

def next_workday(calendar, day: date, last: date) -> date | None:
    while day <= last and not calendar.is_workday(day):
        day += timedelta(days=1)
    return day if day <= last else None


def plan_leave(rng, members, calendar, first: date, today: date, types: dict, taken: set, next_id: int):
    """Leave rows (dicts for a Core insert) and the days each person is away:
    history that ended over a month ago, plus a few requests around today."""
    from portal.leave.models import Half, LeaveStatus

    rows, away = [], {}
    history_last = today - timedelta(days=35)
    span = (history_last - first).days
    years = max(span / 365, 0.1)

    def add(member, code, start, length, status, filed):
        nonlocal next_id
        end = start
        for _ in range(max(length, 1) - 1):
            end = next_workday(calendar, end + timedelta(days=1), calendar.end) or end
        half_day = code == "personal" and rng.random() < 0.3
        halves = (Half.AM, Half.AM) if half_day and rng.random() < 0.5 else (Half.PM, Half.PM) if half_day \
            else (Half.AM, Half.PM)
        days = Decimal("0.5") if half_day else Decimal(length)
        row = {
            "id": next_id, "person_id": member.id, "community_id": member.community_id,
            "street_id": member.street_id, "type_id": types[code], "start_date": start, "start_half": halves[0],
            "end_date": end, "end_half": halves[1], "days": days, "reason": rng.choice(REASONS[code]),
            "destination": "包头市青山区", "phone": None, "late_filed": False, "needs_street": days > 3,
            "status": status, "created_at": local_at(filed, 9 * 60 + rng.randint(0, 59)), "created_by_id": member.account,
        }
        decided = local_at(filed + timedelta(days=1), 10 * 60 + rng.randint(0, 59))
        if status is not LeaveStatus.PENDING and status is not LeaveStatus.WITHDRAWN:
            row.update(first_decided_by_id=member.approver, first_decided_at=decided, first_comment="同意。")
            if status is LeaveStatus.REJECTED:
                row["first_comment"] = "该时段社区人手不足，请调整时间。"
            elif days > 3:
                row.update(street_decided_by_id=member.street_leader, street_decided_at=decided + timedelta(hours=3),
                           street_comment="同意。")
        if status is LeaveStatus.REVOKED:
            row.update(revoke_requested_at=decided + timedelta(hours=20), revoke_reason="事情已处理完，不再需要请假。",
                       revoked_by_id=member.approver, revoked_at=decided + timedelta(days=1))
        if status is LeaveStatus.COMPLETED:
            back = next_workday(calendar, end + timedelta(days=1), calendar.end) or end + timedelta(days=1)
            row.update(returned_date=back, returned_half=Half.AM, returned_recorded_by_id=member.account,
                       returned_recorded_at=local_at(back, 8 * 60 + 20), days_taken=days)
        if status in (LeaveStatus.APPROVED, LeaveStatus.COMPLETED):
            day = start
            while day <= end:
                if half_day:
                    away[(member.id, day)] = halves[0].value
                else:
                    away[(member.id, day)] = "day"
                day += timedelta(days=1)
        rows.append(row)
        next_id += 1
        return end

    for member in members:
        count = int(4 * years + rng.random())
        starts = sorted(rng.sample(range(max(span, 1)), min(count, max(span, 1))))
        busy_until = first - timedelta(days=1)
        for offset in starts:
            start = next_workday(calendar, first + timedelta(days=offset), history_last)
            if start is None or start <= busy_until:
                continue
            roll, code = rng.random(), "other"
            for candidate, share in LEAVE_MIX:
                roll -= share
                if roll < 0:
                    code = candidate
                    break
            length = {"personal": rng.randint(1, 2), "sick": rng.randint(1, 3), "annual": rng.randint(3, 5)}.get(code, 1)
            roll = rng.random()
            status = (LeaveStatus.COMPLETED if roll < 0.80 else LeaveStatus.REJECTED if roll < 0.87
                      else LeaveStatus.WITHDRAWN if roll < 0.95 else LeaveStatus.REVOKED)
            busy_until = add(member, code, start, length, status, start - timedelta(days=rng.randint(1, 6)))
    # Around today: a few requests waiting in each queue, some approved ahead, a few away today.
    by_community = {}
    for member in members:
        if member.id not in taken and member.position in ("grid_worker", "front_desk"):
            by_community.setdefault(member.community_id, []).append(member)
    for people in by_community.values():
        chosen = rng.sample(people, min(len(people), 5))
        for n, member in enumerate(chosen):
            if n < 2:  # pending
                start = next_workday(calendar, today + timedelta(days=rng.randint(2, 14)), calendar.end)
                if start:
                    add(member, rng.choice(("personal", "annual", "sick")), start, rng.randint(1, 2),
                        LeaveStatus.PENDING, today - timedelta(days=rng.randint(0, 2)))
            elif n == 2:  # approved, ahead
                start = next_workday(calendar, today + timedelta(days=rng.randint(3, 20)), calendar.end)
                if start:
                    add(member, "annual", start, rng.randint(1, 3), LeaveStatus.APPROVED, today - timedelta(days=3))
            elif n == 3 and rng.random() < 0.4:  # away today
                start = next_workday(calendar, today - timedelta(days=rng.randint(0, 2)), calendar.end)
                if start and start <= today:
                    add(member, "sick", start, 3, LeaveStatus.APPROVED, start - timedelta(days=1))
    return rows, away, next_id


# -- the activity log -----------------------------------------------------------------

def plan_corrections(rng, members, calendar, first: date, today: date, away: dict):
    """补卡 requests: about one per person every two months, mostly approved."""
    plan = {}
    span = (today - first).days
    for member in members:
        for _ in range(int(span / 60 + rng.random())):
            day = first + timedelta(days=rng.randrange(max(span, 1)))
            if day >= today or not calendar.is_workday(day) or (member.id, day) in away:
                continue
            recent = (today - day).days <= 10
            roll = rng.random()
            status = "pending" if recent and roll < 0.5 else "rejected" if roll < 0.15 else "approved"
            plan[(member.id, day)] = ("clock_in" if rng.random() < 0.6 else "clock_out", status)
    return plan


class DayWriter:
    """Builds one person-day of events as tuples in EVENT_COLUMNS order."""

    def __init__(self, rng, rows, next_id):
        self.rng = rng
        self.rows = rows
        self.next_id = next_id

    def add(self, member, day, minute, kind, destination=None, back=None, household=None, entered=None,
            created=None):
        second = self.rng.randrange(60)
        at = utc_text(day, minute, second)
        self.rows.append((self.next_id, member.id, member.community_id, kind, at, destination,
                          utc_text(day, minute + back) if back else None, None, household,
                          entered or member.account, created or at))
        self.next_id += 1
        return self.next_id - 1


def member_day(w: DayWriter, member: Member, day: date, workday: bool, summer: bool, leave_half, correction,
               front_desk: list[int]) -> tuple[int | None, str | None]:
    """One person's events for one day; returns (event id, at) of a corrected clock event."""
    rng = w.rng
    worker = member.position == "grid_worker"
    desk = front_desk or [member.account]
    if not workday:
        if worker and rng.random() < 0.6:
            start = 9 * 60 + 30 + rng.randint(0, 40)
            w.add(member, day, start, "visit_start", back=90, household=household(rng))
            w.add(member, day, start + rng.randint(60, 150), "visit_end")
        return None, None
    if leave_half == "day" or rng.random() < 0.02:
        return None, None
    am = leave_half != "am"
    pm = leave_half != "pm"
    afternoon = (870, 1080) if summer else (840, 1050)
    corrected = None

    def clock(kind, minute):
        nonlocal corrected
        if correction and correction[0] == kind:
            if correction[1] != "approved":
                return  # missed, and the 补卡 is pending or was refused
            created = utc_text(day + timedelta(days=2), 10 * 60 + rng.randint(0, 50))
            corrected = (w.add(member, day, minute, kind, entered=member.approver, created=created),
                         minute)
            return
        w.add(member, day, minute, kind)

    t = (510 if am else afternoon[0]) + (rng.randint(8, 40) if rng.random() < 0.08 else -rng.randint(0, 20))
    clock("clock_in", t)
    if worker:
        if am:
            start = max(t + 5, 540 + rng.randint(0, 30))
            t = patrol(w, member, day, start, rng)
            if t < 690 and rng.random() < 0.7:
                t = visit(w, member, day, t + rng.randint(2, 10), rng.randint(15, 35), rng)
            if t < 690 and rng.random() < 0.15:
                t = away_and_back(w, member, day, t + 3, "errand", rng.choice(DESTINATIONS), rng, desk)
        if pm:
            t = max(t, afternoon[0] + rng.randint(0, 15))
            if rng.random() < 0.15:
                t = away_and_back(w, member, day, t + 2, "meeting", "街道会议室", rng, desk)
            t = patrol(w, member, day, t + rng.randint(3, 15), rng)
            for _ in range(rng.choice((1, 1, 2, 2, 2))):
                if t < afternoon[1] - 40:
                    t = visit(w, member, day, t + rng.randint(3, 12), rng.randint(20, 45), rng)
            if t < afternoon[1] - 45 and rng.random() < 0.2:
                t = away_and_back(w, member, day, t + 3, "errand", rng.choice(DESTINATIONS), rng, desk)
    else:
        head = member.position in ("secretary", "station_head")
        if am and rng.random() < (0.5 if head else 0.1):
            t = away_and_back(w, member, day, max(t + 10, 570 + rng.randint(0, 30)), "meeting",
                              "街道会议室", rng, desk)
        if pm and rng.random() < (0.25 if head else 0.15):
            t = away_and_back(w, member, day, max(t + 10, afternoon[0] + rng.randint(10, 60)), "errand",
                              rng.choice(DESTINATIONS), rng, desk)
    end = afternoon[1] if pm else 720
    out = end - rng.randint(10, 40) if rng.random() < 0.05 else end + rng.randint(0, 25)
    clock("clock_out", max(out, t + 2))
    if worker and rng.random() < 0.35:
        visit(w, member, day, 19 * 60 + rng.randint(0, 40), rng.randint(50, 140), rng)
    return corrected if corrected else (None, None)


def household(rng) -> str:
    return f"{rng.randint(1, 30)}-{rng.randint(1, 6)}-{rng.randint(1, 6)}0{rng.randint(1, 4)}"


def patrol(w, member, day, start, rng) -> int:
    length = rng.randint(55, 85) if rng.random() < 0.12 else rng.randint(90, 120)
    w.add(member, day, start, "patrol_start", destination=f"第{member.grid}网格", back=100)
    w.add(member, day, start + length, "patrol_end")
    return start + length


def visit(w, member, day, start, length, rng) -> int:
    w.add(member, day, start, "visit_start", back=max(length, 30), household=household(rng))
    w.add(member, day, start + length, "visit_end")
    return start + length


def away_and_back(w, member, day, start, kind, destination, rng, desk) -> int:
    length = rng.randint(20, 80)
    entered = rng.choice(desk) if rng.random() < 0.1 else member.account
    w.add(member, day, start, kind, destination=destination, back=length + 10, entered=entered)
    w.add(member, day, start + length, "back", entered=entered)
    return start + length


# -- bulk writing ---------------------------------------------------------------------

class BulkWriter:
    """Raw DBAPI writes of the event table: executemany on SQLite, COPY on PostgreSQL,
    with the table's secondary indexes dropped during the load and rebuilt after."""

    def __init__(self, engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.raw = engine.raw_connection()
        self.conn = self.raw.driver_connection
        self.indexes: list[str] = []

    def drop_indexes(self, table: str) -> None:
        cur = self.conn.cursor()
        if self.sqlite:
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-262144")
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                        (table,))
        else:
            cur.execute("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                        "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = %s AND NOT x.indisprimary "
                        "AND NOT x.indisunique", (table,))
        found = cur.fetchall()
        for name, _sql in found:
            cur.execute(f'DROP INDEX "{name}"')
        self.indexes = [sql for _name, sql in found]
        self.conn.commit()

    def rebuild_indexes(self) -> None:
        cur = self.conn.cursor()
        for sql in self.indexes:
            cur.execute(sql)
        self.conn.commit()

    def write(self, table: str, columns, rows) -> None:
        if not rows:
            return
        cur = self.conn.cursor()
        if self.sqlite:
            cur.execute("BEGIN")
            marks = ", ".join("?" for _ in columns)
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
            cur.execute("COMMIT")
        else:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            self.conn.commit()

    def close(self) -> None:
        if self.sqlite:
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self.raw.close()


def fix_sequences(engine, tables) -> None:
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in tables:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"))


def lock_months(members, first: date, now: datetime) -> int:
    """封帐 of every street's months up to the last one whose lock day (the 4th of
    the next month, 16:00) has passed, as the 街镇 does it (portal.attendance.locks.lock,
    without its audit row): after the day-close has stored the months' days, each
    lock keeps what it saw, and the locked months' rows are never rewritten."""
    from portal.activity.models import MonthLock
    from portal.attendance import days
    from portal.extensions import db

    count = 0
    for member in {m.street_id: m for m in members}.values():
        month = first.replace(day=1)
        while True:
            nxt = (month + timedelta(days=32)).replace(day=1)
            locked_at = local_at(nxt + timedelta(days=4), 16 * 60)
            if locked_at > now:
                break
            db.session.add(MonthLock(street_id=member.street_id, month=month, locked_at=locked_at,
                                     locked_by_id=member.street_leader,
                                     snapshot=days.snapshot(member.street_id, month, nxt - timedelta(days=1))))
            count += 1
            month = nxt
        db.session.commit()
    return count


# -- inspections ----------------------------------------------------------------------

def generate_inspections(rng, first: date, today: date, now: datetime) -> tuple[int, int]:
    """About ten 八个统一 checks a month through the inspection rules (answers in
    bulk), 整改 mostly closed, and the district's monthly and quarterly 通报."""
    from portal.auth.models import Account
    from portal.extensions import db
    from portal.inspections import bulletins, conduct
    from portal.inspections.models import ActionStatus, CorrectiveAction, InspectionAnswer, Verdict
    from portal.inspections.rules import Item, subjects
    from portal.org.models import Community, Street

    accounts = {a.username: a for a in db.session.scalars(select(Account))}
    communities = list(db.session.scalars(select(Community).order_by(Community.id)))
    streets = {s.id: s.slug for s in db.session.scalars(select(Street))}
    findings = ("一名工作人员未佩戴胸卡", "办事指南张贴位置不明显", "便民服务手册缺页", "入户“三本”未及时更新",
                "背包内缺少鞋套", "去向指示牌未及时标明外出人员", "宣传资料不全", "服务台面杂物较多")
    month = first.replace(day=1)
    count = published = 0
    while month <= today:
        last = min((month + timedelta(days=32)).replace(day=1) - timedelta(days=1), today - timedelta(days=1))
        current = month == today.replace(day=1)
        for community in rng.sample(communities, 4 if current else 10):
            if last < month:
                break
            leader = accounts.get(f"{streets[community.street_id]}_leader")
            actor = leader if leader is not None and rng.random() < 0.3 else accounts["inspector"]
            day = month + timedelta(days=rng.randint(0, (last - month).days))
            at = local_at(day, 9 * 60 + rng.randint(0, 59))
            inspection = conduct.start(actor, community, now=at)
            answers = []
            for item in conduct.sheet(inspection).items:
                rule = Item(item.id, item.section, item.points, item.per_person, item.veto)
                for who in subjects(rule, []):
                    roll = rng.random()
                    verdict = Verdict.FAIL if roll < 0.07 else Verdict.NOT_APPLICABLE if roll < 0.09 else Verdict.PASS
                    answers.append({"inspection_id": inspection.id, "item_id": item.id, "person_id": who,
                                    "verdict": verdict, "answered_at": at,
                                    "note": rng.choice(findings) if verdict is Verdict.FAIL else None})
            db.session.execute(insert(InspectionAnswer), answers)
            conduct.submit(actor, inspection.id, now=at + timedelta(hours=1))
            count += 1
            secretary = accounts.get(f"{community.slug}_secretary")
            for action in db.session.scalars(select(CorrectiveAction).where(
                    CorrectiveAction.inspection_id == inspection.id)):
                roll = rng.random()
                if action.due_on >= today and roll < 0.5 or roll < 0.06:
                    continue  # still open (overdue once its date has passed)
                fixed = local_at(min(action.due_on - timedelta(days=1), today), 15 * 60)
                values = {"status": ActionStatus.FIXED, "fix_note": "已整改到位", "fixed_at": fixed,
                          "fixed_by_id": secretary.id}
                if roll > 0.2 or action.due_on < today - timedelta(days=30):
                    values.update(status=ActionStatus.VERIFIED, review_note="复核通过",
                                  reviewed_at=fixed + timedelta(days=1), reviewed_by_id=actor.id)
                db.session.execute(update(CorrectiveAction).where(CorrectiveAction.id == action.id).values(**values))
        if not current:
            issued = min(local_at(last + timedelta(days=2), 10 * 60), now)
            bulletins.publish(accounts["inspector"], f"{month:%Y-%m}", None, now=issued)
            published += 1
            if month.month % 3 == 0:
                bulletins.publish(accounts["inspector"], f"{month.year}-Q{month.month // 3}", None,
                                  now=issued + timedelta(hours=1))
                published += 1
        db.session.commit()
        month = (month + timedelta(days=32)).replace(day=1)
    return count, published


# -- main -----------------------------------------------------------------------------

def generate(url: str, years: float, now: datetime) -> dict:
    from flask_migrate import upgrade

    from portal import MIGRATIONS_DIR
    from portal.attendance.models import AttendanceCorrection
    from portal.attendance.settings import ensure_default
    from portal.demo import seed_demo_day, seed_demo_leave, seed_demo_people
    from portal.extensions import db
    from portal.leave.models import LeaveRequest, LeaveStatus, LeaveType
    from portal.seed import seed_reference_data
    from portal.workdays import rules as workdays

    started = timer.monotonic()
    reset_database(url)
    app = make_app(url, now)
    today = clock.to_local(now).date()
    first = today - timedelta(days=round(365 * years))
    rng = random.Random(f"bench-{years}")
    stats = {}
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        engine = db.engine
        seed_reference_data()
        seed_demo_people(portal_start=first)
        db.session.commit()
        stats["demo_leave"] = seed_demo_leave(now)
        db.session.commit()
        log(f"schema, district and {len(board_members())} people of the demo seed")

        try:
            calendar = workdays.load_calendar(first, today + timedelta(days=40))
        except workdays.CalendarMissing:
            calendar = workdays.load_calendar(first, today)
        members = board_members()
        types = dict(db.session.execute(select(LeaveType.code, LeaveType.id)).all())
        taken = set(db.session.scalars(select(LeaveRequest.person_id)))
        next_leave = (db.session.scalar(select(db.func.max(LeaveRequest.id))) or 0) + 1
        leave_rows, away, _ = plan_leave(rng, members, calendar, first, today, types, taken, next_leave)
        db.session.execute(insert(LeaveRequest), leave_rows)
        for leave in db.session.scalars(select(LeaveRequest).where(
                LeaveRequest.status.in_((LeaveStatus.APPROVED, LeaveStatus.COMPLETED)),
                LeaveRequest.id < next_leave)):
            day = leave.start_date
            while day <= leave.end_date:
                away[(leave.person_id, day)] = "day"
                day += timedelta(days=1)
        db.session.commit()
        stats["leave_requests"] = len(leave_rows) + stats["demo_leave"]
        log(f"{stats['leave_requests']} leave requests")

        schedule = ensure_default()
        summer_from, winter_from = schedule.summer_from, schedule.winter_from
        corrections = plan_corrections(rng, members, calendar, first, today, away)
        front_desk = {}
        for member in members:
            if member.position == "front_desk":
                front_desk.setdefault(member.community_id, []).append(member.account)
        db.session.commit()  # outside requests every transaction takes SQLite's write lock
        writer = BulkWriter(engine)
        writer.drop_indexes("activity_events")
        rows: list[tuple] = []
        from portal.activity.models import ActivityEvent

        w = DayWriter(rng, rows, (db.session.scalar(select(db.func.max(ActivityEvent.id))) or 0) + 1)
        db.session.commit()
        correction_rows = []
        total = 0
        day = first
        while day < today:
            workday = calendar.is_workday(day)
            key = f"{day.month:02d}-{day.day:02d}"
            summer = summer_from <= key < winter_from
            for member in members:
                correction = corrections.get((member.id, day))
                event_id, minute = member_day(w, member, day, workday, summer, away.get((member.id, day)),
                                              correction, front_desk.get(member.community_id, []))
                if correction:
                    kind, status = correction
                    claimed = minute if minute is not None else (510 - 7 if kind == "clock_in" else 1050 + 12)
                    decided = status != "pending"
                    correction_rows.append({
                        "person_id": member.id, "community_id": member.community_id, "kind": kind,
                        "at": local_at(day, claimed), "reason": "手机没电，未能按时打卡" if kind == "clock_in"
                        else "下班时忘记签退", "status": status,
                        "requested_at": local_at(day + timedelta(days=1), 9 * 60),
                        "decided_by_id": member.approver if decided else None,
                        "decided_at": local_at(day + timedelta(days=2), 10 * 60) if decided else None,
                        "comment": ("已核实" if status == "approved" else "无法核实，不予补卡") if decided else None,
                        "event_id": event_id})
            if len(rows) >= EVENTS_PER_CHUNK:
                writer.write("activity_events", EVENT_COLUMNS, rows)
                total += len(rows)
                rows.clear()
                log(f"{total} events up to {day}")
            day += timedelta(days=1)
        writer.write("activity_events", EVENT_COLUMNS, rows)
        total += len(rows)
        rows.clear()
        log(f"{total} events written, rebuilding indexes")
        writer.rebuild_indexes()
        writer.close()
        # The session's hooks never saw those rows: a server kept running on this
        # database must not keep serving a 考勤表 computed before them.
        from portal import versions
        from portal.attendance import freshness

        versions.touch(db.session, freshness.GLOBAL)
        stats["history_events"] = total
        from portal.attendance.models import CorrectionStatus

        for row in correction_rows:
            row["status"] = CorrectionStatus(row["status"])
        if correction_rows:
            db.session.execute(insert(AttendanceCorrection), correction_rows)
        stats["corrections"] = len(correction_rows)
        fix_sequences(engine, ("activity_events", "leave_requests", "attendance_corrections"))
        db.session.commit()

        stats["today_events"] = seed_demo_day(now)
        db.session.commit()
        # Everyone else's card shows their last event of an earlier day (未签到 today).
        db.session.execute(text(
            "INSERT INTO current_statuses (person_id, community_id, event_id, kind, since, destination, "
            "expected_return, note, set_by_id, on_behalf, version) "
            "SELECT e.person_id, e.community_id, e.id, e.kind, e.at, e.destination, e.expected_return, e.note, "
            "e.entered_by_id, :no, 0 FROM activity_events e "
            "JOIN (SELECT person_id, max(id) AS id FROM activity_events GROUP BY person_id) m ON m.id = e.id "
            "WHERE e.person_id NOT IN (SELECT person_id FROM current_statuses)"), {"no": False})
        db.session.commit()
        log(f"today's board: {stats['today_events']} events")
        stats["days_closed"] = close_days()
        locks = lock_months(members, first, now)
        log(f"{locks} month locks")

        stats["inspections"], stats["bulletins"] = generate_inspections(rng, first, today, now)
        log(f"{stats['inspections']} inspections, {stats['bulletins']} bulletins")

        # Stored day results written outside a request: a server kept running on this
        # database must drop what it kept (the same note as for the bulk events above).
        versions.touch(db.session, freshness.GLOBAL)
        db.session.commit()

        db.session.execute(text("CREATE TABLE bench_meta (key VARCHAR(40) PRIMARY KEY, value VARCHAR(200))"))
        meta = {"now": now.isoformat(), "years": str(years), **{k: str(v) for k, v in stats.items()}}
        for key, value in meta.items():
            db.session.execute(text("INSERT INTO bench_meta (key, value) VALUES (:k, :v)"), {"k": key, "v": value})
        db.session.commit()
        if engine.dialect.name == "postgresql":
            # What autovacuum would have done on a live server by then.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
    stats["seconds"] = round(timer.monotonic() - started)
    return stats


def close_days() -> str:
    """Store the day results of every day up to yesterday, as the nightly
    `flask close-days` does on a live server (the events above were
    written with the DBAPI, which no hook of the app sees)."""
    from portal.attendance import days

    started = timer.monotonic()
    days.close_days()
    from portal.extensions import db

    db.session.commit()
    seconds = timer.monotonic() - started
    log(f"close-days: {seconds:.0f} s")
    return f"{seconds:.0f} s"


def existing_years(url: str) -> str | None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not os.path.exists(parsed.database or ""):
        return None
    engine = create_engine(parsed)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT value FROM bench_meta WHERE key = 'years'")).scalar()
    except Exception:  # noqa: BLE001 - no database, no table: nothing to reuse
        return None
    finally:
        engine.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=float(os.environ.get("YEARS", 1)))
    parser.add_argument("--db", help="database URL (default BENCH_DATABASE_URL or instance/bench/bench.db)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database if it already holds a district of that many years")
    args = parser.parse_args(argv)
    url = bench_url(args.db)
    if args.reuse and existing_years(url) == str(args.years):
        log(f"reusing the {args.years:g}-year district in {make_url(url).render_as_string(hide_password=True)}")
        return 0
    now = choose_now()
    log(f"{args.years:g} year(s) of history into {make_url(url).render_as_string(hide_password=True)}, "
        f"now = {clock.to_local(now):%Y-%m-%d %H:%M} Asia/Shanghai")
    stats = generate(url, args.years, now)
    log("done: " + ", ".join(f"{k} {v}" for k, v in stats.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
