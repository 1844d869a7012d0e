"""Demo matters (`make run`): a few weeks of matters in every state of the loop, each
believable for its kind: 富源's hand-written ones, and a few in every other community
of the district drawn from a pool of ordinary cases (OTHERS) with a shape of the loop
each (SHAPES). Written through the same rules as real ones, with the moments of each
step in the past."""
import random
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


# The rest of the district: (kind code, urgency id, place, what was found, resident or None,
# what 上报 says, what 办结 says, where 外转 sends it).
OTHERS = [
    ("service", "3", "{b}-{u}-{r}", "独居老人想办理老年优待证，行动不便来不了社区", "刘大爷",
     "需街道窗口出证，请站长协调", "代收照片和身份证复印件，已在街道窗口办好并送上门", "街道社会事务办"),
    ("service", "3", "{b}-{u}-{r}", "新生儿家长咨询落户和医保参保怎么办", "陈女士",
     "涉及派出所和医保两处，请社区统一告知", "已出具一次性告知单，陪同到派出所办理落户", "辖区派出所户籍室"),
    ("service", "3", "社区服务站", "低保户询问今年低保复核需要准备哪些材料", "马先生",
     "材料清单需街道确认", "按办事指南告知所需材料，已帮助复印整理", "街道社会救助站"),
    ("service", "2", "{b}-{u}-{r}", "居民家中老人走失后找回，家属想申请防走失定位手环", "高女士",
     "手环需向街道申领", "已帮助填写申请，手环领到后送到家中", "街道老龄办"),
    ("appeal", "2", "{b}号楼", "{b}号楼单元门禁坏了三天，陌生人随意进出", "杨先生",
     "物业未及时维修，请书记协调", "物业已更换门禁控制板，恢复正常", "物业服务中心"),
    ("appeal", "3", "小区北侧", "小区北侧路灯不亮，晚上接孩子放学很黑", "李女士",
     "路灯归市政管理", "市政已修复路灯 3 盏", "区市政管理处"),
    ("appeal", "2", "{b}-{u} 楼顶", "顶楼住户反映下雨后屋顶渗水，墙皮脱落", "孙大爷",
     "需动用维修资金，报书记", "物业已对屋面做防水补漏，雨后回访不再渗水", "街道城建科"),
    ("appeal", "3", "小区南门", "小区南门外早市占道，车辆出不去", "何先生",
     "占道经营需城管处理", "城管已划定摊位区，南门通道已清出", "青山区城市管理综合执法局"),
    ("dispute", "2", "{b}-{u}-{r}", "{b}-{u}-{r} 装修噪音扰民，与邻居多次争吵", None,
     "双方各执一词，报书记调解", "书记组织双方协商，约定施工时间 8:00–12:00、14:00–18:00", "街道综治中心"),
    ("dispute", "2", "{b}号楼前", "{b}号楼前停车位被长期占用，两户居民发生口角", None,
     "调解未果，请站长协调物业", "物业重新划定车位，双方签字认可", "物业服务中心"),
    ("dispute", "3", "{b}-{u} 楼道", "楼道堆放杂物引起邻里矛盾，有住户拒绝清理", None,
     "多次劝说无效", "网格员会同楼长上门劝导，杂物已清理", "街道综治中心"),
    ("hazard", "1", "{b}-{u} 楼道", "{b}-{u} 楼道有居民私拉电线给电动车充电", None,
     "劝阻不听，需消防部门介入", "已当场断电并张贴告示，居民承诺不再拉线", "辖区消防救援站"),
    ("hazard", "2", "小区配电室", "配电室门锁损坏，有儿童进入玩耍", None,
     "需供电公司处理", "供电公司已更换门锁并加装警示牌", "供电公司青山营业部"),
    ("hazard", "1", "{b}号楼外墙", "{b}号楼外墙瓷砖松动脱落，楼下是人行通道", None,
     "已拉警戒线，需专业维修", "物业请施工队清除松动瓷砖，已撤警戒线", "街道城建科"),
    ("hazard", "2", "地下室", "地下室有人住宿并使用液化气罐做饭", None,
     "涉及群租，报街镇", "会同派出所劝离，液化气罐已搬出", "辖区派出所"),
]
# Shapes of the loop: (step, hours after registering, by: "worker", "secretary" or
# "stationhead"); the forms are filled from the case. The last number: at least that
# many days ago, so every step lies in the past.
SHAPES = [
    ([], 0),                                                              # 登记
    ([("take", 1, "worker")], 0),                                         # 办理中
    ([("report", 2, "worker")], 1),                                       # 上报
    ([("report", 2, "worker"), ("assign", 5, "secretary")], 1),           # 分派 → 办理中
    ([("report", 1, "worker"), ("refer", 3, "stationhead")], 1),          # 外转
    ([("take", 1, "worker"), ("close", 20, "worker")], 2),                # 已办结
    ([("take", 1, "worker"), ("close", 20, "worker"), ("feedback", 26, "worker")], 3),            # 已反馈
    ([("take", 1, "worker"), ("close", 30, "worker"), ("feedback", 36, "worker"),
      ("verify", 60, "stationhead")], 4),                                 # 已核查
    ([("report", 2, "worker"), ("assign", 4, "secretary"), ("close", 40, "worker"),
      ("feedback", 46, "worker"), ("reopen", 70, "secretary")], 5),      # 重新办理
]
FEEDBACK = [("电话告知", "satisfied"), ("上门告知", "satisfied"), ("当面告知", "basic"), ("微信告知", "satisfied"),
            ("电话告知", "unsatisfied")]
