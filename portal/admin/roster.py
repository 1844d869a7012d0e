"""The roster spreadsheet (花名册): its columns, reading and parsing an uploaded one,
the blank template, and the export of a scope's people in the same columns, so that
an office can export, edit in Excel and import again (portal.admin.roster_import
compares and applies). No request objects here: the view hands over the bytes.
"""
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from io import BytesIO

import openpyxl
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal.admin import people as people_rules
from portal.errors import FORM, FieldErrors
from portal.extensions import db
from portal.org.models import Community, Grid, Street
from portal.people.models import POSITION_BY_LABEL, Level, Person, Position
from portal.spreadsheet import append, unsafe
from portal.text import clean

HEADERS = ("姓名", "用户名", "职务", "街镇", "社区", "网格号", "手机号", "参加工作时间", "入职本社区时间", "状态")
# The first template had the first seven columns; such a file still imports, its people's
# dates and status left as they are.
LEGACY_HEADERS = HEADERS[:7]
EXAMPLE = ("张晓明", "zhangxiaoming", "网格员", "富强路街道", "富源社区", 3, "13800000000", "2010-07", "2018-03-01",
           "在职")
ACTIVE, INACTIVE = "在职", "停用"
STATUS_WORDS = {ACTIVE: True, INACTIVE: False, "已停用": False}
# The district has some 700 staff: a whole district's export must come back in one
# file. New accounts get generated temporary passwords with the light hash
# (auth.rules.hash_generated_password), so even that many stay within a request.
MAX_ROWS = 3000
MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a 5 MB upload that unpacks to more is not a roster
MAX_SCANNED_ROWS = 100_000  # blank rows included; stops a sheet of a million empty rows
MAX_GRID_NUMBER = 999
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

POSITION_LABELS = "、".join(p.label for p in Position)
GRID_RE = re.compile(r"^第?\s*(\d{1,6})\s*(?:号)?\s*(?:网格)?$")
NOT_GIVEN = object()  # a column the file does not have (a roster of the first template)


@dataclass
class RosterRow:
    """One person as the file states them, with what is wrong in the row by itself."""

    row: int  # the spreadsheet's own row number, as the user sees it
    data: people_rules.PersonInput
    active: bool | None = None    # 状态; None: not stated
    dates_given: bool = True      # False for the first template's seven columns
    problems: dict[str, str] = field(default_factory=dict)


def row_problem(row: int, message: str) -> str:
    return f"第{row}行：{message}"


def clean_filename(filename: str | None) -> str:
    return clean(filename, 100)


# -- the file -----------------------------------------------------------------

