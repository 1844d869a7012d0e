"""Creating, changing and deactivating people and their accounts: the administrator's
work (it sets passwords and ends login sessions, so it stands above portal.auth).

Shared by the admin forms and the roster import, so both refuse the same things
with the same Chinese messages. Nothing here commits: callers commit once.
"""
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import case, func, select
from werkzeug.security import generate_password_hash

from portal import clock
from portal.audit import log as audit
from portal.audit import rules as audit_rules
from portal.auth import rules as auth_rules
from portal.auth.models import Account
from portal.errors import FieldErrors
from portal.extensions import db
from portal.org.models import Community, Grid, Street
from portal.people.models import Level, Person, Position
from portal.responsibility import rules as responsibility
from portal.text import PHONE_RE, has_control

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_]{2,31}$")
# 参加工作时间 as personnel files write it: 2010-07, 2010.7, 2010/07, 2010年7月, or a day of it.
SERVICE_DATE_RE = re.compile(r"^([0-9]{4})(?:年|[-./])([0-9]{1,2})月?(?:(?:[-./]|(?<=月))([0-9]{1,2})日?)?$")
EARLIEST_SERVICE = date(1960, 1, 1)  # earlier is a typing error, not a colleague
SERVICE_LABELS = {"service_start": "参加工作时间", "community_start": "入职本社区时间"}

# District staff first, then street by street, community by community (the people list
# and the roster export list people in this order).
POSITION_RANK = case(
    {p: i for i, p in enumerate((Position.ADMIN, Position.INSPECTOR, Position.STREET_LEADER,
                                 Position.SECRETARY, Position.STATION_HEAD, Position.FRONT_DESK,
                                 Position.GRID_WORKER))},
    value=Person.position,
)


@dataclass
class PersonInput:
    name: str
    username: str
    position: Position | None
    street_id: int | None = None
    community_id: int | None = None
    grid_number: int | None = None
    phone: str | None = None
    service_start: date | None = None    # 参加工作时间
    community_start: date | None = None  # 入职本社区时间, where it differs
    # 网格责任人公示 shows the community's office phone instead; None: as now (a roster has no column)
    public_office_phone: bool | None = None


