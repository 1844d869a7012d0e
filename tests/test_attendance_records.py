"""考勤 records that people change: schedule settings, 补卡 and 封账."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.activity import rules as activity
from portal.activity.models import ActivityEvent, MonthLock
from portal.attendance import corrections, locks, settings
from portal.attendance.models import AttendanceCorrection, AttendanceSettings
from portal.audit.models import AuditEntry
from portal.clock import LOCAL_TZ
from portal.errors import FieldErrors
from portal.extensions import db
from portal.org.models import Street
from tests.conftest import account

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Baotou


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW



def street(slug) -> Street:
    return db.session.scalar(select(Street).where(Street.slug == slug))


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (AttendanceCorrection, ActivityEvent, AuditEntry, AttendanceSettings))


GOOD = {name: str(value)[:5] if "time" in type(value).__name__ else str(value)
        for name, value in settings.DEFAULTS.items()}


def test_the_district_default_cites_the_stricter_patrol_minimum(app):
    with app.app_context():
        default = settings.settings_for(None)
        assert default.patrol_min_minutes == 90 and default.weekly_visit_minutes == 300
        assert settings.settings_for(street("fuqiang").id).id == default.id


def test_a_street_overrides_the_default_from_tomorrow_and_can_go_back(app):
    today = NOW.astimezone(LOCAL_TZ).date()
    tomorrow, later = today + timedelta(days=1), today + timedelta(days=7)
    with app.app_context():
        leader = account("fuqiang_leader")
        own = settings.save(leader, street("fuqiang").id, {**GOOD, "patrol_min_minutes": "60"})
        db.session.commit()
        assert own.effective_from == tomorrow
        assert settings.settings_for(street("fuqiang").id, today).patrol_min_minutes == 90
        assert settings.settings_for(street("fuqiang").id, tomorrow).patrol_min_minutes == 60
        assert settings.settings_for(street("kexue").id, tomorrow).patrol_min_minutes == 90
        assert own.updated_by_id == leader.id
        settings.reset_to_default(leader, street("fuqiang").id, later.isoformat())
        db.session.commit()
        assert settings.settings_for(street("fuqiang").id, later - timedelta(days=1)).patrol_min_minutes == 60
        assert settings.settings_for(street("fuqiang").id, later).patrol_min_minutes == 90


@pytest.mark.parametrize("when, message", [
    ("2026-11-24", "生效日期不能早于今天"), ("2026/11/30", "生效日期应为"), ("2028-01-01", "不能晚于一年之后"),
])
def test_a_settings_change_cannot_reach_back_or_too_far(app, when, message):
    with app.app_context():
        before = len(settings.history(street("fuqiang").id))
        with pytest.raises(FieldErrors) as refused:
            settings.save(account("fuqiang_leader"), street("fuqiang").id, GOOD, when)
        assert message in refused.value.errors["effective_from"]
        db.session.rollback()
        assert len(settings.history(street("fuqiang").id)) == before


@pytest.mark.parametrize("change, field", [
    ({"morning_start": "8点半"}, "morning_start"),
    ({"morning_end": "15:00"}, "summer_afternoon_start"),
    ({"summer_from": "13-01"}, "summer_from"),
    ({"winter_from": "05-01"}, "winter_from"),
    ({"patrol_min_minutes": "10"}, "patrol_min_minutes"),
    ({"late_grace_minutes": "-1"}, "late_grace_minutes"),
])
def test_bad_settings_are_refused_and_nothing_written(app, change, field):
    with app.app_context():
        before = counts()
        with pytest.raises(FieldErrors) as refused:
            settings.save(account("admin"), None, {**GOOD, **change})
        db.session.rollback()
        assert field in refused.value.errors
        assert counts() == before


def test_a_worker_asks_for_a_missed_clock_in_and_the_secretary_approves(app):
    with app.app_context():
        worker = account("fuyuan_worker01")
        correction = corrections.request(worker, worker.person, "clock_in", date(2026, 11, 24), "08:20",
                                         "手机没电，未能签到")
        db.session.commit()
        with pytest.raises(PermissionError):
            corrections.decide(account("fuda_secretary"), correction, True, "")
        with pytest.raises(PermissionError):
            corrections.decide(worker, correction, True, "")
        corrections.decide(account("fuyuan_stationhead"), correction, True, "情况属实")
        db.session.commit()
        event = db.session.get(ActivityEvent, correction.event_id)
        assert event.kind.value == "clock_in" and event.entered_by_id == account("fuyuan_stationhead").id
        assert event.at == datetime(2026, 11, 24, 0, 20, tzinfo=UTC)
        with pytest.raises(FieldErrors, match="已由"):
            corrections.decide(account("fuyuan_secretary"), correction, False, "不同意")


@pytest.mark.parametrize("kind, day, at, reason, field", [
    ("clock_in", date(2026, 11, 26), "08:00", "忘了", "day"),        # tomorrow
    ("clock_in", date(2026, 9, 1), "08:00", "忘了", "day"),          # too long ago
    ("lunch", date(2026, 11, 24), "08:00", "忘了", "kind"),
    ("clock_in", date(2026, 11, 24), "25:00", "忘了", "time"),
    ("clock_out", date(2026, 11, 25), "17:30", "忘了", "time"),      # later than now
    ("clock_in", date(2026, 11, 24), "08:00", "", "reason"),
])
def test_bad_corrections_are_refused_and_nothing_written(app, kind, day, at, reason, field):
    with app.app_context():
        before = counts()
        worker = account("fuyuan_worker02")
        with pytest.raises(FieldErrors) as refused:
            corrections.request(worker, worker.person, kind, day, at, reason)
        db.session.rollback()
        assert field in refused.value.errors
        assert counts() == before


def test_the_monthly_limit_of_corrections(app):
    with app.app_context():
        worker = account("fuyuan_worker03")
        for day in (2, 3, 4):
            corrections.request(worker, worker.person, "clock_in", date(2026, 11, day), "08:10", "忘记签到")
        with pytest.raises(FieldErrors, match="每月最多 3 次"):
            corrections.request(worker, worker.person, "clock_in", date(2026, 11, 5), "08:10", "忘记签到")


def test_a_locked_month_refuses_corrections_and_events_until_unlocked(app, travel):
    travel(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # Wednesday 2 December: November is over
    november_morning = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)
    with app.app_context():
        leader, fuqiang = account("fuqiang_leader"), street("fuqiang")
        with pytest.raises(PermissionError):
            locks.lock(account("kexue_leader"), fuqiang, date(2026, 11, 1))
        locks.lock(leader, fuqiang, date(2026, 11, 1))
        db.session.commit()
        worker = account("fuyuan_worker04")
        with pytest.raises(FieldErrors, match="封账"):
            corrections.request(worker, worker.person, "clock_in", date(2026, 11, 20), "08:10", "忘记签到")
        with pytest.raises(FieldErrors, match="封账"):
            activity.record_event(worker, worker.person, "clock_in", now=november_morning)
        # Another street's month is untouched.
        fangzhi = account("fangzhi_worker01")
        activity.record_event(fangzhi, fangzhi.person, "clock_in", now=november_morning)
        with pytest.raises(FieldErrors, match="理由"):
            locks.unlock(leader, fuqiang, date(2026, 11, 1), " ")
        locks.unlock(leader, fuqiang, date(2026, 11, 1), "补录11月20日病假")
        db.session.commit()
        activity.record_event(worker, worker.person, "clock_in", now=november_morning)
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("attendance.month%"))).all()
        assert actions == ["attendance.month_locked", "attendance.month_unlocked"]


def test_a_month_not_yet_begun_cannot_be_locked(app):
    with app.app_context():
        with pytest.raises(FieldErrors, match="尚未开始"):
            locks.lock(account("fuqiang_leader"), street("fuqiang"), date(2026, 12, 1))


# -- pages ----------------------------------------------------------------------------

def test_a_street_leader_sets_the_streets_hours_on_the_page(app, auth):
    auth.login("fuqiang_leader")
    page = auth.client.get("/attendance/settings")
    assert page.status_code == 200 and "富强路街道" in page.get_data(as_text=True)
    with app.app_context():
        fuqiang_id, before = street("fuqiang").id, counts()
    bad = auth.post(f"/attendance/settings?street={fuqiang_id}", {**GOOD, "patrol_min_minutes": "abc"},
                    token_from="/attendance/settings")
    assert bad.status_code == 400 and "每次巡查最少分钟应为 30–240" in bad.get_data(as_text=True)
    with app.app_context():
        assert counts() == before
    good = auth.post(f"/attendance/settings?street={fuqiang_id}", {**GOOD, "patrol_min_minutes": "60"},
                     token_from="/attendance/settings")
    assert good.status_code == 302
    with app.app_context():
        tomorrow = NOW.astimezone(LOCAL_TZ).date() + timedelta(days=1)
        assert settings.settings_for(fuqiang_id, tomorrow).patrol_min_minutes == 60
    assert auth.post("/attendance/settings", GOOD, token_from="/attendance/settings").status_code == 403


def test_correction_and_lock_pages(app, auth):
    auth.login("fuyuan_worker05")
    filed = auth.post("/attendance/corrections", {"kind": "clock_in", "day": "2026-11-24", "time": "08:15",
                                                  "reason": "签到时系统故障"}, token_from="/attendance/corrections")
    assert filed.status_code == 302
    refused = auth.post("/attendance/corrections", {"kind": "clock_in", "day": "2026-11-24", "time": "",
                                                    "reason": ""}, token_from="/attendance/corrections")
    assert refused.status_code == 400 and "请写明补卡理由" in refused.get_data(as_text=True)
    auth.logout()
    auth.login("fuyuan_secretary")
    page = auth.client.get("/attendance/corrections").get_data(as_text=True)
    assert "签到时系统故障" in page
    with app.app_context():
        correction_id = db.session.scalar(select(AttendanceCorrection.id))
    decided = auth.post(f"/attendance/corrections/{correction_id}/decide", {"decision": "approve"},
                        token_from="/attendance/corrections")
    assert decided.status_code == 302
    auth.logout()
    auth.login("fuqiang_leader")
    locked = auth.post(f"/attendance/locks?street={street_id(app)}", {"month": "2026-10-01", "action": "lock"},
                       token_from="/attendance/locks")
    assert locked.status_code == 302 and "已封账" in auth.client.get("/attendance/locks").get_data(as_text=True)


@pytest.mark.parametrize("username", ["fuqiang_leader", "admin"])
@pytest.mark.parametrize("form, message", [
    ({"month": "2026-11-01", "action": "lock"}, "本月尚未结束"),
    ({"month": "1900-01-01", "action": "lock"}, "没有考勤可以封账"),
    ({"month": "2026-10-15", "action": "lock"}, "月份无效"),
    ({"month": "x", "action": "unlock"}, "月份无效"),
    ({"month": "2026-10-01", "action": "{{7*7}}"}, "操作无效"),
    ({"month": "2026-10-01"}, "操作无效"),
])
def test_nonsense_months_and_actions_are_refused_and_nothing_is_locked(app, auth, username, form, message):
    auth.login(username)
    with app.app_context():
        before = counts()
    response = auth.post(f"/attendance/locks?street={street_id(app)}", form, token_from="/attendance/locks")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before and db.session.scalar(select(func.count()).select_from(MonthLock)) == 0


@pytest.mark.parametrize("query, message", [("", "请选择要封账的街镇"), ("?street=", "请选择要封账的街镇"),
                                            ("?street=abc", "街镇参数“abc”无效")])
def test_locking_without_a_street_is_a_clear_400_for_the_admin(app, auth, query, message):
    auth.login("admin")
    response = auth.post(f"/attendance/locks{query}", {"month": "2026-10-01", "action": "unlock"},
                         token_from="/attendance/locks")
    assert response.status_code == 400 and message in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/attendance/settings", "/assessment/settings", "/inspections/bulletins/preview"])
def test_a_malformed_street_is_refused_not_read_as_the_district(app, auth, path):
    auth.login("admin")
    with app.app_context():
        before = counts()
    response = auth.post(f"{path}?street=1x", {**GOOD, "period": "2026-11"}, token_from="/attendance/settings")
    assert response.status_code in (400, 405)
    page = auth.client.get(f"{path}?street=1x&period=2026-11")
    assert page.status_code == 400 and "街镇参数“1x”无效" in page.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def street_id(app):
    with app.app_context():
        return street("fuqiang").id


# -- found by fuzzing (tests/fuzz): numbers Python's int() and time() cannot take --------------

@pytest.mark.parametrize("change, field", [
    ({"morning_start": "99999999999:00"}, "morning_start"),   # time() overflows, not a ValueError
    ({"late_grace_minutes": "²"}, "late_grace_minutes"),       # isdigit() says yes, int() says no
    ({"weekly_visit_minutes": "9" * 5000}, "weekly_visit_minutes"),  # beyond int()'s 4300 digits
])
def test_numbers_that_are_not_plain_digits_are_refused_as_bad_settings(app, auth, change, field):
    with app.app_context():
        before = counts()
        with pytest.raises(FieldErrors) as refused:
            settings.save(account("admin"), None, {**GOOD, **change})
        db.session.rollback()
        assert field in refused.value.errors
        assert counts() == before
    auth.login("admin")
    page = auth.post("/attendance/settings", {**GOOD, **change}, token_from="/attendance/settings")
    assert page.status_code == 400 and "应为" in page.get_data(as_text=True)


def test_a_correction_time_past_any_clock_is_refused(app):
    with app.app_context():
        worker = account("fuyuan_worker01")
        before = counts()
        with pytest.raises(FieldErrors) as refused:
            corrections.request(worker, worker.person, "clock_in", date(2026, 11, 24), "99999999999:00", "忘记签到")
        db.session.rollback()
        assert "时:分" in refused.value.errors["time"]
        assert counts() == before


def test_text_with_a_nul_is_refused_not_passed_to_the_database(app):
    """PostgreSQL refuses NUL in text; the rules refuse control characters first."""
    with app.app_context():
        worker = account("fuyuan_worker01")
        before = counts()
        with pytest.raises(FieldErrors) as refused:
            corrections.request(worker, worker.person, "clock_in", date(2026, 11, 24), "08:20", "手机\x00没电")
        assert "控制字符" in refused.value.errors["reason"]
        correction = corrections.request(worker, worker.person, "clock_in", date(2026, 11, 24), "08:20", "手机没电")
        db.session.commit()
        with pytest.raises(FieldErrors, match="控制字符"):
            corrections.decide(account("fuyuan_secretary"), correction, False, "不\x00同意")
        db.session.rollback()
        assert db.session.get(AttendanceCorrection, correction.id).status.value == "pending"
        assert counts()[0] == before[0] + 1
