"""Settings that apply from a date: a district default (street_id None) and each
街镇's own rows, every row in force from its `effective_from` until the next. The
考勤 schedule and the 考核 rules are kept this way (past days and periods keep the
rules they were judged with); this module writes and lists such rows for both.

A model here has `street_id`, `effective_from`, `follows_default`, `updated_at`
and `updated_by_id`."""
from datetime import date

from sqlalchemy import select

from portal import clock
from portal.audit import log as audit
from portal.extensions import db


def _of_street(model, street_id: int | None):
    return model.street_id.is_(None) if street_id is None else model.street_id == street_id


def history(model, street_id: int | None) -> list:
    """Every row of the street (or of the district default), newest date first."""
    return list(db.session.scalars(select(model).where(_of_street(model, street_id))
                                   .order_by(model.effective_from.desc())))


def row_at(model, street_id: int | None, day: date):
    return db.session.scalar(select(model).where(_of_street(model, street_id), model.effective_from == day))


def write(actor, model, street_id: int | None, day: date, values: dict, before: dict, action: str):
    """The street's (or the default's) rules from `day` on are `values`: the row of
    that date, new or rewritten; `before` (field → text) are the rules they replace,
    for the audit entry (caller commits)."""
    row = row_at(model, street_id, day)
    if row is None:
        row = model(street_id=street_id, effective_from=day, **values)
        db.session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    row.follows_default = False
    row.updated_at, row.updated_by_id = clock.now(), actor.id
    db.session.flush()
    changed_before, changed_after = audit.diff(before, {name: str(value) for name, value in values.items()})
    audit.record(actor, action, row, before=changed_before or None,
                 after={"street_id": street_id, "effective_from": day.isoformat(), **changed_after})
    return row


def follow_default(actor, model, street_id: int, day: date, current, fields, action: str) -> None:
    """From `day` on the street follows the district default again; `current` is the
    row in force that day (nothing to do when it is the default's already)."""
    if current.street_id is None:
        return
    row = row_at(model, street_id, day)
    if row is None:
        row = model(street_id=street_id, effective_from=day, **{name: getattr(current, name) for name in fields})
        db.session.add(row)
    row.follows_default = True
    row.updated_at, row.updated_by_id = clock.now(), actor.id
    db.session.flush()
    audit.record(actor, action, row, after={"street_id": street_id, "effective_from": day.isoformat()})
