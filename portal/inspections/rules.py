"""Pure rules of the spot checks: which answers an inspection needs, its score, and the
抽查 draw. No database, no request: unit-tested directly."""
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Item:
    id: int
    section: int
    points: int
    per_person: bool = False
    veto: bool = False


@dataclass(frozen=True)
class Answer:
    item_id: int
    person_id: int | None
    verdict: str  # "pass" | "fail" | "na"


@dataclass
class Score:
    total: Decimal | None          # None: nothing was applicable
    vetoed: bool
    sections: dict[int, Decimal | None] = field(default_factory=dict)
    earned: Decimal = Decimal(0)
    applicable: int = 0
    failed_item_ids: list[int] = field(default_factory=list)


def subjects(item: Item, present: Sequence[int]) -> list[int | None]:
    """Who an item is answered for: each person present for a per-person item
    (when people were named), otherwise once for the office."""
    return list(present) if item.per_person and present else [None]


def missing(items: Iterable[Item], present: Sequence[int], answers: Iterable[Answer]) -> list[tuple[int, int | None]]:
    given = {(a.item_id, a.person_id) for a in answers}
    return [(item.id, who) for item in items for who in subjects(item, present) if (item.id, who) not in given]


def slots(items: Iterable[Item], present: Sequence[int]) -> list[tuple[int, int | None]]:
    """Every answer the inspection needs, in the order of the page: (item, person or None)."""
    return [(item.id, who) for item in items for who in subjects(item, present)]


def progress(items: Sequence[Item], present: Sequence[int], answers: Iterable[Answer]) -> tuple[int, int]:
    """(answers given, answers needed): the "已答 n/31" of the inspection page."""
    needed = slots(items, present)
    given = {(a.item_id, a.person_id) for a in answers}
    return sum(1 for slot in needed if slot in given), len(needed)


def next_missing(items: Sequence[Item], present: Sequence[int], answers: Iterable[Answer],
                 after: tuple[int, int | None] | None = None) -> tuple[int, int | None] | None:
    """The answer to give next: the first unanswered one after `after` (the one just
    given) in page order, else the first unanswered one above it; None when all are given."""
    order = slots(items, present)
    given = {(a.item_id, a.person_id) for a in answers}
    start = order.index(after) + 1 if after in order else 0
    return next((slot for slot in order[start:] + order[:start] if slot not in given), None)


def _percent(earned: Decimal, applicable: int) -> Decimal | None:
    if applicable == 0:
        return None
    return (earned * 100 / applicable).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def score(items: Sequence[Item], present: Sequence[int], answers: Iterable[Answer]) -> Score:
    """Points passed ÷ points applicable × 100, overall and per section.

    A per-person item earns its points in proportion to the people present who
    comply (不适用 people are left out); an item not applicable to anyone drops out
    of the total. Failing an 一票否决 item makes the whole check 0 (vetoed)."""
    by_item: dict[int, list[Answer]] = {}
    for answer in answers:
        by_item.setdefault(answer.item_id, []).append(answer)
    earned_by: dict[int, Decimal] = {}
    applicable_by: dict[int, int] = {}
    failed: list[int] = []
    vetoed = False
    for item in items:
        wanted = set(subjects(item, present))
        given = [a for a in by_item.get(item.id, []) if a.person_id in wanted]
        counted = [a for a in given if a.verdict != "na"]
        earned_by.setdefault(item.section, Decimal(0))
        applicable_by.setdefault(item.section, 0)
        if not counted:
            continue
        passed = sum(1 for a in counted if a.verdict == "pass")
        earned_by[item.section] += Decimal(item.points) * passed / len(counted)
        applicable_by[item.section] += item.points
        if passed < len(counted):
            failed.append(item.id)
            vetoed = vetoed or item.veto
    earned = sum(earned_by.values(), Decimal(0))
    applicable = sum(applicable_by.values())
    sections = {section: _percent(earned_by[section], applicable_by[section]) for section in sorted(earned_by)}
    total = _percent(earned, applicable)
    if vetoed:
        total = Decimal("0.0")
    return Score(total=total, vetoed=vetoed, sections=sections, earned=earned, applicable=applicable,
                 failed_item_ids=failed)


NEVER_INSPECTED_DAYS = 400
RECENCY_CAP_DAYS = 365


def draw(candidates: Sequence[tuple[int, int | None]], size: int, seed: int) -> list[int]:
    """抽查: `size` communities from (community id, days since its last inspection or
    None), by weighted sampling without replacement: the longer since the last
    check, the likelier (never inspected counts as 400 days; every community keeps a
    chance). The same candidates and seed always give the same draw."""
    rng = random.Random(seed)
    keyed = []
    for community_id, days in sorted(candidates, key=lambda c: c[0]):
        weight = NEVER_INSPECTED_DAYS if days is None else min(max(days, 0), RECENCY_CAP_DAYS) + 15
        # Efraimidis–Spirakis: the largest u**(1/w) keys are a weighted sample.
        keyed.append((rng.random() ** (1.0 / weight), community_id))
    keyed.sort(reverse=True)
    return [community_id for _, community_id in keyed[:size]]
