"""Status colours people can tell apart (issue 21, part 8): 外出办事 and 请假 were
nearly one colour, and with red-green colour blindness 请假 and 超时未归, 巡查中 and 开会
collapsed. The colours are read from static/css/portal.css, so this checks what the
browser draws: every pair of statuses differs by at least MIN_DIFFERENCE (CIEDE2000)
with normal vision and simulated deuteranopia and protanopia, and every colour used
for text keeps WCAG's 4.5:1, on the light pages and on the hall's dark cards."""
import itertools
import re
from pathlib import Path

import pytest

from portal.board.rules import STATUS_ORDER
from tests.colour_vision import VISIONS, contrast, delta_e, difference

CSS = (Path(__file__).resolve().parent.parent / "static" / "css" / "portal.css").read_text(encoding="utf-8")
MIN_DIFFERENCE = 8.0   # CIEDE2000: 2–3 is "just noticeable"; 8 and more reads as another colour
HALL_CARD = "#1b232e"
HALL_STATUSES = [key for key in STATUS_ORDER if key != "overdue"]  # residents never see 超时未归


def _rules(selector_prefix: str) -> dict[str, dict[str, str]]:
    found = {}
    for key, body in re.findall(rf"(?<![\w-]){re.escape(selector_prefix)}st-(\w+) \{{([^}}]*)\}}", CSS):
        found[key] = dict(re.findall(r"(--st(?:-bg)?): (#[0-9a-fA-F]{6})", body))
    return found


LIGHT = _rules(".")
HALL = _rules(".hall-card.")


def test_every_status_has_its_colours():
    assert set(LIGHT) >= set(STATUS_ORDER) and all({"--st", "--st-bg"} <= set(LIGHT[k]) for k in STATUS_ORDER)
    assert set(HALL) >= set(HALL_STATUSES)


@pytest.mark.parametrize("vision", VISIONS)
def test_status_colours_stay_apart_with_red_green_colour_blindness(vision):
    close = [(a, b, round(difference(LIGHT[a]["--st"], LIGHT[b]["--st"], vision), 1))
             for a, b in itertools.combinations(STATUS_ORDER, 2)
             if difference(LIGHT[a]["--st"], LIGHT[b]["--st"], vision) < MIN_DIFFERENCE]
    assert close == []


@pytest.mark.parametrize("vision", VISIONS)
def test_the_hall_colours_stay_apart_too(vision):
    close = [(a, b) for a, b in itertools.combinations(HALL_STATUSES, 2)
             if difference(HALL[a]["--st"], HALL[b]["--st"], vision) < MIN_DIFFERENCE]
    assert close == []


@pytest.mark.parametrize("key", STATUS_ORDER)
def test_status_text_is_readable_on_white_and_on_its_own_background(key):
    colour = LIGHT[key]["--st"]
    assert contrast(colour, "#ffffff") >= 4.5 and contrast(colour, LIGHT[key]["--st-bg"]) >= 4.5


@pytest.mark.parametrize("key", HALL_STATUSES)
def test_hall_status_colours_are_readable_on_the_dark_card(key):
    assert contrast(HALL[key]["--st"], HALL_CARD) >= 4.5


def test_the_pairs_the_issue_named_are_now_far_apart():
    for a, b, vision in (("errand", "leave", "normal"), ("leave", "overdue", "deuteranopia"),
                         ("leave", "overdue", "protanopia"), ("patrol", "meeting", "deuteranopia"),
                         ("patrol", "meeting", "protanopia")):
        assert difference(LIGHT[a]["--st"], LIGHT[b]["--st"], vision) >= MIN_DIFFERENCE, (a, b, vision)


def test_the_colour_difference_is_ciede2000():
    """Sharma, Wu & Dalal's test data, pairs 1 and 17."""
    assert delta_e((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert delta_e((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)
