"""The coverage table as xlsx (text made safe by portal.spreadsheet)."""
from datetime import date
from io import BytesIO

import openpyxl
from openpyxl.styles import Font

from portal.responsibility.supervision import KINDS, CoverageRow
from portal.spreadsheet import append


def coverage_workbook(title: str, month: date, rows: list[CoverageRow]) -> BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"{month.year}年{month.month}月"
    append(sheet, (f"{title}{month.year}年{month.month}月包社区督导情况",))
    sheet["A1"].font = Font(bold=True)
    append(sheet, ("街镇", "社区", "包社区领导", *[k.label for k in KINDS], "缺项"))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        append(sheet, (row.community.street.name, row.community.name, row.leader.name if row.leader else "（未分包）",
                       *[row.counts.get(k, 0) for k in KINDS],
                       "、".join(k.label for k in row.missing) or "无"))
    for column, width in zip("ABCDEFGHI", (12, 14, 12, 6, 6, 6, 6, 6, 30), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out
