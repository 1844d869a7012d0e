"""The coverage table as xlsx (text made safe by portal.spreadsheet)."""
from datetime import date
from decimal import Decimal
from io import BytesIO

import openpyxl
from openpyxl.styles import Font

from portal.responsibility.supervision import KINDS, CoverageRow, LeaderScore
from portal.spreadsheet import append


def coverage_workbook(title: str, month: date, rows: list[CoverageRow], points: Decimal = Decimal("0"),
                      scores: list[LeaderScore] = ()) -> BytesIO:
    """With `scores` (the 督导扣分 is on): a second sheet of each leader's 督导得分."""
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
    if scores:
        scored = book.create_sheet("督导得分")
        append(scored, (f"{title}{month.year}年{month.month}月包社区领导督导得分（每缺一项扣 {points} 分）",))
        scored["A1"].font = Font(bold=True)
        append(scored, ("包社区领导", "包联社区", "缺项数", "扣分", "督导得分"))
        for cell in scored[2]:
            cell.font = Font(bold=True)
        for s in scores:
            append(scored, (s.leader.name, "、".join(c.name for c in s.communities), s.missing,
                            float(s.deduction), float(s.score)))
        for column, width in zip("ABCDE", (12, 40, 8, 8, 10), strict=True):
            scored.column_dimensions[column].width = width
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out