def parse_service_date(text: str | None, label: str) -> tuple[date | None, str | None]:
    """(date, problem) of a typed 参加工作时间 or 入职本社区时间: blank is None; a month
    without a day is its first day; a year alone is refused (the month is on record)."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip()
    compact = re.sub(r"\s+", "", raw)
    if not compact:
        return None, None
    if re.fullmatch(r"[0-9]{4}年?", compact):
        return None, f"{label}请写到月份，如 {compact[:4]}-07。"
    match = SERVICE_DATE_RE.match(compact)
    if match is None:
        return None, f"{label}应写成 2010-07 或 2010-07-15 的形式。"
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
    try:
        return date(year, month, day), None
    except ValueError:
        return None, f"{label}“{raw[:20]}”不是有效的日期。"


def service_date_problems(data: PersonInput) -> dict[str, str]:
    """Dates in the future or implausibly early, and a 入职本社区时间 that contradicts
    the rest of the record."""
    errors = {}
    today = clock.today()
    for key, label in SERVICE_LABELS.items():
        value = getattr(data, key)
        if value is None:
            continue
        if value > today:
            errors[key] = f"{label}不能晚于今天（{today.isoformat()}）。"
        elif value < EARLIEST_SERVICE:
            errors[key] = f"{label}早于 {EARLIEST_SERVICE.year} 年，请核对。"
    if "community_start" not in errors and data.community_start is not None:
        if data.position is not None and data.position.level is not Level.COMMUNITY:
            errors["community_start"] = "只有社区工作人员填写入职本社区时间。"
        elif data.service_start is not None and data.community_start < data.service_start \
                and "service_start" not in errors:
            errors["community_start"] = "入职本社区时间不能早于参加工作时间。"
    return errors


def normalise(data: PersonInput) -> PersonInput:
    return PersonInput(
        name=(data.name or "").strip(),
        username=(data.username or "").strip().lower(),
        position=data.position,
        street_id=data.street_id,
        community_id=data.community_id,
        grid_number=data.grid_number,
        phone=(data.phone or "").strip().replace(" ", "") or None,
        service_start=data.service_start,
        community_start=data.community_start,
        public_office_phone=data.public_office_phone,
    )


def check(data: PersonInput, person: Person | None = None, released_grids: frozenset[int] = frozenset(),
          active: bool | None = None) -> tuple[dict[str, str], dict]:
    """Validate against the database. Returns (errors, resolved) where resolved
    holds the Street, Community and Grid objects to assign. `released_grids`: grids
    whose present holders leave them in the same change (a roster that swaps two
    workers' grids). `active`: whether the person is in service after the change
    (default: as now); a 网格员 out of service holds no grid (停用 freed it)."""
    if active is None:
        active = person is None or person.active
    errors: dict[str, str] = service_date_problems(data)
    resolved: dict = {"street": None, "community": None, "grid": None}

    if not data.name:
        errors["name"] = "请填写姓名。"
    elif len(data.name) > 50 or has_control(data.name, strict=True):
        errors["name"] = "姓名不能超过 50 个字，且不能含控制字符。"

    if not USERNAME_RE.match(data.username or ""):
        errors["username"] = "用户名须为 3–32 位小写字母、数字或下划线，并以字母开头。"
    else:
        owner = db.session.scalar(select(Account).where(Account.username == data.username))
        if owner is not None and (person is None or owner.person_id != person.id):
            errors["username"] = f"用户名“{data.username}”已被使用。"

    if data.phone and not PHONE_RE.match(data.phone):
        errors["phone"] = "手机号应为 11 位手机号码，或形如 0472-1234567 的固定电话。"

    position = data.position
    if position is None:
        errors["position"] = "请选择职务。"
        return errors, resolved

    if position.level is Level.COMMUNITY:
        community = db.session.get(Community, data.community_id) if data.community_id else None
        if community is None:
            errors["community_id"] = f"{position.label}须选择所属社区。"
        else:
            resolved["community"] = community
            resolved["street"] = community.street
    elif position.level is Level.STREET:
        street = db.session.get(Street, data.street_id) if data.street_id else None
        if street is None:
            errors["street_id"] = "街镇领导须选择所属街镇。"
        resolved["street"] = street

    if position is Position.GRID_WORKER:
        community = resolved["community"]
        if data.grid_number is None:
            if active:
                errors["grid_number"] = "网格员须填写所负责的网格号（一员一格）。"
        elif community is not None:
            grid = db.session.scalar(
                select(Grid).where(Grid.community_id == community.id, Grid.number == data.grid_number)
            )
            if grid is None:
                errors["grid_number"] = f"{community.name}只有第 1–{community.grid_count} 网格。"
            else:
                holder = db.session.scalar(select(Person).where(Person.grid_id == grid.id))
                if holder is not None and (person is None or holder.id != person.id) \
                        and grid.id not in released_grids:
                    errors["grid_number"] = f"{grid}已由{holder.name}负责（一员一格）。"
                resolved["grid"] = grid
    elif data.grid_number is not None:
        errors["grid_number"] = "只有网格员负责网格。"
    return errors, resolved


def snapshot(person: Person) -> dict:
    return {
        "name": person.name,
        "username": person.account.username if person.account else None,
        "position": person.position.value,
        "street_id": person.street_id,
        "community_id": person.community_id,
        "grid_id": person.grid_id,
        "phone": person.phone,
        "service_start": person.service_start.isoformat() if person.service_start else None,
        "community_start": person.community_start.isoformat() if person.community_start else None,
        "active": person.active,
        "public_office_phone": bool(person.public_office_phone),
    }


def _apply(person: Person, data: PersonInput, resolved: dict) -> None:
    person.name = data.name
    person.phone = data.phone
    person.position = data.position
    person.street = resolved["street"]
    person.community = resolved["community"]
    person.grid = resolved["grid"]
    person.service_start = data.service_start
    person.community_start = data.community_start
    if data.public_office_phone is not None:
        person.public_office_phone = data.public_office_phone
    elif person.public_office_phone is None:
        person.public_office_phone = False


def create_person(actor: Account | None, data: PersonInput, password: str, generated: bool = False) -> Person:
    """`generated`: the password is a random temporary one (auth.rules.temporary_password),
    hashed the lighter way a roster of hundreds needs (auth.rules.hash_generated_password)."""
    data = normalise(data)
    errors, resolved = check(data)
    if problem := auth_rules.password_problem(password, data.username):
        errors["password"] = problem
    if errors:
        raise FieldErrors(errors)
    person = Person()
    _apply(person, data, resolved)
    password_hash = auth_rules.hash_generated_password(password) if generated else generate_password_hash(password)
    person.account = Account(username=data.username, password_hash=password_hash)
    if actor is not None:  # set by an administrator (a new account, a roster): theirs to replace
        auth_rules.make_temporary(person.account)
    db.session.add(person)
    db.session.flush()
    audit.record(actor, "person.created", person, after=snapshot(person))
    return person


def _is_last_admin(person: Person) -> bool:
    """The district must keep one active administrator: nobody else can repair accounts."""
    if person.position is not Position.ADMIN or not person.active:
        return False
    others = db.session.scalar(select(func.count()).select_from(Person).where(
        Person.position == Position.ADMIN, Person.active.is_(True), Person.id != person.id))
    return others == 0


LAST_ADMIN = "这是唯一在用的管理员账号：请先把另一人设为管理员，再改动这个账号。"


def update_person(actor: Account, person: Person, data: PersonInput, before: dict | None = None) -> Person:
    """`before`: the person's snapshot before a change of several steps (a roster frees
    the grids it reassigns first), so the audit entry shows the whole change."""
    data = normalise(data)
    errors, resolved = check(data, person)
    if data.position is not Position.ADMIN and _is_last_admin(person):
        errors["position"] = LAST_ADMIN
    if errors:
        raise FieldErrors(errors)
    before = before or snapshot(person)
    _apply(person, data, resolved)
    if person.account is not None:
        person.account.username = data.username
    db.session.flush()
    if (person.street_id, person.community_id) != (before["street_id"], before["community_id"]):
        audit_rules.follow_person(person)  # the viewer's street scope follows them
    changed_before, changed_after = audit.diff(before, snapshot(person))
    if changed_after:
        audit.record(actor, "person.updated", person, before=changed_before, after=changed_after)
    if {"position", "street_id", "community_id", "active"} & set(changed_after):
        responsibility.end_terms_of(actor, person)  # 包社区/包网格 they can no longer hold
    return person


def deactivate_person(actor: Account, person: Person) -> None:
    """停用: the person leaves the board and cannot log in; their grid is freed for
    a successor (the audit entry keeps which grid it was)."""
    if actor.person_id == person.id:
        raise FieldErrors({"active": "不能停用自己的账号。"})
    if not person.active:
        return
    if _is_last_admin(person):
        raise FieldErrors({"active": LAST_ADMIN})
    before = snapshot(person)
    person.active = False
    person.grid = None
    if person.account is not None:
        person.account.active = False
        auth_rules.revoke_all_sessions(person.account)
    db.session.flush()
    audit.record(actor, "person.deactivated", person, before=before, after=snapshot(person))
    responsibility.end_terms_of(actor, person)  # their 包社区/包网格 become gaps from today


def activate_person(actor: Account, person: Person) -> None:
    if person.active:
        return
    before = snapshot(person)
    person.active = True
    if person.account is not None:
        person.account.active = True
    db.session.flush()
    audit.record(actor, "person.activated", person, before=before, after=snapshot(person))


def reset_password(actor: Account, account: Account) -> str:
    """A temporary password, shown once to the admin; every session of the account ends."""
    password = auth_rules.temporary_password()
    auth_rules.set_password(account, password, actor, "account.password_reset")
    return password


def create_admin(username: str, name: str, password: str) -> Person:
    person = create_person(None, PersonInput(name=name, username=username, position=Position.ADMIN), password)
    db.session.commit()
    return person


def as_dict(data: PersonInput) -> dict:
    return asdict(data)
