"""离线补传: a worker's status taps kept on the phone in a dead zone, sent later.

The server takes a tap with its own time when it is at most 12 h old (a schedule setting)
and not from the future, checks the day's sequence as of that time, marks it
离线补传 in the log, the history and the 考勤表's day, and writes a repeated tap
once. What it refuses it says in Chinese, and nothing is written."""
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from portal.activity import offline
from portal.activity import rules as activity
from portal.activity.models import ActivityEvent, CurrentStatus
from portal.attendance import locks as month_locks
from portal.attendance import settings as attendance_settings
from portal.attendance.models import AttendanceSettings, DayRecord
from portal.audit.models import AuditEntry
from portal.clock import LOCAL_TZ
from portal.extensions import db
from tests.conftest import Auth, account

TODAY = date(2026, 11, 25)  # a Wednesday, a working day
WORKER = "fuyuan_worker01"


def at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def phone(app, username: str = WORKER) -> Auth:
    auth = Auth(app.test_client())
    auth.login(username)
    auth.queue_token = auth.token("/")
    return auth


def send(auth: Auth, client_id: str, kind: str, tapped: datetime | str, **extra):
    return auth.client.post("/board/me/queued", data={
        "id": client_id, "kind": kind, "at": tapped if isinstance(tapped, str) else ms(tapped),
        "csrf_token": auth.queue_token, **extra})


def events_of(username: str = WORKER) -> list[ActivityEvent]:
    person = account(username).person
    return list(db.session.scalars(select(ActivityEvent).where(ActivityEvent.person_id == person.id)
                                   .order_by(ActivityEvent.at, ActivityEvent.id)))


def count_events() -> int:
    return db.session.scalar(select(func.count()).select_from(ActivityEvent))


def test_a_patrol_tapped_in_a_dead_zone_counts_with_the_taps_times(app, travel):
    travel(at(TODAY, "11:00"))
    auth = phone(app)
    assert send(auth, "tap-0000-0001", "patrol_start", at(TODAY, "09:10")).json["status"] == "sent"
    answer = send(auth, "tap-0000-0002", "patrol_end", at(TODAY, "10:45")).json
    assert answer == {"status": "sent", "offline": True, "at": at(TODAY, "10:45").isoformat()}
    with app.app_context():
        events = events_of()
        # The day's first work brought its 签到 along, at the tap's minute.
        assert [(e.kind.value, e.at, e.offline) for e in events] == [
            ("clock_in", at(TODAY, "09:10"), False), ("patrol_start", at(TODAY, "09:10"), True),
            ("patrol_end", at(TODAY, "10:45"), True)]
        assert all(e.created_at == at(TODAY, "11:00") for e in events)
        person = account(WORKER).person
        record = db.session.scalar(select(DayRecord).where(DayRecord.person_id == person.id,
                                                           DayRecord.day == TODAY))
        assert record.patrol_minutes == 95
        assert db.session.get(CurrentStatus, person.id).kind.value == "patrol_end"


def test_the_history_marks_离线补传(app, travel):
    travel(at(TODAY, "11:00"))
    auth = phone(app)
    send(auth, "tap-0000-0001", "patrol_start", at(TODAY, "09:10"))
    with app.app_context():
        person_id = account(WORKER).person.id
    page = auth.client.get(f"/board/people/{person_id}/history?date=2026-11-25").get_data(as_text=True)
    assert page.count("离线补传") == 1


def test_a_repeated_tap_is_written_once(app, travel):
    travel(at(TODAY, "11:00"))
    auth = phone(app)
    assert send(auth, "tap-0000-0001", "errand", at(TODAY, "10:00")).json["status"] == "sent"
    with app.app_context():
        before = count_events()
    again = send(auth, "tap-0000-0001", "errand", at(TODAY, "10:00"))
    assert again.status_code == 200 and again.json == {"status": "duplicate"}
    with app.app_context():
        assert count_events() == before


def test_a_tap_older_than_twelve_hours_is_refused_with_the_reason(app, travel):
    travel(at(TODAY, "21:30"))
    auth = phone(app)
    answer = send(auth, "tap-0000-0001", "patrol_start", at(TODAY, "09:20"))
    assert answer.status_code == 422 and answer.json["status"] == "refused"
    assert "超过 12 小时" in answer.json["reason"]
    with app.app_context():
        assert events_of() == []


def set_replay_limit(app, hours: str, effective_from: str = TODAY.isoformat(), admin: Auth | None = None):
    """The administrator changes the district's 离线补传 limit on 作息与考勤规则."""
    if admin is None:
        admin = Auth(app.test_client())
        admin.login("admin")
    with app.app_context():
        form = {name: (value.strftime("%H:%M") if hasattr(value, "strftime") else str(value))
                for name, value in attendance_settings.DEFAULTS.items()}
    form.update(offline_replay_max_hours=hours, effective_from=effective_from)
    return admin.post("/attendance/settings", form, token_from="/attendance/settings")


