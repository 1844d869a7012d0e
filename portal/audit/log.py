"""Writing the audit log: the bottom floor, imported by every feature and importing
none. Callers add the entry to the session that carries the change itself, so both
commit or neither does. Reading the log is portal.audit.rules (the viewer)."""
from portal.audit.models import AuditEntry
from portal.extensions import db


def record(actor, action: str, obj=None, *, before=None, after=None, on_behalf_of=None,
           object_type: str | None = None, object_id=None) -> AuditEntry:
    entry = AuditEntry(
        account_id=getattr(actor, "id", None),
        on_behalf_of_id=getattr(on_behalf_of, "id", None),
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else "none"),
        object_id=str(object_id if object_id is not None else getattr(obj, "id", "")) or None,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, for a compact before/after pair."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
