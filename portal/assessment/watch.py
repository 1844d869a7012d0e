"""Which writes change a 考核 report beyond the 考勤表's inputs (portal.attendance.
freshness): the inspections (their scores are stored at submission) and their 整改
(逾期未整改), the checklist items they are scored on, and the 考核's own rules,
adjustments and locks. Any write to
one bumps one data version, ASSESSMENT, in the same transaction: they are rare next
to the reads (an inspection's answers over an afternoon, a few adjustments a
quarter), so one scope serves every street.

FEEDS names the tables; tests/test_kept_pages.py checks that a report reads no
table outside them and the 考勤表's, and that a write to each changes its versions.
"""
from sqlalchemy import inspect, select

from portal import versions

ASSESSMENT = "assessment"
FEEDS = frozenset({"inspections", "corrective_actions", "checklist_items", "assessment_settings",
                   "assessment_adjustments", "assessment_locks"})


class AssessmentWatcher(versions.Watcher):
    def flushed(self, session):
        for obj in (*session.new, *session.dirty, *session.deleted):
            if getattr(obj, "__tablename__", None) in FEEDS:
                return {ASSESSMENT}
        return ()

    def statement(self, state):
        mapper = state.bind_mapper
        return {ASSESSMENT} if mapper is not None and mapper.local_table.name in FEEDS else ()

    def scopes(self, session, keys):
        return set(keys)


WATCHER = versions.register(AssessmentWatcher())


# -- 便民服务事项, where a 街镇 weighs them in its 考核 ---------------------------------------

def matters_scope(street_id: int) -> str:
    """A street's matters: every step of the loop writes its matter, many times a day,
    so it is kept apart from ASSESSMENT and per street."""
    return f"assessment:matters:{street_id}"


MATTER_FEEDS = frozenset({"matters"})


class MattersWatcher(versions.Watcher):
    """Keys are street ids (a matter stays in its street); a statement whose rows it
    cannot tell (none in this portal) is read first with its own criteria."""

    def flushed(self, session):
        from portal.matters.models import Matter

        keys = set()
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, Matter):
                history = inspect(obj).attrs.street_id.history
                keys |= {s for s in (*history.added, *history.unchanged, *history.deleted, obj.street_id)
                         if s is not None}
        return keys

    def statement(self, state):
        from portal.matters.models import Matter

        mapper = state.bind_mapper
        if mapper is None or mapper.class_ is not Matter:
            return ()
        if state.is_insert:
            rows = state.parameters
            rows = [rows] if isinstance(rows, dict) else list(rows or ())
            streets = {row.get("street_id") for row in rows}
            return streets if rows and None not in streets else {ALL}
        if state.statement.whereclause is None:
            return {ALL}
        # The loop's compare-and-set (UPDATE … WHERE id = … AND version = …): one row by key.
        return set(state.session.scalars(select(Matter.street_id).where(state.statement.whereclause).distinct()))

    def scopes(self, session, keys):
        if ALL in keys:
            from portal.org.models import Street

            keys = set(session.scalars(select(Street.id)))
        return {matters_scope(k) for k in keys}


ALL = "all"
MATTERS_WATCHER = versions.register(MattersWatcher())
