"""The whereabouts board in two browsers at once: the front desk at a desk, a
worker on a phone (issue: 社工去向指示牌, "Done when")."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal import clock
from portal.activity import rules as activity
from portal.auth.models import Account
from portal.extensions import db

from .conftest import PHONE
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

POLL_WINDOW_MS = 10_000  # the promise: others see a change within 10 s


def person(live_app, username):
    with live_app.app_context():
        account = db.session.scalar(select(Account).where(Account.username == username))
        return account.person.id, account.person.name


def test_a_patrol_started_on_a_phone_reaches_the_front_desk_card_by_card(pages, live_app, screenshots_dir):
    worker_id, _ = person(live_app, "fuyuan_worker01")
    colleague_id, _ = person(live_app, "fuyuan_worker02")
    _, desk_name = person(live_app, "fuyuan_frontdesk")

    desk = pages.new("desk")
    logged_in(desk, "fuyuan_frontdesk")
    polls = []
    desk.on("response", lambda r: polls.append(r.status) if "/poll" in r.url else None)
    desk.goto("/board/")
    expect(desk.get_by_role("heading", name=re.compile("社工去向指示牌"))).to_be_visible()

    phone = pages.new("phone", **PHONE)
    logged_in(phone, "fuyuan_worker01")
    phone.goto("/board/")
    me = phone.locator("#me-panel")
    expect(me).to_contain_text("我的状态")

    # An unchanged board costs the desk a bodiless 204 per poll.
    desk.wait_for_function("() => document.querySelectorAll('.person-card').length > 10")
    desk.evaluate("() => document.querySelectorAll('.person-card').forEach(c => { c.__untouched = true; })")
    desk.wait_for_timeout(6_000)
    assert 204 in polls and all(status == 204 for status in polls), polls

    # Two taps on the phone: a return preset, then the button.
    me.get_by_label("60分钟后").check()
    me.get_by_role("button", name="巡查开始").click()
    expect(me).to_contain_text("巡查中")
    expect(me).to_contain_text("返回")
    # The panel keeps the focus, and a screen reader hears the new status once.
    expect(me).to_be_focused()
    expect(phone.locator("#announce")).to_have_text(re.compile("的状态已改为巡查中"))
    # The day's first tap was 巡查开始, and it counted as 签到 (no morning trap).
    expect(me).not_to_contain_text("今天尚未签到")
    with live_app.app_context():
        kinds = [e.kind.value for e in activity.events_on(clock.today(), person_id=worker_id)]
    assert kinds[:2] == ["clock_in", "patrol_start"], kinds
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "board-worker-phone")

    # Within 10 s, without a reload, the desk's card for that worker changes…
    card = desk.locator(f"#card-{worker_id}")
    expect(card).to_contain_text("巡查中", timeout=POLL_WINDOW_MS)
    expect(card).to_contain_text("预计")
    # …by replacing that card's element only: every other card is the same node.
    replaced = desk.evaluate("""() => [...document.querySelectorAll('.person-card')]
        .filter(c => !c.__untouched).map(c => c.id)""")
    assert replaced == [f"card-{worker_id}"], replaced
    assert 200 in polls

    # The front desk sets a colleague to 开会 on their behalf; both pages say who.
    other = desk.locator(f"#card-{colleague_id}")
    other.locator("summary", has_text="代为设置").click()
    expect(other.get_by_role("button", name="开会", exact=True)).to_be_visible()  # loaded on opening
    other.screenshot(path=str(screenshots_dir / "board-on-behalf-form.png"))
    other.get_by_role("button", name="开会", exact=True).click()
    expect(desk.locator(f"#card-{colleague_id}")).to_contain_text(f"由{desk_name}代为设置")
    expect(phone.locator(f"#card-{colleague_id}")).to_contain_text(f"由{desk_name}代为设置",
                                                                  timeout=POLL_WINDOW_MS)
    expect(phone.locator(f"#card-{colleague_id}")).to_contain_text("开会")
    screenshot(desk, screenshots_dir, "board-frontdesk-desktop")


def test_a_bad_return_time_is_explained_at_the_card(pages, live_app):
    colleague_id, _ = person(live_app, "fuyuan_worker03")
    desk = pages.new("desk")
    logged_in(desk, "fuyuan_frontdesk")
    desk.goto("/board/")
    card = desk.locator(f"#card-{colleague_id}")
    card.locator("summary", has_text="代为设置").click()
    card.get_by_label("去向（可不填）").fill("楼" * 100)
    card.locator("input[name=return_at]").fill("00:01")
    card.get_by_role("button", name="外出办事", exact=True).click()
    expect(desk.locator(f"#card-{colleague_id}")).to_contain_text("预计返回时间不能早于现在")
    expect(desk.locator(f"#card-{colleague_id}")).not_to_contain_text("外出办事 ·")


def test_the_hall_display_needs_no_login(pages, screenshots_dir):
    office = pages.new("desk")
    logged_in(office, "fuyuan_secretary")
    office.goto("/board/")
    # Near the top of the board, folded: the board itself comes first on the screen.
    office.locator(".display-links summary").click()
    office.get_by_label("显示屏名称").fill("服务大厅一号屏")
    office.get_by_role("button", name="创建显示屏链接").click()
    url = office.locator(".secret code").inner_text()
    expect(office.get_by_role("img", name="显示屏链接的二维码")).to_be_visible()
    expect(office.get_by_role("button", name="复制链接")).to_be_visible()
    screenshot(office, screenshots_dir, "board-hall-link")
    hall = pages.new("hall", viewport={"width": 1920, "height": 1080})
    hall.goto(url)
    expect(hall.get_by_role("heading", name=re.compile("富源社区"))).to_be_visible()
    expect(hall.locator(".hall-card").first).to_be_visible()
    assert hall.locator("form").count() == 0
    # Residents' words, large type, and the cards fill the screen without scrolling.
    text = hall.locator("main").inner_text()
    assert "未签到" not in text and "超时未归" not in text and "暂未到岗" in text
    layout = hall.evaluate("""() => {
      const cards = [...document.querySelectorAll('.hall-card')];
      const px = (el) => parseFloat(getComputedStyle(el).fontSize);
      return {count: cards.length, height: document.documentElement.scrollHeight,
              bottom: Math.max(...cards.map(c => c.getBoundingClientRect().bottom)),
              name: Math.min(...cards.map(c => px(c.querySelector('.pname')))),
              status: Math.min(...cards.map(c => px(c.querySelector('.pstatus'))))};
    }""")
    assert layout["height"] <= 1080 and layout["bottom"] >= 0.9 * 1080, layout
    assert layout["name"] >= 28 and layout["status"] >= 28, layout
    screenshot(hall, screenshots_dir, "board-hall-1080p")
