"""A period's leave of one community as an .xlsx workbook."""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from portal import clock
from portal.spreadsheet import append

HEADERS = ("姓名", "职务/网格", "请假类型", "开始", "结束", "天数", "实际天数", "状态", "事由", "去向", "审批人", "销假日期")


HIDDEN = "（仅申请人和审批人可见）"


def workbook(community, start, end, requests, shows_details=lambda leave: True) -> BytesIO:
    """`shows_details(leave)`: whether this reader may see the request's reason and
    destination (portal.auth.policy VIEW_LEAVE_DETAILS); otherwise the cells say so."""
    book = Workbook()
    sheet = book.active
    sheet.title = "请假记录"
    append(sheet, [f"{community.name}请假记录 {clock.format_date(start)}—{clock.format_date(end)}"])
    sheet["A1"].font = Font(bold=True, size=14)
    append(sheet, HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for leave in requests:
        person = leave.person
        approver = leave.street_decided_by or leave.first_decided_by
        append(sheet, (
            person.name, person.grid.label if person.grid else person.position.label, leave.leave_type.name,
            f"{leave.start_date.isoformat()} {leave.start_half.label}",
            f"{leave.end_date.isoformat()} {leave.end_half.label}",
            float(leave.days), float(leave.days_taken) if leave.days_taken is not None else None,
            leave.status.label, *((leave.reason, leave.destination or "") if shows_details(leave) else (HIDDEN, "")),
            approver.person.name if approver else "",
            leave.returned_date.isoformat() if leave.returned_date else "",
        ))
    widths = (10, 12, 10, 16, 16, 6, 8, 10, 30, 16, 10, 12)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    for row in sheet.iter_rows(min_row=3):
        row[8].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer
