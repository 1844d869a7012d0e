"""The 考核 table as an xlsx, the same columns as the page."""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.assessment.rules import PARTS
from portal.spreadsheet import append


def header(parts: dict = PARTS) -> list[str]:
    return ["社区", "姓名", "网格/职务", *parts.values(), "扣分", "调整", "总分", "等次"]



def row_values(person: dict, shown: dict = PARTS) -> list:
    parts = {p["key"]: p["points"] for p in person["parts"]}
    return [person["community"], person["name"], person["grid"] or person["position"],
            *[parts.get(key) or "—" for key in shown], person["deductions"] or "—", person["adjustments"] or "—",
            person["total"] or "—", person["grade"] or "无数据"]


def workbook(title: str, note: str, people: list[dict], parts: dict = PARTS) -> BytesIO:
    """`parts`: the columns (rules.parts_of: 便民服务事项 only where it has a weight)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "考核结果"
    append(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    append(sheet, [note])
    append(sheet, header(parts))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for person in people:
        append(sheet, row_values(person, parts))
    widths = [14, 10, 16, 10, 16, 16, 14, *([14] if len(parts) > len(PARTS) else []), 8, 8, 8, 10]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer
