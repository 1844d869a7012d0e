"""The closed loop of a matter (八个一 六: "对居民提出的诉求要及时上报相关部门，并将办理结果
反馈群众"; 八个一 二: what cannot be settled goes to the community head at once):

    登记 → 办理中 (the holder solves it, or 上报 to the 书记/站长, who 分派 it to someone,
    or 外转 it to the 街镇 or a department outside the portal) → 已办结 → 已反馈
    (how the resident was told, and whether they were satisfied) → 已核查 (optional).

Every step is a compare-and-set on the matter's `version` (UPDATE … WHERE version =
the one the page showed): of two 办结 pressed at once exactly one wins, on SQLite
and PostgreSQL alike; the other is told in Chinese that someone was first. Each step
writes its timeline row and an audit entry in the same transaction."""
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import update

from portal import clock
from portal.audit import log as audit
from portal.errors import FieldErrors
from portal.extensions import db
from portal.matters import rules
from portal.matters.models import OPEN, Matter, MatterKind, Satisfaction, Source, Status
from portal.org.models import Community
from portal.people.models import Person, Position

STEP_LABELS = {
    "registered": "登记", "taken": "开始办理", "reported": "上报", "assigned": "分派", "referred": "外转",
    "closed": "办结", "fed_back": "反馈", "verified": "核查", "reopened": "重新办理", "above": "上级交办",
}
HOLDER_STEPS = ("take", "report", "close", "feedback")   # HANDLE_MATTER
HEAD_STEPS = ("assign", "refer", "verify", "reopen")      # DIRECT_MATTER
FROM = {
    "take": {Status.REGISTERED, Status.REPORTED},
    "report": {Status.REGISTERED, Status.HANDLING},
    "assign": set(OPEN),
    "refer": set(OPEN),
    "close": set(OPEN),
    "feedback": {Status.CLOSED},
    "verify": {Status.FED_BACK},
    "reopen": {Status.CLOSED, Status.FED_BACK, Status.VERIFIED},
}
SATISFACTION = {s.value: s for s in Satisfaction}


class Conflict(FieldErrors):
    """Someone else changed the matter first (409)."""


def available(matter: Matter, may_handle: bool, may_direct: bool, verify: bool = True) -> list[str]:
    """The steps to offer; 核查 only where the settings make it part of the loop."""
    steps = [s for s in HOLDER_STEPS if may_handle] + [s for s in HEAD_STEPS if may_direct]
    return [s for s in steps if matter.status in FROM[s] and (verify or s != "verify")]