def check_upload(filename: str | None, data: bytes) -> None:
    """Refuse what cannot be a roster before opening it."""
    name = clean_filename(filename)
    if not name:
        raise FieldErrors.on(FORM, "请选择要上传的花名册文件（.xlsx）。")
    if not name.lower().endswith(".xlsx"):
        raise FieldErrors.on(FORM, "只接受 .xlsx 文件（Excel 2007 及以后的格式）。.xls、.csv 或 .et 文件"
                                   "请先在 Excel 或 WPS 中“另存为” .xlsx 后再上传。")
    if len(data) > MAX_BYTES:
        raise FieldErrors.on(FORM, f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入。")
    if not data:
        raise FieldErrors.on(FORM, "上传的文件是空的。")


UNREADABLE = "文件无法读取：请确认是用 Excel 或 WPS 保存的 .xlsx 文件，且没有设置打开密码。"


def read_sheet(data: bytes) -> list[tuple[int, tuple]]:
    """The non-blank data rows of the first worksheet as (row number, one value per
    column of HEADERS); the header row must be HEADERS (or LEGACY_HEADERS, whose
    missing columns come as NOT_GIVEN)."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FieldErrors.on(FORM, UNREADABLE) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise FieldErrors.on(FORM, "文件内容过大，不像是花名册，请检查后重新上传。")
    try:
        workbook = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise FieldErrors.on(FORM, UNREADABLE) from None
    try:
        return _rows_of(workbook)
    except FieldErrors:
        raise
    except Exception:
        raise FieldErrors.on(FORM, UNREADABLE) from None
    finally:
        workbook.close()


TOO_MANY = f"花名册超过 {MAX_ROWS} 行（不含表头），请拆分后分批导入。"


def _rows_of(workbook) -> list[tuple[int, tuple]]:
    if not workbook.worksheets:
        raise FieldErrors.on(FORM, UNREADABLE)
    sheet = workbook.worksheets[0]
    header = next(sheet.iter_rows(min_row=1, max_row=1, max_col=len(HEADERS) + 20, values_only=True), ())
    found = [cell_text(v) for v in header]
    while found and not found[-1]:
        found.pop()
    if tuple(found) not in (HEADERS, LEGACY_HEADERS):
        shown = "、".join(found) if found else "空"
        raise FieldErrors.on(FORM, row_problem(1, f"表头应为“{'、'.join(HEADERS)}”，共 {len(HEADERS)} 列，"
                                                  f"按此顺序；文件中是“{shown}”。请使用下载的模板或导出的名单。"))
    width = len(found)
    rows = []
    for number, values in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
        if number > MAX_SCANNED_ROWS + 1:
            raise FieldErrors.on(FORM, TOO_MANY)
        values = tuple(values) + (None,) * (width - len(values))
        if all(cell_text(v) == "" for v in values):
            continue  # blank rows (usually at the end) are ignored
        rows.append((number, values + (NOT_GIVEN,) * (len(HEADERS) - width)))
        if len(rows) > MAX_ROWS:
            raise FieldErrors.on(FORM, TOO_MANY)
    if not rows:
        raise FieldErrors.on(FORM, "花名册中没有人员：表头下面没有数据。")
    return rows


def cell_text(value) -> str:
    """A cell as text: numbers typed into text columns (a phone number) lose '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(unsafe(value)).strip()


def cell_grid_number(value) -> tuple[int | None, str | None]:
    """(number, problem): 3, 3.0, "3", "03" and "第3网格" all mean grid 3."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    problem = "网格号须为整数，如 3。"
    if isinstance(value, bool):
        return None, problem
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return None, problem
        number = int(value)
    elif isinstance(value, str) and (match := GRID_RE.match(value.strip())):
        number = int(match.group(1))
    else:
        return None, problem
    if not 1 <= number <= MAX_GRID_NUMBER:
        return None, f"网格号应为 1–{MAX_GRID_NUMBER} 之间的整数。"
    return number, None


def cell_service_date(value, label: str) -> tuple[date | None, str | None]:
    """(date, problem) of a 参加工作时间 or 入职本社区时间 cell: a date cell, or text as
    the person form takes it (people.parse_service_date). A number is refused: Excel
    turns a typed 2010.10 into 2010.1, and no one can tell October from January then."""
    if value is None or value is NOT_GIVEN:
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, bool) or isinstance(value, time):
        return None, f"{label}应写成 2010-07 或 2010-07-15 的形式。"
    if isinstance(value, int | float):
        if isinstance(value, int) or value.is_integer():
            return people_rules.parse_service_date(str(int(value)), label)
        return None, (f"{label}“{value}”是一个数字，分辨不出月份（Excel 会把 2010.10 存成 2010.1）："
                      "请写成 2010-10 或 2010年10月。")
    return people_rules.parse_service_date(str(value), label)


def cell_status(value) -> tuple[bool | None, str | None]:
    """(active, problem) of a 状态 cell: 在职 or 停用; blank says nothing."""
    text = unicodedata.normalize("NFKC", cell_text(value) if value is not NOT_GIVEN else "")
    if not text:
        return None, None
    if text in STATUS_WORDS:
        return STATUS_WORDS[text], None
    return None, f"状态“{text[:20]}”应为“{ACTIVE}”或“{INACTIVE}”。"


# -- the rows -----------------------------------------------------------------

class Places:
    """The district's streets and communities by name (and by id), read once per file."""

    def __init__(self):
        self.streets = {s.name: s for s in db.session.scalars(select(Street))}
        self.communities = {c.name: c for c in db.session.scalars(select(Community))}
        self.street_by_id = {s.id: s for s in self.streets.values()}
        self.community_by_id = {c.id: c for c in self.communities.values()}


def parse_rows(rows: list[tuple[int, tuple]], places: Places) -> list[RosterRow]:
    """Each row read by itself: its values, and what is wrong with its cells."""
    return [_parse_row(number, values, places) for number, values in rows]


def _parse_row(number: int, values: tuple, places: Places) -> RosterRow:
    (name, username, position_label, street_name, community_name, grid_cell, phone,
     service_cell, community_cell, status_cell) = values[: len(HEADERS)]
    problems: dict[str, str] = {}

    label = cell_text(position_label)
    position = POSITION_BY_LABEL.get(label)
    if position is None:
        problems["position"] = (f"职务“{label[:20]}”不存在，应为{POSITION_LABELS}之一。" if label
                                else "请填写职务。")

    street_text, community_text = cell_text(street_name), cell_text(community_name)
    street = places.streets.get(street_text) if street_text else None
    community = None
    if community_text:
        community = places.communities.get(community_text) or (
            places.communities.get(community_text + "社区") if not community_text.endswith("社区") else None)
    if street_text and street is None:
        problems["street_id"] = f"街镇“{street_text[:20]}”不存在，请写全称，如 富强路街道。"
    if community_text and community is None:
        problems["community_id"] = f"社区“{community_text[:20]}”不存在，请写全称，如 富源社区。"

    if position is not None:
        level = position.level
        if level is Level.COMMUNITY:
            if not community_text:
                problems["community_id"] = f"{position.label}须填写社区，如 富源社区。"
            elif community is not None and street is not None and community.street_id != street.id:
                problems["street_id"] = (f"{community.name}属于{community.street.name}，"
                                         f"不属于{street.name}。")
        elif level is Level.STREET:
            if not street_text:
                problems["street_id"] = "街镇领导须填写街镇，如 富强路街道。"
            if community_text:
                problems["community_id"] = "街镇领导只填街镇，社区一列请留空。"
        elif street_text or community_text:
            problems["street_id"] = f"{position.label}不属于街镇或社区，街镇和社区两列请留空。"

    grid_number, grid_problem = cell_grid_number(grid_cell)
    if grid_problem:
        problems["grid_number"] = grid_problem
    dates = {}
    for key, cell in (("service_start", service_cell), ("community_start", community_cell)):
        dates[key], problem = cell_service_date(cell, people_rules.SERVICE_LABELS[key])
        if problem:
            problems[key] = problem
    active, problem = cell_status(status_cell)
    if problem:
        problems["active"] = problem

    data = people_rules.PersonInput(
        name=cell_text(name),
        username=cell_text(username),
        position=position,
        street_id=street.id if street is not None else None,
        community_id=community.id if community is not None else None,
        grid_number=grid_number,
        phone=cell_text(phone) or None,
        **dates,
    )
    return RosterRow(row=number, data=data, active=active, dates_given=service_cell is not NOT_GIVEN,
                     problems=problems)


ORDER = ("name", "username", "username_twice", "position", "street_id", "community_id",
         "grid_number", "grid_twice", "phone", "service_start", "community_start", "active")


def in_column_order(messages: dict[str, str]) -> list[str]:
    return [messages[k] for k in sorted(messages, key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER))]


