"""包社区、包网格 and 代班 in Chromium (issue 16, "Done when"): the admin shares 富强路街道's
communities between two leaders; fuqiang_leader records a 指导 visit and a 八个统一
inspection of 富源社区 on a phone; the coverage table shows what is left for the
month; a 书记 approves a leave naming a cover, and the board, the hall screen and the
公示 show it. The 公示's print media is an A4 page (screenshot looked at).

The live server's clock stands on Tuesday 22 December 2026 (after the other journeys)."""
import re
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from portal.auth.models import Account
from portal.extensions import db
from portal.org.models import Community, Street
from portal.people.models import Person, Position
from tests.conftest import DEMO_PASSWORD, SUITE_NOW

from .conftest import PHONE
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

TUESDAY_1000 = datetime(2026, 12, 22, 2, 0, tzinfo=UTC)
WORKER, COVER = "fuyuan_worker06", "fuyuan_worker07"


@pytest.fixture
def at_tuesday(live_app):
    live_app.config["CLOCK_NOW"] = TUESDAY_1000
    yield
    live_app.config["CLOCK_NOW"] = SUITE_NOW


def setup(live_app) -> dict:
    """A second 富强路 leader (the demo's fuqiang_leader2), and a pending 病假 of WORKER for today."""
    from portal.leave import rules as leave_rules
    from portal.leave.models import LeaveType

    with live_app.app_context():
        fuqiang = db.session.scalar(select(Street).where(Street.slug == "fuqiang"))
        if not db.session.scalar(select(Account.id).where(Account.username == "fuqiang_leader2")):
            person = Person(name="贺立新", position=Position.STREET_LEADER, street=fuqiang, phone="13900001111")
            db.session.add(person)
            db.session.add(Account(username="fuqiang_leader2", password_hash=generate_password_hash(DEMO_PASSWORD),
                                   person=person))
        worker = db.session.scalar(select(Account).where(Account.username == WORKER))
        sick = db.session.scalar(select(LeaveType.id).where(LeaveType.code == "sick"))
        today = date(2026, 12, 22)
        data = leave_rules.LeaveInput(sick, today, "am", today, "pm", "孩子生病", "本市", "")
        leave = leave_rules.submit(worker, worker.person, data, {"LEAVE_STREET_APPROVAL_OVER_DAYS": 3})
        db.session.commit()
        fuyuan = db.session.scalar(select(Community).where(Community.slug == "fuyuan"))
        return {"street": fuqiang.id, "communities": [c.name for c in fuqiang.communities], "fuyuan": fuyuan.id,
                "leave": leave.id, "worker": worker.person.name,
                "cover": db.session.scalar(select(Account).where(Account.username == COVER)).person.name}


def test_leaders_share_communities_supervise_and_a_cover_shows_everywhere(pages, live_app, at_tuesday,
                                                                          screenshots_dir):
    facts = setup(live_app)

    # The admin shares the street's communities between the two leaders.
    desk = pages.new("desk")
    logged_in(desk, "admin")
    desk.goto(f"/responsibility/streets/{facts['street']}")
    expect(desk.locator("main")).to_contain_text("空缺：无人包联")
    leaders = desk.locator("#person_id option").all_inner_texts()
    assert len(leaders) == 2, leaders
    for n, name in enumerate(facts["communities"]):
        desk.get_by_label("社区", exact=True).select_option(label=name)
        desk.get_by_label("街镇领导").select_option(label=leaders[n % 2])
        desk.get_by_label("起始日期").fill("2026-12-01")
        desk.get_by_role("button", name="安排").click()
        expect(desk.locator(".flash-success")).to_contain_text(f"包联{name}")
    expect(desk.locator("main")).not_to_contain_text("空缺：无人包联")

    # fuqiang_leader on a phone: a 指导 visit of 富源社区 …
    phone = pages.new("phone", **PHONE)
    logged_in(phone, "fuqiang_leader")
    expect(phone.locator("main")).to_contain_text("本月包社区督导")
    phone.goto("/responsibility/supervision")
    phone.get_by_label("社区").select_option(label="富源社区")
    phone.get_by_label("日期").fill("2026-12-21")
    phone.get_by_label("类型").select_option(label="指导")
    phone.get_by_label("内容").fill("指导网格员填写入户记录")
    phone.get_by_label("参加人员").fill("社区书记、站长")
    phone.get_by_role("button", name="登记").click()
    expect(phone.locator(".flash-success")).to_contain_text("对富源社区的指导")
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "responsibility-supervision-phone")

    # … and a 八个统一 inspection, which counts as 检查 by itself.
    phone.goto("/inspections/")
    phone.get_by_label("社区").select_option(label="富强路街道 · 富源社区")
    phone.get_by_role("button", name="开始检查").click()
    cards = phone.locator("article.check-item")
    for n in range(cards.count()):
        cards.nth(n).get_by_role("button", name="符合", exact=True).click()
        expect(cards.nth(n).get_by_role("button", name="符合", exact=True)).to_have_attribute("aria-pressed", "true")
    phone.locator("#answer-bar").get_by_role("button", name="提交检查").click()
    expect(phone.locator(".flash-success")).to_be_visible()

    # The coverage table: 富源 has 指导 and 检查, and the rest is left for the month.
    phone.goto(f"/responsibility/coverage/streets/{facts['street']}?month=2026-12")
    row = phone.locator("tr", has_text="富源社区")
    expect(row).to_contain_text("培训、督促、考核")
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "responsibility-coverage-phone")
    phone.goto("/")
    expect(phone.locator("main")).to_contain_text("富源社区：还缺培训、督促、考核")

    # The 书记 approves the worker's leave naming a cover.
    head = pages.new("desk")
    logged_in(head, "fuyuan_secretary")
    head.goto(f"/leave/{facts['leave']}")
    cover_value = head.locator("#cover_id option", has_text=facts["cover"]).get_attribute("value")
    head.get_by_label(re.compile("代班人员")).select_option(value=cover_value)
    head.get_by_role("button", name="批准").click()
    expect(head.locator(".flash-success")).to_contain_text("已批准")
    head.goto(f"/board/{facts['fuyuan']}")
    expect(head.locator("main")).to_contain_text(f"由{facts['cover']}代管")

    # The hall screen and its 公示 view.
    with live_app.app_context():
        from portal.board import rules as board_rules

        fuyuan = db.session.get(Community, facts["fuyuan"])
        token = board_rules.create_display_link(
            db.session.scalar(select(Account).where(Account.username == "fuyuan_secretary")), fuyuan, "大厅公示")
        db.session.commit()
    hall = pages.new("hall")
    hall.goto(f"/hall/{token}")
    expect(hall.locator("#hall")).to_contain_text(f"由{facts['cover']}代管")
    hall.goto(f"/hall/{token}/publicity")
    expect(hall.locator("main")).to_contain_text(f"请假期间由{facts['cover']}代管")

    # The 公示 page, printed on A4.
    head.goto(f"/responsibility/communities/{facts['fuyuan']}/publicity")
    expect(head.locator("main")).to_contain_text("富源社区网格责任人公示")
    expect(head.locator("main")).to_contain_text(f"请假期间由{facts['cover']}代管")
    head.emulate_media(media="print")
    head.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    screenshot(head, screenshots_dir, "responsibility-publicity-print-a4")
