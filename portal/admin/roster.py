"""Reading and checking a roster spreadsheet (花名册), and creating its people.

No request objects here: the view hands over the file name and bytes. A roster
is taken whole or not at all — any problem in any row and nothing is written.
Nothing here commits; the caller commits once, or rolls back on FieldErrors.
"""
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from io import BytesIO

import openpyxl
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from portal.admin import people as people_rules
from portal.audit import log as audit
from portal.auth import rules as auth_rules
from portal.errors import FORM, FieldErrors
from portal.extensions import db
from portal.org.models import Community, Street
from portal.people.models import POSITION_BY_LABEL, Level, Position
from portal.spreadsheet import append
from portal.text import clean

HEADERS = ("姓名", "用户名", "职务", "街镇", "社区", "网格号", "手机号")
EXAMPLE = ("张晓明", "zhangxiaoming", "网格员", "富强路街道", "富源社区", 3, "13800000000")
# Each new account's password is hashed with werkzeug's scrypt (~0.2 s here), all in
# one request and one transaction: 100 rows stay well inside a worker's timeout.
# A street's roster is imported community by community.
MAX_ROWS = 100
MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a 5 MB upload that unpacks to more is not a roster
MAX_SCANNED_ROWS = 100_000  # blank rows included; stops a sheet of a million empty rows
MAX_GRID_NUMBER = 999
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

POSITION_LABELS = "、".join(p.label for p in Position)
GRID_RE = re.compile(r"^第?\s*(\d{1,6})\s*(?:号)?\s*(?:网格)?$")


@dataclass
class RosterRow:
    row: int  # the spreadsheet's own row number, as the user sees it
    data: people_rules.PersonInput


@dataclass
class Imported:
    row: int
    name: str
    username: str
    password: str


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
    """The non-blank data rows of the first worksheet as (row number, 7 values);
    the header row must be exactly HEADERS."""
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


def _rows_of(workbook) -> list[tuple[int, tuple]]:
    if not workbook.worksheets:
        raise FieldErrors.on(FORM, UNREADABLE)
    sheet = workbook.worksheets[0]
    header = next(sheet.iter_rows(min_row=1, max_row=1, max_col=len(HEADERS) + 20, values_only=True), ())
    found = [cell_text(v) for v in header]
    while found and not found[-1]:
        found.pop()
    if tuple(found) != HEADERS:
        shown = "、".join(found) if found else "空"
        raise FieldErrors.on(FORM, row_problem(1, f"表头应为“{'、'.join(HEADERS)}”，共 {len(HEADERS)} 列，"
                                                  f"按此顺序；文件中是“{shown}”。请使用下载的模板。"))
    rows = []
    for number, values in enumerate(
        sheet.iter_rows(min_row=2, max_col=len(HEADERS), values_only=True), start=2
    ):
        if number > MAX_SCANNED_ROWS + 1:
            raise FieldErrors.on(FORM, f"花名册超过 {MAX_ROWS} 行（不含表头），请拆分后分批导入。")
        values = tuple(values) + (None,) * (len(HEADERS) - len(values))
        if all(cell_text(v) == "" for v in values):
            continue  # blank rows (usually at the end) are ignored
        rows.append((number, values))
        if len(rows) > MAX_ROWS:
            raise FieldErrors.on(FORM, f"花名册超过 {MAX_ROWS} 行（不含表头），请拆分后分批导入。")
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
    return str(value).strip()


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


# -- the rows -----------------------------------------------------------------

