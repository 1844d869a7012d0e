"""The day form. It is read into plain values; portal.workdays.rules decides what
is acceptable, so every message comes from one place."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.workdays.models import DayKind

KIND_CHOICES = [SelectChoice("", "请选择"), SelectChoice(DayKind.HOLIDAY.value, "法定假日（放假）"),
                SelectChoice(DayKind.ADJUSTED_WORKDAY.value, "调休上班日（周末上班）")]


def parse_day(text: str | None) -> date | None:
    """A YYYY-MM-DD date, strictly (nothing after it, no compact form)."""
    text = (text or "").strip()
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


class DayForm(FlaskForm):
    day = StringField("日期", render_kw={"type": "date"})
    kind = SelectField("类型", choices=KIND_CHOICES, validate_choice=False)
    name = StringField("名称", render_kw={"maxlength": 40, "placeholder": "如：春节、国庆节；调休上班日可写“春节调休”"})

    def for_year(self, year: int) -> "DayForm":
        self.day.render_kw = {**self.day.render_kw, "min": f"{year}-01-01", "max": f"{year}-12-31"}
        return self

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            field = getattr(self, name, None)
            if field is not None and hasattr(field, "errors"):
                field.errors = [*list(field.errors or []), message]


class NoticeForm(FlaskForm):
    """The State Council's notice, pasted whole; portal.workdays.notice reads it."""

    notice = TextAreaField("通知全文", render_kw={
        "rows": 16, "maxlength": 20_000, "spellcheck": "false",
        "placeholder": "国务院办公厅关于XXXX年部分节假日安排的通知\n……\n一、元旦：1月1日（周五）放假，共1天。\n二、春节：……"})

    def show_errors(self, errors: dict[str, str]) -> None:
        self.notice.errors = [*list(self.notice.errors or []), *errors.values()]


class NoticeConfirmForm(FlaskForm):
    """The same text again, carried by the preview page; it is read again on saving."""

    notice = HiddenField()
