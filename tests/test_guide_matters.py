"""A 告知单 issued for a 便民服务事项 links to it (issue 17, part 2): issued from the
matter's page, stored with the sheet, shown on the sheet, the register and the
matter's timeline page. The suite's clock: Wednesday 25 November 2026, 10:00 local."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.guide.models import NoticeSheet, ServiceItem
from portal.matters.models import Matter, Source, Status
from portal.org.models import Community
from tests.test_matters import fuyuan, registered


def item_id() -> int:
    return db.session.scalar(select(ServiceItem.id).where(ServiceItem.name == "居住证申领"))


def a_matter_elsewhere() -> int:
    other = db.session.scalar(select(Community).where(Community.slug != "fuyuan").order_by(Community.id))
    row = Matter(kind_id=1, urgency_id=3, street_id=other.street_id, community_id=other.id,
                 description="咨询居住证", source=Source.COUNTER, status=Status.REGISTERED, version=1,
                 due_at=clock.now() + timedelta(hours=72))
    db.session.add(row)
    db.session.commit()
    return row.id


def test_the_front_desk_issues_a_sheet_from_a_matters_page_and_each_links_to_the_other(app, auth):
    with app.app_context():
        matter_id = registered("fuyuan_frontdesk").id
        item, community_id = item_id(), fuyuan().id
    auth.login("fuyuan_frontdesk")
    page = auth.client.get(f"/matters/{matter_id}").get_data(as_text=True)
    assert f'href="/guide/?matter={matter_id}"' in page and "尚未为这件事项开具告知单" in page
    search = auth.client.get(f"/guide/?matter={matter_id}&q=居住证").get_data(as_text=True)
    assert f"SX{matter_id:06d}" in search and f"/guide/items/{item}?matter={matter_id}" in search
    item_page = auth.client.get(f"/guide/items/{item}?matter={matter_id}").get_data(as_text=True)
    assert f'name="matter" value="{matter_id}"' in item_page
    response = auth.post(f"/guide/items/{item}/sheets", {"resident": "王女士", "matter": str(matter_id)},
                         token_from="/guide/")
    assert response.status_code == 302
    with app.app_context():
        sheet = db.session.scalar(select(NoticeSheet))
        assert sheet.matter_id == matter_id
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "guide.sheet_issue"))
        assert entry.after["matter"] == matter_id
        sheet_id, serial = sheet.id, sheet.serial
    sheet_page = auth.client.get(f"/guide/sheets/{sheet_id}").get_data(as_text=True)
    assert f'href="/matters/{matter_id}" id="sheet-matter"' in sheet_page
    register = auth.client.get(f"/guide/communities/{community_id}/sheets").get_data(as_text=True)
    assert f'href="/matters/{matter_id}">SX{matter_id:06d}</a>' in register
    page = auth.client.get(f"/matters/{matter_id}").get_data(as_text=True)
    assert f'href="/guide/sheets/{sheet_id}">{serial}</a>' in page and "居住证申领" in page


def test_a_sheet_without_a_matter_is_issued_as_before(app, auth):
    with app.app_context():
        item = item_id()
    auth.login("fuyuan_frontdesk")
    assert auth.post(f"/guide/items/{item}/sheets", {"matter": ""}, token_from="/guide/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(NoticeSheet.matter_id)) is None


@pytest.mark.parametrize("raw", ["elsewhere", "999999", "abc", "1" * 12, "-1"])
def test_a_matter_not_of_the_desks_community_is_refused_and_nothing_written(app, auth, raw):
    with app.app_context():
        item = item_id()
        elsewhere = a_matter_elsewhere()
    auth.login("fuyuan_frontdesk")
    with app.app_context():
        audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    value = str(elsewhere) if raw == "elsewhere" else raw
    response = auth.post(f"/guide/items/{item}/sheets", {"resident": "王女士", "matter": value},
                         token_from="/guide/")
    assert response.status_code == 400
    assert "所选事项不存在，或不是本社区您可以查看的事项。" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NoticeSheet)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits
    # A link with another community's matter just opens the item without it.
    page = auth.client.get(f"/guide/items/{item}?matter={value}").get_data(as_text=True)
    assert 'name="matter"' not in page


def test_a_grid_worker_sees_the_sheet_on_the_matters_page_but_is_not_offered_to_issue(app, auth):
    with app.app_context():
        matter = registered("fuyuan_worker01")
        from portal.guide import sheets
        from tests.conftest import account
        sheets.issue(account("fuyuan_frontdesk"), db.session.get(ServiceItem, item_id()), fuyuan(), None, matter.id)
        db.session.commit()
        matter_id = matter.id
    auth.login("fuyuan_worker01")
    page = auth.client.get(f"/matters/{matter_id}").get_data(as_text=True)
    assert "2026-00001" in page and f"/guide/?matter={matter_id}" not in page
