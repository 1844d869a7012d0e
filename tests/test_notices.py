"""消息: a notice is written when its occasion happens, once per person and occasion,
to the people it concerns; opened, it is read; a muted kind is not written; the
browser's poll hears only what is new; the daily digest goes through SMTP."""
import socketserver
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.activity import rules as activity
from portal.auth.policy import COMMUNITY_OFFICE
from portal.extensions import db
from portal.leave import rules as leave_rules
from portal.leave.models import LeaveType
from portal.notifications import digest, rules
from portal.notifications.models import Notice, NoticeKind
from portal.people.models import Person
from tests.conftest import Auth, account

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)   # Wednesday 10:00 in Qingshan
MON, TUE = date(2026, 11, 30), date(2026, 12, 1)


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW


def notices_of(username: str, kind: NoticeKind | None = None) -> list[Notice]:
    query = select(Notice).where(Notice.person_id == account(username).person_id).order_by(Notice.id)
    if kind is not None:
        query = query.where(Notice.kind == kind)
    return list(db.session.scalars(query))


def file_leave(app, username="fuyuan_worker01"):
    worker = account(username)
    personal = db.session.scalar(select(LeaveType).where(LeaveType.code == "personal"))
    data = leave_rules.LeaveInput(personal.id, MON, "am", TUE, "pm", "家中有事", "包头市东河区", "")
    leave = leave_rules.submit(worker, worker.person, data, app.config)
    db.session.commit()
    return leave


def test_a_leave_filed_waits_in_the_approvers_消息(app):
    with app.app_context():
        leave = file_leave(app)
        for head in ("fuyuan_secretary", "fuyuan_stationhead"):
            (notice,) = notices_of(head, NoticeKind.LEAVE_WAITING)
            assert notice.url == f"/leave/{leave.id}" and "待您审批" in notice.title and notice.read_at is None
        assert notices_of("fuyuan_worker01") == [] and notices_of("fuda_secretary") == []


def test_the_decision_reaches_the_requester(app):
    with app.app_context():
        leave = file_leave(app)
        leave_rules.decide(account("fuyuan_secretary"), leave, True, "同意")
        db.session.commit()
        (notice,) = notices_of("fuyuan_worker01", NoticeKind.LEAVE_DECIDED)
        assert "已批准" in notice.title


def test_the_top_bar_counts_unread_消息(app):
    with app.app_context():
        file_leave(app)
    auth = Auth(app.test_client())
    auth.login("fuyuan_secretary")
    page = auth.client.get("/notices/").get_data(as_text=True)
    assert "未读 1 条" in page and "待您审批" in page


def test_opening_a_notice_marks_it_read_and_goes_to_its_object(app):
    with app.app_context():
        leave_id = file_leave(app).id
        notice_id = notices_of("fuyuan_secretary")[0].id
    auth = Auth(app.test_client())
    auth.login("fuyuan_secretary")
    response = auth.post(f"/notices/{notice_id}/open")
    assert response.status_code == 303 and response.headers["Location"] == f"/leave/{leave_id}"
    with app.app_context():
        assert notices_of("fuyuan_secretary")[0].read_at == NOW
        assert rules.unread_count(account("fuyuan_secretary").person_id) == 0


def test_another_persons_notice_is_refused_and_stays_unread(app):
    with app.app_context():
        file_leave(app)
        notice_id = notices_of("fuyuan_secretary")[0].id
    auth = Auth(app.test_client())
    auth.login("fuyuan_stationhead")
    assert auth.post(f"/notices/{notice_id}/open").status_code == 403
    assert auth.post("/notices/999999/open").status_code == 404
    with app.app_context():
        assert notices_of("fuyuan_secretary")[0].read_at is None


def test_a_muted_kind_is_not_written(app):
    auth = Auth(app.test_client())
    auth.login("fuyuan_secretary")
    assert auth.post("/notices/prefs", {"muted": "leave_waiting", "email": ""}).status_code == 303
    with app.app_context():
        file_leave(app)
        assert notices_of("fuyuan_secretary") == [] and len(notices_of("fuyuan_stationhead")) == 1


