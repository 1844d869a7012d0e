"""督导扣分: the optional 考核 deduction for a 包社区 leader's missing monthly supervision
(通知 工作要求 三(一); issue 16 part 6: a setting, off by default). Points per kind of
the five (培训、指导、督促、检查、考核) an assigned community did not get from its
leader in a month; 0 is off, and then no score is shown anywhere.

Kept as the 考核 rules are (portal.dated): a district default and a street's own
rows, each from a date that is today or later, so a month already over keeps the
points it was judged with. The administrator sets them: the district assesses the
街镇领导, who are the ones scored (they do not set their own deduction)."""
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select

from portal import clock, dated
from portal.errors import FieldErrors
from portal.extensions import db
from portal.org.models import Street
from portal.responsibility.models import SupervisionRules

DEFAULT_POINTS = Decimal("0")
MAX_POINTS = Decimal("20")
LABEL = "每缺一项扣分"


def points_for(street_id: int | None, day: date | None = None) -> Decimal:
    """Points per missing kind in force for the street (its own, else the district
    default) on `day` (today)."""
    day = day or clock.today()
    rows = db.session.scalars(select(SupervisionRules).where(
        or_(SupervisionRules.street_id == street_id, SupervisionRules.street_id.is_(None)),
        SupervisionRules.effective_from <= day).order_by(SupervisionRules.effective_from.desc())).all()
    own = next((r for r in rows if r.street_id is not None and street_id is not None), None)
    if own is not None and not own.follows_default:
        return own.missing_points
    default = next((r for r in rows if r.street_id is None), None)
    return default.missing_points if default is not None else DEFAULT_POINTS


def points_for_month(street_id: int, last: date) -> Decimal:
    """A month is judged by the points in force on its last day, a running one by today's."""
    return points_for(street_id, min(last, clock.today()))


def history(street_id: int | None) -> list[SupervisionRules]:
    return dated.history(SupervisionRules, street_id)


POINTS_RE = re.compile(r"[0-9]{1,2}(\.[0-9])?")


def parse_points(raw) -> Decimal | None:
    """"2" or "1.5": 0–20 with at most one decimal; anything else None."""
    text = str(raw if raw is not None else "").strip()
    if not POINTS_RE.fullmatch(text):
        return None
    value = Decimal(text).quantize(Decimal("0.1"))
    return value if DEFAULT_POINTS <= value <= MAX_POINTS else None


def _street(raw) -> tuple[int | None, str | None]:
    text = str(raw or "").strip()
    if not text:
        return None, None
    if not (text.isascii() and text.isdigit() and len(text) < 10) or db.session.get(Street, int(text)) is None:
        return None, "请选择有效的街镇，或选“全区默认”。"
    return int(text), None


def save(actor, form) -> SupervisionRules | None:
    """The district default (scope blank) or a street's points from a date (default
    tomorrow); `follows_default` on for a street: back to the district's from then.
    All or nothing: FieldErrors by field, nothing written (caller commits)."""
    from portal.attendance.settings import parse_effective_day

    errors: dict[str, str] = {}
    street_id, problem = _street(form.get("scope"))
    if problem:
        errors["scope"] = problem
    follow = form.get("follows_default") == "on"
    if follow and street_id is None and not problem:
        errors["follows_default"] = "全区默认不能“随全区默认”，请选择一个街镇。"
    points = None
    if not follow:
        points = parse_points(form.get("missing_points"))
        if points is None:
            errors["missing_points"] = f"{LABEL}应为 0–{MAX_POINTS} 之间的数，最多一位小数（0 为不扣分）。"
    day, problem = parse_effective_day(form.get("effective_from"), clock.today())
    if problem:
        errors["effective_from"] = problem
    if errors:
        raise FieldErrors(errors)
    current = points_for(street_id, day)
    if follow:
        own = db.session.scalar(select(SupervisionRules).where(
            SupervisionRules.street_id == street_id, SupervisionRules.effective_from <= day)
            .order_by(SupervisionRules.effective_from.desc()).limit(1))
        if own is None or own.follows_default:
            return None  # it follows the district's already
        dated.follow_default(actor, SupervisionRules, street_id, day, own, ("missing_points",),
                             "supervision.rules_reset")
        return dated.row_at(SupervisionRules, street_id, day)
    return dated.write(actor, SupervisionRules, street_id, day, {"missing_points": points},
                       {"missing_points": str(current)}, "supervision.rules_saved")


def overview(today: date) -> list[tuple[Street | None, Decimal, bool]]:
    """(street or None for the default, points in force today, whether the street has its own)."""
    lines: list[tuple[Street | None, Decimal, bool]] = [(None, points_for(None, today), False)]
    for street in db.session.scalars(select(Street).order_by(Street.sort_order)):
        own = db.session.scalar(select(SupervisionRules).where(
            SupervisionRules.street_id == street.id, SupervisionRules.effective_from <= today)
            .order_by(SupervisionRules.effective_from.desc()).limit(1))
        lines.append((street, points_for(street.id, today), own is not None and not own.follows_default))
    return lines


def upcoming(today: date) -> list[SupervisionRules]:
    """Changes that apply after today, any scope."""
    return list(db.session.scalars(select(SupervisionRules).where(SupervisionRules.effective_from > today)
                                   .order_by(SupervisionRules.effective_from, SupervisionRules.street_id)))
