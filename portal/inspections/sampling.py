"""抽查: draw communities in the inspector's scope, preferring those inspected least
recently; the seed and the inputs are kept so anyone can re-run the draw. Callers commit."""
import secrets
from datetime import datetime

from sqlalchemy import func, select

from portal import clock
from portal.audit import log as audit
from portal.auth.policy import Action, can
from portal.errors import FieldErrors
from portal.extensions import db
from portal.inspections import conduct, rules
from portal.inspections.models import Inspection, InspectionStatus, SamplingDraw
from portal.org.models import Community, Street

MAX_SEED = 10**9


def candidates(street_id: int | None, today) -> list[tuple[int, int | None]]:
    """(community id, days since its last submitted inspection or None) in scope."""
    last = (select(Inspection.community_id, func.max(Inspection.submitted_at).label("last"))
            .where(Inspection.status == InspectionStatus.SUBMITTED).group_by(Inspection.community_id).subquery())
    query = select(Community.id, last.c.last).outerjoin(last, last.c.community_id == Community.id)
    if street_id is not None:
        query = query.where(Community.street_id == street_id)
    return [(cid, None if at is None else (today - clock.to_local(at).date()).days)
            for cid, at in db.session.execute(query.order_by(Community.id))]


def new_draw(actor, street: Street | None, size_text: str, seed_text: str, now: datetime | None = None) -> SamplingDraw:
    if not can(actor, Action.DRAW_SAMPLE, street):
        raise PermissionError("scope")
    now = now or clock.now()
    errors = {}
    pool = candidates(street.id if street else None, clock.to_local(now).date())
    size_text = (size_text or "").strip()
    if not (size_text.isascii() and size_text.isdigit() and len(size_text) < 10) or not 1 <= int(size_text) <= len(pool):
        errors["size"] = f"抽查数量应为 1 至 {len(pool)} 的整数。"
    seed_text = (seed_text or "").strip()
    if seed_text and (not (seed_text.isascii() and seed_text.isdigit() and len(seed_text) < 20)
                      or int(seed_text) >= MAX_SEED):
        errors["seed"] = "随机种子应为不超过 9 位的非负整数；留空则自动生成。"
    if errors:
        raise FieldErrors(errors)
    seed = int(seed_text) if seed_text else secrets.randbelow(MAX_SEED)
    chosen = rules.draw(pool, int(size_text), seed)
    draw = SamplingDraw(drawn_by_id=actor.person_id, street_id=street.id if street else None, seed=seed,
                        size=int(size_text), candidates=[list(c) for c in pool], suggested=chosen,
                        chosen=list(chosen), drawn_at=now)
    db.session.add(draw)
    db.session.flush()
    audit.record(actor, "inspection.sample_drawn", draw,
                 after={"seed": seed, "size": draw.size, "suggested": chosen, "street": street.name if street else None})
    return draw


def replay(draw: SamplingDraw) -> list[int]:
    """The draw re-run from its stored inputs: equals `draw.suggested`."""
    return rules.draw([tuple(c) for c in draw.candidates], draw.size, draw.seed)


def _open_draw(actor, draw: SamplingDraw) -> None:
    if draw.drawn_by_id != actor.person_id:
        raise PermissionError("another inspector's draw")
    if draw.accepted_at is not None:
        raise FieldErrors({"form": "该次抽查已确认，不能再调整。"})


def swap(actor, draw: SamplingDraw, out_text: str, in_text: str) -> SamplingDraw:
    """Replace one drawn community by another in the same scope (the reason is the inspector's)."""
    _open_draw(actor, draw)
    pool = {c[0] for c in draw.candidates}
    chosen = list(draw.chosen)
    out_id = int(out_text) if str(out_text).isascii() and str(out_text).isdigit() and len(str(out_text)) < 10 else None
    in_id = int(in_text) if str(in_text).isascii() and str(in_text).isdigit() and len(str(in_text)) < 10 else None
    if out_id not in chosen:
        raise FieldErrors({"swap": "请选择要换下的社区。"})
    if in_id not in pool:
        raise FieldErrors({"swap": "只能换入本次抽查范围内的社区。"})
    if in_id in chosen:
        raise FieldErrors({"swap": "该社区已在抽查名单中。"})
    chosen[chosen.index(out_id)] = in_id
    before = list(draw.chosen)
    draw.chosen = chosen
    audit.record(actor, "inspection.sample_swapped", draw, before={"chosen": before}, after={"chosen": chosen})
    return draw


def accept(actor, draw: SamplingDraw, now: datetime | None = None) -> list[Inspection]:
    """Confirm the list: a draft inspection for each community, ready to be carried out."""
    _open_draw(actor, draw)
    communities = {c.id: c for c in db.session.scalars(select(Community).where(Community.id.in_(draw.chosen)))}
    inspections = [conduct.start(actor, communities[cid], draw_id=draw.id, now=now) for cid in draw.chosen]
    draw.accepted_at = now or clock.now()
    audit.record(actor, "inspection.sample_accepted", draw, after={"chosen": list(draw.chosen)})
    return inspections


def inspections_of(draw: SamplingDraw) -> dict[int, Inspection]:
    """The check of each drawn community, by community: the one the draw started, or the
    drawer's unfinished one that accepting it found already open (conduct.start)."""
    found = {i.community_id: i for i in db.session.scalars(select(Inspection).where(Inspection.draw_id == draw.id))}
    waiting = [cid for cid in draw.chosen if cid not in found]
    if draw.accepted_at is not None and waiting:
        found.update((i.community_id, i) for i in db.session.scalars(select(Inspection).where(
            Inspection.community_id.in_(waiting), Inspection.inspector_id == draw.drawn_by_id,
            Inspection.status == InspectionStatus.DRAFT)))
    return found
