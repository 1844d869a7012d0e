"""Importing a roster (花名册导入) in two steps.

1. An upload is read and checked whole (portal.admin.roster), then compared with the
   people as they are, matched by 用户名: new people, each changed field (old → new),
   停用 (状态 set to 停用) and 恢复. The file is kept server-side under a random token
   (RosterUpload) and the changes are shown; nothing else is written.
2. The confirmation compares again and applies the changes only if they are exactly
   those shown (their digest, carried by the confirm form); if anything changed
   meanwhile, nothing is written and the new comparison is shown instead.

Someone missing from the file is left as they are: a community's export, edited and
imported again, touches no one else. Nothing here commits; the caller commits once,
or rolls back on FieldErrors.
"""
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from portal import clock
from portal.admin import people as people_rules
from portal.admin import roster
from portal.admin.models import RosterUpload
from portal.audit import log as audit
from portal.auth import rules as auth_rules
from portal.auth.models import Account
from portal.errors import FORM, FieldErrors
from portal.extensions import db
from portal.people.models import Level, Person, Position

NEW, CHANGED, DEACTIVATED, REACTIVATED, UNCHANGED = "new", "changed", "deactivated", "reactivated", "unchanged"
UPLOAD_HOURS = 24  # an upload not confirmed within a day is gone (it holds phone numbers)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# The columns compared, in the file's order (用户名 is the key, never a change).
COMPARED = ("name", "position", "street", "community", "grid", "phone", "service_start", "community_start",
            "active")
LABELS = dict(zip(("name", "username", "position", "street", "community", "grid", "phone", "service_start",
                   "community_start", "active"), roster.HEADERS, strict=True))
EXPIRED = "这份预览已失效（已导入、超过 24 小时或不是您上传的），没有写入任何数据。请重新上传花名册。"


@dataclass
class Change:
    key: str
    old: str
    new: str

    @property
    def label(self) -> str:
        return LABELS[self.key]


@dataclass
class Entry:
    """One row of the file and what importing it does."""

    row: int
    kind: str
    data: people_rules.PersonInput  # normalised: what will be written
    active: bool                    # after the import
    person: Person | None = None
    changes: list[Change] = field(default_factory=list)
    released_grid_id: int | None = None  # the grid this person gives up

    @property
    def username(self) -> str:
        return self.data.username

    @property
    def field_changes(self) -> list[Change]:
        """What changes besides 停用/恢复 itself (and the grid a deactivation frees)."""
        if self.kind in (DEACTIVATED, REACTIVATED):
            skip = {"active", "grid"} if self.kind == DEACTIVATED else {"active"}
            return [c for c in self.changes if c.key not in skip]
        return self.changes

    def value(self, key: str) -> str:
        """The value a new person gets (the preview's columns)."""
        return next((c.new for c in self.changes if c.key == key), "")


@dataclass
class Plan:
    entries: list[Entry]
    digest: str

    def of(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind]

    @property
    def field_changes(self) -> list[tuple[Entry, Change]]:
        return [(e, c) for e in self.entries if e.kind in (CHANGED, DEACTIVATED, REACTIVATED)
                for c in e.field_changes]

    @property
    def change_count(self) -> int:
        """Each new person, each changed field, each 停用 and 恢复 counts once."""
        return (len(self.of(NEW)) + len(self.field_changes) + len(self.of(DEACTIVATED))
                + len(self.of(REACTIVATED)))


@dataclass
class Imported:
    row: int
    name: str
    username: str
    password: str


@dataclass
class Result:
    created: list[Imported]
    changed: int
    deactivated: int
    reactivated: int


class StalePreview(FieldErrors):
    """The people changed between the preview and the confirmation: `plan` is the new comparison."""

    def __init__(self, plan: Plan):
        super().__init__({FORM: "预览之后，名单中的人员已被他人修改，没有写入任何数据。下面是按最新数据重新比对的变更，"
                                "请核对后再确认。"})
        self.plan = plan


# -- comparing ----------------------------------------------------------------

def _shown(key: str, value) -> str:
    if value is None:
        return ""
    if key == "active":
        return roster.ACTIVE if value else roster.INACTIVE
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _state_of(person: Person) -> dict[str, str]:
    values = {
        "name": person.name, "position": person.position.label,
        "street": person.street.name if person.street else None,
        "community": person.community.name if person.community else None,
        "grid": person.grid.number if person.grid else None, "phone": person.phone,
        "service_start": person.service_start, "community_start": person.community_start, "active": person.active,
    }
    return {key: _shown(key, value) for key, value in values.items()}


def _state_in_file(data: people_rules.PersonInput, active: bool, places: roster.Places) -> dict[str, str]:
    """The person as the row would leave them: a community's staff belong to its street."""
    community = places.community_by_id.get(data.community_id) if data.community_id else None
    level = data.position.level
    if level is Level.COMMUNITY:
        street = community.street if community is not None else None
    elif level is Level.STREET:
        street, community = places.street_by_id.get(data.street_id) if data.street_id else None, None
    else:
        street = community = None
    grid = data.grid_number if data.position is Position.GRID_WORKER and active else None
    values = {
        "name": data.name, "position": data.position.label, "street": street.name if street else None,
        "community": community.name if community else None, "grid": grid, "phone": data.phone,
        "service_start": data.service_start, "community_start": data.community_start, "active": active,
    }
    return {key: _shown(key, value) for key, value in values.items()}