def test_the_limit_is_a_setting(app, travel):
    travel(at(TODAY, "10:00"))
    assert set_replay_limit(app, "1").status_code == 302
    travel(at(TODAY, "11:00"))
    answer = send(phone(app), "tap-0000-0001", "errand", at(TODAY, "09:50"))
    assert answer.status_code == 422 and "超过 1 小时" in answer.json["reason"]


@pytest.mark.parametrize("hours, accepted", [("24", True), ("12", False)])
def test_a_tap_thirteen_hours_old_is_accepted_at_24_and_refused_at_12(app, travel, hours, accepted):
    travel(at(TODAY, "08:00"))
    assert set_replay_limit(app, hours).status_code == 302
    travel(at(TODAY, "21:00"))
    answer = send(phone(app), "tap-0000-0001", "patrol_start", at(TODAY, "08:00"))
    with app.app_context():
        if accepted:
            assert answer.status_code == 200 and answer.json["status"] == "sent", answer.json
            assert [e.offline for e in events_of() if e.kind == "patrol_start"] == [True]
        else:
            assert answer.status_code == 422 and "超过 12 小时" in answer.json["reason"]
            assert events_of() == []


@pytest.mark.parametrize("raw", ["0", "73", "12.5", "abc", "", "１２"])
def test_a_bad_replay_limit_is_refused_in_chinese_and_nothing_is_written(app, travel, raw):
    travel(at(TODAY, "10:00"))
    admin = Auth(app.test_client())
    admin.login("admin")
    admin.client.get("/attendance/settings")
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(AttendanceSettings))
        audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = set_replay_limit(app, raw, admin=admin)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "离线补传最长时限（小时）应为 1–72 之间的整数" in body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AttendanceSettings)) == rows
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits
        assert attendance_settings.settings_for(None, TODAY).offline_replay_max_hours == 12


def test_a_tap_from_the_future_is_refused(app, travel):
    travel(at(TODAY, "11:00"))
    answer = send(phone(app), "tap-0000-0001", "errand", at(TODAY, "11:05"))
    assert answer.status_code == 422 and "晚于服务器当前时间" in answer.json["reason"]
    with app.app_context():
        assert events_of() == []


def test_a_tap_earlier_than_what_the_server_already_has_is_refused(app, travel):
    travel(at(TODAY, "10:30"))
    desk = Auth(app.test_client())
    desk.login("fuyuan_frontdesk")
    with app.app_context():
        person = account(WORKER).person
    path = f"/board/{person.community_id}"
    desk.client.post(f"{path}/people/{person.id}/status", data={"kind": "meeting", "csrf_token": desk.token(path)})
    travel(at(TODAY, "11:00"))
    answer = send(phone(app), "tap-0000-0001", "patrol_start", at(TODAY, "10:00"))
    assert answer.status_code == 422 and "10:30 开会" in answer.json["reason"]
    with app.app_context():
        assert [e.kind.value for e in events_of()] == ["meeting"]


def test_the_days_sequence_applies_as_of_the_tap(app, travel):
    travel(at(TODAY, "11:00"))
    answer = send(phone(app), "tap-0000-0001", "patrol_end", at(TODAY, "10:00"))
    assert answer.status_code == 422 and "没有进行中的巡查" in answer.json["reason"]
    with app.app_context():
        assert events_of() == []


def test_a_tap_in_a_month_closed_meanwhile_is_refused(app, travel):
    travel(datetime(2026, 12, 1, 8, 0, tzinfo=LOCAL_TZ))
    with app.app_context():
        leader = account("fuqiang_leader")
        month_locks.lock(leader, leader.person.street, date(2026, 11, 1))
        db.session.commit()
    answer = send(phone(app), "tap-0000-0001", "patrol_start", at(date(2026, 11, 30), "22:00"))
    assert answer.status_code == 422 and "封账" in answer.json["reason"]
    with app.app_context():
        assert events_of() == []


def test_a_tap_that_arrives_at_once_was_not_offline(app, travel):
    """A forged 离线 flag: a 'queued' tap sent as it happens is an ordinary event
    at the server's time, not 离线补传."""
    now = travel(at(TODAY, "11:00"))
    twenty_seconds_ago = ms(datetime(2026, 11, 25, 2, 59, 40, tzinfo=UTC))
    answer = send(phone(app), "tap-0000-0001", "errand", twenty_seconds_ago, offline="1")
    assert answer.json["status"] == "sent" and answer.json["offline"] is False
    with app.app_context():
        (event,) = [e for e in events_of() if e.kind.value == "errand"]
        assert event.at == now and not event.offline


