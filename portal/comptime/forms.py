from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal import clock


class DecideForm(FlaskForm):
    """A proposed rest day: 确认 with half a day or a day, or 不计 with a reason."""

    day = StringField("日期")
    days = SelectField("计调休", choices=[SelectChoice("1", "一天"), SelectChoice("0.5", "半天")],
                       validate_choice=False)
    comment = StringField("说明（不计时必填）", render_kw={"maxlength": 200})

    def parsed_day(self):
        return clock.parse_date(self.day.data)


class OvertimeForm(FlaskForm):
    """A 加班 on a rest day or holiday that the activity log does not hold."""

    person_id = SelectField("人员", validate_choice=False)
    day = StringField("加班日期", render_kw={"type": "date"})
    hours = StringField("时长（小时）", render_kw={"inputmode": "decimal", "placeholder": "如 4 或 4.5"})
    note = TextAreaField("加班事由", render_kw={"rows": 2, "maxlength": 200, "placeholder": "如：防汛值守、社区活动"})

    def set_people(self, people) -> None:
        self.person_id.choices = [SelectChoice("", "请选择")] + [
            SelectChoice(str(p.id), f"{p.name}（{p.grid.label if p.grid else p.position.label}）") for p in people]

    def person(self, people):
        raw = self.person_id.data or ""
        return next((p for p in people if str(p.id) == raw), None)

    def parsed_day(self):
        return clock.parse_date(self.day.data)

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            field = getattr(self, name, None)
            if field is not None and hasattr(field, "errors"):
                field.errors = [*list(field.errors or []), message]
