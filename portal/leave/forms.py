from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal import clock
from portal.halfday import Half
from portal.leave.rules import LeaveInput

HALVES = [SelectChoice(half.value, half.label) for half in Half]


class LeaveForm(FlaskForm):
    """Read into a LeaveInput; portal.leave.rules decides what is acceptable, so the
    form, the preview and the submission give the same messages."""

    type_id = SelectField("请假类型", coerce=str, validate_choice=False)
    start_date = StringField("开始日期", render_kw={"type": "date"})
    start_half = RadioField("开始", choices=HALVES, default=Half.AM.value, validate_choice=False)
    end_date = StringField("结束日期", render_kw={"type": "date"})
    end_half = RadioField("结束", choices=HALVES, default=Half.PM.value, validate_choice=False)
    reason = TextAreaField("事由", render_kw={"rows": 3, "maxlength": 500})
    destination = StringField("去向", render_kw={"maxlength": 100, "placeholder": "请假期间所在地，如：呼和浩特"})
    phone = StringField("请假期间联系电话", render_kw={"autocomplete": "tel"})
    attachment = FileField("证明材料（可选：pdf、jpg、png，不超过 5 MB）", validators=[Optional()])

    def set_types(self, types) -> None:
        self.type_id.choices = [SelectChoice("", "请选择")] + [SelectChoice(str(t.id), t.name) for t in types]

    def to_input(self) -> LeaveInput:
        type_id = self.type_id.data
        return LeaveInput(
            type_id=int(type_id) if type_id and type_id.isascii() and type_id.isdigit() and len(type_id) < 10 else None,
            start_date=clock.parse_date(self.start_date.data), start_half=self.start_half.data,
            end_date=clock.parse_date(self.end_date.data), end_half=self.end_half.data,
            reason=self.reason.data or "", destination=self.destination.data or "", phone=self.phone.data or "",
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            field = getattr(self, name, None)
            if field is not None and hasattr(field, "errors"):
                field.errors = [*list(field.errors or []), message]


class BehalfLeaveForm(LeaveForm):
    """代请假: the same request, and why the person could not file it themself."""

    behalf_reason = TextAreaField("代请假原因", render_kw={
        "rows": 2, "maxlength": 200, "placeholder": "本人为何不能自己提交，如：住院，无法使用手机"})


class DecisionForm(FlaskForm):
    comment = TextAreaField("审批意见", render_kw={"rows": 2, "maxlength": 500})


class RevokeForm(FlaskForm):
    revoke_reason = TextAreaField("撤销理由", render_kw={"rows": 2, "maxlength": 500})


class ReturnForm(FlaskForm):
    returned_date = StringField("返岗日期", render_kw={"type": "date"})
    returned_half = RadioField("返岗时间", choices=HALVES, default=Half.AM.value, validate_choice=False)