def check_rows(rows: list[tuple[int, tuple]]) -> list[RosterRow]:
    """Every row against the rules and against the other rows of the file."""
    streets = {s.name: s for s in db.session.scalars(select(Street))}
    communities = {c.name: c for c in db.session.scalars(select(Community))}
    community_names = {c.id: c.name for c in communities.values()}
    problems: list[str] = []
    checked: list[RosterRow] = []
    first_username: dict[str, int] = {}
    first_grid: dict[tuple[int, int], int] = {}

    for number, values in rows:
        data, own = _parse_row(values, streets, communities)
        errors, _ = people_rules.check(people_rules.normalise(data))
        messages = dict(own)
        for key, message in errors.items():
            messages.setdefault(key, message)
        normalised = people_rules.normalise(data)

        username = normalised.username
        if username:
            if username in first_username:
                messages["username_twice"] = (f"用户名“{username}”与第{first_username[username]}行重复，"
                                              "同一用户名只能出现一次。")
            else:
                first_username[username] = number
        if data.position is Position.GRID_WORKER and data.community_id and data.grid_number:
            key = (data.community_id, data.grid_number)
            if key in first_grid:
                messages["grid_twice"] = (f"{community_names[data.community_id]}第{data.grid_number}网格与第{first_grid[key]}行"
                                          "重复（一员一格）。")
            else:
                first_grid[key] = number

        problems.extend(row_problem(number, m) for m in _in_column_order(messages))
        checked.append(RosterRow(row=number, data=data))
    if problems:
        raise FieldErrors({FORM: problems})
    return checked


ORDER = ("name", "username", "username_twice", "position", "street_id", "community_id",
         "grid_number", "grid_twice", "phone")


def _in_column_order(messages: dict[str, str]) -> list[str]:
    return [messages[k] for k in sorted(messages, key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER))]


def _parse_row(values: tuple, streets: dict, communities: dict) -> tuple[people_rules.PersonInput, dict]:
    name, username, position_label, street_name, community_name, grid_cell, phone = values[: len(HEADERS)]
    problems: dict[str, str] = {}

    label = cell_text(position_label)
    position = POSITION_BY_LABEL.get(label)
    if position is None:
        problems["position"] = (f"职务“{label[:20]}”不存在，应为{POSITION_LABELS}之一。" if label
                                else "请填写职务。")

    street_text, community_text = cell_text(street_name), cell_text(community_name)
    street = streets.get(street_text) if street_text else None
    community = None
    if community_text:
        community = communities.get(community_text) or (
            communities.get(community_text + "社区") if not community_text.endswith("社区") else None)
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

    data = people_rules.PersonInput(
        name=cell_text(name),
        username=cell_text(username),
        position=position,
        street_id=street.id if street is not None else None,
        community_id=community.id if community is not None else None,
        grid_number=grid_number,
        phone=cell_text(phone) or None,
    )
    return data, problems


# -- writing ------------------------------------------------------------------

def temporary_password_for(username: str) -> str:
    """A temporary password the password rules accept for this username."""
    while True:
        password = auth_rules.temporary_password()
        if auth_rules.password_problem(password, username) is None:
            return password


def import_roster(actor, filename: str | None, data: bytes) -> list[Imported]:
    """Check the whole file, then create everyone with a temporary password and
    audit the import. Raises FieldErrors (nothing added to the session that the
    caller's rollback would not undo). The caller commits."""
    check_upload(filename, data)
    rows = check_rows(read_sheet(data))
    created = []
    for item in rows:
        username = people_rules.normalise(item.data).username
        password = temporary_password_for(username)
        try:
            person = people_rules.create_person(actor, item.data, password)
        except FieldErrors as error:  # changed by someone else meanwhile
            raise FieldErrors({FORM: [row_problem(item.row, m) for m in error.all()]}) from None
        created.append(Imported(row=item.row, name=person.name, username=person.account.username,
                                password=password))
    audit.record(actor, "roster.imported", object_type="roster",
                 after={"rows": len(created), "filename": clean_filename(filename)})
    return created


# -- the template -------------------------------------------------------------

def template_workbook() -> bytes:
    """The header row, one example row, and a drop-down of the positions."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    append(sheet, HEADERS)
    append(sheet, EXAMPLE)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFG", (12, 18, 20, 14, 14, 8, 16), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.column_dimensions["G"].number_format = "@"  # phone numbers typed in stay text
    sheet.freeze_panes = "A2"
    positions = DataValidation(type="list", formula1='"' + ",".join(p.label for p in Position) + '"',
                               allow_blank=True, showErrorMessage=True,
                               errorTitle="职务", error="请从列表中选择职务。")
    sheet.add_data_validation(positions)
    positions.add(f"C2:C{MAX_ROWS + 1}")
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
