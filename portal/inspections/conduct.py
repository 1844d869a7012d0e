"""Carrying out an inspection: start, name the people present, answer item by item
(each answer saved as given), attach photos, submit. Callers commit."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from portal import clock, uploads
from portal.audit import log as audit
from portal.auth.policy import ON_THE_BOARD, Action, can
from portal.errors import FieldErrors
from portal.extensions import db
from portal.inspections import checklist, rules
from portal.inspections.models import (
    ActionStatus,
    ChecklistItem,
    CorrectiveAction,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    InspectionStatus,
    Verdict,
)
from portal.people.models import Person
from portal.text import has_control

MAX_PHOTOS_PER_ANSWER = 5
PHOTO_KIND = "inspections"


def _refuse(field: str, message: str):
    raise FieldErrors({field: message})


def start(actor, community, draw_id: int | None = None, now: datetime | None = None) -> Inspection:
    """A new draft on the current checklist; an unfinished one of the same inspector
    for the same community is returned instead of starting a second."""
    if not can(actor, Action.INSPECT, community):
        raise PermissionError("community outside the inspector's scope")
    existing = db.session.scalar(select(Inspection).where(
        Inspection.community_id == community.id, Inspection.inspector_id == actor.person_id,
        Inspection.status == InspectionStatus.DRAFT))
    if existing is not None:
        return existing
    version = checklist.current_version()
    if version is None:
        _refuse("community", "还没有检查表，请先由管理员建立。")
    inspection = Inspection(community_id=community.id, version_id=version.id, inspector_id=actor.person_id,
                            draw_id=draw_id, status=InspectionStatus.DRAFT, present_ids=[],
                            started_at=now or clock.now())
    db.session.add(inspection)
    db.session.flush()
    audit.record(actor, "inspection.started", inspection,
                 after={"community": community.name, "version": version.number})
    return inspection


def locked(inspection_id: int) -> Inspection:
    """The inspection row, locked for this transaction (PostgreSQL FOR UPDATE; SQLite
    writers are serialised by BEGIN IMMEDIATE), so answers and submit never interleave."""
    return db.session.execute(
        select(Inspection).where(Inspection.id == inspection_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()


def _editable(actor, inspection_id: int) -> Inspection:
    inspection = locked(inspection_id)
    if not can(actor, Action.INSPECT, inspection):
        raise PermissionError("not this inspector's inspection")
    if inspection.submitted:
        _refuse("form", "该检查已提交，不能再修改。")
    return inspection


def staff(community_id: int) -> list[Person]:
    """Who may be named present: the community's people on the board."""
    return list(db.session.scalars(
        select(Person).where(Person.community_id == community_id, Person.active.is_(True),
                             Person.position.in_(ON_THE_BOARD)).order_by(Person.position, Person.name)))


def set_present(actor, inspection_id: int, person_ids: list[str]) -> Inspection:
    inspection = _editable(actor, inspection_id)
    allowed = {p.id for p in staff(inspection.community_id)}
    chosen: list[int] = []
    for raw in person_ids:
        if not (str(raw).isascii() and str(raw).isdigit() and len(str(raw)) < 10) or int(raw) not in allowed:
            _refuse("present", "只能选择本社区在册人员。")
        if int(raw) not in chosen:
            chosen.append(int(raw))
    before = list(inspection.present_ids or [])
    removed = set(before) - set(chosen)
    if removed:
        db.session.execute(delete(InspectionPhoto).where(InspectionPhoto.answer_id.in_(
            select(InspectionAnswer.id).where(InspectionAnswer.inspection_id == inspection.id,
                                              InspectionAnswer.person_id.in_(removed)))))
        db.session.execute(delete(InspectionAnswer).where(InspectionAnswer.inspection_id == inspection.id,
                                                          InspectionAnswer.person_id.in_(removed)))
    if bool(before) != bool(chosen):
        # Per-person items switch between one office answer and one per person.
        per_person = select(ChecklistItem.id).where(ChecklistItem.version_id == inspection.version_id,
                                                    ChecklistItem.per_person.is_(True))
        stale = InspectionAnswer.person_id.is_(None) if chosen else InspectionAnswer.person_id.is_not(None)
        answers = select(InspectionAnswer.id).where(InspectionAnswer.inspection_id == inspection.id,
                                                    InspectionAnswer.item_id.in_(per_person), stale)
        db.session.execute(delete(InspectionPhoto).where(InspectionPhoto.answer_id.in_(answers)))
        db.session.execute(delete(InspectionAnswer).where(InspectionAnswer.inspection_id == inspection.id,
                                                          InspectionAnswer.item_id.in_(per_person), stale))
    inspection.present_ids = chosen
    audit.record(actor, "inspection.present", inspection, before={"present": before}, after={"present": chosen})
    return inspection