def _existing(parsed: list[roster.RosterRow]) -> dict[str, Person]:
    """The people the file names, by 用户名, with what the comparison reads (one query)."""
    names = {people_rules.normalise(r.data).username for r in parsed}
    names = sorted(n for n in names if people_rules.USERNAME_RE.match(n))
    if not names:
        return {}
    accounts = db.session.scalars(select(Account).where(Account.username.in_(names)).options(
        joinedload(Account.person).options(joinedload(Person.street), joinedload(Person.community),
                                           joinedload(Person.grid)))).unique()
    return {a.username: a.person for a in accounts}


def plan(actor: Account, rows: list[tuple[int, tuple]]) -> Plan:
    """Every row compared with the person it names and checked against the rules, the
    other rows and the people outside the file. Raises FieldErrors listing every problem
    by row; otherwise the changes, in the file's order."""
    places = roster.Places()
    parsed = roster.parse_rows(rows, places)
    existing = _existing(parsed)
    entries: list[Entry] = []
    messages: dict[int, dict[str, str]] = {}
    for item in parsed:
        entry, problems = _compare(actor, item, existing, places)
        entries.append(entry)
        messages[item.row] = problems
    _check_across(entries, messages, places)
    _check_last_admin(entries, messages)
    problems = [roster.row_problem(row, m) for row, found in messages.items() for m in roster.in_column_order(found)]
    if problems:
        raise FieldErrors({FORM: problems})
    return Plan(entries, _digest(entries))


def _compare(actor: Account, item: roster.RosterRow, existing: dict[str, Person],
             places: roster.Places) -> tuple[Entry, dict[str, str]]:
    data = people_rules.normalise(item.data)
    person = existing.get(data.username)
    problems = dict(item.problems)
    if person is not None and not item.dates_given:  # the first template: dates as they are
        data.service_start, data.community_start = person.service_start, person.community_start
    active = item.active if item.active is not None else (person.active if person is not None else True)
    if not active:
        data.grid_number = None  # 停用 frees the grid, whatever the row says
        if person is None:
            problems["active"] = f"新人员的状态应为“{roster.ACTIVE}”：“{roster.INACTIVE}”只用于名单中已有的人员。"
        elif person.id == actor.person_id and person.active:
            problems["active"] = "不能停用自己的账号。"
    entry = Entry(row=item.row, kind=NEW if person is None else CHANGED, data=data, active=active, person=person)
    if data.position is not None and not item.problems:
        after = _state_in_file(data, active, places)
        before = _state_of(person) if person is not None else dict.fromkeys(COMPARED, "")
        entry.changes = [Change(key, before[key], after[key]) for key in COMPARED
                         if before[key] != after[key] and not (person is None and key == "active")]
        if person is not None:
            entry.kind = (UNCHANGED if not entry.changes else DEACTIVATED if person.active and not active
                          else REACTIVATED if active and not person.active else CHANGED)
            if person.grid_id is not None and (before["grid"], before["community"]) != (after["grid"],
                                                                                       after["community"]):
                entry.released_grid_id = person.grid_id
    return entry, problems


def _check_across(entries: list[Entry], messages: dict[int, dict[str, str]], places: roster.Places) -> None:
    """用户名 and grids once in the file; each written row against the rules, with the
    grids that people in the file give up counted as free."""
    released = frozenset(e.released_grid_id for e in entries if e.released_grid_id is not None)
    first_username: dict[str, int] = {}
    first_grid: dict[tuple[int, int], int] = {}
    for entry in entries:
        found = messages[entry.row]
        data = entry.data
        if data.username:
            if data.username in first_username:
                found["username_twice"] = (f"用户名“{data.username}”与第{first_username[data.username]}行重复，"
                                           "同一用户名只能出现一次。")
            else:
                first_username[data.username] = entry.row
        if data.position is Position.GRID_WORKER and data.community_id and data.grid_number and entry.active:
            key = (data.community_id, data.grid_number)
            if key in first_grid:
                found["grid_twice"] = (f"{places.community_by_id[data.community_id].name}第{data.grid_number}网格"
                                       f"与第{first_grid[key]}行重复（一员一格）。")
            else:
                first_grid[key] = entry.row
        if entry.kind == UNCHANGED:
            continue
        errors, _ = people_rules.check(data, entry.person, released, active=entry.active)
        for key, message in errors.items():
            found.setdefault(key, message)


