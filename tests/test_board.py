"""The 社工去向指示牌 as the front desk, the workers and the offices use it."""
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock, memo
from portal.activity import rules as activity
from portal.activity.models import ActivityEvent, CurrentStatus
from portal.audit.models import AuditEntry
from portal.auth import rules as auth_rules
from portal.auth.models import LoginSession
from portal.board import rules
from portal.board.models import HallDisplayLink
from portal.demo import seed_demo_day, seed_demo_leave
from portal.errors import FieldErrors
from portal.extensions import db
from portal.org.models import Community
from tests.conftest import Auth, account, recorded_statements

# 10:00 in Baotou on a Wednesday; every test here runs at this frozen instant.
NOON = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOON
    return NOON



def community_id(slug) -> int:
    return db.session.scalar(select(Community.id).where(Community.slug == slug))


def counts():
    return (db.session.scalar(select(func.count()).select_from(ActivityEvent)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)),
            db.session.scalar(select(func.count()).select_from(CurrentStatus)))


def card_of(username):
    person = account(username).person
    return next(c for c in rules.board_cards(person.community_id) if c.person.id == person.id)


# -- rules -------------------------------------------------------------------------

def test_a_worker_starting_a_patrol_moves_their_card_and_logs_it(app):
    with app.app_context():
        worker = account("fuyuan_worker01")
        before = activity.board_version(worker.person.community_id)
        activity.record_event(worker, worker.person, "patrol_start", destination="第1网格",
                           expected_return=NOON + timedelta(minutes=90))
        db.session.commit()
        card = card_of("fuyuan_worker01")
        assert card.status is rules.Status.PATROL and card.status_label == "巡查中"
        assert card.destination == "第1网格" and card.set_by_name is None
        assert activity.board_version(worker.person.community_id) == before + 1
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "board.status_set"))
        assert entry.account_id == worker.id and entry.on_behalf_of_id is None


def test_the_front_desk_sets_a_worker_on_their_behalf_and_the_card_says_who(app):
    with app.app_context():
        desk = account("fuyuan_frontdesk")
        worker = account("fuyuan_worker02")
        activity.record_event(desk, worker.person, "meeting", destination="街道办事处")
        db.session.commit()
        card = card_of("fuyuan_worker02")
        assert card.status is rules.Status.MEETING and card.set_by_name == desk.person.name
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "board.status_set"))
        assert entry.on_behalf_of_id == worker.person.id and entry.account_id == desk.id
        log = activity.events_on(clock.today(), person_id=worker.person.id)
        assert [e.entered_by_id for e in log] == [desk.id]


@pytest.mark.parametrize("actor, target", [
    ("fuyuan_worker01", "fuyuan_worker02"),   # a worker cannot change anyone else
    ("fuyuan_frontdesk", "fuda_worker01"),    # 富源's front desk cannot change 富达's people
    ("fuyuan_secretary", "fuda_worker01"),
    ("fuqiang_leader", "fuyuan_worker01"),    # leaders watch; the community keeps its board
    ("inspector", "fuyuan_worker01"),
    ("admin", "fuyuan_worker01"),
])
def test_who_may_not_set_a_status_writes_nothing(app, actor, target):
    with app.app_context():
        before = counts()
        with pytest.raises(PermissionError):
            activity.record_event(account(actor), account(target).person, "meeting")
        db.session.rollback()
        assert counts() == before


