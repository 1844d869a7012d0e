"""Registering a matter (工作规范 一(六): "负责网格内便民服务事项的收集工作"; 八个一 六: a
patrol "查变动、找问题、集诉求、排矛盾"): where it is, what was found, how urgent, and
how to reach the resident when they agree to a call back.

A worker registers on patrol or on a visit (the matter is linked to that event), the
front desk at the counter, the 街镇 hands one down (上级交办, loop.assign_from_above).
Its time limit comes from its urgency level and is stored as `due_at` at registration.
The loop after registration is portal.matters.loop."""
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from portal import clock, uploads
from portal.activity.models import CurrentStatus, EventKind
from portal.audit import log as audit
from portal.errors import FieldErrors
from portal.extensions import db
from portal.matters.models import (
    Matter,
    MatterKind,
    MatterPhoto,
    MatterSettings,
    MatterStep,
    MatterUrgency,
    Source,
    Status,
)
from portal.org.models import Community
from portal.people.models import Person, Position
from portal.text import PHONE_RE, has_control
from portal.workdays import rules as workdays

PHOTO_KIND = "matters"
MAX_PHOTOS = 5                 # as many as an inspection's answer takes
MAX_DESCRIPTION = 1000
WORK_START, WORK_END = time(8, 30), time(17, 30)   # working hours for levels counted in them
HANDED = "matters.handed"  # session.info: the hand-overs a transaction made, for the 消息 (notifications.watch)


@dataclass
class MatterInput:
    grid_id: str | None
    place: str | None
    description: str | None
    kind_id: str | None
    urgency_id: str | None
    resident_name: str | None = None
    phone: str | None = None
    consent: bool = False


def settings() -> MatterSettings:
    row = db.session.get(MatterSettings, 1)
    if row is None:
        row = MatterSettings(id=1)
        db.session.add(row)
        db.session.flush()
    return row


def kinds(from_above: bool | None = False) -> list[MatterKind]:
    query = select(MatterKind).where(MatterKind.active.is_(True)).order_by(MatterKind.sort_order)
    if from_above is not None:
        query = query.where(MatterKind.from_above.is_(from_above))
    return list(db.session.scalars(query))


def urgencies() -> list[MatterUrgency]:
    return list(db.session.scalars(select(MatterUrgency).order_by(MatterUrgency.sort_order)))


def due_after(start: datetime, urgency: MatterUrgency) -> datetime:
    """The moment a level's time limit runs out: clock hours, or working hours
    (08:30–17:30 on the work calendar's working days)."""
    if not urgency.working_hours:
        return start + timedelta(hours=urgency.hours)
    left = timedelta(hours=urgency.hours)
    moment = clock.to_local(start)
    while True:
        day = moment.date()
        opens = datetime.combine(day, WORK_START, tzinfo=moment.tzinfo)
        shuts = datetime.combine(day, WORK_END, tzinfo=moment.tzinfo)
        if workdays.is_workday(day) and moment < shuts:
            moment = max(moment, opens)
            if moment + left <= shuts:
                return moment + left
            left -= shuts - moment
        moment = datetime.combine(day + timedelta(days=1), time(0), tzinfo=moment.tzinfo)


def text_field(raw: str | None, limit: int, field: str, label: str, errors: dict, multiline=False) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    if len(text) > limit:
        errors[field] = f"{label}不能超过 {limit} 个字。"
        return None
    if has_control(text, allow_newlines=multiline, strict=not multiline):
        errors[field] = f"{label}不能包含控制字符。"
        return None
    return text


def _pick(model, raw: str | None, options: list, field: str, message: str, errors: dict):
    chosen = next((o for o in options if str(o.id) == (raw or "").strip()), None)
    if chosen is None:
        errors[field] = message
    return chosen


def check_input(community: Community, data: MatterInput, from_above=False) -> dict:
    """The fields as stored, or FieldErrors with a Chinese message per field."""
    errors: dict[str, str] = {}
    grid = None
    raw_grid = (data.grid_id or "").strip()
    if raw_grid:
        grid = next((g for g in community.grids if str(g.id) == raw_grid), None)
        if grid is None:
            errors["grid_id"] = "请选择本社区的网格。"
    elif not from_above:
        errors["grid_id"] = "请选择事项所在的网格。"
    description = text_field(data.description, MAX_DESCRIPTION, "description", "情况描述", errors, multiline=True)
    if description is None and "description" not in errors:
        errors["description"] = "请写明发现的情况或居民的诉求。"
    place = text_field(data.place, 60, "place", "地点", errors)
    resident = text_field(data.resident_name, 20, "resident_name", "居民称呼", errors)
    kind = _pick(MatterKind, data.kind_id, kinds(from_above), "kind_id", "请选择事项类别。", errors)
    urgency = _pick(MatterUrgency, data.urgency_id, urgencies(), "urgency_id", "请选择紧急程度。", errors)
    phone = (data.phone or "").strip().replace(" ", "") or None
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = "联系电话应为 11 位手机号码，或形如 0472-1234567 的固定电话。"
    elif phone and not data.consent:
        errors["phone"] = "居民同意回访时才记电话：请勾选“居民同意回访”，或不填电话。"
    if errors:
        raise FieldErrors(errors)
    return {"grid": grid, "place": place, "description": description, "resident_name": resident,
            "kind": kind, "urgency": urgency, "phone": phone}


