"""Demo matters (`make run`): a few weeks of 富源's matters in every state of the loop,
each believable for its kind. Written through the same rules as real ones, with the
moments of each step in the past."""
from datetime import datetime, timedelta

from sqlalchemy import select

from portal import clock
from portal.auth.models import Account
from portal.extensions import db
from portal.matters import loop, rules
from portal.matters.models import Matter, MatterKind, Source
from portal.org.models import Community

# (worker, days ago, kind code, urgency id, place, description, resident, steps)
# steps: (step, hours after registering, by, form)
SAMPLES = [
    ("fuyuan_worker01", 24, "service", "3", "7-1-201", "独居老人李大爷想申请高龄津贴，不会在手机上办理", "李大爷",
     [("take", 1, None, {}), ("close", 20, None, {"note": "上门帮助填写申请表，已交民政窗口受理"}),
      ("feedback", 30, None, {"feedback_how": "上门告知", "satisfaction": "satisfied"}),
      ("verify", 50, "fuyuan_secretary", {"note": "电话回访属实"})]),
    ("fuyuan_worker02", 20, "appeal", "2", "5-2 楼道", "5号楼2单元楼道灯坏了一周，老人夜里上下楼不便", "王阿姨",
     [("report", 2, None, {"note": "需物业维修，已联系未答复"}),
      ("assign", 4, "fuyuan_secretary", {"person_id": "fuyuan_worker02", "note": "请与物业经理当面协调"}),
      ("close", 18, None, {"note": "物业已更换楼道灯 6 盏"}),
      ("feedback", 22, None, {"feedback_how": "电话告知", "satisfaction": "basic"})]),
    ("fuyuan_worker03", 9, "dispute", "2", "3-1-402", "3-1-402 与楼下 302 因卫生间漏水发生争执，双方情绪激动", None,
     [("report", 1, None, {"note": "调解未果，报书记"}),
      ("assign", 3, "fuyuan_secretary", {"person_id": "fuyuan_secretary", "note": "书记牵头调解"})]),
    ("fuyuan_worker04", 4, "hazard", "1", "小区东门", "小区东门人行道井盖破损，有行人踩空危险", None,
     [("report", 0.5, None, {"note": "已设警示，需市政维修"}),
      ("refer", 1, "fuyuan_stationhead", {"referred_to": "富强路街道城建科", "referred_ref": "FQ-2026-118"})]),
    ("fuyuan_worker05", 0, "appeal", "3", "小区垃圾站", "居民反映垃圾清运不及时，垃圾站周边有异味", "赵先生", []),
    ("fuyuan_worker01", 2, "service", "3", "2-3-601", "帮残疾居民代办残疾人证年审，需跑区残联", "孙女士",
     [("take", 2, None, {})]),
    ("fuyuan_worker03", 15, "hazard", "2", "9号楼", "9号楼有居民在楼道内给电动车充电", None,
     [("take", 1, None, {}), ("close", 30, None, {"note": "已劝离，张贴告示"}),
      ("feedback", 40, None, {"feedback_how": "楼栋群通知", "satisfaction": "unsatisfied"}),
      ("reopen", 60, "fuyuan_secretary", {"note": "居民反映仍有人充电，需联系物业加装充电桩"})]),
    ("fuyuan_worker02", 12, "appeal", "3", "中心广场", "小区健身器材扶手松动，居民担心受伤", "周大爷",
     [("take", 2, None, {}), ("close", 40, None, {"note": "联系体育局维修点已加固"}),
      ("feedback", 44, None, {"feedback_how": "当面告知", "satisfaction": "satisfied"})]),
    ("fuyuan_worker04", 6, "service", "3", "社区服务站", "失业居民登记求职意向，希望推荐保洁岗位", "吴女士",
     [("take", 1, None, {}), ("close", 50, None, {"note": "已推荐至街道就业服务站"})]),
]


def seed(now: datetime | None = None) -> int:
    """The samples in 富源 and one 上级交办 from the 街镇; nothing if any matter exists."""
    if db.session.scalar(select(Matter.id).limit(1)) is not None:
        return 0
    fuyuan = db.session.scalar(select(Community).where(Community.slug == "fuyuan"))
    if fuyuan is None:
        return 0
    now = now or clock.now()
    rules.settings().verify_required = True   # the demo shows 核查 too
    kinds = {k.code: k.id for k in db.session.scalars(select(MatterKind))}
    made = 0
    for username, days_ago, kind, urgency, place, description, resident, steps in SAMPLES:
        worker = _account(username)
        if worker is None or worker.person.grid_id is None:
            continue
        start = now - timedelta(days=days_ago, hours=3)
        data = rules.MatterInput(str(worker.person.grid_id), place, description, str(kinds[kind]), urgency,
                                 resident, "13904721234" if resident else None, bool(resident))
        matter = rules.register(worker, fuyuan, data, now=start)
        matter.source = Source.PATROL if days_ago % 2 else Source.VISIT
        for name, hours, by, form in steps:
            actor = _account(by) if by else worker
            if "person_id" in form:
                form = {**form, "person_id": str(_account(form["person_id"]).person_id)}
            loop.step(actor, matter, name, matter.version, form, now=start + timedelta(hours=hours))
        made += 1
    leader = _account("fuqiang_leader")
    if leader is not None:
        loop.assign_from_above(leader, fuyuan, None, rules.MatterInput(
            None, None, "排查辖区群租房消防隐患，建立台账报街道", str(kinds["above"]), "3"),
            (clock.to_local(now).date() + timedelta(days=5)).isoformat(), now=now - timedelta(days=1))
        made += 1
    db.session.flush()
    return made


def _account(username: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.username == username))
