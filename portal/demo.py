"""The demo district: every position filled with plausible people.

Usernames (all with the password demo-pass-2026, accepted only in demo mode):
  admin, inspector                       district
  <street>_leader                        one 街镇领导 per street, e.g. fuqiang_leader
  <community>_secretary                  社区书记, e.g. fuyuan_secretary
  <community>_stationhead                站长
  <community>_frontdesk, _frontdesk2, _frontdesk3   公共服务区工作人员
  <community>_workerNN                   网格员 of grid NN, e.g. fuyuan_worker01
Slugs are the pinyin of the names (portal/org/notice.py).
"""
import random
from datetime import date

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from portal.auth.models import Account
from portal.auth.rules import DEMO_PASSWORD
from portal.errors import FieldErrors
from portal.extensions import db
from portal.org.models import Community, Street
from portal.people.models import Person, Position

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = (
    "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 玉兰 萍 鹏 华 红 玲 建华 "
    "建国 淑珍 海燕 雪梅 丹 晶 琳 宇 浩 凯 慧 婷 颖 鑫 博 晓东 晓燕 志强 海军 春梅 立新 丽娟 志刚 文静 "
    "国庆 红梅 秀珍 宏伟 建军 淑华 桂兰 凤英 丽华 晓红 亚楠 佳怡 子涵 思远 雨婷 晨阳 乌兰 其其格 巴特尔 "
    "萨仁 斯琴 额尔敦 高娃 图雅 哈斯"
).split()


def _name_source(seed: str):
    rng = random.Random(seed)
    used = set()

    def draw() -> str:
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if name not in used:
                used.add(name)
                return name

    return rng, draw


def _phone(rng) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))


def seed_demo_people(password: str = DEMO_PASSWORD, portal_start: date | None = None) -> int:
    """Fill every position of the seeded district (caller commits). One hash
    serves every demo account: they share one password anyway, and hashing
    eight hundred times would make each test's fresh database slow.
    `portal_start` is the demo's go-live: the first day anyone's 考勤 is judged
    (default: today, as for anyone added through the pages)."""
    password_hash = generate_password_hash(password)
    rng, draw = _name_source("qingshan-2017-72")
    count = 0

    def add(username, position, street=None, community=None, grid=None):
        nonlocal count
        person = Person(name=draw(), phone=_phone(rng), position=position, street=street,
                        community=community, grid=grid,
                        service_start=date(rng.randint(1995, 2024), rng.randint(1, 12), 1))
        if portal_start is not None:
            person.portal_start = portal_start
        db.session.add(person)
        db.session.add(Account(username=username, password_hash=password_hash, person=person))
        count += 1

    add("admin", Position.ADMIN)
    add("inspector", Position.INSPECTOR)
    streets = db.session.scalars(select(Street).order_by(Street.sort_order)).all()
    for s_order, street in enumerate(streets, start=1):
        add(f"{street.slug}_leader", Position.STREET_LEADER, street=street)
        for c_order, community in enumerate(street.communities, start=1):
            community.office_phone = f"0472-{5100000 + s_order * 1000 + c_order * 10}"
            slug = community.slug
            add(f"{slug}_secretary", Position.SECRETARY, street, community)
            add(f"{slug}_stationhead", Position.STATION_HEAD, street, community)
            for n in range(1, community.staff_count + 1):
                add(f"{slug}_frontdesk{'' if n == 1 else n}", Position.FRONT_DESK, street, community)
            for grid in community.grids:
                add(f"{slug}_worker{grid.number:02d}", Position.GRID_WORKER, street, community, grid)
    db.session.flush()
    return count


def community_by_slug(slug: str) -> Community | None:
    return db.session.scalar(select(Community).where(Community.slug == slug))


