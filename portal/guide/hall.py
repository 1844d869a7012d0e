"""The hall screen's information area (八个一 八: 服务大厅电子屏幕内容要及时更新): notices
with a first and a last day, the day's duty person, the office hours and a few guide
items, kept by the community's 书记/站长. Every edit bumps the community's HallInfo
version, which the screen's poll compares; a notice past its last day, or a duty
person of another day, is simply not selected (the screen redraws when the day turns).
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal import clock
from portal.audit import log as audit
from portal.errors import FieldErrors
from portal.extensions import db
from portal.guide import rules
from portal.guide.models import HallInfo, HallNotice, ServiceItem
from portal.org.models import Community
from portal.people.models import Person
from portal.text import field_text

MAX_FEATURED = 4
MAX_NOTICES_SHOWN = 3
MAX_NOTICE_DAYS = 366


@dataclass
class HallView:
    version: int
    notices: list
    duty: Person | None
    office_hours: str | None
    featured: list  # ServiceItem

    @property
    def empty(self) -> bool:
        return not (self.notices or self.duty or self.office_hours or self.featured)


def info_of(community_id: int) -> HallInfo | None:
    return db.session.scalar(select(HallInfo).where(HallInfo.community_id == community_id))


def version_of(community_id: int) -> int:
    return db.session.scalar(select(HallInfo.version).where(HallInfo.community_id == community_id)) or 0


def current_notices(community_id: int, today: date) -> list[HallNotice]:
    return list(db.session.scalars(select(HallNotice).where(
        HallNotice.community_id == community_id, HallNotice.removed.is_(False), HallNotice.start_on <= today,
        HallNotice.end_on >= today).order_by(HallNotice.start_on.desc(), HallNotice.id.desc())))


def upcoming_and_current(community_id: int, today: date) -> list[HallNotice]:
    return list(db.session.scalars(select(HallNotice).where(
        HallNotice.community_id == community_id, HallNotice.removed.is_(False), HallNotice.end_on >= today)
        .order_by(HallNotice.start_on, HallNotice.id)))


def featured_items(info: HallInfo | None, community: Community) -> list[ServiceItem]:
    ids = [i for i in (info.featured if info else []) if isinstance(i, int)]
    if not ids:
        return []
    found = {item.id: item for item in db.session.scalars(select(ServiceItem).where(
        ServiceItem.id.in_(ids), rules.visible_where(community.id, community.street_id)))}
    return [found[i] for i in ids if i in found]


def view(community: Community, today: date | None = None) -> HallView:
    today = today or clock.today()
    info = info_of(community.id)
    duty = info.duty_person if info is not None and info.duty_on == today else None
    notices = current_notices(community.id, today)[:MAX_NOTICES_SHOWN]
    return HallView(info.version if info else 0, notices, duty, info.office_hours if info else None,
                    featured_items(info, community)[:featured_room(len(notices))])


def featured_room(notices: int) -> int:
    """Guide items that fit below this many notices without scrolling at 1080 px
    (each notice takes up to four lines, each item two): 4, 4, 2, 1."""
    return {0: MAX_FEATURED, 1: MAX_FEATURED, 2: 2}.get(notices, 1)


def _touch(actor, community: Community) -> HallInfo:
    info = info_of(community.id)
    if info is None:
        info = HallInfo(community_id=community.id, featured=[], version=0)
        db.session.add(info)
    info.version = (info.version or 0) + 1
    info.updated_at, info.updated_by_id = clock.now(), actor.id
    return info


def staff_choices(community: Community) -> list[Person]:
    from portal.auth.policy import ON_THE_BOARD

    return list(db.session.scalars(select(Person).where(
        Person.community_id == community.id, Person.active.is_(True),
        Person.position.in_(list(ON_THE_BOARD))).order_by(Person.name)))


def save_settings(actor, community: Community, form) -> HallInfo:
    errors: dict[str, str] = {}
    hours = rules.clean_field(form.get("office_hours"), "办公时间", 200, True, errors, "office_hours")
    duty_raw = str(form.get("duty_person_id") or "").strip()
    duty = None
    if duty_raw:
        staff = {str(p.id): p for p in staff_choices(community)}
        duty = staff.get(duty_raw)
        if duty is None:
            errors["duty_person_id"] = "请从本社区人员中选择今日值班人员。"
    visible = {str(item.id) for item in rules.items_of_community(community)}
    chosen = [str(v).strip() for v in (form.getlist("featured") if hasattr(form, "getlist") else [])]
    chosen = [v for v in dict.fromkeys(chosen) if v]
    if any(v not in visible for v in chosen):
        errors["featured"] = "所选事项不在本社区的办事指南里，请重新选择。"
    elif len(chosen) > MAX_FEATURED:
        errors["featured"] = f"大屏最多展示 {MAX_FEATURED} 个事项。"
    if errors:
        raise FieldErrors(errors)
    info = _touch(actor, community)
    before = {"office_hours": info.office_hours, "duty": info.duty_person_id, "duty_on": str(info.duty_on),
              "featured": list(info.featured or [])}
    info.office_hours = hours
    info.duty_person_id = duty.id if duty else None
    info.duty_on = clock.today() if duty else None
    info.featured = [int(v) for v in chosen]
    db.session.flush()
    after = {"office_hours": info.office_hours, "duty": info.duty_person_id, "duty_on": str(info.duty_on),
             "featured": list(info.featured)}
    old, new = audit.diff(before, after)
    audit.record(actor, "guide.hall_settings", info, before=old, after=new)
    return info


def add_notice(actor, community: Community, form) -> HallNotice:
    errors: dict[str, str] = {}
    title = field_text(form.get("title"), 40, "title", "通知标题", errors)
    if title is None and "title" not in errors:
        errors["title"] = "请填写通知标题。"
    body = rules.clean_field(form.get("body"), "通知内容", 300, True, errors, "body")
    start, end = clock.parse_date(form.get("start_on") or ""), clock.parse_date(form.get("end_on") or "")
    today = clock.today()
    if start is None:
        errors["start_on"] = "请填写开始日期（如 2026-12-01）。"
    if end is None:
        errors["end_on"] = "请填写结束日期（如 2026-12-31）。"
    if start is not None and end is not None:
        if end < start:
            errors["end_on"] = "结束日期不能早于开始日期。"
        elif end < today:
            errors["end_on"] = "结束日期已经过去，通知不会再显示。"
        elif (end - start).days > MAX_NOTICE_DAYS or start.year < 2017 or end.year > today.year + 1:
            errors["end_on"] = "通知最长显示一年，请检查日期。"
    if errors:
        raise FieldErrors(errors)
    notice = HallNotice(community_id=community.id, title=title, body=body, start_on=start, end_on=end,
                        created_by_id=actor.id, created_at=clock.now())
    db.session.add(notice)
    _touch(actor, community)
    db.session.flush()
    audit.record(actor, "guide.hall_notice_add", notice,
                 after={"title": title, "body": body, "start_on": str(start), "end_on": str(end)})
    return notice


def remove_notice(actor, community: Community, notice_id: int) -> HallNotice:
    notice = db.session.get(HallNotice, notice_id)
    if notice is None or notice.community_id != community.id or notice.removed:
        raise FieldErrors.on("form", "这条通知已不存在或已撤下。")
    notice.removed = True
    _touch(actor, community)
    audit.record(actor, "guide.hall_notice_remove", notice, before={"title": notice.title})
    return notice
