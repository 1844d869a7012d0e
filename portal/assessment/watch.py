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