def seed_demo_day(now=None) -> int:
    """A living board for today: most people clocked in, some on patrol or a visit,
    a few at meetings or out on errands (one or two overdue), some set by the front
    desk on their behalf. Events are recorded through the board's own rules, so the
    log, the cards and the audit trail agree. Returns the number of events."""
    from datetime import UTC, datetime, time, timedelta

    from portal import clock
    from portal.activity.models import ActivityEvent
    from portal.activity.rules import record_event

    now = now or clock.now()
    local_now = clock.to_local(now)
    day_start = datetime.combine(local_now.date(), time(7, 50), tzinfo=clock.LOCAL_TZ)
    if local_now < day_start + timedelta(minutes=15):
        return 0
    if db.session.scalar(select(ActivityEvent.id).where(ActivityEvent.at >= day_start).limit(1)):
        return 0
    rng = random.Random(local_now.date().isoformat())
    base = max(day_start, local_now - timedelta(hours=3))
    accounts = {a.person_id: a for a in db.session.scalars(select(Account))}
    front_desk = {}
    for person in db.session.scalars(select(Person).where(Person.position == Position.FRONT_DESK)):
        front_desk.setdefault(person.community_id, accounts[person.id])
    count = 0

    def at(lo, hi):
        span = max(int((hi - lo).total_seconds() // 60), 1)
        return lo + timedelta(minutes=rng.randrange(span))

    board_positions = [Position.GRID_WORKER, Position.FRONT_DESK, Position.SECRETARY, Position.STATION_HEAD]
    people = db.session.scalars(
        select(Person).where(Person.active.is_(True), Person.position.in_(board_positions)).order_by(Person.id)
    ).all()
    for person in people:
        own = accounts.get(person.id)
        if own is None or rng.random() < 0.08:
            continue
        clock_in = at(base, min(base + timedelta(minutes=25), local_now - timedelta(minutes=6)))
        record_event(own, person, "clock_in", now=clock_in.astimezone(UTC))
        count += 1
        t = at(max(clock_in + timedelta(minutes=3), local_now - timedelta(minutes=75)), local_now - timedelta(minutes=1))
        r = rng.random()
        actor = own
        if person.position is Position.GRID_WORKER:
            if r < 0.40:
                kind, dest, back = "patrol_start", f"第{person.grid.number}网格", 90
            elif r < 0.58:
                kind, dest, back = "visit_start", f"{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元入户", 60
            elif r < 0.66:
                kind, dest, back = "meeting", "街道办事处", 120
                actor = front_desk.get(person.community_id, own)
            elif r < 0.71:
                # Out since over an hour, expected back 40 minutes after leaving: overdue.
                kind, dest, back = "errand", "区政务服务中心", 40
                t = max(clock_in + timedelta(minutes=2), local_now - timedelta(minutes=rng.randint(70, 100)))
            else:
                continue
        elif person.position in (Position.SECRETARY, Position.STATION_HEAD) and r < 0.35:
            kind, dest, back = "meeting", "街道会议室", 90
        else:
            continue
        if t < clock_in:
            t = clock_in + timedelta(minutes=2)
        expected = (t + timedelta(minutes=back)).astimezone(UTC)
        record_event(actor, person, kind, destination=dest, now=t.astimezone(UTC), expected_return=expected)
        count += 1
    db.session.flush()
    # 离线补传: some patrols were tapped in a basement and sent on reconnect (issue 18).
    from portal.activity.models import EventKind

    for event in db.session.scalars(select(ActivityEvent).where(
            ActivityEvent.at >= day_start, ActivityEvent.kind == EventKind.PATROL_START)):
        if event.person_id % 5 == 0:
            event.offline, event.client_id = True, f"demo-{event.id:010d}"
            event.created_at = min(event.at + timedelta(minutes=rng.randint(8, 40)), now)
    db.session.flush()
    return count


def seed_demo_leave(now=None) -> int:
    """Some leave in every state, filed and decided through the leave rules: pending
    ones in the queues, someone on leave today, one 逾期未销假, a long request
    waiting for the 街镇, and past leave already 销假. Skipped (0) when the work
    calendar does not cover the dates, or when leave already exists."""
    from datetime import UTC, datetime, time, timedelta

    from flask import current_app

    from portal import clock
    from portal.leave import rules
    from portal.leave.models import LeaveRequest, LeaveType

    if db.session.scalar(select(LeaveRequest.id).limit(1)):
        return 0
    now = now or clock.now()
    today = clock.to_local(now).date()
    types = {t.code: t for t in db.session.scalars(select(LeaveType))}
    accounts = {a.username: a for a in db.session.scalars(select(Account))}
    config = current_app.config
    made = 0

    def at(day, hour=9):
        return datetime.combine(day, time(hour), tzinfo=clock.LOCAL_TZ).astimezone(UTC)

    def file(username, code, start, start_half, end, end_half, reason, filed_on, destination="包头市青山区"):
        account = accounts[username]
        data = rules.LeaveInput(types[code].id, start, start_half, end, end_half, reason, destination, "")
        return rules.submit(account, account.person, data, config, now=at(filed_on))

    def secretary_of(username):
        return accounts[username.split("_")[0] + "_secretary"]

    plans = [
        # username, type, start offset, end offset, halves, filed offset, what happens
        ("fuyuan_worker05", "personal", 7, 8, ("am", "pm"), -1, "pending", "家中老人就医，需陪同"),
        ("fuyuan_worker09", "annual", 14, 14, ("pm", "pm"), -2, "pending", "孩子学校家长会"),
        ("fuyuan_worker07", "sick", 0, 1, ("am", "pm"), 0, "approved", "感冒发烧，社区卫生服务中心就诊"),
        ("fuda_worker03", "personal", -3, -1, ("am", "pm"), -5, "approved", "回老家处理房屋事宜"),
        ("fuyuan_worker11", "sick", -20, -18, ("am", "pm"), -20, "returned", "腰椎不适，住院检查"),
        ("fangzhi_worker04", "annual", 10, 16, ("am", "pm"), -1, "community", "年休假，探亲"),
        ("fuda_worker05", "personal", 3, 3, ("am", "am"), -1, "pending", "办理不动产登记"),
    ]
    def workday_from(day):
        """Future demo leave starts and ends on working days, whatever today is."""
        while day.weekday() >= 5 or day in holidays:
            day += timedelta(days=1)
        return day

    from portal.workdays.models import CalendarDay, DayKind

    holidays = set(db.session.scalars(select(CalendarDay.day).where(CalendarDay.kind == DayKind.HOLIDAY)))
    for username, code, start_off, end_off, halves, filed_off, outcome, reason in plans:
        start, end = today + timedelta(days=start_off), today + timedelta(days=end_off)
        if start_off > 0:
            start = workday_from(start)
            end = max(workday_from(end), start)
        filed = today + timedelta(days=filed_off)
        try:
            with db.session.begin_nested():  # a plan the calendar cannot serve is skipped alone
                leave = file(username, code, start, halves[0], end, halves[1], reason, filed)
                decider = secretary_of(username)
                if outcome in ("approved", "returned", "community"):
                    rules.decide(decider, leave, True, "同意，注意安全。", now=at(filed, 10))
                if outcome == "returned":
                    rules.record_return(accounts[username], leave, end + timedelta(days=1), "am",
                                        now=at(end + timedelta(days=1), 8))
        except (FieldErrors, PermissionError):
            continue
        made += 1
    db.session.flush()
    return made


def seed_demo_comptime(now=None) -> int:
    """调休 in 富源: some rest days of the history confirmed by the 书记, the rest left
    waiting, and a recorded 加班, so the 调休 pages show each state. Runs after the
    days are closed (proposals are stored day results). Returns the credits made."""
    from datetime import timedelta

    from portal import clock
    from portal.comptime import rules as comptime

    fuyuan = community_by_slug("fuyuan")
    secretary = db.session.scalar(select(Account).where(Account.username == "fuyuan_secretary"))
    if fuyuan is None or secretary is None:
        return 0
    now = now or clock.now()
    today = clock.to_local(now).date()
    made = 0
    waiting = [p for p in comptime.proposals([fuyuan.id], today=today, with_sources=False)
               if comptime.confirms_comp_time(secretary.person, p.person)]
    for proposal in waiting[::2][:4]:  # every other one: the others stay 待确认
        try:
            with db.session.begin_nested():
                comptime.decide(secretary, proposal.person, proposal.day, True, str(proposal.days.normalize()),
                                "", now=now)
            made += 1
        except FieldErrors:
            continue
    worker = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker03"))
    last_saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
    for day in (last_saturday - timedelta(days=7), last_saturday):
        try:
            with db.session.begin_nested():
                comptime.record_overtime(secretary, worker.person, day, "5", "社区防汛值守", now=now)
            made += 1
            break
        except FieldErrors:
            continue
    db.session.flush()
    return made


def seed_demo_matters(now=None) -> int:
    """A few weeks of 事项 in every state of the loop, in every community of the district
    (富源 hand-written, the others drawn from portal/matters/samples.py)."""
    from portal.matters import samples

    return samples.seed(now)


HISTORY_DAYS = 28  # the demo's go-live: four weeks before the day it is seeded


def seed_demo_history(days: int = HISTORY_DAYS, now=None, community_ids=None) -> int:
    """Several weeks of plausible 考勤 before today for every board member: clock-in
    and out around the schedule (a few late or early), the two daily patrols (some
    too short), household visits in the evening and at weekends, the odd absence.
    Bulk-inserted into the log (past days never move today's board). Returns rows.
    `community_ids` limits it to those communities (a quicker seed for one street)."""
    from datetime import UTC, datetime, time, timedelta

    from sqlalchemy import insert

    from portal import clock
    from portal.activity.models import ActivityEvent, EventKind
    from portal.attendance.settings import settings_for
    from portal.leave.models import LeaveRequest, LeaveStatus
    from portal.workdays import rules as workdays

    now = now or clock.now()
    today = clock.to_local(now).date()
    first = today - timedelta(days=days)
    if db.session.scalar(select(ActivityEvent.id).where(
            ActivityEvent.kind == EventKind.CLOCK_IN,
            ActivityEvent.at < datetime.combine(today, time(0), tzinfo=clock.LOCAL_TZ)).limit(1)):
        return 0
    try:
        calendar = workdays.load_calendar(first, today)
    except workdays.CalendarMissing:
        return 0
    rng = random.Random(f"history-{today.isoformat()}")
    schedule = settings_for(None)
    board_positions = [Position.GRID_WORKER, Position.FRONT_DESK, Position.SECRETARY, Position.STATION_HEAD]
    people = db.session.scalars(select(Person).where(
        Person.active.is_(True), Person.position.in_(board_positions),
        *([Person.community_id.in_(community_ids)] if community_ids is not None else []))).all()
    accounts = {a.person_id: a.id for a in db.session.scalars(select(Account))}
    leave = db.session.scalars(select(LeaveRequest).where(
        LeaveRequest.status.in_((LeaveStatus.APPROVED, LeaveStatus.COMPLETED)), LeaveRequest.end_date >= first)).all()
    on_leave = {(r.person_id, first + timedelta(days=n)) for r in leave for n in range(days + 1)
                if r.start_date <= first + timedelta(days=n) <= r.end_date}

    def summer(day):
        key = f"{day.month:02d}-{day.day:02d}"
        return schedule.summer_from <= key < schedule.winter_from

    def at(day, clock_time, minutes=0):
        local = datetime.combine(day, clock_time, tzinfo=clock.LOCAL_TZ) + timedelta(minutes=minutes)
        return local.astimezone(UTC)

    rows = []
    for person in people:
        entered = accounts.get(person.id)
        worker = person.position is Position.GRID_WORKER
        for n in range(days):
            day = first + timedelta(days=n)
            workday = calendar.is_workday(day)

            def add(kind, moment, person=person, entered=entered, **extra):
                rows.append({"person_id": person.id, "community_id": person.community_id, "kind": kind,
                             "at": moment, "entered_by_id": entered, "created_at": moment, **extra})

            if worker and (not workday or rng.random() < 0.35):
                # 弹性入户: at noon, in the evening or at the weekend.
                start = at(day, time(19, 0) if workday else time(9, 30), rng.randint(0, 40))
                household = f"{rng.randint(1, 30)}-{rng.randint(1, 6)}-{rng.randint(1, 6)}0{rng.randint(1, 4)}"
                add(EventKind.VISIT_START, start, household=household)
                add(EventKind.VISIT_END, start + timedelta(minutes=rng.randint(50, 140)))
            if not workday or (person.id, day) in on_leave or rng.random() < 0.03:
                continue
            afternoon = (schedule.summer_afternoon_start, schedule.summer_afternoon_end) if summer(day) \
                else (schedule.winter_afternoon_start, schedule.winter_afternoon_end)
            late = rng.random() < 0.08
            add(EventKind.CLOCK_IN, at(day, schedule.morning_start, rng.randint(8, 40) if late else -rng.randint(0, 20)))
            if worker:
                for block_start in (time(9, 0), afternoon[0]):
                    start = at(day, block_start, rng.randint(0, 30))
                    length = rng.randint(55, 85) if rng.random() < 0.12 else rng.randint(90, 120)
                    add(EventKind.PATROL_START, start, destination=f"第{person.grid.number}网格")
                    add(EventKind.PATROL_END, start + timedelta(minutes=length))
            early = rng.random() < 0.05
            add(EventKind.CLOCK_OUT, at(day, afternoon[1], -rng.randint(10, 40) if early else rng.randint(0, 25)))
    if rows:
        db.session.execute(insert(ActivityEvent), rows)
    return len(rows)


FINDINGS = ("一名工作人员未佩戴胸卡", "办事指南张贴位置不明显", "便民服务手册缺页", "入户“三本”未及时更新",
            "背包内缺少鞋套", "去向指示牌未及时标明外出人员", "宣传资料不全", "电子显示屏信息过期",
            "服务台面杂物较多", "未接来电超过 1 小时未回拨")


def seed_demo_inspections(months: int = 4, now=None) -> int:
    """A few months of 八个统一 checks through the same rules the pages use: about ten
    communities a month by the district inspector or their 街镇, most items 符合,
    整改 mostly closed, a few still open or overdue, and a published district 通报 for
    each finished month. Returns the number of inspections."""
    from datetime import datetime, time, timedelta

    from portal import clock
    from portal.inspections import actions, bulletins, conduct
    from portal.inspections.models import CorrectiveAction, Inspection

    if db.session.scalar(select(Inspection.id).limit(1)):
        return 0
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (16, 12), (90, 140, 90)).save(buffer, "PNG")
    photo = buffer.getvalue()
    now = now or clock.now()
    today = clock.to_local(now).date()
    rng = random.Random("inspections")
    accounts = {a.username: a for a in db.session.scalars(select(Account))}
    communities = list(db.session.scalars(select(Community).order_by(Community.id)))
    streets = {s.id: s.slug for s in db.session.scalars(select(Street))}
    month = today.replace(day=1)
    firsts = []
    for _ in range(months):
        month = (month - timedelta(days=1)).replace(day=1)
        firsts.append(month)
    firsts.reverse()
    firsts.append(today.replace(day=1))
    count = 0
    for first in firsts:
        last = min((first + timedelta(days=32)).replace(day=1) - timedelta(days=1), today - timedelta(days=1))
        if last < first:
            continue
        for community in rng.sample(communities, 10 if first < today.replace(day=1) else 4):
            leader = accounts.get(f"{streets[community.street_id]}_leader")
            actor = leader if leader is not None and rng.random() < 0.3 else accounts["inspector"]
            day = first + timedelta(days=rng.randint(0, (last - first).days))
            while day.weekday() >= 5 and day > first:
                day -= timedelta(days=1)
            at = datetime.combine(day, time(9, rng.randint(0, 59)), tzinfo=clock.LOCAL_TZ)
            inspection = conduct.start(actor, community, now=at)
            for item in conduct.sheet(inspection).items:
                roll = rng.random()
                verdict = "fail" if roll < 0.07 else "na" if roll < 0.09 else "pass"
                conduct.answer(actor, inspection.id, str(item.id), None, verdict,
                               rng.choice(FINDINGS) if verdict == "fail" else "", now=at)
            conduct.submit(actor, inspection.id, now=at + timedelta(hours=1))
            count += 1
            secretary = accounts.get(f"{community.slug}_secretary")
            for action in db.session.scalars(select(CorrectiveAction).where(
                    CorrectiveAction.inspection_id == inspection.id)):
                roll = rng.random()
                if secretary is None or action.due_on >= today and roll < 0.5 or roll < 0.12:
                    continue  # still open (overdue once its date has passed)
                fixed_at = datetime.combine(min(action.due_on - timedelta(days=1), today), time(15),
                                            tzinfo=clock.LOCAL_TZ)
                actions.record_fix(secretary, action, "已整改到位", ("整改.png", photo), now=fixed_at)
                if roll > 0.25:
                    actions.review(actor, action, True, "复核通过", now=fixed_at + timedelta(days=1))
        if first < today.replace(day=1):
            published = datetime.combine(last + timedelta(days=2), time(10), tzinfo=clock.LOCAL_TZ)
            bulletins.publish(accounts["inspector"], f"{first:%Y-%m}", None, now=min(published, now))
    db.session.flush()
    return count


def seed_demo_guide() -> int:
    """The district's 办事指南 (portal.guide.samples), entered by the administrator, with
    富源社区's own windows and phone and one item of its own (caller commits). Does
    nothing when the guide already has items."""
    from sqlalchemy import func

    from portal.guide import rules as guide
    from portal.guide import samples
    from portal.guide.models import ServiceItem

    if db.session.scalar(select(func.count()).select_from(ServiceItem)):
        return 0
    admin = db.session.scalar(select(Account).where(Account.username == "admin"))
    fuyuan = community_by_slug("fuyuan")
    secretary = db.session.scalar(select(Account).where(Account.username == "fuyuan_secretary"))

    def data(entry, place=samples.PLACE):
        name, aliases, audience, basis, materials, process, time_limit, handler = entry
        form = {"name": name, "aliases": aliases, "audience": audience, "basis": basis,
                "materials": "\n".join(materials), "process": process, "time_limit": time_limit,
                "place": place, "handler": handler, "fee": "不收费"}
        return guide.read_item(form)

    count = 0
    for entry in samples.ITEMS:
        item = guide.create_item(admin, None, data(entry))
        count += 1
        desk = samples.FUYUAN_DESKS.get(entry[-1])
        if fuyuan is not None and secretary is not None and desk is not None:
            place, handler, phone = desk
            guide.set_local(secretary, item, fuyuan, {"place": place, "handler": handler, "phone": phone,
                                                      "notes": None})
    if fuyuan is not None and secretary is not None:
        guide.create_item(secretary, fuyuan, data(samples.FUYUAN_OWN, "富源社区党群服务中心二楼议事厅"))
        count += 1
    return count


def seed_demo_hall(now=None) -> int:
    """富源社区's hall screen information: office hours, today's duty person, two
    notices around today and three guide items (caller commits); `make run` only."""
    from datetime import timedelta

    from werkzeug.datastructures import MultiDict

    from portal import clock
    from portal.guide import hall
    from portal.guide.models import HallInfo, ServiceItem

    fuyuan = community_by_slug("fuyuan")
    secretary = db.session.scalar(select(Account).where(Account.username == "fuyuan_secretary"))
    if fuyuan is None or secretary is None or db.session.scalar(select(HallInfo.id)) is not None:
        return 0
    today = clock.to_local(now).date() if now is not None else clock.today()
    names = ("居住证申领", "老年人优待证办理", "就业失业登记")
    featured = [str(i) for i in db.session.scalars(select(ServiceItem.id).where(ServiceItem.name.in_(names)))]
    staff = hall.staff_choices(fuyuan)
    hall.save_settings(secretary, fuyuan, MultiDict(
        [("office_hours", "周一至周五 8:30-12:00，14:30-18:00（夏季 15:00-18:30）"),
         ("duty_person_id", str(staff[0].id) if staff else "")] + [("featured", i) for i in featured]))
    for title, body, start, days in (
            ("养老金领取资格认证开始了", "今年的认证可在手机上自助完成，不会操作的老人可带身份证到 2 号窗口，由工作人员协助。",
             today - timedelta(days=3), 30),
            ("周四下午公共服务区照常办公", "社区党员活动日期间，公共服务区安排专人值守，不影响群众办事。", today, 3)):
        hall.add_notice(secretary, fuyuan, {"title": title, "body": body, "start_on": start.isoformat(),
                                            "end_on": (start + timedelta(days=days)).isoformat()})
    return 2
def seed_demo_responsibility(now=None) -> int:
    """包社区/包网格 for `make run`: a second 富强路街道 leader (fuqiang_leader2), every
    street's communities shared out among its leaders, every community's grids among
    its 书记 and 站长, from the first of last month; a few supervision visits. Kept out
    of the test template (its people counts stay those of the notice). Returns the
    number of terms."""
    from datetime import timedelta

    from portal import clock
    from portal.org.models import Grid
    from portal.responsibility.models import Assignment, AssignmentKind, SupervisionEntry, SupervisionKind

    if db.session.scalar(select(Assignment.id).limit(1)):
        return 0
    today = clock.to_local(now or clock.now()).date()
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    rng = random.Random("responsibility")
    fuqiang = db.session.scalar(select(Street).where(Street.slug == "fuqiang"))
    if fuqiang is not None and not db.session.scalar(select(Account.id).where(Account.username == "fuqiang_leader2")):
        person = Person(name="贺立新", phone=_phone(rng), position=Position.STREET_LEADER, street=fuqiang,
                        service_start=date(2008, 3, 1), portal_start=start)
        db.session.add(person)
        db.session.add(Account(username="fuqiang_leader2", password_hash=generate_password_hash(DEMO_PASSWORD),
                               person=person))
        db.session.flush()
    count = 0
    for street in db.session.scalars(select(Street).order_by(Street.sort_order)):
        leaders = list(db.session.scalars(select(Person).where(
            Person.street_id == street.id, Person.position == Position.STREET_LEADER).order_by(Person.id)))
        for index, community in enumerate(street.communities):
            if leaders:
                leader = leaders[index % len(leaders)]
                db.session.add(Assignment(kind=AssignmentKind.COMMUNITY, person_id=leader.id, street_id=street.id,
                                          community_id=community.id, valid_from=start))
                count += 1
                for kind in rng.sample(list(SupervisionKind), rng.randint(1, 4)):
                    day = start + timedelta(days=rng.randint(0, max((today - start).days - 1, 0)))
                    db.session.add(SupervisionEntry(person_id=leader.id, street_id=street.id,
                                                    community_id=community.id, day=day, kind=kind,
                                                    covered=f"{kind.label}：网格员入户记录和去向指示牌",
                                                    present="社区书记、站长"))
            heads = list(db.session.scalars(select(Person).where(
                Person.community_id == community.id,
                Person.position.in_([Position.SECRETARY, Position.STATION_HEAD])).order_by(Person.position)))
            if heads:
                for grid in db.session.scalars(select(Grid).where(Grid.community_id == community.id)):
                    db.session.add(Assignment(kind=AssignmentKind.GRID, person_id=heads[grid.number % len(heads)].id,
                                              street_id=street.id, community_id=community.id, grid_id=grid.id,
                                              valid_from=start))
                    count += 1
    db.session.flush()
    _seed_demo_covers(today)
    return count


def _seed_demo_covers(today) -> None:
    """Approved leave of 网格员 on or after today names the grid's 包网格 head as 代班."""
    from portal.leave.models import LeaveCover, LeaveRequest, LeaveStatus
    from portal.responsibility.models import Assignment, AssignmentKind

    leaves = db.session.scalars(select(LeaveRequest).join(Person, Person.id == LeaveRequest.person_id).where(
        LeaveRequest.status == LeaveStatus.APPROVED, LeaveRequest.end_date >= today,
        Person.position == Position.GRID_WORKER, Person.grid_id.is_not(None)))
    for leave in leaves:
        head = db.session.scalar(select(Assignment.person_id).where(
            Assignment.kind == AssignmentKind.GRID, Assignment.grid_id == leave.person.grid_id))
        if head is not None:
            db.session.add(LeaveCover(leave_id=leave.id, grid_id=leave.person.grid_id,
                                      community_id=leave.person.community_id, person_id=head))
    db.session.flush()