def running_event(person: Person):
    """The patrol or visit the person is on now (their card's latest event), else None."""
    status = db.session.get(CurrentStatus, person.id)
    if status is None or EventKind.of(status.kind) not in (EventKind.PATROL_START, EventKind.VISIT_START):
        return None
    return status


def register(actor, community: Community, data: MatterInput, photos=(), now: datetime | None = None) -> Matter:
    """A matter found by `actor` (on patrol or a visit, linked to it) or brought to the
    counter. The finder holds it: they solve it, or 上报 it."""
    now = now or clock.now()
    fields = check_input(community, data)
    person: Person = actor.person
    running = running_event(person)
    if running is not None:
        source = Source.PATROL if EventKind.of(running.kind) is EventKind.PATROL_START else Source.VISIT
    else:
        source = Source.COUNTER if person.position is not Position.GRID_WORKER else Source.OTHER
    matter = Matter(
        kind_id=fields["kind"].id, urgency_id=fields["urgency"].id, street_id=community.street_id,
        community_id=community.id, grid_id=fields["grid"].id, place=fields["place"],
        description=fields["description"], source=source, event_id=running.event_id if running else None,
        resident_name=fields["resident_name"], phone=fields["phone"], status=Status.REGISTERED, version=1,
        found_by_id=person.id, holder_id=person.id, due_at=due_after(now, fields["urgency"]),
        created_by_id=actor.id, created_at=now)
    db.session.add(matter)
    db.session.flush()
    add_step(actor, matter, "registered", f"{source.label}：{fields['kind'].name}，{fields['urgency'].name}", now=now)
    audit.record(actor, "matter.registered", matter, after=audit_view(matter))
    for filename, content in photos:
        add_photo(actor, matter, filename, content)
    return matter


def audit_view(matter: Matter) -> dict:
    """What the audit log keeps of a matter: never the resident's phone."""
    return {"kind": matter.kind_id, "urgency": matter.urgency_id, "grid": matter.grid_id, "place": matter.place,
            "status": matter.status.value if matter.status else None, "holder": matter.holder_id,
            "due_at": matter.due_at.isoformat() if matter.due_at else None,
            "phone": "（已记录）" if matter.phone else None}


def add_step(actor, matter: Matter, step: str, note: str | None = None, to_person_id: int | None = None,
             now: datetime | None = None) -> MatterStep:
    row = MatterStep(matter_id=matter.id, community_id=matter.community_id, step=step, note=note,
                     to_person_id=to_person_id, actor_id=getattr(actor, "id", None), at=now or clock.now())
    db.session.add(row)
    return row


def note_handed(matter: Matter, step: MatterStep, before: int | None, after: int | None, actor) -> None:
    """Remember that `step` moved the matter from holder `before` to `after`: at commit
    the people it now concerns are told (portal.notifications.watch), whatever wrote it."""
    if before != after:
        db.session.info.setdefault(HANDED, []).append(
            (matter.id, step, before, after, getattr(actor, "person_id", None)))


def add_photo(actor, matter: Matter, filename: str, data: bytes) -> MatterPhoto:
    """A photo of what was found (jpg/png, checked by content, as inspections' photos)."""
    count = db.session.scalar(select(db.func.count()).select_from(MatterPhoto)
                              .where(MatterPhoto.matter_id == matter.id))
    if count >= MAX_PHOTOS:
        raise FieldErrors.on("photo", f"每件事项最多 {MAX_PHOTOS} 张照片。")
    try:
        stored = uploads.store(PHOTO_KIND, filename or "", data, current_app.config["UPLOAD_MAX_BYTES"],
                               uploads.IMAGES)
    except FieldErrors as error:
        raise FieldErrors.on("photo", str(error)) from None
    photo = MatterPhoto(matter_id=matter.id, community_id=matter.community_id, stored_name=stored.stored_name,
                        original_name=stored.original_name, content_type=stored.content_type, size=stored.size,
                        uploaded_by_id=actor.id, uploaded_at=clock.now())
    db.session.add(photo)
    db.session.flush()
    audit.record(actor, "matter.photo", photo, after={"matter": matter.id, "name": stored.original_name,
                                                      "bytes": stored.size})
    return photo


def erase_phones(now: datetime | None = None) -> int:
    """Residents' phones kept past the retention period after closing are erased
    (`flask erase-matter-phones`, daily). Returns how many."""
    now = now or clock.now()
    cutoff = now - timedelta(days=settings().phone_retention_days)
    rows = list(db.session.scalars(select(Matter).where(
        Matter.phone.is_not(None), Matter.closed_at.is_not(None), Matter.closed_at < cutoff,
        Matter.status.not_in([Status.REGISTERED, Status.HANDLING, Status.REPORTED, Status.REFERRED]))))
    for matter in rows:
        matter.phone = None
        matter.phone_erased_at = now
        audit.record(None, "matter.phone_erased", matter, after={"closed_at": matter.closed_at.isoformat()})
    return len(rows)