def _cas(matter: Matter, expected_version: int | None, values: dict) -> None:
    if expected_version is None:
        raise Conflict.on("form", "页面已过期，请刷新后重试。")
    result = db.session.execute(
        update(Matter).where(Matter.id == matter.id, Matter.version == expected_version)
        .values(version=Matter.version + 1, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict.on("form", "这件事项刚被他人处理过，请刷新后查看最新状态。")
    db.session.refresh(matter)


def _assignee(matter: Matter, raw: str | None) -> Person:
    person = db.session.get(Person, int(raw)) if (raw or "").strip().isdigit() and len(raw.strip()) < 10 else None
    if (person is None or not person.active or person.community_id != matter.community_id
            or person.position not in (Position.GRID_WORKER, Position.FRONT_DESK, Position.SECRETARY,
                                       Position.STATION_HEAD)):
        raise FieldErrors.on("person_id", "只能分派给本社区的网格员、公共服务区工作人员或书记、站长。")
    return person


def step(actor, matter: Matter, name: str, version: int | None, form: dict, now: datetime | None = None) -> Matter:
    """Apply one step by name; FieldErrors for bad input, Conflict when the matter
    moved on meanwhile. The caller has asked the policy which steps the actor may take."""
    now = now or clock.now()
    if name not in FROM:
        raise FieldErrors.on("step", "请选择要做的一步。")
    if name == "verify" and not rules.settings().verify_required:
        raise FieldErrors.on("step", "本区未启用核查：事项反馈后即完成。")
    if matter.status not in FROM[name]:
        raise Conflict.on("form", f"这件事项现在“{matter.status.label}”，不能{STEP_LABELS.get(_past(name), name)}。")
    errors: dict[str, str] = {}
    ask = Asked(actor, matter, form, now, errors,
                rules.text_field(form.get("note"), 500, "note", "说明", errors, multiline=True))
    before = rules.audit_view(matter)
    holder_before = matter.holder_id
    values = STEPS[name](ask)
    note, to_person = ask.note, ask.to_person
    if errors:
        raise FieldErrors(errors)
    _cas(matter, version, values)
    row = rules.add_step(actor, matter, _past(name), note, to_person_id=to_person.id if to_person else None, now=now)
    rules.note_handed(matter, row, holder_before, matter.holder_id, actor)
    audit.record(actor, f"matter.{_past(name)}", matter, before=before, after=rules.audit_view(matter))
    return matter


@dataclass
class Asked:
    """One step's input as a step function reads it; `note` and `to_person` may be
    set by the step for the timeline."""

    actor: object
    matter: Matter
    form: dict
    now: datetime
    errors: dict
    note: str | None
    to_person: Person | None = None

    def required_note(self, message: str) -> None:
        if self.note is None and "note" not in self.errors:
            self.errors["note"] = message

    def keeper(self) -> int:
        """Who holds the matter once it is settled: its holder, else whoever settles it."""
        return self.matter.holder_id or self.actor.person_id


def _take(ask: Asked) -> dict:
    return {"status": Status.HANDLING, "holder_id": ask.actor.person_id}


def _report(ask: Asked) -> dict:
    return {"status": Status.REPORTED, "holder_id": None}


def _assign(ask: Asked) -> dict:
    try:
        ask.to_person = _assignee(ask.matter, ask.form.get("person_id"))
    except FieldErrors as error:
        ask.errors.update(error.errors)
        return {}
    return {"status": Status.HANDLING, "holder_id": ask.to_person.id}


def _refer(ask: Asked) -> dict:
    to = rules.text_field(ask.form.get("referred_to"), 60, "referred_to", "转至单位", ask.errors)
    ref = rules.text_field(ask.form.get("referred_ref"), 60, "referred_ref", "对方编号", ask.errors)
    if to is None and "referred_to" not in ask.errors:
        ask.errors["referred_to"] = "请写明转至哪个街镇科室或部门。"
    ask.note = ask.note or f"转至{to}" + (f"（编号 {ref}）" if ref else "")
    return {"status": Status.REFERRED, "referred_to": to, "referred_ref": ref, "holder_id": ask.keeper()}


def _close(ask: Asked) -> dict:
    ask.required_note("请写明办理结果：做了什么。")
    return {"status": Status.CLOSED, "closed_at": ask.now, "closed_on_time": ask.now <= ask.matter.due_at,
            "resolution": ask.note, "holder_id": ask.keeper()}


def _feedback(ask: Asked) -> dict:
    how = rules.text_field(ask.form.get("feedback_how"), 100, "feedback_how", "反馈方式", ask.errors)
    if how is None and "feedback_how" not in ask.errors:
        ask.errors["feedback_how"] = "请写明怎样告知的居民（如：电话、上门）。"
    satisfaction = SATISFACTION.get((ask.form.get("satisfaction") or "").strip())
    if satisfaction is None:
        ask.errors["satisfaction"] = "请选择居民的评价：满意、基本满意或不满意。"
    return {"status": Status.FED_BACK, "feedback_how": how, "fed_back_at": ask.now, "satisfaction": satisfaction}


def _verify(ask: Asked) -> dict:
    return {"status": Status.VERIFIED, "verified_at": ask.now}


def _reopen(ask: Asked) -> dict:
    ask.required_note("请写明重新办理的原因。")
    return {"status": Status.HANDLING, "closed_at": None, "closed_on_time": None, "fed_back_at": None,
            "satisfaction": None, "verified_at": None, "reopened": ask.matter.reopened + 1, "holder_id": ask.keeper()}


STEPS = {"take": _take, "report": _report, "assign": _assign, "refer": _refer, "close": _close,
         "feedback": _feedback, "verify": _verify, "reopen": _reopen}


def _past(name: str) -> str:
    return {"take": "taken", "report": "reported", "assign": "assigned", "refer": "referred", "close": "closed",
            "feedback": "fed_back", "verify": "verified", "reopen": "reopened"}.get(name, name)


def parse_version(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def assign_from_above(actor, community: Community | None, person_raw: str | None, data: rules.MatterInput,
                      deadline_raw: str | None, now: datetime | None = None) -> Matter:
    """上级交办 (工作规范 二(三)): the 街镇 hands a task to a community (its 书记/站长
    see it as 上报, to take or 分派) or to a named person, with a deadline."""
    now = now or clock.now()
    errors: dict[str, str] = {}
    if community is None:
        raise FieldErrors.on("community_id", "请选择交办给哪个社区。")
    try:
        fields = rules.check_input(community, data, from_above=True)
    except FieldErrors as error:
        errors.update(error.errors)
        fields = None
    deadline = clock.parse_date(deadline_raw)
    if deadline is None:
        errors["deadline"] = "请填写办结期限（日期）。"
    elif deadline < clock.to_local(now).date():
        errors["deadline"] = "办结期限不能早于今天。"
    person = None
    if (person_raw or "").strip():
        probe = Matter(community_id=community.id)
        try:
            person = _assignee(probe, person_raw)
        except FieldErrors as error:
            errors.update(error.errors)
    if errors:
        raise FieldErrors(errors)
    due = datetime.combine(deadline, time(23, 59), tzinfo=clock.LOCAL_TZ)
    kind = fields["kind"] or db.session.query(MatterKind).filter_by(code="above").one()
    matter = Matter(
        kind_id=kind.id, urgency_id=fields["urgency"].id, street_id=community.street_id, community_id=community.id,
        grid_id=fields["grid"].id if fields["grid"] else None, place=fields["place"],
        description=fields["description"], source=Source.ABOVE, status=Status.HANDLING if person else Status.REPORTED,
        version=1, found_by_id=None, holder_id=person.id if person else None, due_at=due,
        created_by_id=actor.id, created_at=now)
    db.session.add(matter)
    db.session.flush()
    row = rules.add_step(actor, matter, "above", f"期限 {clock.format_date(deadline)}",
                         to_person_id=person.id if person else None, now=now)
    rules.note_handed(matter, row, None, matter.holder_id, actor)
    audit.record(actor, "matter.above", matter, after=rules.audit_view(matter))
    return matter