def _item_and_subject(inspection: Inspection, item_id: str, person_id: str | None) -> tuple[ChecklistItem, int | None]:
    item = (db.session.get(ChecklistItem, int(item_id))
            if str(item_id).isascii() and str(item_id).isdigit() and len(str(item_id)) < 10 else None)
    if item is None or item.version_id != inspection.version_id:
        _refuse("item", "该检查项不属于本次检查所用的检查表版本。")
    item_rule = rules.Item(item.id, item.section, item.points, item.per_person, item.veto)
    wanted = rules.subjects(item_rule, inspection.present_ids or [])
    who = (int(person_id) if person_id and str(person_id).isascii() and str(person_id).isdigit()
           and len(str(person_id)) < 10 else None)
    if person_id and who is None or who not in wanted:
        _refuse("item", "该检查项应按在场人员逐人检查，请选择人员。" if None not in wanted else "该检查项按社区整体检查。")
    return item, who


def answer(actor, inspection_id: int, item_id: str, person_id: str | None, verdict: str, note: str,
           now: datetime | None = None) -> InspectionAnswer:
    """Record (or change) one verdict while the inspection is open."""
    inspection = _editable(actor, inspection_id)
    item, who = _item_and_subject(inspection, item_id, person_id)
    try:
        verdict_value = Verdict(verdict)
    except ValueError:
        _refuse("verdict", "请选择符合、不符合或不适用。")
    note = (note or "").strip()
    if len(note) > 500:
        _refuse("note", "说明不能超过 500 字。")
    if has_control(note, allow_newlines=True):
        _refuse("note", "说明不能含控制字符。")
    if verdict_value is Verdict.FAIL and not note:
        _refuse("note", "判为不符合时请写明发现的问题。")
    row = db.session.scalar(select(InspectionAnswer).where(
        InspectionAnswer.inspection_id == inspection.id, InspectionAnswer.item_id == item.id,
        InspectionAnswer.person_id.is_(None) if who is None else InspectionAnswer.person_id == who))
    before = {"verdict": row.verdict.value, "note": row.note} if row else None
    if row is None:
        row = InspectionAnswer(inspection_id=inspection.id, item_id=item.id, person_id=who)
        db.session.add(row)
    row.verdict = verdict_value
    row.note = note or None
    row.answered_at = now or clock.now()
    db.session.flush()
    audit.record(actor, "inspection.answer", row, before=before, community_id=inspection.community_id,
                 after={"item": item.id, "person": who, "verdict": verdict_value.value, "note": note or None})
    return row


def add_photo(actor, inspection_id: int, item_id: str, person_id: str | None, filename: str,
              data: bytes) -> InspectionPhoto:
    """Evidence for a given answer (jpg/png, checked by content)."""
    inspection = _editable(actor, inspection_id)
    item, who = _item_and_subject(inspection, item_id, person_id)
    row = db.session.scalar(select(InspectionAnswer).where(
        InspectionAnswer.inspection_id == inspection.id, InspectionAnswer.item_id == item.id,
        InspectionAnswer.person_id.is_(None) if who is None else InspectionAnswer.person_id == who))
    if row is None:
        _refuse("photo", "请先选择符合、不符合或不适用，再上传照片。")
    count = db.session.scalar(select(db.func.count()).select_from(InspectionPhoto)
                              .where(InspectionPhoto.answer_id == row.id))
    if count >= MAX_PHOTOS_PER_ANSWER:
        _refuse("photo", f"每项最多 {MAX_PHOTOS_PER_ANSWER} 张照片。")
    return _store_photo(actor, inspection.id, filename, data, answer_id=row.id)


def _store_photo(actor, inspection_id: int, filename: str, data: bytes, **attach) -> InspectionPhoto:
    try:
        stored = uploads.store(PHOTO_KIND, filename or "", data, current_app.config["UPLOAD_MAX_BYTES"],
                               uploads.IMAGES)
    except FieldErrors as error:
        _refuse("photo", str(error))
    photo = InspectionPhoto(inspection_id=inspection_id, stored_name=stored.stored_name,
                            original_name=stored.original_name, content_type=stored.content_type,
                            size=stored.size, uploaded_by_id=actor.id, uploaded_at=clock.now(), **attach)
    db.session.add(photo)
    db.session.flush()
    community_id = db.session.get(Inspection, inspection_id).community_id
    audit.record(actor, "inspection.photo", photo, community_id=community_id,
                 after={"inspection": inspection_id, "name": stored.original_name, "bytes": stored.size, **attach})
    return photo


