"""一次性告知单 (八个一 二: 对群众办事所需材料、办理时限等事项，要做到一次性告知) and
the 便民服务手册 (八个一 三).

A sheet keeps what it said when it was printed (item, materials, time limit, place,
the clerk's name and the community's phone), so the resident's second visit picks up
the same sheet even if the item has been edited since; its serial number counts the
community's sheets of the year (2026-00017). The register is the community's count.
"""
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.audit import log as audit
from portal.errors import FieldErrors
from portal.extensions import db
from portal.guide import rules
from portal.guide.models import NoticeSheet, ServiceItem
from portal.org.models import Community
from portal.text import clean, field_text

PAGE = 50


def sheet_content(item: ServiceItem, community: Community, clerk_name: str) -> dict:
    where = rules.contact(item, community)
    return {"name": item.name, "audience": item.audience, "materials": list(item.materials or []),
            "process": item.process, "time_limit": item.time_limit, "place": where.place,
            "handler": where.handler, "fee": item.fee, "item_phone": where.phone, "notes": item.notes,
            "local_notes": where.notes, "clerk": clerk_name, "community": community.name,
            "community_phone": community.office_phone}


def _next_serial(community: Community, year: int) -> str:
    prefix = f"{year}-"
    last = db.session.scalar(select(func.max(NoticeSheet.serial)).where(
        NoticeSheet.community_id == community.id, NoticeSheet.serial.startswith(prefix)))
    number = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{number:05d}"


def issue(actor, item: ServiceItem, community: Community, resident_raw: str | None,
          matter_id: int | None = None) -> NoticeSheet:
    """Register a sheet (caller commits); `matter_id`: the community's 便民服务事项 it is
    issued for, checked by the caller (the matter's scope is the matters' policy)."""
    errors: dict[str, str] = {}
    resident = field_text(resident_raw, 20, "resident", "群众称呼", errors)
    if errors:
        raise FieldErrors(errors)
    today = clock.today()
    for _attempt in range(3):  # two desks printing at once: the second takes the next number
        sheet = NoticeSheet(community_id=community.id, serial=_next_serial(community, today.year), item_id=item.id,
                            item_version=item.version, resident=resident, clerk_id=actor.person_id,
                            content=sheet_content(item, community, actor.person.name), issued_on=today,
                            issued_at=clock.now(), matter_id=matter_id)
        try:
            with db.session.begin_nested():
                db.session.add(sheet)
                db.session.flush()
        except IntegrityError:
            continue
        audit.record(actor, "guide.sheet_issue", sheet, after={"serial": sheet.serial, "item": item.name,
                                                                "resident": resident,
                                                                **({"matter": matter_id} if matter_id else {})})
        return sheet
    raise FieldErrors.on("form", "编号冲突，请再点一次“打印告知单”。")


@dataclass
class Register:
    sheets: list
    total: int
    this_year: int
    query: str
    message: str | None
    by_item: list  # (item name, sheets this year), most first


def register(community: Community, query: str | None) -> Register:
    raw = clean(query, 40)
    where = [NoticeSheet.community_id == community.id]
    if raw:
        where.append(or_(NoticeSheet.serial.contains(raw, autoescape=True),
                         NoticeSheet.resident.contains(raw, autoescape=True),
                         NoticeSheet.item_id.in_(select(ServiceItem.id).where(
                             ServiceItem.name.contains(raw, autoescape=True)))))
    sheets = list(db.session.scalars(select(NoticeSheet).where(*where)
                                     .order_by(NoticeSheet.issued_at.desc(), NoticeSheet.id.desc()).limit(PAGE)))
    total = db.session.scalar(select(func.count()).select_from(NoticeSheet)
                              .where(NoticeSheet.community_id == community.id))
    year = db.session.scalar(select(func.count()).select_from(NoticeSheet).where(
        NoticeSheet.community_id == community.id, NoticeSheet.serial.startswith(f"{clock.today().year}-")))
    message = "没有找到相符的告知单。" if raw and not sheets else None
    count = func.count(NoticeSheet.id)
    by_item = [tuple(row) for row in db.session.execute(
        select(ServiceItem.name, count).join(ServiceItem, ServiceItem.id == NoticeSheet.item_id).where(
            NoticeSheet.community_id == community.id, NoticeSheet.serial.startswith(f"{clock.today().year}-"))
        .group_by(ServiceItem.name).order_by(count.desc(), ServiceItem.name).limit(10))]
    return Register(sheets, total or 0, year or 0, raw, message, by_item)


def for_matter(matter_id: int) -> list[NoticeSheet]:
    """The sheets issued for a matter (its timeline page lists them)."""
    return list(db.session.scalars(select(NoticeSheet).where(NoticeSheet.matter_id == matter_id)
                                   .order_by(NoticeSheet.issued_at, NoticeSheet.id)))


@dataclass
class Chapter:
    title: str
    items: list  # (item, contact)


def handbook(community: Community) -> list[Chapter]:
    """The community's items for the 便民服务手册: the district's, the 街镇's and its own,
    each with where to go at this community."""
    chapters: dict[str, Chapter] = {}
    for item in rules.items_of_community(community):
        title = ("区级公共服务事项" if item.scope_key == "d" else
                 "街镇服务事项" if item.scope_key.startswith("s") else "本社区服务事项")
        chapters.setdefault(title, Chapter(title, [])).items.append((item, rules.contact(item, community)))
    return list(chapters.values())
