"""离线补传 on a phone (issue 18, "Done when"): in a basement the worker taps 巡查开始
and, 95 minutes later, 巡查结束; both wait on the phone as 待发送; back in signal,
both reach the server with the tap times, the 书记's board shows the patrol ended,
and the day counts one patrol of 95 minutes, marked 离线补传 in the history."""
from datetime import datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.activity import rules as activity
from portal.attendance.models import DayRecord
from portal.auth.models import Account
from portal.clock import LOCAL_TZ
from portal.extensions import db
from tests.conftest import SUITE_NOW

from .conftest import PHONE
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

WORKER = "fuda_worker06"
START = datetime(2026, 11, 25, 9, 5, tzinfo=LOCAL_TZ)
END = START + timedelta(minutes=95)


def worker_id(live_app) -> int:
    with live_app.app_context():
        return db.session.scalar(select(Account).where(Account.username == WORKER)).person.id


def test_a_patrol_tapped_offline_reaches_the_server_with_its_times(pages, live_app, screenshots_dir):
    person_id = worker_id(live_app)
    with live_app.app_context():
        assert activity.events_on(START.date(), person_id=person_id) == []
    live_app.config["CLOCK_NOW"] = START
    try:
        phone = pages.new("phone", **PHONE)
        phone.clock.set_fixed_time(START)
        logged_in(phone, WORKER)
        me = phone.locator("#me-panel")
        expect(me).to_contain_text("我的状态")

        phone.context.set_offline(True)
        me.get_by_role("button", name="巡查开始").click()
        queue = me.locator("[data-offline-queue]")
        expect(queue).to_contain_text("待发送 1")
        expect(queue).to_contain_text("09:05 巡查开始")

        phone.clock.set_fixed_time(END)
        queue.get_by_role("button", name="巡查结束").click()
        expect(queue).to_contain_text("待发送 2")
        expect(queue).to_contain_text("10:40 巡查结束")
        assert_no_sideways_scroll(phone)
        screenshot(phone, screenshots_dir, "offline-queue-phone-390")

        live_app.config["CLOCK_NOW"] = END + timedelta(minutes=3)
        phone.context.set_offline(False)
        expect(me.locator("[data-offline-queue]")).to_contain_text("已补传 2 条离线记录")
        expect(me).not_to_contain_text("待发送")

        with live_app.app_context():
            events = activity.events_on(START.date(), person_id=person_id)
            assert [(e.kind.value, e.at, e.offline) for e in events] == [
                ("clock_in", START.replace(second=0), False), ("patrol_start", START, True),
                ("patrol_end", END, True)]
            record = db.session.scalar(select(DayRecord).where(DayRecord.person_id == person_id,
                                                               DayRecord.day == START.date()))
            assert record.patrol_minutes == 95

        phone.goto(f"/board/people/{person_id}/history?date=2026-11-25")
        expect(phone.locator("table")).to_contain_text("离线补传")
        assert phone.locator("table .tag.offline").count() == 2
        screenshot(phone, screenshots_dir, "offline-history-phone-390")

        desk = pages.new("desk")
        logged_in(desk, "fuda_secretary")
        desk.goto("/board/")
        card = desk.locator(f"#card-{person_id}")
        expect(card).to_contain_text("在岗")
        expect(card).to_contain_text("10:40")
    finally:
        live_app.config["CLOCK_NOW"] = SUITE_NOW
