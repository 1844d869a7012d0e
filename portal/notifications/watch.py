"""Notices written with the change that calls for them, whatever route made it.

The session hooks note every leave request and corrective action a transaction
writes (an ORM flush, or a bulk UPDATE such as a leave decision's compare-and-set)
and, just before the commit, write the notices their present state calls for
(rules.leave_notices, rules.action_notices) in the same transaction. A matter's
hand-overs (分派, 上级交办 to a person, 接手) are noted by the matters' own steps
(portal.matters.rules.note_handed) and told here too (rules.matter_notices)."""
from sqlalchemy import event, select

from portal.extensions import db
from portal.matters.rules import HANDED

PENDING = "notifications.pending"  # session.info: {"leave": set of ids, "action": set of ids}


def _pending(session) -> dict:
    return session.info.setdefault(PENDING, {"leave": set(), "action": set()})


def _models():
    from portal.inspections.models import CorrectiveAction
    from portal.leave.models import LeaveRequest

    return LeaveRequest, CorrectiveAction


@event.listens_for(db.session, "after_flush")
def _after_flush(session, flush_context):
    LeaveRequest, CorrectiveAction = _models()
    pending = None
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, LeaveRequest):
            pending = pending or _pending(session)
            pending["leave"].add(obj.id)
        elif isinstance(obj, CorrectiveAction) and obj in session.new:
            pending = pending or _pending(session)
            pending["action"].add(obj.id)


@event.listens_for(db.session, "do_orm_execute")
def _on_execute(state):
    if not state.is_update or state.bind_mapper is None:
        return
    LeaveRequest, _ = _models()
    if state.bind_mapper.class_ is not LeaveRequest:
        return
    where = state.statement.whereclause
    ids = state.session.scalars(select(LeaveRequest.id).where(where if where is not None else True)).all()
    _pending(state.session)["leave"].update(ids)


@event.listens_for(db.session, "before_commit")
def _before_commit(session):
    if not session.info.get(PENDING) and not session.info.get(HANDED):
        return
    session.flush()  # what is still unflushed is noted too
    pending = session.info.pop(PENDING, None)
    handed = session.info.pop(HANDED, None)
    from portal.notifications import rules

    if handed:
        rules.matter_notices(handed)
    if not pending or not (pending["leave"] or pending["action"]):
        return

    if pending["leave"]:
        rules.leave_notices(pending["leave"])
    if pending["action"]:
        rules.action_notices(pending["action"])


@event.listens_for(db.session, "after_rollback")
def _after_rollback(session):
    session.info.pop(PENDING, None)
    session.info.pop(HANDED, None)
