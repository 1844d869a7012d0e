"""办事指南 (八个一 三: 在明显位置张贴办事指南): the district's list of service items,
a 街镇's own items and a community's local ones, each saved as a new version, and a
search that finds an item by the words a resident says at the desk.

Search: every item keeps `search_text`, its name, aliases (the words residents use:
低保 for 最低生活保障, 老年证 for 老年人优待证), audience and materials normalised
(NFKC, lower case, letters and digits only), written when the item is saved. A query
is normalised the same way, the filler of spoken questions (我想, 怎么办, 需要什么材料)
is dropped, and what is left is cut into overlapping two-character pieces; an item
matches when at least half of the pieces occur in its text (SQL LIKE, the same on
SQLite and PostgreSQL), and ranks by the pieces found, in its name first. A few hundred
items are a few hundred short strings: no index, no search engine.
"""
import math
import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import case, func, literal, or_, select

from portal import clock
from portal.audit import log as audit
from portal.auth.policy import Action, can
from portal.errors import FieldErrors
from portal.extensions import db
from portal.guide.models import ServiceItem, ServiceItemLocal, ServiceItemVersion
from portal.org.models import Community, Street
from portal.text import first_control

MAX_QUERY = 50
MAX_MATERIALS = 40
KINDS = ("原件", "复印件", "原件及复印件")
# (form field, label, limit, multi-line); the limits keep a printed 告知单 on its page.
FIELDS = (
    ("name", "事项名称", 60, False),
    ("aliases", "群众常用说法", 300, False),
    ("audience", "适用对象", 1000, True),
    ("basis", "办理依据", 1000, True),
    ("process", "办理流程", 2000, True),
    ("time_limit", "办理时限", 100, False),
    ("place", "办理地点", 200, False),
    ("handler", "社区经办人/岗位", 100, False),
    ("fee", "收费标准", 100, False),
    ("phone", "咨询电话", 40, False),
    ("notes", "温馨提示", 1000, True),
)
LOCAL_FIELDS = ("place", "handler", "phone", "notes")
# Spoken filler, longest first so that 怎么办理 goes before 怎么 and 办理.
FILLER = sorted({
    "请问", "你好", "您好", "我想", "我要", "想要", "需要", "要带", "带什么", "什么", "哪些", "怎么办理", "怎么办",
    "怎么", "如何", "办理", "在哪", "哪里", "去哪", "手续", "材料", "资料", "流程", "一下", "可以", "能不能", "能否",
    "咨询", "问问", "个", "的", "了", "吗", "呢", "啊", "吧", "我", "你", "给", "办", "去", "在", "要", "想",
}, key=len, reverse=True)


# -- text ------------------------------------------------------------------------------------