def test_bad_prefs_are_refused_in_chinese_and_nothing_is_saved(app):
    auth = Auth(app.test_client())
    auth.login("fuyuan_secretary")
    response = auth.post("/notices/prefs", {"muted": "everything", "email": "not-an-address"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "未知的消息类别" in body and "电子邮箱格式不正确" in body
    with app.app_context():
        assert rules.prefs_of(account("fuyuan_secretary").person_id).muted == ""


def test_超时未归_tells_the_community_office_once(app):
    with app.app_context():
        worker = account("fuyuan_worker02")
        event = activity.record_event(worker, worker.person, "errand", now=NOW - timedelta(minutes=5),
                                      expected_return=NOW + timedelta(minutes=30))
        db.session.commit()
        community = worker.person.community_id

        def told():
            return db.session.scalar(select(func.count()).select_from(Notice).where(Notice.key == f"away:{event.id}"))

        rules.sweep(NOW, [community])
        assert told() == 0
        later = NOW + timedelta(minutes=40)
        rules.sweep(later, [community])
        office = db.session.scalar(select(func.count()).select_from(Person).where(
            Person.community_id == community, Person.active.is_(True), Person.position.in_(list(COMMUNITY_OFFICE))))
        assert office >= 3 and told() == office   # the front desk, the 书记 and the 站长
        assert rules.sweep(later, [community]) == 0   # once
        db.session.commit()
        (notice,) = notices_of("fuyuan_frontdesk", NoticeKind.AWAY_OVERDUE)
        assert worker.person.name in notice.title and notice.url == f"/board/{community}"
        assert notices_of("fuyuan_worker02") == []


def test_逾期未销假_tells_the_person_and_the_approver(app):
    with app.app_context():
        leave = file_leave(app)
        leave_rules.decide(account("fuyuan_secretary"), leave, True, "")
        db.session.commit()
        after = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday: back on Wednesday morning, not returned
        rules.sweep(after)
        db.session.commit()
        assert len(notices_of("fuyuan_worker01", NoticeKind.LEAVE_OVERDUE)) == 1
        assert len(notices_of("fuyuan_secretary", NoticeKind.LEAVE_OVERDUE)) == 1


def test_整改_assigned_due_and_overdue_reach_the_community_heads(app):
    from tests.test_policy import inspection_objects

    with app.app_context():
        inspection_objects()
        (assigned,) = notices_of("fuyuan_secretary", NoticeKind.ACTION_ASSIGNED)
        assert assigned.url.startswith("/inspections/actions/")
        from portal.inspections.models import CorrectiveAction

        action = db.session.scalar(select(CorrectiveAction))
        due = datetime.combine(action.due_on, datetime.min.time(), tzinfo=UTC)
        rules.sweep(due - timedelta(days=1))
        rules.sweep(due + timedelta(days=2))
        db.session.commit()
        assert len(notices_of("fuyuan_stationhead", NoticeKind.ACTION_DUE)) == 1
        assert len(notices_of("fuyuan_stationhead", NoticeKind.ACTION_OVERDUE)) == 1


def test_the_poll_answers_204_until_something_new_is_unread(app):
    auth = Auth(app.test_client())
    auth.login("fuyuan_secretary")
    assert auth.client.get("/notices/unread?after=0&n=0").status_code == 204
    with app.app_context():
        file_leave(app)
        newest = notices_of("fuyuan_secretary")[-1].id
    answer = auth.client.get("/notices/unread?after=0&n=0")
    assert answer.status_code == 200 and answer.json["count"] == 1
    assert [n["id"] for n in answer.json["notices"]] == [newest]
    assert auth.client.get(f"/notices/unread?after={newest}&n=1").status_code == 204


def test_the_poll_tells_a_tab_whose_count_went_down(app):
    with app.app_context():
        file_leave(app)
        notice = notices_of("fuyuan_secretary")[-1]
        newest = notice.id
    auth = Auth(app.test_client())
    auth.login("fuyuan_secretary")
    auth.post(f"/notices/{newest}/open")
    answer = auth.client.get(f"/notices/unread?after={newest}&n=1")
    assert answer.status_code == 200 and answer.json == {"count": 0, "notices": []}


class _Inbox(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive messages: what a relay does for the digest."""

    received: list[bytes] = []

    def reply(self, line: str):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 test")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 test")
            elif verb == b"DATA":
                self.reply("354 go on")
                body = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body += chunk
                self.received.append(body)
                self.reply("250 ok")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


def test_the_daily_digest_goes_through_the_smtp_relay_once(app):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Inbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Inbox.received = []
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.server_address[1], SMTP_FROM="portal@qingshan.test")
    try:
        auth = Auth(app.test_client())
        auth.login("fuyuan_secretary")
        auth.post("/notices/prefs", {"email": "shuji@qingshan.test"})
        with app.app_context():
            file_leave(app)
            assert digest.send_digests(app.config) == 1
            db.session.commit()
            assert digest.send_digests(app.config) == 0
            assert db.session.scalar(select(func.count()).select_from(Notice)
                                     .where(Notice.emailed_at.is_not(None))) == 1
    finally:
        server.shutdown()
        server.server_close()
    (message,) = _Inbox.received
    assert b"shuji@qingshan.test" in message


def test_the_cron_commands_run(app):
    runner = app.test_cli_runner()
    swept = runner.invoke(args=["notices-sweep"])
    assert swept.exit_code == 0 and "新消息" in swept.output
    again = runner.invoke(args=["notices-sweep"])
    assert again.output.strip() == "新消息 0 条。"
    digest_run = runner.invoke(args=["notices-digest"])   # no SMTP_HOST: nothing to send
    assert digest_run.exit_code == 0 and "0 封" in digest_run.output
