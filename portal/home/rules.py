"""What each person has to do today, and the figures their home page shows."""
from dataclasses import dataclass

from sqlalchemy import and_, func, select

from portal.auth.models import Account
from portal.extensions import db
from portal.org.models import Community, Grid, Street
from portal.people.models import Person, Position


@dataclass
class Duty:
    text: str
    source: str


DUTIES = {
    Position.GRID_WORKER: [
        Duty("上午在网格内巡查一次，不少于 1.5 小时", "工作规范 二(二)“一日双巡”"),
        Duty("下午在网格内巡查一次，不少于 1.5 小时", "工作规范 二(二)“一日双巡”"),
        Duty("本周入户调查累计不少于 5 小时（可用中午、晚间或双休日）", "工作规范 二(二)“弹性工时”"),
        Duty("离岗外出须向社区书记、站长请假，并在去向指示牌上标明", "工作规范 二(四)；八个一 四"),
        Duty("社工E通保持开机，未接来电 1 小时内回拨", "八个一 六"),
    ],
    Position.FRONT_DESK: [
        Duty("保持“社工去向指示牌”准确，居民来访时告知去向和返回时间", "八个一 四"),
        Duty("来时有迎声、询问有答声、离开有送声；一次性告知所需材料和办结时限", "八个一 二"),
        Duty("服务台面整洁，设备摆放有序，电子显示屏及时公布信息", "八个一 八"),
    ],
    Position.SECRETARY: [
        Duty("负责网格员考勤，考勤结果与考核、工资、绩效挂钩", "工作规范 二(四)"),
        Duty("审批网格员请假，督促期满按时到岗、及时销假", "工作规范 二(四)"),
        Duty("落实包网格责任，及时帮助居民解决问题", "通知 三(二)"),
    ],
    Position.STREET_LEADER: [
        Duty("每月对所包社区工作人员进行培训、指导、督促、检查、考核", "通知 三(一)"),
        Duty("审批书记、站长的请假及超期请假", "工作规范 二(四)"),
    ],
    Position.INSPECTOR: [
        Duty("定期督查各社区网格员日常工作并通报督查结果", "工作规范 三(三)"),
        Duty("按“八个一”服务规范抽查社区", "附件 八个一"),
    ],
    Position.ADMIN: [
        Duty("维护人员、账号和组织架构；人员变动及时调整网格", "通知 二、三(四)"),
    ],
}
DUTIES[Position.STATION_HEAD] = DUTIES[Position.SECRETARY]


def community_rows(street_id: int | None = None, community_id: int | None = None) -> list[dict]:
    """Per community: grids, active grid workers, vacant grids, active staff — one query."""
    holder = select(Person.grid_id).where(Person.active.is_(True), Person.grid_id.is_not(None))
    grids_q = (
        select(Grid.community_id, func.count(Grid.id).label("grids"),
               func.count(Grid.id).filter(Grid.id.not_in(holder)).label("vacant"))
        .group_by(Grid.community_id).subquery()
    )
    staff_q = (
        select(Person.community_id,
               func.count(Person.id).filter(Person.position == Position.GRID_WORKER).label("workers"),
               func.count(Person.id).filter(Person.position == Position.FRONT_DESK).label("front_desk"),
               func.count(Person.id).label("people"))
        .where(Person.active.is_(True), Person.community_id.is_not(None))
        .group_by(Person.community_id).subquery()
    )
    query = (
        select(Community, Street.name, grids_q.c.grids, grids_q.c.vacant,
               staff_q.c.workers, staff_q.c.front_desk, staff_q.c.people)
        .join(Street, Street.id == Community.street_id)
        .outerjoin(grids_q, grids_q.c.community_id == Community.id)
        .outerjoin(staff_q, staff_q.c.community_id == Community.id)
        .order_by(Street.sort_order, Community.sort_order)
    )
    if street_id is not None:
        query = query.where(Community.street_id == street_id)
    if community_id is not None:
        query = query.where(Community.id == community_id)
    return [
        {"community": c, "street": s, "grids": g or 0, "vacant": v or 0, "workers": w or 0,
         "front_desk": f or 0, "people": p or 0}
        for c, s, g, v, w, f, p in db.session.execute(query)
    ]


def vacant_grids(community_id: int) -> list[Grid]:
    holder = select(Person.grid_id).where(Person.active.is_(True), Person.grid_id.is_not(None))
    return list(db.session.scalars(
        select(Grid).where(Grid.community_id == community_id, Grid.id.not_in(holder)).order_by(Grid.number)
    ))


def account_counts() -> dict:
    return {
        "people": db.session.scalar(select(func.count()).select_from(Person).where(Person.active.is_(True))),
        "inactive": db.session.scalar(select(func.count()).select_from(Person).where(Person.active.is_(False))),
        "accounts": db.session.scalar(select(func.count()).select_from(Account).where(Account.active.is_(True))),
        "without_account": db.session.scalar(
            select(func.count()).select_from(Person).outerjoin(Account, and_(Account.person_id == Person.id))
            .where(Account.id.is_(None), Person.active.is_(True))
        ),
    }
