"""年休假一览: a community's staff for one year, each with 参加工作时间, years of service,
the days 《职工带薪年休假条例》 gives them (portal.leave.rules.statutory_entitlement), an
administrator's override where one is set (the exception, shown beside the figure it
replaces), the days used or reserved, and the days left; and the same as xlsx."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO

import openpyxl
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.leave import rules
from portal.leave.models import LeaveEntitlement, LeaveType
from portal.org.models import Community
from portal.people.models import Person, Position
from portal.spreadsheet import append

FIRST_YEAR, LAST_YEAR = 2017, 2100  # the notice's year to as far as anyone plans (rules.set_entitlement)
# The community office first, then the workers grid by grid.
ORDER = (Position.SECRETARY, Position.STATION_HEAD, Position.FRONT_DESK, Position.GRID_WORKER)
HEADERS = ("姓名", "职务", "网格", "参加工作时间", "入职本社区时间", "累计工作年限", "按条例（天）", "管理员核定（天）",
           "核定理由", "应休（天）", "已休及已批（天）", "剩余（天）", "说明")


@dataclass
class Row:
    person: Person
    year: int
    years: int
    statutory: Decimal
    source: str
    override: LeaveEntitlement | None
    used: Decimal

    @property
    def entitled(self) -> Decimal:
        return Decimal(self.override.days) if self.override is not None else self.statutory

    @property
    def remaining(self) -> Decimal:
        return self.entitled - self.used


def parse_year(text: str | None, today: date) -> tuple[int, str | None]:
    """(year, problem): ?year=2026; anything else is this year, with a message."""
    text = (text or "").strip()
    if not text:
        return today.year, None
    if text.isascii() and text.isdigit() and len(text) == 4 and FIRST_YEAR <= int(text) <= LAST_YEAR:
        return int(text), None
    return today.year, f"年份应为 {FIRST_YEAR}–{LAST_YEAR} 之间的四位数字，已显示{today.year}年。"


def community_year(community: Community, year: int) -> list[Row]:
    """Everyone in service in the community who asks for leave (ON_THE_BOARD), in office order."""
    people = db.session.scalars(select(Person).where(
        Person.community_id == community.id, Person.active.is_(True), Person.position.in_(ORDER))
        .options(selectinload(Person.grid))).all()
    people = sorted(people, key=lambda p: (ORDER.index(p.position), p.grid.number if p.grid else 0, p.id))
    overrides = {e.person_id: e for e in db.session.scalars(select(LeaveEntitlement).where(
        LeaveEntitlement.person_id.in_([p.id for p in people] or [0]), LeaveEntitlement.year == year))}
    annual = db.session.scalar(select(LeaveType.id).where(LeaveType.uses_balance.is_(True)).limit(1))
    return [_row(person, year, overrides.get(person.id), annual) for person in people]


def person_year(person: Person, year: int) -> Row:
    """One person's line of the 一览 (the person form shows it)."""
    override = db.session.scalar(select(LeaveEntitlement).where(
        LeaveEntitlement.person_id == person.id, LeaveEntitlement.year == year))
    annual = db.session.scalar(select(LeaveType.id).where(LeaveType.uses_balance.is_(True)).limit(1))
    return _row(person, year, override, annual)


def _row(person: Person, year: int, override: LeaveEntitlement | None, annual_type_id: int | None) -> Row:
    days, source = rules.statutory_entitlement(person, year)
    used = rules.used_days(person.id, annual_type_id, year) if annual_type_id is not None else Decimal(0)
    return Row(person, year, rules.service_years(person, year), days, source, override, used)


def _days(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def workbook(community: Community, year: int, rows: list[Row]) -> BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"{year}年年休假"
    append(sheet, (f"{community.name}{year}年年休假一览",))
    sheet["A1"].font = Font(bold=True)
    append(sheet, HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        person = row.person
        append(sheet, (
            person.name, person.position.label, person.grid.number if person.grid else None,
            person.service_start, person.community_start, row.years, _days(row.statutory),
            _days(row.override.days) if row.override else None, row.override.reason if row.override else None,
            _days(row.entitled), _days(row.used), _days(row.remaining),
            ("例外：管理员核定。" if row.override else "") + row.source,
        ))
    for number in range(3, len(rows) + 3):
        for column in (4, 5):
            sheet.cell(row=number, column=column).number_format = "yyyy-mm-dd"
    for column, width in zip("ABCDEFGHIJKLM", (10, 18, 6, 13, 14, 12, 12, 14, 20, 10, 14, 10, 50), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out
