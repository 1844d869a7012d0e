"""Writing the audit log: the bottom floor, imported by every feature and importing
none. Callers add the entry to the session that carries the change itself, so both
commit or neither does. Reading the log is portal.audit.rules (the viewer).

Each entry stores where it belongs (`scope`), so a 街镇 leader's viewer filters one
indexed column instead of following every entry's object through the features'
tables. A person who moves takes their entries along (portal.audit.rules.follow_person)."""
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import Person


def record(actor, action: str, obj=None, *, before=None, after=None, on_behalf_of=None,
           object_type: str | None = None, object_id=None, community_id: int | None = None) -> AuditEntry:
    """`community_id` names the community of an object that reaches it only through a
    parent (an inspection's answers and photos); other objects say where they belong."""
    street_id, entry_community_id = scope(obj, on_behalf_of, community_id)
    entry = AuditEntry(
        account_id=getattr(actor, "id", None),
        on_behalf_of_id=getattr(on_behalf_of, "id", None),
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else "none"),
        object_id=str(object_id if object_id is not None else getattr(obj, "id", "")) or None,
        before=before,
        after=after,
        street_id=street_id,
        community_id=entry_community_id,
    )
    db.session.add(entry)
    return entry


def scope(obj, on_behalf_of=None, community_id: int | None = None) -> tuple[int | None, int | None]:
    """(street_id, community_id) of an entry about `obj`, by the rules the viewer has
    always scoped by (and the migration that filled the older entries, 0c7d1a5e9b42):
    an object of a person (the person, their account, events, leave, 补卡, an answer
    about them …) belongs where that person is; else where the person acted for is;
    else to the object's community (its own, or the one the caller names) and that
    community's street; else to the object's street. Nothing of the kind (a calendar
    day, the checklist, a district-wide setting): (None, None), the district's."""
    person = obj if isinstance(obj, Person) else None
    if person is None and getattr(obj, "person_id", None) is not None:
        person = db.session.get(Person, obj.person_id)
    if person is None:
        person = on_behalf_of
    if person is not None:
        return person.street_id, person.community_id
    community_id = getattr(obj, "community_id", None) or community_id
    if community_id is not None:
        return db.session.get(Community, community_id).street_id, community_id
    return getattr(obj, "street_id", None), None


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, for a compact before/after pair."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