def test_the_ordinary_status_form_ignores_a_forged_time_and_flag(app, travel):
    now = travel(at(TODAY, "11:00"))
    auth = phone(app)
    with app.app_context():
        person = account(WORKER).person
    auth.client.post(f"/board/{person.community_id}/people/{person.id}/status", data={
        "kind": "errand", "at": ms(at(TODAY, "08:00")), "offline": "1", "id": "tap-0000-0001",
        "csrf_token": auth.queue_token})
    with app.app_context():
        (event,) = [e for e in events_of() if e.kind.value == "errand"]
        assert (event.at, event.offline, event.client_id) == (now, False, None)


def test_a_tap_is_only_ever_the_workers_own(app, travel):
    """No person id is taken: a street leader (not on a board) is refused, and the
    front desk's tap is their own."""
    travel(at(TODAY, "11:00"))
    answer = send(phone(app, "fuqiang_leader"), "tap-0000-0001", "errand", at(TODAY, "10:00"),
                  person_id="1")
    assert answer.status_code == 403
    answer = send(phone(app, "fuyuan_frontdesk"), "tap-0000-0002", "errand", at(TODAY, "10:00"),
                  person_id=str(1))
    assert answer.json["status"] == "sent"
    with app.app_context():
        assert events_of() == [] and "errand" in [e.kind.value for e in events_of("fuyuan_frontdesk")]


def test_bad_ids_and_times_are_refused_in_chinese(app, travel):
    travel(at(TODAY, "11:00"))
    auth = phone(app)
    for client_id, tapped, words in [("x", ms(at(TODAY, "10:00")), "编号无效"),
                                     ("tap-0000-0001", "yesterday", "时间无效"),
                                     ("tap-0000-0001", "9" * 40, "时间无效"),
                                     ("tap-0000-0001", ms(at(TODAY, "10:00")), "未知的状态")]:
        answer = send(auth, client_id, "nap" if words == "未知的状态" else "errand", tapped)
        assert answer.status_code == 422 and words in answer.json["reason"], (client_id, tapped)
    with app.app_context():
        assert events_of() == []
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "activity.offline_replayed")) == 0


def test_a_stale_token_is_answered_for_the_queue_to_retry(app, travel):
    travel(at(TODAY, "11:00"))
    auth = phone(app)
    answer = auth.client.post("/board/me/queued", data={"id": "tap-0000-0001", "kind": "errand",
                                                         "at": ms(at(TODAY, "10:00")), "csrf_token": "stale"})
    assert answer.status_code == 400 and answer.json["retry"] is True


def test_the_rule_refuses_someone_elses_tap(app, travel):
    travel(at(TODAY, "11:00"))
    with app.app_context():
        desk, worker = account("fuyuan_frontdesk"), account(WORKER).person
        try:
            offline.replay(desk, worker, "tap-0000-0001", "errand", at(TODAY, "10:00"),
                           now=at(TODAY, "11:00"), max_hours=12)
        except PermissionError:
            pass
        else:
            raise AssertionError("someone else's tap was taken")
        assert activity.events_on(TODAY, person_id=worker.id) == []


def test_the_sheets_day_detail_marks_离线补传(app, travel):
    travel(at(TODAY, "11:00"))
    auth = phone(app)
    send(auth, "tap-0000-0001", "patrol_start", at(TODAY, "09:10"))
    send(auth, "tap-0000-0002", "patrol_end", at(TODAY, "10:45"))
    travel(at(date(2026, 11, 26), "09:00"))
    with app.app_context():
        person = account(WORKER).person
        community_id, person_id = person.community_id, person.id
    secretary = Auth(app.test_client())
    secretary.login("fuyuan_secretary")
    sheet = secretary.client.get(f"/attendance/sheet?community={community_id}&month=2026-11").get_data(as_text=True)
    link = f"/attendance/people/{person_id}/days/2026-11-25"
    assert f'href="{link}"' in sheet
    page = secretary.client.get(link).get_data(as_text=True)
    assert page.count('class="tag offline"') == 2          # the patrol's two taps, not the implied 签到
    assert "巡查开始" in page and "09:10" in page and "10:45" in page
    # The worker opens their own day; another community's worker does not.
    assert phone(app).client.get(link).status_code == 200
    outsider = Auth(app.test_client())
    outsider.login("fuda_worker01")
    assert outsider.client.get(link).status_code == 403
    # A day nobody worked says so; a malformed date is not found.
    empty = secretary.client.get(f"/attendance/people/{person_id}/days/2026-11-24").get_data(as_text=True)
    assert "这一天没有签到、巡查、入户等记录" in empty
    assert secretary.client.get(f"/attendance/people/{person_id}/days/2026-13-45").status_code == 404
    assert secretary.client.get(f"/attendance/people/{person_id}/days/yesterday").status_code == 404
