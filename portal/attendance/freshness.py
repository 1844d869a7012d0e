"""Which writes change the monthly 考勤表, as data-version scopes (portal.versions),
so that a sheet computed once is served again until one of its inputs changes,
in whatever worker, through whatever rule or route:

- GLOBAL ("attendance"): every street's sheet. The work calendar, the district
  default settings, leave types, the organisation (streets, communities, grids).
- street_scope ("attendance:street:<id>"): a street's people (added, moved in or
  out, deactivated, position, grid), their leave, and the street's own settings.
- day_scope ("attendance:street:<id>:<yyyy-mm-dd>"): the activity events of the
  street's people dated that local day. Today's events (still "·" on the sheet)
  then leave the judged days cached; the week's 入户 box reads the week's days.

A person's street is that of their community, as the database says at commit.
A 补卡 changes the sheet through the clock event its approval adds to the log
(and the correction row itself feeds nothing on the sheet).
"""
from datetime import date
from functools import cache

from sqlalchemy import inspect, literal, select, union_all

from portal import clock, versions

GLOBAL = "attendance"


def street_scope(street_id: int) -> str:
    return f"attendance:street:{street_id}"


def day_scope(street_id: int, day: date) -> str:
    return f"attendance:street:{street_id}:{day.isoformat()}"


# Keys: "G" (GLOBAL), ("s", street), ("c", community), ("p", person),
# ("e", person, local day of an event).
G = "G"


@cache
def _models():
    # Imported on first use: this module is loaded by create_app (_register_watchers),
    # and imports no model at load time.
    from portal.activity.models import ActivityEvent
    from portal.attendance.models import AttendanceSettings
    from portal.leave.models import LeaveRequest, LeaveType
    from portal.org.models import Community, Grid, Street
    from portal.people.models import Person
    from portal.workdays.models import CalendarDay, CalendarYear

    return {
        "event": ActivityEvent, "leave": LeaveRequest, "person": Person, "settings": AttendanceSettings,
        "community": Community,
        "global": (CalendarDay, CalendarYear, LeaveType, Street, Community, Grid),
    }


def feeds() -> frozenset[str]:
    """The tables whose writes this watcher turns into versions (tests/test_kept_pages.py)."""
    m = _models()
    return frozenset(model.__table__.name for model in (m["event"], m["leave"], m["person"], m["settings"],
                                                         m["community"], *m["global"]))


def _values(obj, name: str, deleted: bool = False) -> set:
    """An attribute's value now and before the flush (history), None left out."""
    state = inspect(obj)
    history = state.attrs[name].history
    found = set(history.added) | set(history.unchanged) | set(history.deleted)
    if not found and not deleted:
        found = {getattr(obj, name)}
    return {v for v in found if v is not None}


def _day(moment) -> date:
    return clock.to_local(moment).date()


class SheetWatcher(versions.Watcher):
    def flushed(self, session):
        m = _models()
        keys = set()
        changed = [(obj, False) for obj in session.new]
        changed += [(obj, False) for obj in session.dirty if session.is_modified(obj, include_collections=False)]
        changed += [(obj, True) for obj in session.deleted]
        for obj, deleted in changed:
            if isinstance(obj, m["global"]):
                keys.add(G)
            elif isinstance(obj, m["event"]):
                people, moments = _values(obj, "person_id", deleted), _values(obj, "at", deleted)
                if not people or not moments:
                    keys.add(G)
                keys |= {("e", p, _day(at)) for p in people for at in moments}
            elif isinstance(obj, m["leave"]):
                people = _values(obj, "person_id", deleted)
                keys |= {("p", p) for p in people} if people else {G}
            elif isinstance(obj, m["person"]):
                keys |= {("c", c) for c in _values(obj, "community_id", deleted)}
                keys |= {("s", s) for s in _values(obj, "street_id", deleted)}
            elif isinstance(obj, m["settings"]):
                if obj.street_id is None or None in inspect(obj).attrs.street_id.history.deleted:
                    keys.add(G)  # the district default
                keys |= {("s", s) for s in _values(obj, "street_id", deleted)}
        return keys

    def statement(self, state):
        mapper = state.bind_mapper
        if mapper is None:
            return ()
        m = _models()
        model = mapper.class_
        if issubclass(model, m["global"]) or model is m["settings"]:
            return {G}
        if model not in (m["event"], m["leave"], m["person"]):
            return ()
        stmt = state.statement
        if state.is_insert:
            rows = state.parameters
            rows = [rows] if isinstance(rows, dict) else list(rows or ())
            if not rows:
                return {G}  # values inside the statement (or from a SELECT): not worth reading
            keys = set()
            for row in rows:
                if model is m["event"]:
                    if row.get("person_id") is None or row.get("at") is None:
                        return {G}
                    keys.add(("e", row["person_id"], _day(row["at"])))
                elif model is m["leave"]:
                    if row.get("person_id") is None:
                        return {G}
                    keys.add(("p", row["person_id"]))
                else:
                    keys |= {("c", row.get("community_id")), ("s", row.get("street_id"))}
            return {k for k in keys if k[1] is not None} or {G}
        # An update or delete (the compare-and-set of a leave decision): the rows it
        # is about to touch, read first with its own criteria.
        if model is m["person"] or stmt.whereclause is None:
            return {G}
        if state.is_update:
            params = state.parameters
            columns = set(getattr(stmt, "_values", None) or ())
            columns |= {column for column, _ in getattr(stmt, "_ordered_values", None) or ()}
            names = {getattr(column, "key", column) for column in columns}
            names |= set(params) if isinstance(params, dict) else {n for row in params or () for n in row}
            if not names or "person_id" in names:
                return {G}
        people = state.session.scalars(select(model.person_id).where(stmt.whereclause).distinct())
        return {("p", p) for p in people}

    def scopes(self, session, keys):
        m = _models()
        Person, Community = m["person"], m["community"]
        scopes = {GLOBAL} if G in keys else set()
        scopes |= {street_scope(k[1]) for k in keys if k[0] == "s"}
        people = {k[1] for k in keys if k[0] in ("p", "e")}
        communities = {k[1] for k in keys if k[0] == "c"}
        if not people and not communities:
            return scopes
        parts = []
        if people:
            parts.append(select(literal("p").label("kind"), Person.id.label("id"), Community.street_id)
                         .join(Community, Community.id == Person.community_id).where(Person.id.in_(people)))
        if communities:
            parts.append(select(literal("c").label("kind"), Community.id.label("id"), Community.street_id)
                         .where(Community.id.in_(communities)))
        street_of = {(kind, id_): street for kind, id_, street in
                     session.execute(parts[0] if len(parts) == 1 else union_all(*parts)).all()}
        for key in keys:
            if key == G or key[0] == "s":
                continue
            street = street_of.get(("c" if key[0] == "c" else "p", key[1]))
            if street is None:
                continue  # no community: on no sheet
            scopes.add(day_scope(street, key[2]) if key[0] == "e" else street_scope(street))
        return scopes


WATCHER = versions.register(SheetWatcher())
