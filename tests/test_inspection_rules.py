"""The pure rules of the 八个统一 spot checks: what must be answered, the score, the 抽查 draw."""
from collections import Counter
from decimal import Decimal

from portal.inspections.rules import Answer, Item, draw, missing, score

OFFICE = Item(1, section=3, points=3)
BADGE = Item(2, section=1, points=3, per_person=True)
SLIPPERS = Item(3, section=1, points=2, per_person=True)
SCREEN = Item(4, section=8, points=2)
VETO = Item(5, section=4, points=3, veto=True)


def test_every_item_is_answered_once_for_the_office_when_nobody_is_named():
    items = [OFFICE, BADGE]
    assert missing(items, [], []) == [(1, None), (2, None)]
    assert missing(items, [], [Answer(1, None, "pass")]) == [(2, None)]


def test_a_per_person_item_is_answered_for_each_person_present():
    items = [OFFICE, BADGE]
    assert missing(items, [10, 11], [Answer(1, None, "pass"), Answer(2, 10, "fail")]) == [(2, 11)]


def test_the_score_is_points_passed_over_points_applicable():
    result = score([OFFICE, SCREEN], [], [Answer(1, None, "pass"), Answer(4, None, "fail")])
    assert result.total == Decimal("60.0")  # 3 of 5
    assert result.sections == {3: Decimal("100.0"), 8: Decimal("0.0")}
    assert result.failed_item_ids == [4] and not result.vetoed


def test_not_applicable_items_leave_the_total():
    result = score([OFFICE, SCREEN], [], [Answer(1, None, "pass"), Answer(4, None, "na")])
    assert result.total == Decimal("100.0") and result.sections[8] is None


def test_a_per_person_item_earns_its_points_in_proportion_to_the_people_complying():
    answers = [Answer(2, 10, "pass"), Answer(2, 11, "fail"), Answer(2, 12, "pass"), Answer(2, 13, "na")]
    result = score([BADGE], [10, 11, 12, 13], answers)
    assert result.earned == Decimal(2)  # 3 points × 2 of 3 applicable people
    assert result.total == Decimal("66.7") and result.failed_item_ids == [2]


def test_answers_for_people_no_longer_present_do_not_count():
    result = score([BADGE], [10], [Answer(2, 10, "pass"), Answer(2, 99, "fail")])
    assert result.total == Decimal("100.0")


def test_failing_a_veto_item_fails_the_whole_check():
    answers = [Answer(1, None, "pass"), Answer(4, None, "pass"), Answer(5, None, "fail")]
    result = score([OFFICE, SCREEN, VETO], [], answers)
    assert result.vetoed and result.total == Decimal("0.0")
    assert result.sections[3] == Decimal("100.0")  # the sections still show where it stands


def test_a_check_with_nothing_applicable_has_no_score():
    assert score([OFFICE], [], [Answer(1, None, "na")]).total is None


def test_the_draw_is_reproducible_from_its_seed():
    pool = [(cid, cid * 10) for cid in range(1, 30)]
    assert draw(pool, 5, 1234) == draw(list(reversed(pool)), 5, 1234)
    assert len(set(draw(pool, 5, 1234))) == 5
    assert draw(pool, 5, 1234) != draw(pool, 5, 4321)


def test_the_draw_prefers_communities_inspected_least_recently():
    pool = [(1, None), (2, 200), (3, 3), (4, 2), (5, 1), (6, 0)]
    picked = Counter(cid for seed in range(2000) for cid in draw(pool, 2, seed))
    assert picked[1] > picked[2] > picked[3]
    assert picked[1] > 3 * picked[6]
    assert picked[6] > 0  # every community keeps a chance