def normalize(text: str | None) -> str:
    """What search compares: full-width folded (NFKC), lower case, letters and digits only."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in folded if ch.isalnum())


def strip_filler(text: str) -> str:
    for word in FILLER:
        text = text.replace(word, " ")
    return text


def words(query: str) -> list[str]:
    """The query's words without the filler of a spoken question; the whole query when
    only filler was typed."""
    found = [normalize(w) for w in re.split(r"\s+", strip_filler(normalize_spaces(query)))]
    return [w for w in found if w] or [normalize(query)]


def pieces(query: str) -> list[str]:
    """The two-character pieces of a normalised query's words (a one-character word is
    its own piece), filler dropped; the whole query when only filler was typed."""
    found: list[str] = []
    for word in words(query):
        grams = [word] if len(word) < 2 else [word[i:i + 2] for i in range(len(word) - 1)]
        found += [g for g in grams if g and g not in found]
    return found


def normalize_spaces(query: str) -> str:
    """Punctuation separates words as spaces do (低保，怎么办 → 低保 怎么办)."""
    folded = unicodedata.normalize("NFKC", query).lower()
    return "".join(ch if ch.isalnum() else " " for ch in folded)


def search_text(data: dict) -> str:
    materials = " ".join(m["name"] for m in data.get("materials") or [])
    return normalize(" ".join(str(data.get(k) or "") for k in ("name", "aliases", "audience")) + materials)


# -- scopes ----------------------------------------------------------------------------------

def scope_key(scope) -> str:
    if isinstance(scope, Community):
        return f"c{scope.id}"
    if isinstance(scope, Street):
        return f"s{scope.id}"
    return "d"


def scope_label(scope) -> str:
    if isinstance(scope, Community):
        return f"{scope.name}自有事项"
    if isinstance(scope, Street):
        return f"{scope.name}事项"
    return "区级事项"


def own_scope(actor):
    """Where the actor adds items: the administrator the district's list (None), a 街镇
    leader their street, a 书记/站长 their community; False: nowhere."""
    person = actor.person
    for scope in (person.community, person.street, None):
        if (scope is not None or person.community_id is None) and can(actor, Action.EDIT_GUIDE, scope):
            return scope
    return False


def visible_where(community_id: int | None, street_id: int | None):
    """Items a desk in this community (or street, or the district) works with: the
    district's, its street's, its own."""
    conditions = [ServiceItem.scope_key == "d"]
    if street_id is not None:
        conditions.append(ServiceItem.scope_key == f"s{street_id}")
    if community_id is not None:
        conditions.append(ServiceItem.scope_key == f"c{community_id}")
    return (ServiceItem.active.is_(True)) & or_(*conditions)


def home_of(actor) -> tuple[int | None, int | None]:
    person = actor.person
    return person.community_id, person.street_id


# -- search ----------------------------------------------------------------------------------

@dataclass
class SearchResult:
    query: str
    items: list
    message: str | None = None
    searched: bool = False


def search(query: str | None, community_id: int | None, street_id: int | None) -> SearchResult:
    raw = (query or "").strip()
    where = visible_where(community_id, street_id)
    if not raw or not normalize(raw):
        items = db.session.scalars(select(ServiceItem).where(where).order_by(ServiceItem.name_key)).all()
        message = "请输入事项名称或群众的说法，如“低保”“居住证”。" if raw else None
        return SearchResult(raw, list(items), message)
    message = None
    if len(raw) > MAX_QUERY:
        raw, message = raw[:MAX_QUERY], f"查询内容过长，只按前 {MAX_QUERY} 个字查找。"
    grams = pieces(raw)
    if len(grams) == 1 and len(grams[0]) == 1:
        message = message or "只输入了一个字，结果可能较多；多输入几个字会更准确。"
    hits = [case((ServiceItem.search_text.contains(g, autoescape=True), 1), else_=0) for g in grams]
    in_name = [case((ServiceItem.name_key.contains(g, autoescape=True), 1), else_=0) for g in grams]
    # A word that is one of the item's aliases exactly (低保 for 最低生活保障申请, not for
    # 低保年度复核) ranks it first: residents' words name the service they mean.
    spaced = literal(" ") + func.coalesce(ServiceItem.aliases, "") + literal(" ")
    exact = [case((spaced.contains(f" {w} ", autoescape=True), 1), else_=0) for w in words(raw)[:10]]
    alias_score = sum(exact[1:], exact[0])
    score = sum(hits[1:], hits[0]) if hits else literal(0)
    name_score = sum(in_name[1:], in_name[0]) if in_name else literal(0)
    needed = max(1, math.ceil(len(grams) / 2))
    rows = db.session.execute(
        select(ServiceItem, score.label("score"), name_score.label("in_name")).where(where, score >= needed)
        .order_by(alias_score.desc(), score.desc(), name_score.desc(), func.length(ServiceItem.name_key), ServiceItem.name_key)
        .limit(50)).all()
    items = [row[0] for row in rows]
    if not items:
        message = (message + " " if message else "") + "没有找到相关事项，请换个说法，或问问书记、站长。"
    return SearchResult(raw, items, message, searched=True)


# -- input -----------------------------------------------------------------------------------

def clean_field(raw, label: str, limit: int, multiline: bool, errors: dict, name: str) -> str | None:
    text = str(raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return None
    if len(text) > limit:
        errors[name] = f"{label}不能超过 {limit} 个字（现有 {len(text)} 个）。"
        return None
    if first_control(text, allow_newlines=multiline, strict=True) is not None:
        errors[name] = f"{label}不能包含控制字符或不可见字符。"
        return None
    return text


def parse_materials(raw: str | None, errors: dict) -> list[dict]:
    """One material a line: 名称｜份数｜原件/复印件/原件及复印件 (份数 and kind may be left
    out: one, 原件)."""
    text = str(raw or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > 4000:
        errors["materials"] = "所需材料不能超过 4000 个字。"
        return []
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[|｜\t]", line)]
        name = parts[0]
        count_raw = parts[1] if len(parts) > 1 and parts[1] else "1"
        kind = (parts[2] if len(parts) > 2 and parts[2] else "原件").replace("和", "及")
        if len(parts) > 3 or not name:
            errors["materials"] = f"第 {number} 行格式不对，应为“材料名称｜份数｜原件或复印件”。"
            return []
        if len(name) > 60 or first_control(name, strict=True) is not None:
            errors["materials"] = f"第 {number} 行的材料名称太长（最多 60 个字）或含有控制字符。"
            return []
        if not (count_raw.isascii() and count_raw.isdigit() and 1 <= int(count_raw) <= 20):
            errors["materials"] = f"第 {number} 行的份数应为 1 到 20 之间的整数。"
            return []
        if kind not in KINDS:
            errors["materials"] = f"第 {number} 行应注明“原件”“复印件”或“原件及复印件”。"
            return []
        found.append({"name": name, "count": int(count_raw), "kind": kind})
    if len(found) > MAX_MATERIALS:
        errors["materials"] = f"所需材料最多 {MAX_MATERIALS} 项。"
        return []
    if not found and "materials" not in errors:
        errors["materials"] = "请至少填写一项所需材料（没有材料的请写“无需材料”）。"
    return found


def materials_text(materials: list[dict]) -> str:
    return "\n".join(f"{m['name']}｜{m['count']}｜{m['kind']}" for m in materials or [])


def read_item(form) -> dict:
    """The item's fields from a form, or FieldErrors in Chinese."""
    errors: dict[str, str] = {}
    data = {name: clean_field(form.get(name), label, limit, multi, errors, name)
            for name, label, limit, multi in FIELDS}
    if data["aliases"]:
        data["aliases"] = " ".join(unicodedata.normalize("NFKC", w) for w in re.split(r"[\s、，,；;/]+", data["aliases"])
                                   if w) or None
    if not data["name"] and "name" not in errors:
        errors["name"] = "请填写事项名称。"
    data["materials"] = parse_materials(form.get("materials"), errors)
    if errors:
        raise FieldErrors(errors)
    return data


