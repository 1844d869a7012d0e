"""通报 (工作规范 三(三) 通报督查结果): a month's or a quarter's ranking of communities
and 街镇, the most common failed items and the open actions; frozen when published,
open to 申诉 for a set number of days. Callers commit."""
import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from portal import clock
from portal.audit import log as audit
from portal.auth.policy import Action, can
from portal.errors import FieldErrors
from portal.extensions import db
from portal.inspections import checklist
from portal.inspections.models import (
    SECTIONS,
    ActionStatus,
    Bulletin,
    ChecklistItem,
    CorrectiveAction,
    Inspection,
    InspectionAnswer,
    InspectionStatus,
    Objection,
    Verdict,
)
from portal.org.models import Community, Street
from portal.people.models import Level
from portal.spreadsheet import append
from portal.text import has_control

PERIOD_RE = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")
TOP_FAILED = 10


def parse_period(text: str | None) -> tuple[date, date, str] | None:
    """"2026-11" or "2026-Q4" → (first day, day after the last, label)."""
    match = PERIOD_RE.match((text or "").strip())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        return None
    year = int(match.group(1))
    if match.group(2):
        month = int(match.group(2))
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        return start, end, f"{year}年{month}月"
    quarter = int(match.group(3))
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return start, end, f"{year}年第{'一二三四'[quarter - 1]}季度"


def current_periods(today: date) -> list[str]:
    """This and last month, this and last quarter, for the period picker."""
    last_month = today.replace(day=1) - timedelta(days=1)
    quarter = (today.month - 1) // 3 + 1
    last_q_year, last_q = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    return [f"{today:%Y-%m}", f"{last_month:%Y-%m}", f"{today.year}-Q{quarter}", f"{last_q_year}-Q{last_q}"]


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _ranked(rows: list[dict]) -> list[dict]:
    """Highest score first, equal scores share a rank; the uninspected follow, unranked."""
    scored = sorted((r for r in rows if r["score"] is not None), key=lambda r: (-Decimal(r["score"]), r["order"]))
    rank, previous = 0, None
    for position, row in enumerate(scored, start=1):
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank
    rest = sorted((r for r in rows if r["score"] is None), key=lambda r: r["order"])
    for row in rest:
        row["rank"] = None
    return scored + rest


def compute(period: str, street: Street | None, today: date | None = None) -> dict:
    """The 通报's content (JSON-ready) from the submitted inspections of the period."""
    parsed = parse_period(period)
    if parsed is None:
        raise FieldErrors({"period": "期间格式应为“2026-11”（月）或“2026-Q4”（季度）。"})
    start, end, label = parsed
    today = today or clock.today()
    lo = datetime.combine(start, time(0), tzinfo=clock.LOCAL_TZ)
    hi = datetime.combine(end, time(0), tzinfo=clock.LOCAL_TZ)
    community_query = (select(Community, Street).join(Street, Street.id == Community.street_id)
                       .order_by(Street.sort_order, Community.sort_order))
    if street is not None:
        community_query = community_query.where(Community.street_id == street.id)
    communities = db.session.execute(community_query).all()
    ids = [c.id for c, _ in communities]
    inspections = list(db.session.scalars(
        select(Inspection).where(Inspection.status == InspectionStatus.SUBMITTED, Inspection.community_id.in_(ids),
                                 Inspection.submitted_at >= lo, Inspection.submitted_at < hi)))
    scores: dict[int, list[Decimal]] = {}
    vetoes: Counter = Counter()
    for inspection in inspections:
        if inspection.score is not None:
            scores.setdefault(inspection.community_id, []).append(Decimal(inspection.score))
        vetoes[inspection.community_id] += inspection.vetoed
    community_rows = []
    street_rows: dict[int, dict] = {}
    for order, (community, its_street) in enumerate(communities):
        mean = _mean(scores.get(community.id, []))
        community_rows.append({"id": community.id, "name": community.name, "street": its_street.name,
                               "inspections": len(scores.get(community.id, [])), "vetoed": vetoes[community.id],
                               "score": str(mean) if mean is not None else None, "order": order})
        row = street_rows.setdefault(its_street.id, {"id": its_street.id, "name": its_street.name, "order": order,
                                                     "values": [], "communities": 0, "inspected": 0})
        row["communities"] += 1
        row["inspected"] += community.id in scores
        row["values"].extend(scores.get(community.id, []))
    for row in street_rows.values():
        mean = _mean(row.pop("values"))
        row["score"] = str(mean) if mean is not None else None
    failed = Counter()
    failed_where: dict[tuple[int, str], set[str]] = {}
    names = {c.id: c.name for c, _ in communities}
    if inspections:
        rows = db.session.execute(
            select(InspectionAnswer.inspection_id, ChecklistItem.section, ChecklistItem.text)
            .join(ChecklistItem, ChecklistItem.id == InspectionAnswer.item_id)
            .where(InspectionAnswer.inspection_id.in_([i.id for i in inspections]),
                   InspectionAnswer.verdict == Verdict.FAIL)
            .distinct())
        community_of = {i.id: i.community_id for i in inspections}
        for inspection_id, section, text in rows:
            failed[(section, text)] += 1
            failed_where.setdefault((section, text), set()).add(names[community_of[inspection_id]])
    open_rows = db.session.execute(
        select(CorrectiveAction, ChecklistItem.text).join(ChecklistItem, ChecklistItem.id == CorrectiveAction.item_id)
        .where(CorrectiveAction.community_id.in_(ids),
               CorrectiveAction.status.in_((ActionStatus.OPEN, ActionStatus.FIXED)))
        .order_by(CorrectiveAction.due_on, CorrectiveAction.id)).all()
    return {
        "period": period, "label": label, "start": start.isoformat(), "end": (end - timedelta(days=1)).isoformat(),
        "scope": street.name if street else "青山区", "street_id": street.id if street else None,
        "inspections": len(inspections), "as_of": today.isoformat(),
        "communities": _ranked(community_rows),
        "streets": _ranked(list(street_rows.values())),
        "failed_items": [
            {"section": SECTIONS[section], "text": text, "count": count,
             "communities": "、".join(sorted(failed_where[(section, text)]))}
            for (section, text), count in sorted(failed.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_FAILED]],
        "open_actions": [
            {"community": names[action.community_id], "item": text, "due_on": action.due_on.isoformat(),
             "status": action.status.label, "overdue": action.status is ActionStatus.OPEN and action.due_on < today}
            for action, text in open_rows],
    }


def publish(actor, period: str, street: Street | None, now: datetime | None = None) -> Bulletin:
    if not can(actor, Action.PUBLISH_BULLETIN, street):
        raise PermissionError("scope")
    now = now or clock.now()
    today = clock.to_local(now).date()
    content = compute(period, street, today)
    if date.fromisoformat(content["start"]) > today:
        raise FieldErrors({"period": "不能发布尚未开始的期间的通报。"})
    if content["inspections"] == 0:
        raise FieldErrors({"period": "该期间没有已提交的检查，无可通报。"})
    exists = db.session.scalar(select(Bulletin.id).where(Bulletin.period == content["period"],
                                                         Bulletin.street_key == (street.id if street else 0)))
    if exists:
        raise FieldErrors({"period": "该期间、该范围的通报已经发布。"})
    bulletin = Bulletin(period=content["period"], street_id=street.id if street else None,
                        street_key=street.id if street else 0, content=content, published_at=now,
                        published_by_id=actor.id,
                        objection_until=today + timedelta(days=checklist.settings().objection_days))
    db.session.add(bulletin)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise FieldErrors({"period": "该期间、该范围的通报已经发布。"}) from None
    audit.record(actor, "inspection.bulletin_published", bulletin,
                 after={"period": bulletin.period, "scope": content["scope"], "inspections": content["inspections"]})
    return bulletin


BULLETINS_PER_PAGE = 20


def visible_to(account, page: int = 1, per_page: int = BULLETINS_PER_PAGE) -> tuple[list[Bulletin], bool]:
    """One page of the 通报 this account may read, newest first, and whether there
    are older ones. A 通报 a month for years would otherwise make the list grow
    without end (make bench, 5 years). The scope is narrowed in SQL as the policy
    says (district-wide ones and the own street's), and every row still passes
    `can`."""
    actor = account.person
    # The frozen content (every community's ranking) is not needed for the list.
    query = select(Bulletin).options(defer(Bulletin.content)).order_by(Bulletin.published_at.desc(),
                                                                         Bulletin.id.desc())
    if actor.position.level is not Level.DISTRICT:
        query = query.where(or_(Bulletin.street_id.is_(None), Bulletin.street_id == actor.street_id))
    rows = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)).all()
    return [b for b in rows[:per_page] if can(account, Action.VIEW_BULLETIN, b)], len(rows) > per_page


