"""The 包社区 leader's monthly log (通知 工作要求 三(一): 每月对所包社区进行培训、指导、
督促、检查、考核) and its coverage: which community got which of the five from its
leader in a month. A leader's submitted 八个统一 inspection of a community they answer
for that day counts as a 检查 without being typed again."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal import clock
from portal.audit import log as audit
from portal.auth.policy import Action, can
from portal.errors import FieldErrors
from portal.extensions import db
from portal.inspections.models import Inspection, InspectionStatus
from portal.org.models import Community, Street
from portal.people.models import Person
from portal.responsibility import rules, settings
from portal.responsibility.models import SupervisionEntry, SupervisionKind
from portal.text import field_text

MAX_COVERED = 500
MAX_PRESENT = 200
MAX_FOLLOW_UPS = 500
KINDS = list(SupervisionKind)


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def parse_month(raw: str | None) -> date | None:
    """"2026-11" → 2026-11-01; None if it is not a month of 2017 … next year."""
    text = (raw or "").strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit() or not text.isascii():
        return None
    year, month = int(text[:4]), int(text[5:])
    if not (2017 <= year <= clock.today().year + 1 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def record(actor, community: Community | None, day_raw: str | None, kind_raw: str | None,
           covered_raw: str | None, present_raw: str | None, follow_ups_raw: str | None) -> SupervisionEntry:
    """One visit, by the leader who answered for the community that day (caller commits)."""
    person: Person = actor.person
    if not can(actor, Action.RECORD_SUPERVISION):
        raise PermissionError("not a street leader")
    errors: dict[str, str] = {}
    today = clock.today()
    text = (day_raw or "").strip()
    day = clock.parse_date(text) if len(text) == 10 else None
    if day is None:
        errors["day"] = "请填写有效的日期（格式如 2026-11-20）。"
    elif day > today:
        errors["day"] = "不能登记今天以后的走访。"
    elif day < today - timedelta(days=366):
        errors["day"] = "只能登记一年以内的走访。"
    kind = next((k for k in SupervisionKind if k.value == (kind_raw or "").strip()), None)
    if kind is None:
        errors["kind"] = "请选择走访类型（培训、指导、督促、检查、考核）。"
    if community is None or not can(actor, Action.RECORD_SUPERVISION, community):
        errors["community_id"] = "请选择您包联的社区。"
    elif day is not None and "day" not in errors and not rules.answers_for(person.id, community.id, day):
        errors["community_id"] = f"{clock.format_date(day)}{community.name}不由您包联，不能登记。"
    covered = _text(covered_raw, MAX_COVERED, "covered", "内容", errors, required=True)
    present = field_text(present_raw, MAX_PRESENT, "present", "参加人员", errors)
    follow_ups = _text(follow_ups_raw, MAX_FOLLOW_UPS, "follow_ups", "后续事项", errors, required=False)
    if errors:
        raise FieldErrors(errors)
    entry = SupervisionEntry(person_id=person.id, street_id=community.street_id, community_id=community.id,
                             day=day, kind=kind, covered=covered, present=present, follow_ups=follow_ups,
                             created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "supervision.recorded", entry,
                 after={"community_id": community.id, "day": day.isoformat(), "kind": kind.value})
    return entry


def _text(raw, limit, name, label, errors, required):
    from portal.text import has_control

    text = (raw or "").replace("\r\n", "\n").strip()
    if not text:
        if required:
            errors[name] = f"请填写{label}。"
        return None
    if len(text) > limit:
        errors[name] = f"{label}不能超过 {limit} 个字。"
        return None
    if has_control(text, allow_newlines=True, strict=True):
        errors[name] = f"{label}不能包含控制字符。"
        return None
    return text


@dataclass
class LogLine:
    day: date
    kind: SupervisionKind
    community: Community
    covered: str
    present: str | None = None
    follow_ups: str | None = None
    inspection_id: int | None = None  # counted from a 八个统一 inspection


def _inspections(first: date, last: date, community_ids: list[int] | None = None, person_id: int | None = None):
    """Submitted inspections by 街镇领导 of communities they answered for that day."""
    from portal.responsibility.models import Assignment, AssignmentKind

    query = (select(Inspection).join(Assignment, (Assignment.community_id == Inspection.community_id)
                                     & (Assignment.person_id == Inspection.inspector_id)
                                     & (Assignment.kind == AssignmentKind.COMMUNITY))
             .where(Inspection.status == InspectionStatus.SUBMITTED,
                    Inspection.submitted_at >= _start(first),
                    Inspection.submitted_at < _start(last + timedelta(days=1))))
    if community_ids is not None:
        query = query.where(Inspection.community_id.in_(community_ids))
    if person_id is not None:
        query = query.where(Inspection.inspector_id == person_id)
    found = []
    for inspection in db.session.scalars(query):
        local = clock.to_local(inspection.submitted_at).date()
        if rules.answers_for(inspection.inspector_id, inspection.community_id, local):
            found.append((inspection, local))
    return found


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.LOCAL_TZ)


def person_log(person: Person, month: date) -> list[LogLine]:
    first, last = month_bounds(month)
    lines = [LogLine(e.day, e.kind, e.community, e.covered, e.present, e.follow_ups)
             for e in db.session.scalars(select(SupervisionEntry).where(
                 SupervisionEntry.person_id == person.id, SupervisionEntry.day.between(first, last)))]
    lines += [LogLine(day, SupervisionKind.CHECK, i.community, "八个统一检查", inspection_id=i.id)
              for i, day in _inspections(first, last, person_id=person.id)]
    return sorted(lines, key=lambda line: (line.day, line.community.sort_order), reverse=True)


@dataclass
class CoverageRow:
    community: Community
    leader: Person | None
    counts: dict[SupervisionKind, int] = field(default_factory=dict)

    @property
    def missing(self) -> list[SupervisionKind]:
        return [k for k in KINDS if not self.counts.get(k)]

    @property
    def none(self) -> bool:
        return not any(self.counts.values())


def coverage(street_ids: list[int], month: date) -> list[CoverageRow]:
    """Per community of the streets: its leader (at the month's end, or today in the
    current month) and how many of each of the five it got this month."""
    first, last = month_bounds(month)
    on = min(last, clock.today())
    communities = list(db.session.scalars(select(Community).where(Community.street_id.in_(street_ids))
                                          .order_by(Community.street_id, Community.sort_order)))
    ids = [c.id for c in communities]
    leaders = rules.community_leaders(ids, on)
    counts: dict[int, dict[SupervisionKind, int]] = {c.id: {} for c in communities}
    for community_id, kind, n in db.session.execute(
            select(SupervisionEntry.community_id, SupervisionEntry.kind, func.count())
            .where(SupervisionEntry.community_id.in_(ids), SupervisionEntry.day.between(first, last))
            .group_by(SupervisionEntry.community_id, SupervisionEntry.kind)):
        counts[community_id][kind] = n
    for inspection, _day in _inspections(first, last, community_ids=ids):
        row = counts[inspection.community_id]
        row[SupervisionKind.CHECK] = row.get(SupervisionKind.CHECK, 0) + 1
    return [CoverageRow(c, leaders.get(c.id), counts[c.id]) for c in communities]


@dataclass
class LeaderScore:
    """A 包社区 leader's 督导得分 for a month: 100 minus the points for every kind of the
    five missing for each community they answer for (never below 0)."""

    leader: Person
    points: Decimal                     # per missing kind
    communities: list[Community] = field(default_factory=list)
    missing: int = 0

    @property
    def deduction(self) -> Decimal:
        return self.points * self.missing

    @property
    def score(self) -> Decimal:
        return max(Decimal("0"), Decimal("100") - self.deduction)


def leader_scores(street_id: int, month: date, rows: list[CoverageRow]) -> tuple[Decimal, list[LeaderScore]]:
    """(points per missing kind, scores by leader) of a street's month; the points are 0
    and the list empty while the deduction is off (settings)."""
    _first, last = month_bounds(month)
    points = settings.points_for_month(street_id, last)
    if not points:
        return points, []
    scores: dict[int, LeaderScore] = {}
    for row in rows:
        if row.leader is None or row.community.street_id != street_id:
            continue
        score = scores.setdefault(row.leader.id, LeaderScore(row.leader, points))
        score.communities.append(row.community)
        score.missing += len(row.missing)
    return points, sorted(scores.values(), key=lambda s: s.leader.id)


def street_totals(rows: list[CoverageRow]) -> dict:
    """For dashboards: communities with all five, with none, and in all."""
    return {"all": len(rows), "complete": sum(1 for r in rows if not r.missing),
            "none": sum(1 for r in rows if r.none)}


def my_gaps(person: Person, month: date) -> list[CoverageRow]:
    """This month's coverage of the communities a leader answers for, with what is missing."""
    first, last = month_bounds(month)
    mine = {c.id for c in rules.assigned_communities(person.id, first, last)}
    if not mine or person.street_id is None:
        return []
    return [row for row in coverage([person.street_id], month) if row.community.id in mine]


def streets_in_scope(actor) -> list[Street]:
    person = actor.person
    query = select(Street).order_by(Street.sort_order)
    if person.street_id is not None and person.position.level.value == "street":
        query = query.where(Street.id == person.street_id)
    return list(db.session.scalars(query))


def dashboard(street_ids: list[int], today: date) -> dict:
    """This month's coverage per street, for the street and district dashboards:
    {street: totals}, and the month."""
    month = today.replace(day=1)
    rows = coverage(street_ids, month)
    by_street: dict[int, list[CoverageRow]] = {}
    for row in rows:
        by_street.setdefault(row.community.street_id, []).append(row)
    streets = {s.id: s for s in db.session.scalars(select(Street).where(Street.id.in_(street_ids)))}
    return {"month": month, "streets": [(streets[sid], street_totals(by_street.get(sid, [])))
                                        for sid in street_ids if sid in streets],
            "all": street_totals(rows)}