def read_local(form) -> dict:
    errors: dict[str, str] = {}
    data = {name: clean_field(form.get(name), label, limit, multi, errors, name)
            for name, label, limit, multi in FIELDS if name in LOCAL_FIELDS}
    if errors:
        raise FieldErrors(errors)
    return data


# -- writing ---------------------------------------------------------------------------------

def snapshot(item: ServiceItem) -> dict:
    return {**{name: getattr(item, name) for name, *_ in FIELDS}, "materials": list(item.materials or [])}


def _check_name(scope, name_key: str, besides: int | None) -> None:
    key = scope_key(scope)
    clash = db.session.scalar(select(ServiceItem).where(
        ServiceItem.scope_key == key, ServiceItem.name_key == name_key, ServiceItem.active.is_(True),
        ServiceItem.id != (besides or 0)))
    if clash is not None:
        raise FieldErrors.on("name", f"{scope_label(scope)}里已有同名事项“{clash.name}”。")
    if isinstance(scope, Community | Street):
        street_id = scope.street_id if isinstance(scope, Community) else scope.id
        above = db.session.scalar(select(ServiceItem).where(
            ServiceItem.scope_key.in_(["d", f"s{street_id}"]), ServiceItem.name_key == name_key,
            ServiceItem.active.is_(True), ServiceItem.id != (besides or 0)))
        if above is not None and above.scope_key != key:
            raise FieldErrors.on("name", f"{above.scope_label}里已有“{above.name}”，请在该事项下填写本社区的"
                                         "办理地点和联系人，不必另建。")


