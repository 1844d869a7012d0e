"""Free text: one cleaning for what is looked up or kept, one test for what is refused."""
from portal.text import clean, first_control, has_control

ZERO_WIDTH = "\u200b"  # Cf: invisible, not Cc
RIGHT_TO_LEFT = "\u202e"


def test_cleaning_drops_every_invisible_character_then_trims():
    assert clean(f"  张{ZERO_WIDTH}三\x00 {RIGHT_TO_LEFT}\n") == "张三"


def test_cleaning_cuts_to_the_limit_after_trimming():
    assert clean("   abcdef", 3) == "abc"


def test_cleaning_nothing_gives_empty_text():
    assert clean(None) == "" and clean("", 5) == ""


def test_notes_refuse_only_cc_and_may_keep_line_breaks():
    assert has_control("a\x07b")
    assert not has_control("第一行\r\n\t第二行", allow_newlines=True)
    assert has_control("第一行\n第二行")
    assert not has_control(f"a{ZERO_WIDTH}b")


def test_names_refuse_format_characters_as_well():
    assert has_control(f"张{RIGHT_TO_LEFT}三", strict=True)
    assert first_control(f"ab{ZERO_WIDTH}\x00", strict=True) == ZERO_WIDTH
