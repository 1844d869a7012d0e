"""A board changes when the people on it or their units change, not only by events.

A card shows a person's name, grid and position, their leave of today (its type's
name, its return day) or 逾期未销假, and only active board members have a card;
the cards a worker keeps are keyed by the board version. So every write that adds,
removes, renames or moves a person, renames a grid or community, or changes
leave, bumps the version of each community it touches (the old one and
the new one); a work-calendar edit or a leave type renamed bumps every board (a
card's return day and 逾期未销假 follow the calendar), in the same transaction,
whatever rule or route made it. Status changes bump their board where they are
written (portal.activity.rules.record_event).

FEEDS names the tables this covers; tests/test_kept_pages.py checks that every
table the board reads is among them and that a write to each changes the version.

Loaded by create_app with the models (portal._register_models).
"""
from sqlalchemy import event, inspect, select, true

from portal import clock
from portal.extensions import db

TOUCHED = "board.communities_touched"
EVERY_BOARD = "every"
PERSON_FIELDS = ("name", "active", "community_id", "grid_id", "position")
FEEDS = frozenset({"people", "grids", "communities", "calendar_days", "calendar_years", "leave_types",
                   "leave_requests", "current_statuses"})


def _old_and_new(obj, name: str) -> set:
    history = inspect(obj).attrs[name].history
    return {v for v in (*history.deleted, *history.added, *history.unchanged) if v is not None}


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


@event.listens_for(db.session, "before_flush")
def _collect(session, flush_context, instances):
    from portal.leave.models import LeaveRequest, LeaveType
    from portal.org.models import Community, Grid
    from portal.people.models import Person
    from portal.workdays.models import CalendarDay, CalendarYear

    touched = session.info.setdefault(TOUCHED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CalendarDay | CalendarYear | LeaveType):
            touched.add(EVERY_BOARD)  # a return day, 逾期未销假 or a leave's name on any card may move
        elif isinstance(obj, LeaveRequest):
            touched |= _old_and_new(obj, "community_id")  # any leave: deciding future leave is rare
        elif isinstance(obj, Person) and (obj in session.new or obj in session.deleted
                                        or _changed(obj, PERSON_FIELDS)):
            touched |= _old_and_new(obj, "community_id")
        elif isinstance(obj, Grid) and _changed(obj, ("number", "community_id")):
            touched |= _old_and_new(obj, "community_id")
        elif isinstance(obj, Community) and obj not in session.new and _changed(obj, ("name",)):
            touched.add(obj.id)
    if not touched:
        session.info.pop(TOUCHED, None)


@event.listens_for(db.session, "do_orm_execute")
def _statement(state):
    """A leave decision is a compare-and-set UPDATE, not a flush: the communities of
    the rows it is about to change."""
    from portal.leave.models import LeaveRequest

    mapper = state.bind_mapper
    if not (state.is_update or state.is_delete) or mapper is None or mapper.class_ is not LeaveRequest:
        return
    where = state.statement.whereclause
    found = state.session.scalars(
        select(LeaveRequest.community_id).where(where if where is not None else true()).distinct())
    touched = {c for c in found if c is not None}
    if touched:
        state.session.info.setdefault(TOUCHED, set()).update(touched)


@event.listens_for(db.session, "before_commit")
def _bump(session):
    session.flush()
    touched = session.info.pop(TOUCHED, None)
    if touched:
        from portal.activity.rules import bump_board_version
        from portal.org.models import Community

        if EVERY_BOARD in touched:
            touched = set(session.scalars(select(Community.id)))
        now = clock.now()
        for community_id in sorted(touched):
            bump_board_version(community_id, now)


@event.listens_for(db.session, "after_transaction_end")
def _forget(session, transaction):
    if transaction.parent is None:
        session.info.pop(TOUCHED, None)