def _apply(item: ServiceItem, data: dict, actor) -> None:
    for name, *_ in FIELDS:
        setattr(item, name, data.get(name))
    item.materials = data["materials"]
    item.name_key = normalize(data["name"])[:60]
    item.search_text = search_text(data)
    item.updated_at = clock.now()
    item.updated_by_id = actor.id
    db.session.add(ServiceItemVersion(item_id=item.id, version=item.version, data=snapshot(item),
                                      saved_by_id=actor.id, saved_at=clock.now()))


def create_item(actor, scope, data: dict) -> ServiceItem:
    _check_name(scope, normalize(data["name"]), None)
    item = ServiceItem(scope_key=scope_key(scope), version=1,
                       street_id=scope.id if isinstance(scope, Street) else None,
                       community_id=scope.id if isinstance(scope, Community) else None,
                       name=data["name"], name_key="", materials=[], search_text="")
    db.session.add(item)
    db.session.flush()
    _apply(item, data, actor)
    audit.record(actor, "guide.item_create", item, after=snapshot(item))
    return item


def item_scope(item: ServiceItem):
    return item.community if item.community_id is not None else item.street


def update_item(actor, item: ServiceItem, data: dict, known_version: int | None) -> ServiceItem:
    if known_version is not None and known_version != item.version:
        raise FieldErrors.on("form", "这条事项刚被别人改过，请看过最新内容后再改。")
    _check_name(item_scope(item), normalize(data["name"]), item.id)
    before = snapshot(item)
    item.version += 1
    _apply(item, data, actor)
    old, new = audit.diff(before, snapshot(item))
    audit.record(actor, "guide.item_update", item, before=old, after={**new, "version": item.version})
    return item


def versions(item: ServiceItem) -> list[ServiceItemVersion]:
    return list(db.session.scalars(select(ServiceItemVersion).where(ServiceItemVersion.item_id == item.id)
                                   .order_by(ServiceItemVersion.version.desc())))


def local_of(item: ServiceItem, community_id: int | None) -> ServiceItemLocal | None:
    if community_id is None:
        return None
    return db.session.scalar(select(ServiceItemLocal).where(
        ServiceItemLocal.item_id == item.id, ServiceItemLocal.community_id == community_id))


def set_local(actor, item: ServiceItem, community: Community, data: dict) -> ServiceItemLocal:
    local = local_of(item, community.id)
    before = {k: getattr(local, k) for k in LOCAL_FIELDS} if local else {}
    if local is None:
        local = ServiceItemLocal(item_id=item.id, community_id=community.id)
        db.session.add(local)
    for name in LOCAL_FIELDS:
        setattr(local, name, data.get(name))
    local.updated_at, local.updated_by_id = clock.now(), actor.id
    db.session.flush()
    old, new = audit.diff(before, {k: getattr(local, k) for k in LOCAL_FIELDS})
    audit.record(actor, "guide.local_contacts", local, before=old, after={**new, "item": item.name})
    return local


@dataclass
class Contact:
    """Where and whom to ask for an item at one community: its own details where it
    has them, the item's otherwise."""
    place: str | None
    handler: str | None
    phone: str | None
    notes: str | None
    local: bool = False
    extra: list = field(default_factory=list)


def contact(item: ServiceItem, community: Community | None) -> Contact:
    local = local_of(item, community.id if community is not None else None)
    if local is None:
        phone = item.phone or (community.office_phone if community is not None else None)
        return Contact(item.place, item.handler, phone, None)
    return Contact(local.place or item.place, local.handler or item.handler,
                   local.phone or item.phone or (community.office_phone if community else None), local.notes, True)


def items_of_community(community: Community) -> list[ServiceItem]:
    return list(db.session.scalars(select(ServiceItem).where(visible_where(community.id, community.street_id))
                                   .order_by(ServiceItem.scope_key, ServiceItem.name_key)))
