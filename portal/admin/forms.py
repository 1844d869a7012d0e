"""Forms of the administration pages. Every message a user can see is Chinese;
anything the browser sends that is not one of the offered choices or not a
number becomes a message next to its field, never an exception."""

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, Form, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation

from portal.admin.people import SERVICE_LABELS, PersonInput, parse_service_date
from portal.extensions import db
from portal.org.models import Community, Street
from portal.people.models import Position
from portal.text import clean

# Ids and numbers beyond this never name a row (and PostgreSQL's integer would
# refuse them with an error instead of "not found").
MAX_ID = 2**31 - 1
MAX_GRID_NUMBER = 999

POSITION_CHOICES = [SelectChoice(p.value, p.label) for p in Position]
STATUS_CHOICES = [SelectChoice("", "全部"), SelectChoice("active", "在职"), SelectChoice("inactive", "已停用")]


def to_id(value) -> int | None:
    """A positive integer the database can hold, or None."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def to_position(value) -> Position | None:
    try:
        return Position(value)
    except ValueError:
        return None


def strip(value):
    return value.strip() if isinstance(value, str) else value


def street_choices(blank: str) -> list[SelectChoice]:
    streets = db.session.execute(select(Street.id, Street.name).order_by(Street.sort_order)).all()
    return [SelectChoice("", blank)] + [SelectChoice(str(i), name) for i, name in streets]


def community_choices(blank: str) -> list[SelectChoice]:
    """Communities grouped by street (<optgroup>), the blank choice first."""
    rows = db.session.execute(
        select(Community.id, Community.name, Street.name)
        .join(Street, Street.id == Community.street_id)
        .order_by(Street.sort_order, Community.sort_order)
    ).all()
    return [SelectChoice("", blank)] + [SelectChoice(str(i), name, optgroup=street) for i, name, street in rows]


class PeopleFilterForm(Form):
    """The filters of the people list: read from the query string, no CSRF (GET)."""

    street_id = SelectField("街镇", default="", invalid_choice_message="所选街镇不存在。")
    community_id = SelectField("社区", default="", invalid_choice_message="所选社区不存在。")
    position = SelectField("职务", choices=[SelectChoice("", "全部职务"), *POSITION_CHOICES],
                           default="", invalid_choice_message="所选职务不存在。")
    status = SelectField("状态", choices=STATUS_CHOICES, default="", invalid_choice_message="所选状态不存在。")
    q = StringField("姓名或用户名", filters=[strip])

    def __init__(self, formdata):
        super().__init__(formdata)
        self.street_id.choices = street_choices("全部街镇")
        self.community_id.choices = community_choices("全部社区")

    def values(self) -> dict:
        """The filters to apply; a value that is not one of the choices is ignored."""
        self.validate()
        bad = set(self.errors)
        return {
            "street_id": None if "street_id" in bad else to_id(self.street_id.data),
            "community_id": None if "community_id" in bad else to_id(self.community_id.data),
            "position": None if "position" in bad else to_position(self.position.data),
            "status": None if "status" in bad else (self.status.data or None),
            "q": clean(self.q.data, 50),
        }


class WholeNumberField(IntegerField):
    """An optional integer: blank is None; for "abc" the "not a number" message is
    the only one shown."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        super().process_formdata([str(valuelist[0]).strip()])

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class ServiceDateField(StringField):
    """参加工作时间 or 入职本社区时间: 2010-07 or 2010-07-15 (people.parse_service_date);
    blank is None, anything else unreadable is the one message shown."""

    def process_formdata(self, valuelist):
        self.raw_text = str(valuelist[0]) if valuelist else ""
        self.data, problem = parse_service_date(self.raw_text[:40], SERVICE_LABELS[self.name])
        if problem:
            self.data = None
            raise ValueError(problem)

    def _value(self):
        if self.data is not None:
            return self.data.isoformat()
        return getattr(self, "raw_text", "")[:40]

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class PersonForm(FlaskForm):
    name = StringField("姓名", filters=[strip], validators=[
        DataRequired("请填写姓名。"), Length(max=50, message="姓名不能超过 50 个字。")])
    username = StringField("用户名", filters=[strip], validators=[
        DataRequired("请填写用户名。"),
        Length(max=32, message="用户名须为 3–32 位小写字母、数字或下划线，并以字母开头。")])
    position = SelectField("职务", choices=[SelectChoice("", "请选择职务"), *POSITION_CHOICES],
                           default="", validators=[DataRequired("请选择职务。")],
                           invalid_choice_message="请选择有效的职务。")
    street_id = SelectField("街镇", default="", invalid_choice_message="所选街镇不存在，请重新选择。")
    community_id = SelectField("社区", default="", invalid_choice_message="所选社区不存在，请重新选择。")
    grid_number = WholeNumberField(
        "网格号", validators=[Optional(), NumberRange(min=1, max=MAX_GRID_NUMBER,
                                                    message=f"网格号应为 1–{MAX_GRID_NUMBER} 之间的整数。")],
        invalid_value_message="网格号须为整数，如 3。", render_kw={"inputmode": "numeric"})
    phone = StringField("手机号", filters=[strip], validators=[
        Length(max=20, message="手机号应为 11 位手机号码，或形如 0472-1234567 的固定电话。")],
        render_kw={"inputmode": "tel", "autocomplete": "off"})
    public_office_phone = BooleanField("公示时显示社区办公电话")
    service_start = ServiceDateField("参加工作时间", render_kw={"autocomplete": "off", "placeholder": "如 2010-07"})
    community_start = ServiceDateField("入职本社区时间", render_kw={"autocomplete": "off", "placeholder": "如 2018-03"})

    FIELDS = ("name", "username", "position", "street_id", "community_id", "grid_number", "phone",
              "public_office_phone", "service_start", "community_start")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.street_id.choices = street_choices("（不属于街镇）")
        self.community_id.choices = community_choices("（不属于社区）")

    @classmethod
    def for_person(cls, person):
        return cls(data={
            "name": person.name,
            "username": person.account.username if person.account else "",
            "position": person.position.value,
            "street_id": str(person.street_id or ""),
            "community_id": str(person.community_id or ""),
            "grid_number": person.grid.number if person.grid else None,
            "phone": person.phone or "",
            "public_office_phone": bool(person.public_office_phone),
            "service_start": person.service_start,
            "community_start": person.community_start,
        })

    def to_input(self) -> PersonInput:
        """What the rules check; a field that failed here is passed as empty."""
        bad = set(self.errors)

        def value(name, convert=lambda v: v):
            return None if name in bad else convert(getattr(self, name).data)

        return PersonInput(
            name=value("name") or "",
            username=value("username") or "",
            position=value("position", to_position),
            street_id=value("street_id", to_id),
            community_id=value("community_id", to_id),
            grid_number=value("grid_number"),
            phone=value("phone") or None,
            public_office_phone=bool(self.public_office_phone.data),
            service_start=value("service_start"),
            community_start=value("community_start"),
        )

    def add_errors(self, errors: dict[str, str]) -> list[str]:
        """Put each message next to its field unless that field already has one;
        messages for no field are returned for the top of the form."""
        rest = []
        for key, message in errors.items():
            field = self._fields.get(key)
            if field is None or key == "csrf_token":
                rest.append(message)
            elif not field.errors:
                field.errors = [*field.errors, message]
        return rest


class NewPersonForm(PersonForm):
    password = PasswordField("初始密码", validators=[
        DataRequired("请设置初始密码。"), Length(max=128, message="密码不能超过 128 个字符。")],
        render_kw={"autocomplete": "new-password"})