def list_title(bulletin: Bulletin, street_names: dict[int, str]) -> str:
    """What `compute` put in content["scope"] and content["label"], from the row alone."""
    parsed = parse_period(bulletin.period)
    scope = street_names.get(bulletin.street_id, "") if bulletin.street_id else "青山区"
    return f"{scope}{parsed[2] if parsed else bulletin.period}"


def lodge_objection(actor, bulletin: Bulletin, text: str, now: datetime | None = None) -> Objection:
    if not can(actor, Action.LODGE_OBJECTION, bulletin):
        raise PermissionError("not a community in the bulletin's scope")
    now = now or clock.now()
    if clock.to_local(now).date() > bulletin.objection_until:
        raise FieldErrors({"text": f"申诉期已于{clock.format_date(bulletin.objection_until)}截止。"})
    text = (text or "").strip()
    if not text or len(text) > 1000:
        raise FieldErrors({"text": "请写明申诉的事项和理由（不超过 1000 字）。"})
    if has_control(text, allow_newlines=True):
        raise FieldErrors({"text": "申诉内容不能含控制字符。"})
    community_id = actor.person.community_id
    pending = db.session.scalar(select(Objection.id).where(
        Objection.bulletin_id == bulletin.id, Objection.community_id == community_id, Objection.replied_at.is_(None)))
    if pending:
        raise FieldErrors({"text": "本社区已有一条申诉待答复。"})
    objection = Objection(bulletin_id=bulletin.id, community_id=community_id, text=text, lodged_at=now,
                          lodged_by_id=actor.id)
    db.session.add(objection)
    db.session.flush()
    audit.record(actor, "inspection.objection_lodged", objection, after={"bulletin": bulletin.id, "text": text})
    return objection


def answer_objection(actor, objection: Objection, upheld: bool, reply: str, now: datetime | None = None) -> Objection:
    if not can(actor, Action.ANSWER_OBJECTION, objection):
        raise PermissionError("not an inspector of this bulletin's scope")
    reply = (reply or "").strip()
    if not reply or len(reply) > 1000:
        raise FieldErrors({"reply": "请写明答复意见（不超过 1000 字）。"})
    if has_control(reply, allow_newlines=True):
        raise FieldErrors({"reply": "答复意见不能含控制字符。"})
    now = now or clock.now()
    done = db.session.execute(
        update(Objection).where(Objection.id == objection.id, Objection.replied_at.is_(None))
        .values(upheld=upheld, reply=reply, replied_at=now, replied_by_id=actor.id)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise FieldErrors({"reply": "该申诉已答复。"})
    db.session.refresh(objection)
    audit.record(actor, "inspection.objection_answered", objection, after={"upheld": upheld, "reply": reply})
    return objection


def table_rows(content: dict) -> dict[str, tuple[list[str], list[list]]]:
    """The 通报's tables, as shown on the printable page and written to the xlsx."""
    return {
        "社区排名": (["名次", "社区", "街镇", "检查次数", "平均得分", "一票否决"],
                 [[r["rank"] or "—", r["name"], r["street"], r["inspections"], r["score"] or "未检查", r["vetoed"]]
                  for r in content["communities"]]),
        "街镇排名": (["名次", "街镇", "受检社区", "社区数", "平均得分"],
                 [[r["rank"] or "—", r["name"], r["inspected"], r["communities"], r["score"] or "未检查"]
                  for r in content["streets"]]),
        "常见问题": (["统一", "检查内容", "不符合次数", "涉及社区"],
                 [[r["section"], r["text"], r["count"], r["communities"]] for r in content["failed_items"]]),
        "未完成整改": (["社区", "检查内容", "整改期限", "状态"],
                  [[r["community"], r["item"], r["due_on"], r["status"] + ("（逾期）" if r["overdue"] else "")]
                   for r in content["open_actions"]]),
    }


def workbook(bulletin: Bulletin) -> bytes:
    content = bulletin.content
    book = Workbook()
    book.remove(book.active)
    for title, (header, rows) in table_rows(content).items():
        sheet = book.create_sheet(title)
        append(sheet, [f"{content['scope']}{content['label']}“八个统一”督查通报 — {title}"])
        sheet["A1"].font = Font(bold=True)
        append(sheet, header)
        for row in rows:
            append(sheet, row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