@pytest.mark.parametrize("kwargs, field, message", [
    ({"kind": "patrol_start", "expected_return": NOON - timedelta(minutes=1)}, "expected_return", "不能早于现在"),
    ({"kind": "patrol_start", "expected_return": NOON + timedelta(hours=25)}, "expected_return", "24 小时"),
    ({"kind": "errand", "destination": "楼" * 101}, "destination", "100 个字"),
    ({"kind": "errand", "destination": "3号楼\x00"}, "destination", "控制字符"),
    ({"kind": "teleport"}, "kind", "未知的状态"),
    ({"kind": "meeting", "note": "x" * 201}, "note", "200 个字"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_written(app, kwargs, field, message):
    with app.app_context():
        worker = account("fuyuan_worker03")
        before = counts()
        kwargs = dict(kwargs)
        kind = kwargs.pop("kind")
        with pytest.raises(FieldErrors) as refused:
            activity.record_event(worker, worker.person, kind, **kwargs)
        db.session.rollback()
        assert message in refused.value.errors[field]
        assert counts() == before


def test_each_day_begins_as_not_signed_in(app):
    with app.app_context():
        worker = account("fuyuan_worker04")
        activity.record_event(worker, worker.person, "clock_in")
        db.session.commit()
        assert card_of("fuyuan_worker04").status is rules.Status.IN_OFFICE
    app.config["CLOCK_NOW"] = NOON + timedelta(days=1)
    with app.app_context():
        assert card_of("fuyuan_worker04").status is rules.Status.NOT_IN


def test_an_expected_return_that_passes_shows_overdue(app):
    with app.app_context():
        worker = account("fuyuan_worker05")
        activity.record_event(worker, worker.person, "errand", expected_return=NOON + timedelta(minutes=30))
        db.session.commit()
        assert not card_of("fuyuan_worker05").overdue
    app.config["CLOCK_NOW"] = NOON + timedelta(minutes=31)
    with app.app_context():
        card = card_of("fuyuan_worker05")
        assert card.overdue and card.status_label == "外出办事 · 超时未归"
        counts_ = rules.summary(rules.board_cards(card.person.community_id))
        assert counts_["overdue"] == 1
        # The front desk resolves it: back in the office.
        activity.record_event(account("fuyuan_frontdesk"), card.person, "back")
        db.session.commit()
        assert card_of("fuyuan_worker05").status is rules.Status.IN_OFFICE


def test_the_later_write_wins_and_both_are_logged(app):
    with app.app_context():
        worker = account("fuyuan_worker06")
        activity.record_event(account("fuyuan_frontdesk"), worker.person, "meeting", now=NOON - timedelta(seconds=1))
        activity.record_event(worker, worker.person, "patrol_start", now=NOON)
        db.session.commit()
        assert card_of("fuyuan_worker06").status is rules.Status.PATROL
        assert len(activity.events_on(clock.today(), person_id=worker.person.id)) == 2


def test_a_poll_reports_only_what_changed(app):
    with app.app_context():
        cid = community_id("fuyuan")
        version = activity.board_version(cid)
        t = int(NOON.timestamp())
        assert rules.poll(cid, version, t).cards is None
        worker = account("fuyuan_worker07")
        activity.record_event(worker, worker.person, "visit_start", expected_return=NOON + timedelta(minutes=20))
        db.session.commit()
        answer = rules.poll(cid, version, t)
        assert [c.person.id for c in answer.cards] == [worker.person.id]
        assert rules.poll(cid, answer.version, answer.checked_at).cards is None
        # Twenty minutes on, the same card is due again: overdue, with no new event.
        later = NOON + timedelta(minutes=21)
        due = rules.poll(cid, answer.version, answer.checked_at, now=later)
        assert [c.person.id for c in due.cards] == [worker.person.id]
        # The next morning everything is sent again (every card back to 未签到).
        tomorrow = rules.poll(cid, answer.version, answer.checked_at, now=NOON + timedelta(days=1))
        assert tomorrow.everything and len(tomorrow.cards) > 10


# -- pages --------------------------------------------------------------------------

def board_path(app, slug="fuyuan"):
    with app.app_context():
        return f"/board/{community_id(slug)}"


def person_id(app, username):
    with app.app_context():
        return account(username).person.id


def poll_url(html):
    return re.search(r'id="board-poll"[^>]*hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")


def test_an_unchanged_poll_answers_204_with_no_body(app, auth):
    auth.login("fuyuan_frontdesk")
    page = auth.client.get(board_path(app))
    assert page.status_code == 200 and "社工去向指示牌" in page.get_data(as_text=True)
    response = auth.client.get(poll_url(page.get_data(as_text=True)), headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.data == b""


def test_a_change_reaches_other_viewers_as_only_that_card(app, auth):
    auth.login("fuyuan_frontdesk")
    html = auth.client.get(board_path(app)).get_data(as_text=True)
    worker = Auth(app.test_client())
    worker.login("fuyuan_worker01")
    pid = person_id(app, "fuyuan_worker01")
    token = worker.token(board_path(app))
    response = worker.client.post(f"{board_path(app)}/people/{pid}/status",
                                  data={"kind": "patrol_start", "back_in": "60", "from": "me", "csrf_token": token},
                                  headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and 'id="me-panel"' in fragment and "巡查中" in fragment
    assert "HX-Request" in response.headers["Vary"]

    polled = auth.client.get(poll_url(html), headers={"HX-Request": "true"})
    body = polled.get_data(as_text=True)
    assert polled.status_code == 200 and "HX-Request" in polled.headers["Vary"]
    assert re.findall(r'<article id="card-(\d+)"[^>]*hx-swap-oob="true"', body) == [str(pid)]
    assert 'id="board-poll"' in body and "巡查中" in body and "预计 11:00 返回" in body
    # The new poller knows the change: asking again is a 204.
    again = auth.client.get(poll_url(body), headers={"HX-Request": "true"})
    assert again.status_code == 204


def test_without_javascript_the_form_posts_and_redirects(app, auth):
    auth.login("fuyuan_worker02")
    pid = person_id(app, "fuyuan_worker02")
    token = auth.token(board_path(app))
    response = auth.client.post(f"{board_path(app)}/people/{pid}/status",
                                data={"kind": "clock_in", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == board_path(app)
    assert "已更新" in auth.client.get(board_path(app)).get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"kind": "errand", "return_at": "09:30"}, "不能早于现在"),
    ({"kind": "errand", "back_in": "2000"}, "24 小时"),
    ({"kind": "errand", "return_at": "25:99"}, "时:分"),
    ({"kind": "errand", "destination": "楼" * 101}, "100 个字"),
    ({"kind": "<script>alert(1)</script>"}, "未知的状态"),
    ({"kind": "errand", "back_in": "-5"}, "无效"),
])
def test_bad_input_at_the_card_gives_a_message_and_writes_nothing(app, auth, data, message):
    auth.login("fuyuan_frontdesk")
    pid = person_id(app, "fuyuan_worker03")
    token = auth.token(board_path(app))
    with app.app_context():
        before = counts()
    response = auth.client.post(f"{board_path(app)}/people/{pid}/status", data={**data, "csrf_token": token},
                                headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body and f'id="card-{pid}"' in body
    assert "<script>alert" not in body
    with app.app_context():
        assert counts() == before
    # Without JavaScript the whole page comes back with the message at the card.
    plain = auth.client.post(f"{board_path(app)}/people/{pid}/status", data={**data, "csrf_token": token})
    assert plain.status_code == 422 and message in plain.get_data(as_text=True)


def test_a_stale_csrf_token_is_answered_at_the_card(app, auth):
    auth.login("fuyuan_frontdesk")
    pid = person_id(app, "fuyuan_worker03")
    with app.app_context():
        before = counts()
    response = auth.client.post(f"{board_path(app)}/people/{pid}/status",
                                data={"kind": "meeting", "csrf_token": "stale-token"},
                                headers={"HX-Request": "true"})
    assert response.status_code == 422 and "页面已过期" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


@pytest.mark.parametrize("actor, target, status", [
    ("fuyuan_worker01", "fuyuan_worker02", 403),
    ("fuyuan_frontdesk", "fuda_worker01", 404),  # not a person of this board
    ("fuda_frontdesk", "fuyuan_worker01", 403),  # 富达 cannot set 富源's people
])
def test_status_changes_outside_ones_remit_are_refused(app, auth, actor, target, status):
    auth.login(actor)
    pid = person_id(app, target)
    token = auth.token("/")
    with app.app_context():
        before = counts()
    response = auth.client.post(f"{board_path(app)}/people/{pid}/status", data={"kind": "meeting", "csrf_token": token})
    assert response.status_code == status
    with app.app_context():
        assert counts() == before


def test_two_people_changing_one_card_at_once_both_succeed(app):
    """The front desk and the worker press at the same moment: no error page, the
    later write wins, both events are in the log."""
    pid = person_id(app, "fuyuan_worker08")
    path = f"{board_path(app)}/people/{pid}/status"
    clients = []
    for username, kind in (("fuyuan_frontdesk", "meeting"), ("fuyuan_worker08", "errand")):
        auth = Auth(app.test_client())
        auth.login(username)
        clients.append((auth, kind, auth.token(board_path(app))))
    barrier = threading.Barrier(2)
    statuses = []

    def press(auth, kind, token):
        barrier.wait()
        statuses.append(auth.client.post(path, data={"kind": kind, "csrf_token": token},
                                         headers={"HX-Request": "true"}).status_code)

    threads = [threading.Thread(target=press, args=c) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200, 200]
    with app.app_context():
        log = activity.events_on(clock.today(), person_id=pid)
        # The worker's own 外出办事, the first work of the day, brought its 签到 along.
        assert sorted(e.kind.value for e in log) == ["clock_in", "errand", "meeting"]
        last = max(log, key=lambda e: e.id)
        assert db.session.get(CurrentStatus, pid).event_id == last.id


def count_queries(app, path, client):
    with recorded_statements(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements), response


def test_the_board_costs_a_fixed_number_of_queries(app, auth):
    """纺织社区 (26 grids) costs what 富源 (12) costs, with or without a day of events
    (each rendered afresh: the worker re-reads the board state every time)."""
    app.config["VERSIONS_MAX_AGE"] = 0.0
    auth.login("inspector")
    auth.client.get("/")  # the login session, read once after the login
    small, _ = count_queries(app, board_path(app, "fuyuan"), auth.client)
    large, _ = count_queries(app, board_path(app, "fangzhi"), auth.client)
    with app.app_context():
        seed_demo_day(NOON + timedelta(hours=6))
        db.session.commit()
    busy, response = count_queries(app, board_path(app, "fangzhi"), auth.client)
    assert small == large == busy, (small, large, busy)
    assert busy <= 8
    assert response.get_data(as_text=True).count('class="person-card') == 26 + 2 + 3


def test_fragments_are_a_quarter_of_the_page_at_most(app, auth):
    auth.login("fangzhi_secretary")
    path = board_path(app, "fangzhi")
    page = auth.client.get(path).get_data()
    pid = person_id(app, "fangzhi_worker05")
    token = auth.token(path)
    card = auth.client.post(f"{path}/people/{pid}/status", data={"kind": "meeting", "csrf_token": token},
                            headers={"HX-Request": "true"}).get_data()
    polled = auth.client.get(poll_url(page.decode()), headers={"HX-Request": "true"}).get_data()
    assert len(card) <= len(page) / 4, (len(card), len(page))
    assert len(polled) <= len(page) / 4, (len(polled), len(page))


def test_sorting_by_status_answers_htmx_with_the_board_block_only(app, auth):
    auth.login("fuyuan_secretary")
    response = auth.client.get(board_path(app) + "?sort=status", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="board-main">')
    assert "<html" not in body and "HX-Request" in response.headers["Vary"]


def test_street_and_district_summaries_count_per_status(app, auth):
    with app.app_context():
        worker = account("fuda_worker01")
        activity.record_event(worker, worker.person, "errand", expected_return=NOON + timedelta(minutes=5))
        db.session.commit()
        street_id = worker.person.street_id
    auth.login("fuqiang_leader")
    page = auth.client.get(f"/board/streets/{street_id}").get_data(as_text=True)
    assert "富强路街道去向汇总" in page and "富达社区" in page and "纺织社区" not in page
    assert auth.client.get("/board/district").status_code == 403
    auth.logout()
    auth.login("inspector")
    assert "纺织社区" in auth.client.get("/board/district").get_data(as_text=True)


def test_the_status_counts_are_the_cards_counted(app):
    """The dashboards count today's whereabouts in the database: the same counts as
    the cards, with overdue returns, leave and yesterday's statuses that no longer
    hold."""
    with app.app_context():
        assert seed_demo_leave() > 0 and seed_demo_day() > 0
        db.session.commit()
    seen = {key: 0 for key in rules.STATUS_ORDER}
    for moment in (NOON, NOON + timedelta(hours=2), NOON + timedelta(days=1)):
        app.config["CLOCK_NOW"] = moment
        with app.app_context():
            ids = db.session.scalars(select(Community.id)).all()
            counted = rules.status_counts(ids)
            assert counted == rules.community_summaries(ids), moment
            for per_community in counted.values():
                for key, count in per_community.items():
                    seen[key] += count
    assert all(seen[key] for key in ("overdue", "leave", "not_in", "in_office", "patrol")), seen


def test_history_shows_who_entered_each_event(app, auth):
    with app.app_context():
        worker = account("fuyuan_worker09")
        activity.record_event(worker, worker.person, "clock_in", now=NOON - timedelta(minutes=90))
        activity.record_event(account("fuyuan_frontdesk"), worker.person, "meeting", now=NOON - timedelta(minutes=30))
        db.session.commit()
        desk_name = account("fuyuan_frontdesk").person.name
        pid = worker.person.id
    auth.login("fuyuan_secretary")
    page = auth.client.get(f"/board/people/{pid}/history?date=2026-11-25").get_data(as_text=True)
    assert "签到" in page and "开会" in page and f"{desk_name}（代为录入）" in page and "本人" in page
    log = auth.client.get(f"{board_path(app)}/log?date=2026-11-25").get_data(as_text=True)
    assert "开会" in log
    bad = auth.client.get(f"/board/people/{pid}/history?date=not-a-date")
    assert bad.status_code == 200 and "日期无效" in bad.get_data(as_text=True)


def test_the_hall_display_is_read_only_and_never_shows_notes(app, auth):
    with app.app_context():
        worker = account("fuyuan_worker10")
        activity.record_event(worker, worker.person, "visit_start", destination="7号楼2单元301入户",
                           note="低保复核", expected_return=NOON + timedelta(minutes=45))
        db.session.commit()
        name = worker.person.name
    auth.login("fuyuan_secretary")
    created = auth.post(f"{board_path(app)}/display-links", {"label": "大厅屏"}, token_from=board_path(app))
    url = re.search(r'<code id="hall-url">http://localhost(/hall/[^<]+)</code>', created.get_data(as_text=True)).group(1)
    screen = app.test_client()  # no login
    page = screen.get(url)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and name in body and "入户中" in body and "预计 10:45 返回" in body
    assert "7号楼" not in body and "低保" not in body and "0472-" in body
    assert "<form" not in body and page.headers["Cache-Control"] == "no-store"
    version = re.search(r"v=(\d+)&amp;t=(\d+)", body)
    unchanged = screen.get(f"{url}?v={version.group(1)}&t={version.group(2)}", headers={"HX-Request": "true"})
    assert unchanged.status_code == 204
    with app.app_context():
        link = db.session.scalar(select(HallDisplayLink))
        link_id = link.id
    auth.post(f"{board_path(app)}/display-links/{link_id}/revoke", token_from=board_path(app))
    assert screen.get(url).status_code == 404
    assert screen.get("/hall/guessed-token").status_code == 404


def test_only_the_secretary_station_head_or_admin_make_display_links(app, auth):
    auth.login("fuyuan_frontdesk")
    response = auth.post(f"{board_path(app)}/display-links", {"label": "x"}, token_from=board_path(app))
    assert response.status_code == 403


def test_a_visit_records_its_household_but_never_an_id_number(app):
    with app.app_context():
        worker = account("fuyuan_worker11")
        with pytest.raises(FieldErrors, match="身份证号"):
            activity.record_event(worker, worker.person, "visit_start", household="150204199001011234")
        db.session.rollback()
        event = activity.record_event(worker, worker.person, "visit_start", household="12-3-402",
                                   expected_return=NOON + timedelta(minutes=60))
        db.session.commit()
        assert event.household == "12-3-402"


@pytest.mark.parametrize("earlier, kind, message", [
    ([], "clock_out", "还没有签到"),
    (["clock_in"], "clock_in", "已经签到"),
    (["clock_in"], "patrol_end", "没有进行中的巡查"),
    (["clock_in", "patrol_start"], "meeting", "请先结束巡查"),
])
def test_a_clock_sequence_that_makes_no_sense_is_refused_at_the_card(app, earlier, kind, message):
    with app.app_context():
        worker = account("fuyuan_worker12")
        for n, previous in enumerate(earlier):
            activity.record_event(worker, worker.person, previous, now=NOON - timedelta(minutes=30 - n))
        db.session.commit()
        before = counts()
        with pytest.raises(FieldErrors, match=message):
            activity.record_event(worker, worker.person, kind)
        db.session.rollback()
        assert counts() == before


def test_a_visit_over_twelve_hours_is_refused(app):
    """A 入户 begun at 00:30 and ended at 13:00 is a forgotten 入户结束, not work."""
    with app.app_context():
        worker = account("fuyuan_worker12")
        activity.record_event(worker, worker.person, "visit_start", household="1-1-101",
                           now=NOON - timedelta(hours=9, minutes=30))
        db.session.commit()
        before = counts()
        with pytest.raises(FieldErrors, match="12"):
            activity.record_event(worker, worker.person, "visit_end", now=NOON + timedelta(hours=3))
        db.session.rollback()
        assert counts() == before
        activity.record_event(worker, worker.person, "visit_end", now=NOON)


# -- the fast path of an unchanged poll (bench) ----------------------------------------------

def test_the_poll_key_binds_an_unchanged_poll_to_its_session_and_board(app, auth):
    auth.login("fuyuan_frontdesk")
    url = poll_url(auth.client.get(board_path(app)).get_data(as_text=True))
    assert "k=" in url
    assert auth.client.get(url, headers={"HX-Request": "true"}).status_code == 204
    # Without the session cookie the key is worth nothing: the full path asks for a login.
    assert app.test_client().get(url, headers={"HX-Request": "true"}).status_code == 302
    # Another account's session with this URL gets the full path and its policy.
    other = Auth(app.test_client())
    other.login("fuda_worker01")
    assert other.client.get(url, headers={"HX-Request": "true"}).status_code == 403
    # The key of one board does not answer for another.
    foreign = url.replace(board_path(app), board_path(app, "fuda"))
    assert auth.client.get(foreign, headers={"HX-Request": "true"}).status_code == 403


@pytest.mark.parametrize("max_age", [0.0, 1.0])  # read afresh, and as in production
def test_a_logged_out_cookie_learns_nothing_from_a_poll(app, auth, max_age):
    app.config["VERSIONS_MAX_AGE"] = max_age
    auth.login("fuyuan_frontdesk")
    url = poll_url(auth.client.get(board_path(app)).get_data(as_text=True))
    thief = app.test_client()
    thief.set_cookie("portal_session", auth.client.get_cookie("portal_session").value)
    auth.logout()
    # Not even "unchanged": a logged-out session gets the login page, also on the fast path.
    assert thief.get(url, headers={"HX-Request": "true"}).status_code == 302
    with app.app_context():
        worker = account("fuyuan_worker03")
        activity.record_event(worker, worker.person, "clock_in")
        db.session.commit()
    answer = thief.get(url, headers={"HX-Request": "true"})
    assert answer.status_code == 302 and "card-" not in answer.get_data(as_text=True)

# -- found by fuzzing (tests/fuzz) --------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ({"kind": "errand", "back_in": "²"}, "无效"),                 # isdigit() but not int()
    ({"kind": "errand", "return_at": "99999999999:00"}, "时:分"),  # time() overflows
])
def test_return_times_python_cannot_read_are_refused_at_the_card(app, auth, data, message):
    auth.login("fuyuan_frontdesk")
    with app.app_context():
        pid = account("fuyuan_worker03").person_id
        path = f"/board/{community_id('fuyuan')}"
        before = counts()
    response = auth.post(f"{path}/people/{pid}/status", data, token_from=path, headers={"HX-Request": "true"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def test_a_poll_with_a_unicode_digit_is_answered_not_crashed(app, auth):
    auth.login("fuyuan_worker01")
    with app.app_context():
        path = f"/board/{community_id('fuyuan')}/poll"
    assert auth.client.get(path + "?v=²&t=①").status_code == 200


# -- what a worker remembers of a board (the unchanged poll without the database) ---------

def statements_of(app, call):
    with recorded_statements(app) as statements:
        result = call()
    return result, statements


def unchanged_poll(app, auth, max_age: float) -> tuple[str, dict]:
    """The front desk's poller URL, asked once (unchanged) under this max age."""
    app.config["VERSIONS_MAX_AGE"] = max_age
    auth.login("fuyuan_frontdesk")
    url = poll_url(auth.client.get(board_path(app)).get_data(as_text=True))
    headers = {"HX-Request": "true"}
    assert auth.client.get(url, headers=headers).status_code == 204
    return url, headers


def test_an_unchanged_poll_repeated_within_the_max_age_reads_nothing(app, auth):
    """Its login session's facts are kept under the logins version, as the board's state is."""
    url, headers = unchanged_poll(app, auth, 3600.0)
    response, statements = statements_of(app, lambda: auth.client.get(url, headers=headers))
    assert response.status_code == 204 and statements == []


def test_a_logout_through_another_worker_ends_the_fast_poll_once_the_max_age_has_passed(
        app, auth, database_url, monkeypatch):
    from tests.conftest import make_app

    url, headers = unchanged_poll(app, auth, 1.0)  # production's max age
    other_worker = make_app(database_url, CLOCK_NOW=NOON)
    with other_worker.app_context():
        sid = db.session.scalar(select(LoginSession.id).where(LoginSession.revoked_at.is_(None))
                                .order_by(LoginSession.created_at.desc()))
        auth_rules.revoke_session(sid, None)
        db.engine.dispose()
    later = memo.monotonic() + 1.0
    monkeypatch.setattr(memo, "monotonic", lambda: later)
    assert auth.client.get(url, headers=headers).status_code == 302


def test_an_expired_login_session_ends_the_fast_poll_without_a_write(app, auth):
    url, headers = unchanged_poll(app, auth, 3600.0)
    app.config["CLOCK_NOW"] = NOON + timedelta(hours=app.config["LOGIN_SESSION_HOURS"], minutes=1)
    assert auth.client.get(url, headers=headers).status_code == 302


def test_a_change_by_the_same_worker_reaches_the_poll_at_once(app, auth):
    app.config["VERSIONS_MAX_AGE"] = 3600.0
    auth.login("fuyuan_frontdesk")
    url = poll_url(auth.client.get(board_path(app)).get_data(as_text=True))
    assert auth.client.get(url, headers={"HX-Request": "true"}).status_code == 204
    with app.app_context():
        worker = account("fuyuan_worker03")
        activity.record_event(worker, worker.person, "clock_in")
        db.session.commit()
    answer = auth.client.get(url, headers={"HX-Request": "true"})
    assert answer.status_code == 200 and f"card-{person_id(app, 'fuyuan_worker03')}" in answer.get_data(as_text=True)


def test_a_change_by_another_worker_reaches_the_poll_once_the_max_age_has_passed(app, auth, database_url,
                                                                                  monkeypatch):
    from tests.conftest import make_app

    app.config["VERSIONS_MAX_AGE"] = 5.0
    auth.login("fuyuan_frontdesk")
    url = poll_url(auth.client.get(board_path(app)).get_data(as_text=True))
    assert auth.client.get(url, headers={"HX-Request": "true"}).status_code == 204
    other_worker = make_app(database_url, CLOCK_NOW=NOON)  # another gunicorn process: its own memory
    with other_worker.app_context():
        worker = account("fuyuan_worker03")
        activity.record_event(worker, worker.person, "clock_in")
        db.session.commit()
        db.engine.dispose()
    # Within the max age this worker still answers from what it read ...
    assert auth.client.get(url, headers={"HX-Request": "true"}).status_code == 204
    # ... and once it has passed, the change arrives as that card.
    later = memo.monotonic() + 5.0
    monkeypatch.setattr(memo, "monotonic", lambda: later)
    answer = auth.client.get(url, headers={"HX-Request": "true"})
    assert answer.status_code == 200 and f"card-{person_id(app, 'fuyuan_worker03')}" in answer.get_data(as_text=True)


def test_a_poll_that_knows_a_newer_version_than_this_worker_read_takes_the_fast_path(app, auth, database_url):
    """Another worker wrote a change and answered the board's poll with the new version;
    the next poll, landing on this worker within its max age, must not take the slow
    path over and over because this worker's read is older than what the browser knows."""
    from tests.conftest import make_app

    url, headers = unchanged_poll(app, auth, 3600.0)
    other_worker = make_app(database_url, CLOCK_NOW=NOON)
    with other_worker.app_context():
        worker = account("fuyuan_worker03")
        activity.record_event(worker, worker.person, "clock_in")
        db.session.commit()
        version = rules.board_state(worker.person.community_id, 0).version
        db.engine.dispose()
    newer = re.sub(r"([?&]v=)\d+", rf"\g<1>{version}", url)
    assert newer != url
    for _ in range(3):
        response, statements = statements_of(app, lambda: auth.client.get(newer, headers=headers))
        assert response.status_code == 204
        assert len(statements) <= 1 and all("board_versions" in s for s in statements), statements
    # Read once, then kept like any other state.
    assert statements == []


def test_an_expected_return_falling_due_ends_the_unchanged_answer_without_a_write(app, auth):
    app.config["VERSIONS_MAX_AGE"] = 3600.0
    with app.app_context():
        worker = account("fuyuan_worker03")
        activity.record_event(worker, worker.person, "errand", destination="街道办",
                           expected_return=NOON + timedelta(minutes=30))
        db.session.commit()
    auth.login("fuyuan_frontdesk")
    url = poll_url(auth.client.get(board_path(app)).get_data(as_text=True))
    assert auth.client.get(url, headers={"HX-Request": "true"}).status_code == 204
    app.config["CLOCK_NOW"] = NOON + timedelta(minutes=31)
    answer = auth.client.get(url, headers={"HX-Request": "true"})
    assert answer.status_code == 200 and f"card-{person_id(app, 'fuyuan_worker03')}" in answer.get_data(as_text=True)


# -- the board's cards from a worker's memory; the on-behalf form on demand ---------------

def test_a_repeated_board_fragment_reads_nothing_within_the_max_age(app, auth):
    app.config["VERSIONS_MAX_AGE"] = 3600.0
    auth.login("fuyuan_frontdesk")
    headers, path = {"HX-Request": "true"}, board_path(app)
    first = auth.client.get(path, headers=headers)
    response, statements = statements_of(app, lambda: auth.client.get(path, headers=headers))
    assert response.status_code == 200 and response.data == first.data.replace(
        re.search(rb"t=\d+", first.data).group(0), re.search(rb"t=\d+", response.data).group(0))
    assert statements == []


def test_a_card_changed_by_this_worker_shows_in_the_next_fragment(app, auth):
    app.config["VERSIONS_MAX_AGE"] = 3600.0
    auth.login("fuyuan_frontdesk")
    headers, pid = {"HX-Request": "true"}, person_id(app, "fuyuan_worker03")

    def card():
        html = auth.client.get(board_path(app), headers=headers).get_data(as_text=True)
        return html.split(f'id="card-{pid}"')[1].split("</article>")[0]
    assert "巡查中" not in card()
    with app.app_context():
        worker = account("fuyuan_worker03")
        activity.record_event(worker, worker.person, "patrol_start")
        db.session.commit()
    assert "巡查中" in card()


def test_cards_rendered_for_the_front_desk_are_not_shown_to_a_grid_worker(app, auth):
    app.config["VERSIONS_MAX_AGE"] = 3600.0
    auth.login("fuyuan_frontdesk")
    assert "代为设置" in auth.client.get(board_path(app), headers={"HX-Request": "true"}).get_data(as_text=True)
    worker = Auth(app.test_client())
    worker.login("fuyuan_worker01")
    html = worker.client.get(board_path(app), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "card-" in html and "代为设置" not in html


def test_the_board_carries_no_on_behalf_forms_until_one_is_opened(app, auth):
    auth.login("fuyuan_frontdesk")
    pid = person_id(app, "fuyuan_worker03")
    html = auth.client.get(board_path(app)).get_data(as_text=True)
    assert html.count("代为设置") > 10 and 'name="kind"' not in html.split('id="board-main"')[1]
    form = f"{board_path(app)}/people/{pid}/status"
    assert f'hx-get="{form}"' in html
    fragment = auth.client.get(form, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'name="kind"' in fragment and f'hx-target="#card-{pid}"' in fragment
    page = auth.client.get(form)
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True) and "代为设置" in page.get_data(as_text=True)


@pytest.mark.parametrize("username, slug, status", [
    ("fuyuan_secretary", "fuyuan", 200),
    ("fuyuan_worker01", "fuyuan", 403),   # a grid worker sets only their own status
    ("fuda_frontdesk", "fuyuan", 403),    # another community's front desk
    ("fuyuan_frontdesk", "fuda", 404),    # the person is not on that board
])
def test_who_may_open_a_cards_on_behalf_form(app, auth, username, slug, status):
    auth.login(username)
    pid = person_id(app, "fuyuan_worker03")
    assert auth.client.get(f"{board_path(app, slug)}/people/{pid}/status").status_code == status


# -- the hall screen (服务大厅) ----------------------------------------------------------------

@pytest.mark.parametrize("count, grid", [(12, (3, 4)), (17, (4, 5)), (31, (6, 6)), (1, (1, 2)), (0, (1, 1))])
def test_the_hall_grid_fills_a_16_9_screen(count, grid):
    columns, rows = rules.hall_grid(count)
    assert (columns, rows) == grid and columns * rows >= count


def test_the_hall_speaks_to_residents_not_staff(app):
    """未签到 and 超时未归 are staff words: residents read 暂未到岗 and where the person is."""
    with app.app_context():
        worker = account("fuyuan_worker03")
        activity.record_event(worker, worker.person, "errand", destination="街道办",
                              expected_return=NOON + timedelta(minutes=10))
        db.session.commit()
        app.config["CLOCK_NOW"] = NOON + timedelta(minutes=30)
        cards = {c.person.id: c for c in rules.board_cards(worker.person.community_id)}
        errand = cards[worker.person_id]
        assert errand.overdue and "超时未归" in errand.status_label and errand.hall_label == "外出"
        absent = cards[account("fuyuan_worker05").person_id]
        assert absent.status_label == "未签到" and absent.hall_label == "暂未到岗"