# -- the template and the export ------------------------------------------------

def _workbook(rows) -> bytes:
    """HEADERS, the rows, drop-downs for 职务 and 状态, text phone numbers, date cells."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    append(sheet, HEADERS)
    count = 0
    for count, row in enumerate(rows, start=1):
        append(sheet, row)
        sheet.cell(row=count + 1, column=7).number_format = "@"
        for column in (8, 9):
            if isinstance(row[column - 1], date):
                sheet.cell(row=count + 1, column=column).number_format = "yyyy-mm-dd"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJ", (12, 18, 20, 14, 14, 8, 16, 14, 16, 8), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.column_dimensions["G"].number_format = "@"  # phone numbers typed in stay text
    sheet.freeze_panes = "A2"
    last = max(count + 1, MAX_ROWS + 1)
    positions = DataValidation(type="list", formula1='"' + ",".join(p.label for p in Position) + '"',
                               allow_blank=True, showErrorMessage=True,
                               errorTitle="职务", error="请从列表中选择职务。")
    status = DataValidation(type="list", formula1=f'"{ACTIVE},{INACTIVE}"', allow_blank=True,
                            showErrorMessage=True, errorTitle="状态", error=f"请选择{ACTIVE}或{INACTIVE}。")
    sheet.add_data_validation(positions)
    sheet.add_data_validation(status)
    positions.add(f"C2:C{last}")
    status.add(f"J2:J{last}")
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook() -> bytes:
    """The header row and one example row."""
    return _workbook([EXAMPLE])


def people_of(street: Street | None = None, community: Community | None = None) -> list[Person]:
    """Everyone of a scope, the deactivated included, in the people list's order:
    a community's staff, a street's leaders and communities, or the whole district."""
    query = (
        select(Person)
        .outerjoin(Person.account).outerjoin(Person.street).outerjoin(Person.community).outerjoin(Person.grid)
        .options(contains_eager(Person.account), contains_eager(Person.street),
                 contains_eager(Person.community), contains_eager(Person.grid))
        .order_by(func.coalesce(Street.sort_order, 0), func.coalesce(Community.sort_order, 0),
                  people_rules.POSITION_RANK, func.coalesce(Grid.number, 0), Person.id)
    )
    if community is not None:
        query = query.where(Person.community_id == community.id)
    elif street is not None:
        query = query.where(Person.street_id == street.id)
    return list(db.session.scalars(query).unique())


def row_of(person: Person) -> tuple:
    """A person as a row of HEADERS: what importing it again would leave unchanged."""
    return (
        person.name,
        person.account.username if person.account else "",
        person.position.label,
        person.street.name if person.street else None,
        person.community.name if person.community else None,
        person.grid.number if person.grid else None,
        person.phone,
        person.service_start,
        person.community_start,
        ACTIVE if person.active else INACTIVE,
    )


def export_workbook(people: list[Person]) -> bytes:
    return _workbook([row_of(p) for p in people if p.account is not None])


def export_name(scope_name: str, today: date) -> str:
    return f"花名册_{scope_name}_{today.isoformat()}.xlsx"

