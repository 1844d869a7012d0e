"""One refusal for every form: Chinese messages by field (portal/errors.py)."""
from portal.errors import FORM, FieldErrors


def test_a_form_shows_one_line_per_field():
    refused = FieldErrors({"day": "该日已封账。", "reason": ["请写明理由。", "理由不能含控制字符。"]})
    assert refused.errors == {"day": "该日已封账。", "reason": "请写明理由。 理由不能含控制字符。"}


def test_a_refusal_without_a_field_reads_as_its_message():
    assert str(FieldErrors.on(FORM, "上传的文件是空的。")) == "上传的文件是空的。"


def test_every_message_is_kept_in_order():
    refused = FieldErrors({FORM: ["第2行：缺少姓名。", "第3行：手机号无效。"]})
    assert refused.all() == ["第2行：缺少姓名。", "第3行：手机号无效。"]