PER_COMMUNITY = 3
SPAN_DAYS = 27  # a few weeks


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
    made += _seed_district(now, kinds, fuyuan.id)
    db.session.flush()
    return made


ABOVE = ["开展辖区燃气安全入户排查，登记老旧燃气管线", "摸排辖区独居老人基本情况，更新关爱台账",
         "排查沿街商铺消防通道占用情况，限期整改", "统计辖区适龄儿童入学需求，报街道教育办"]


def _seed_district(now: datetime, kinds: dict, skip_id: int) -> int:
    """PER_COMMUNITY matters in every community but 富源 (its own are above), spread
    over a few weeks and the shapes of the loop, and one 上级交办 per street."""
    rng = random.Random("qingshan-matters")
    accounts = {a.username: a for a in db.session.scalars(select(Account).where(Account.active.is_(True)))}
    made = 0
    today = clock.to_local(now).date()
    for community in db.session.scalars(select(Community).where(Community.id != skip_id)
                                        .order_by(Community.street_id, Community.sort_order)):
        workers = [a for name, a in accounts.items() if name.startswith(f"{community.slug}_worker")
                   and a.person.grid_id is not None and a.person.community_id == community.id]
        if not workers:
            continue
        heads = {role: accounts.get(f"{community.slug}_{role}") for role in ("secretary", "stationhead")}
        cases = rng.sample(OTHERS, PER_COMMUNITY)
        shapes = rng.sample(SHAPES, PER_COMMUNITY)
        for case, (steps, min_days) in zip(cases, shapes, strict=True):
            worker = rng.choice(workers)
            if any(by != "worker" and heads[by] is None for _name, _hours, by in steps):
                steps = []
            made += _one(worker, heads, community, case, steps, rng.randint(min_days, SPAN_DAYS), now, kinds, rng)
    for street_leader in (a for name, a in sorted(accounts.items()) if name.endswith("_leader")):
        street_id = street_leader.person.street_id
        target = db.session.scalar(select(Community).where(Community.street_id == street_id,
                                                           Community.id != skip_id)
                                   .order_by(Community.sort_order).limit(1))
        if target is None:
            continue
        loop.assign_from_above(street_leader, target, None, rules.MatterInput(
            None, None, rng.choice(ABOVE), str(kinds["above"]), "3"),
            (today + timedelta(days=rng.randint(4, 10))).isoformat(), now=now - timedelta(days=rng.randint(1, 6)))
        made += 1
    return made


def _one(worker, heads, community, case, steps, days_ago, now, kinds, rng) -> int:
    kind, urgency, place, description, resident, report_note, close_note, refer_to = case
    numbers = {"b": rng.randint(1, 24), "u": rng.randint(1, 4), "r": f"{rng.randint(1, 6)}0{rng.randint(1, 2)}"}
    start = now - timedelta(days=days_ago, hours=rng.randint(2, 6))
    phone = f"139{rng.randint(0, 99999999):08d}" if resident else None
    data = rules.MatterInput(str(worker.person.grid_id), place.format(**numbers), description.format(**numbers),
                             str(kinds[kind]), urgency, resident, phone, bool(resident))
    matter = rules.register(worker, community, data, now=start)
    matter.source = rng.choice([Source.PATROL, Source.PATROL, Source.VISIT])
    how, satisfaction = rng.choice(FEEDBACK)
    forms = {"take": {}, "report": {"note": report_note}, "close": {"note": close_note},
             "assign": {"person_id": str(worker.person_id), "note": "请尽快办理，办结后及时反馈居民"},
             "refer": {"referred_to": refer_to, "referred_ref": f"QS-{start:%Y}-{rng.randint(100, 999)}"},
             "feedback": {"feedback_how": how, "satisfaction": satisfaction},
             "verify": {"note": "电话回访居民，情况属实"}, "reopen": {"note": "居民反映问题反复出现，需再次处理"}}
    for name, hours, by in steps:
        actor = worker if by == "worker" else heads[by]
        loop.step(actor, matter, name, matter.version, forms[name], now=start + timedelta(hours=hours))
    return 1


def _account(username: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.username == username))
