"""整改: the community records the fix with a note and a photo, the inspector verifies
or reopens it. Each step is compare-and-set on the status. Callers commit."""
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal import clock
from portal.audit import log as audit
from portal.auth.policy import Action, can
from portal.errors import FieldErrors
from portal.extensions import db
from portal.inspections import checklist
from portal.inspections.conduct import _store_photo
from portal.inspections.models import ActionStatus, CorrectiveAction, InspectionPhoto
from portal.org.models import Community
from portal.people.models import Level, Position
from portal.text import has_control


def _check_note(note: str, required: str | None) -> str:
    note = (note or "").strip()
    if len(note) > 500:
        raise FieldErrors({"note": "说明不能超过 500 字。"})
    if has_control(note, allow_newlines=True):
        raise FieldErrors({"note": "说明不能含控制字符。"})
    if required and not note:
        raise FieldErrors({"note": required})
    return note


def _move(actor, action: CorrectiveAction, expected: ActionStatus, values: dict, verb: str) -> CorrectiveAction:
    done = db.session.execute(
        update(CorrectiveAction).where(CorrectiveAction.id == action.id, CorrectiveAction.status == expected)
        .values(**values).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.refresh(action)
        raise FieldErrors({"note": f"该整改事项已是“{action.status.label}”状态，请刷新后再试。"})
    before = {"status": expected.value}
    db.session.refresh(action)
    audit.record(actor, f"inspection.action_{verb}", action, before=before,
                 after={"status": action.status.value, "note": values.get("fix_note") or values.get("review_note")})
    return action


def record_fix(actor, action: CorrectiveAction, note: str, photo: tuple[str, bytes] | None,
               now: datetime | None = None) -> CorrectiveAction:
    """The 书记/站长 says it is fixed; a photo of the result is expected evidence."""
    if not can(actor, Action.FIX_ACTION, action):
        raise PermissionError("not this community's 书记/站长")
    note = _check_note(note, "请写明整改情况。")
    if photo is None or not photo[1]:
        raise FieldErrors({"photo": "请上传整改后的照片作为佐证。"})
    now = now or clock.now()
    moved = _move(actor, action, ActionStatus.OPEN,
                  {"status": ActionStatus.FIXED, "fix_note": note, "fixed_at": now, "fixed_by_id": actor.id}, "fixed")
    _store_photo(actor, action.inspection_id, photo[0], photo[1], action_id=action.id)
    return moved


def review(actor, action: CorrectiveAction, accept: bool, note: str, now: datetime | None = None) -> CorrectiveAction:
    """Verify (销号) or reopen with the reason and a new due date."""
    if not can(actor, Action.REVIEW_ACTION, action):
        raise PermissionError("not an inspector of this community")
    note = _check_note(note, None if accept else "退回整改时请写明原因。")
    now = now or clock.now()
    if accept:
        return _move(actor, action, ActionStatus.FIXED,
                     {"status": ActionStatus.VERIFIED, "review_note": note or None, "reviewed_at": now,
                      "reviewed_by_id": actor.id}, "verified")
    due = clock.to_local(now).date() + timedelta(days=checklist.settings().action_due_days)
    return _move(actor, action, ActionStatus.FIXED,
                 {"status": ActionStatus.OPEN, "review_note": note, "reviewed_at": now, "reviewed_by_id": actor.id,
                  "due_on": due, "reopen_count": action.reopen_count + 1}, "reopened")


def is_overdue(action: CorrectiveAction, today: date) -> bool:
    return action.status is ActionStatus.OPEN and action.due_on < today


def visible_to(account, statuses=(ActionStatus.OPEN, ActionStatus.FIXED)) -> list[CorrectiveAction]:
    """The actions an account follows: their community's (书记/站长), or those in their
    inspection scope (inspectors, 街镇 leaders, the admin)."""
    person = account.person
    query = (select(CorrectiveAction).join(Community, Community.id == CorrectiveAction.community_id)
             .where(CorrectiveAction.status.in_(statuses))
             .order_by(CorrectiveAction.due_on, CorrectiveAction.id))
    if person.position.level is Level.COMMUNITY:
        if person.position not in (Position.SECRETARY, Position.STATION_HEAD):
            return []
        query = query.where(CorrectiveAction.community_id == person.community_id)
    elif person.position.level is Level.STREET:
        query = query.where(Community.street_id == person.street_id)
    elif person.position not in (Position.INSPECTOR, Position.ADMIN):
        return []
    return list(db.session.scalars(query.options(joinedload(CorrectiveAction.community),
                                                 joinedload(CorrectiveAction.item))))


def overdue_for(account, today: date | None = None) -> list[CorrectiveAction]:
    today = today or clock.today()
    return [a for a in visible_to(account, (ActionStatus.OPEN,)) if is_overdue(a, today)]


def photos_of(action: CorrectiveAction) -> list[InspectionPhoto]:
    return list(db.session.scalars(select(InspectionPhoto).where(InspectionPhoto.action_id == action.id)
                                   .order_by(InspectionPhoto.id)))