@dataclass
class Sheet:
    """An inspection's items with their answers, for the page and for scoring."""

    inspection: Inspection
    items: list[ChecklistItem]
    answers: dict[tuple[int, int | None], InspectionAnswer]
    photos: dict[int, list[InspectionPhoto]]
    present: list[Person]

    def rule_items(self) -> list[rules.Item]:
        return [rules.Item(i.id, i.section, i.points, i.per_person, i.veto) for i in self.items]

    def rule_answers(self) -> list[rules.Answer]:
        return [rules.Answer(a.item_id, a.person_id, a.verdict.value) for a in self.answers.values()]

    def subjects(self, item: ChecklistItem) -> list[Person | None]:
        if item.per_person and self.present:
            return list(self.present)
        return [None]

    def subject_keys(self, item: ChecklistItem) -> list[str]:
        """How the answer form names each subject ("" for the office)."""
        return [str(who.id) if who else "" for who in self.subjects(item)]

    def missing(self) -> list[tuple[int, int | None]]:
        return rules.missing(self.rule_items(), self.inspection.present_ids or [], self.rule_answers())

    def progress(self) -> tuple[int, int]:
        return rules.progress(self.rule_items(), self.inspection.present_ids or [], self.rule_answers())

    def next_missing(self, after: tuple[int, int | None] | None = None) -> tuple[int, int | None] | None:
        return rules.next_missing(self.rule_items(), self.inspection.present_ids or [], self.rule_answers(), after)

    def score(self) -> rules.Score:
        return rules.score(self.rule_items(), self.inspection.present_ids or [], self.rule_answers())


def sheet(inspection: Inspection) -> Sheet:
    """Everything the inspection page needs in four statements."""
    items = list(db.session.scalars(select(ChecklistItem).where(ChecklistItem.version_id == inspection.version_id)
                                    .order_by(ChecklistItem.section, ChecklistItem.position)))
    answers = {(a.item_id, a.person_id): a for a in db.session.scalars(
        select(InspectionAnswer).where(InspectionAnswer.inspection_id == inspection.id))}
    photos: dict[int, list[InspectionPhoto]] = {}
    for photo in db.session.scalars(select(InspectionPhoto).where(InspectionPhoto.inspection_id == inspection.id)
                                    .order_by(InspectionPhoto.id)):
        photos.setdefault(photo.answer_id, []).append(photo)
    ids = inspection.present_ids or []
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
    return Sheet(inspection, items, answers, photos, [people[i] for i in ids if i in people])


def submit(actor, inspection_id: int, now: datetime | None = None) -> Inspection:
    """Score it, make it read-only and open a 整改 action for every failed item."""
    now = now or clock.now()
    inspection = _editable(actor, inspection_id)
    current = sheet(inspection)
    gaps = current.missing()
    if gaps:
        _refuse("form", f"还有 {len(gaps)} 项未检查，全部作答后才能提交。")
    result = current.score()
    done = db.session.execute(
        update(Inspection).where(Inspection.id == inspection.id, Inspection.status == InspectionStatus.DRAFT)
        .values(status=InspectionStatus.SUBMITTED, submitted_at=now, score=result.total, vetoed=result.vetoed,
                section_scores={str(k): (float(v) if v is not None else None) for k, v in result.sections.items()})
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        _refuse("form", "该检查已提交。")
    db.session.refresh(inspection)
    due = clock.to_local(now).date() + timedelta(days=checklist.settings().action_due_days)
    names = {p.id: p.name for p in current.present}
    for item in current.items:
        if item.id not in result.failed_item_ids:
            continue
        failing = [a for (item_id, _), a in current.answers.items() if item_id == item.id and a.verdict is Verdict.FAIL]
        lines = [f"{names.get(a.person_id, '')}：{a.note}" if a.person_id else (a.note or "") for a in failing]
        action = CorrectiveAction(inspection_id=inspection.id, item_id=item.id, community_id=inspection.community_id,
                                  finding="\n".join(line for line in lines if line) or item.text,
                                  due_on=due, status=ActionStatus.OPEN)
        db.session.add(action)
    db.session.flush()
    audit.record(actor, "inspection.submitted", inspection,
                 after={"score": str(result.total) if result.total is not None else None, "vetoed": result.vetoed,
                        "failed_items": len(result.failed_item_ids), "due": due.isoformat()})
    return inspection