def _check_last_admin(entries: list[Entry], messages: dict[int, dict[str, str]]) -> None:
    """The district keeps one active administrator (people_rules.LAST_ADMIN)."""
    in_file = {e.person.id for e in entries if e.person is not None}
    outside = db.session.scalar(select(func.count()).select_from(Person).where(
        Person.position == Position.ADMIN, Person.active.is_(True),
        *([Person.id.not_in(in_file)] if in_file else [])))
    staying = sum(1 for e in entries if e.active and e.data.position is Position.ADMIN)
    if outside + staying > 0:
        return
    for entry in entries:
        person = entry.person
        if person is not None and person.position is Position.ADMIN and person.active:
            messages[entry.row].setdefault("position", people_rules.LAST_ADMIN)


def _digest(entries: list[Entry]) -> str:
    shown = [[e.row, e.kind, e.username, e.person.id if e.person else None, e.released_grid_id,
              [[c.key, c.old, c.new] for c in e.changes]] for e in entries]
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()


# -- step 1: the upload -----------------------------------------------------------

def upload(actor: Account, filename: str | None, content: bytes) -> tuple[RosterUpload | None, Plan]:
    """Check and compare; keep the file for the confirmation when it changes anything
    (None when it changes nothing). Raises FieldErrors with every problem."""
    roster.check_upload(filename, content)
    found = plan(actor, roster.read_sheet(content))
    if found.change_count == 0:
        return None, found
    db.session.execute(delete(RosterUpload).where(RosterUpload.created_at < clock.now() - timedelta(hours=UPLOAD_HOURS)))
    kept = RosterUpload(token=secrets.token_urlsafe(32), account_id=actor.id,
                        filename=roster.clean_filename(filename), content=content, plan_digest=found.digest)
    db.session.add(kept)
    db.session.flush()
    return kept, found


def stored(actor: Account, token: str | None) -> RosterUpload | None:
    """The actor's own upload under this token, while it is fresh."""
    if not token or not TOKEN_RE.match(token):
        return None
    kept = db.session.get(RosterUpload, token)
    if kept is None or kept.account_id != actor.id or kept.created_at < clock.now() - timedelta(hours=UPLOAD_HOURS):
        return None
    return kept


def preview(actor: Account, kept: RosterUpload) -> Plan:
    """The comparison as it stands now (FieldErrors if the file no longer fits the data)."""
    return plan(actor, roster.read_sheet(kept.content))


# -- step 2: the confirmation -------------------------------------------------------

def temporary_password_for(username: str) -> str:
    """A temporary password the password rules accept for this username."""
    while True:
        password = auth_rules.temporary_password()
        if auth_rules.password_problem(password, username) is None:
            return password


def apply(actor: Account, kept: RosterUpload, digest: str | None) -> Result:
    """Write exactly the changes whose digest the confirm form carries, or nothing
    (StalePreview when they are no longer the changes; FieldErrors when the file no
    longer fits). Admins first and grids freed before they are given again, so that
    a file that swaps two workers' grids or hands the administration over applies
    whatever the rows' order."""
    found = preview(actor, kept)
    if digest != found.digest:
        raise StalePreview(found)
    result = Result(created=[], changed=0, deactivated=0, reactivated=0)
    writing = [e for e in found.entries if e.kind != UNCHANGED]
    befores = {e.person.id: people_rules.snapshot(e.person) for e in writing if e.person is not None}
    first = [e for e in writing if e.active and e.data.position is Position.ADMIN]
    deactivated = [e for e in writing if e.kind == DEACTIVATED]
    rest = [e for e in writing if e.kind != DEACTIVATED and not (e.active and e.data.position is Position.ADMIN)]
    for entry in first + deactivated:
        _write(actor, entry, befores, result)
    for entry in rest:
        if entry.released_grid_id is not None:
            entry.person.grid = None
    db.session.flush()
    for entry in rest:
        _write(actor, entry, befores, result)
    audit.record(actor, "roster.imported", object_type="roster", after={
        "filename": kept.filename, "rows": len(writing), "new": len(result.created), "changed": result.changed,
        "deactivated": result.deactivated, "reactivated": result.reactivated})
    db.session.delete(kept)
    return result


def _write(actor: Account, entry: Entry, befores: dict, result: Result) -> None:
    try:
        if entry.kind == NEW:
            password = temporary_password_for(entry.username)
            person = people_rules.create_person(actor, entry.data, password, generated=True)
            result.created.append(Imported(entry.row, person.name, entry.username, password))
        elif entry.kind == DEACTIVATED:
            people_rules.deactivate_person(actor, entry.person)
            if entry.field_changes:
                people_rules.update_person(actor, entry.person, entry.data)
            result.deactivated += 1
        elif entry.kind == REACTIVATED:
            people_rules.activate_person(actor, entry.person)
            if entry.field_changes:
                people_rules.update_person(actor, entry.person, entry.data)
            result.reactivated += 1
        else:
            people_rules.update_person(actor, entry.person, entry.data, before=befores[entry.person.id])
            result.changed += 1
    except FieldErrors as error:  # changed by someone else meanwhile
        raise FieldErrors({FORM: [roster.row_problem(entry.row, m) for m in error.all()]}) from None
