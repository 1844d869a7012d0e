"""季度/年度考核 on the database and through the pages (工作规范 三(一)(二)): results
computed from the records, a 书记's adjustment with its reason, the 街镇's lock that
freezes a period, each 街镇's own rules, and the export."""
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.activity.models import ActivityEvent
from portal.assessment import results, rules
from portal.assessment import settings as assessment_settings
from portal.assessment.models import AssessmentAdjustment, AssessmentLock, AssessmentSettings
from portal.audit.models import AuditEntry
from portal.auth.models import Account
from portal.auth.policy import Action, can
from portal.clock import LOCAL_TZ
from portal.errors import FieldErrors
from portal.extensions import db
from portal.inspections import conduct
from portal.org.models import Street
from tests.conftest import account

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Baotou; 2026 Q4, Q3 is over


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW



def street(slug):
    return db.session.scalar(select(Street).where(Street.slug == slug))


def clock_events(person, day, clock_in="08:25", clock_out="17:35"):
    for kind, hhmm in (("clock_in", clock_in), ("clock_out", clock_out)):
        hour, minute = (int(p) for p in hhmm.split(":"))
        moment = datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)
        db.session.add(ActivityEvent(person_id=person.id, community_id=person.community_id, kind=kind,
                                     at=moment, created_at=moment))


def worker_with_a_late_day(days=(date(2026, 11, 23), date(2026, 11, 24)), late_on=date(2026, 11, 23)):
    worker = account("fuyuan_worker01").person
    for day in days:
        clock_events(worker, day, "08:41" if day == late_on else "08:25")
    db.session.commit()
    return worker


def row_of(person, period="2026-Q4"):
    return results.report(person.street, period, person_id=person.id, detail=True).person(person.id)


def test_a_late_day_costs_points_and_the_breakdown_links_to_that_day(app, auth):
    with app.app_context():
        worker = worker_with_a_late_day()
        row = row_of(worker)
        [late] = [line for line in row["lines"] if line["label"] == "迟到 11 分钟"]
        assert late == {"part": "deduction", "label": "迟到 11 分钟", "points": "-1.0",
                        "link": {"kind": "day", "day": "2026-11-23"}}
        person_id = worker.id
    auth.login("fuqiang_leader")
    page = auth.client.get(f"/assessment/people/{person_id}?period=2026-Q4").get_data(as_text=True)
    assert f'href="/board/people/{person_id}/history?date=2026-11-23"' in page
    assert "迟到 11 分钟" in page and f'id="total">{row["total"]}<' in page


def test_a_failed_inspection_item_is_on_the_breakdown_with_a_link_to_the_item(app, auth):
    with app.app_context():
        worker = worker_with_a_late_day()
        inspector = account("inspector")
        inspection = conduct.start(inspector, worker.community)
        items = conduct.sheet(inspection).items
        for index, item in enumerate(items):
            conduct.answer(inspector, inspection.id, str(item.id), None, "fail" if index == 1 else "pass",
                           "办事指南缺页" if index == 1 else "")
        conduct.submit(inspector, inspection.id)
        db.session.commit()
        failed, inspection_id = items[1], inspection.id
        row = row_of(worker)
        [line] = [line for line in row["lines"] if line["part"] == "inspection"]
        assert line["link"] == {"kind": "inspection", "id": inspection_id, "item": failed.id, "day": "2026-11-25"}
        applicable = sum(item.points for item in items)
        inspection_part = next(p for p in row["parts"] if p["key"] == "inspection")
        expected = Decimal(inspection_part["scaled_weight"]) * failed.points / applicable
        assert abs(Decimal(line["points"]) + expected) < Decimal("0.01")
    auth.login("fuqiang_leader")
    page = auth.client.get(f"/assessment/people/{worker.id}?period=2026-Q4").get_data(as_text=True)
    assert f'href="/inspections/{inspection_id}#item-{failed.id}"' in page


def _sections(page):
    """{section title: (stated first day, stated last day) or None, [days of its lines]}
    from the person page's breakdown."""
    found = {}
    for block in page.split("<h3>")[1:]:
        title = block[:block.index(" <span")]
        ranges = re.findall(r"(\d{4})年(\d+)月(\d+)日 至 (\d{4})年(\d+)月(\d+)日", block.split("</p>")[0])
        spans = [(date(int(y1), int(m1), int(d1)), date(int(y2), int(m2), int(d2)))
                 for y1, m1, d1, y2, m2, d2 in ranges]
        days = [date(2026, int(m), int(d)) for m, d in re.findall(r'<td class="nowrap">(?:<a [^>]*>)?(\d+)月(\d+)日',
                                                                    block)]
        found[title] = (spans, days)
    return found


def test_the_person_page_lists_no_date_outside_the_span_it_states(app, auth):
    """The street's 签到 start on 11月4日, the community was inspected on 11月2日: the
    inspection counts (督查 of the 考核期间), and the page says so rather than
    claiming one 计分日期 from 11月4日 for everything."""
    with app.app_context():
        worker = worker_with_a_late_day(days=(date(2026, 11, 4), date(2026, 11, 5)), late_on=date(2026, 11, 5))
        inspector = account("inspector")
        at = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # Monday 10:00
        inspection = conduct.start(inspector, worker.community, now=at)
        for index, item in enumerate(conduct.sheet(inspection).items):
            conduct.answer(inspector, inspection.id, str(item.id), None, "fail" if index == 0 else "pass",
                           "未公示" if index == 0 else "", now=at)
        conduct.submit(inspector, inspection.id, now=at)
        db.session.commit()
        person_id = worker.id
    auth.login("fuqiang_leader")
    page = auth.client.get(f"/assessment/people/{person_id}?period=2026-Q4").get_data(as_text=True)
    assert "按已判定的日子计：<span class=\"span-days\">2026年11月4日 至 2026年11月24日</span>" in page
    assert "督查、逾期未销假和逾期未整改按整个考核期间计：<span class=\"span-period\">2026年10月1日 至 2026年12月31日" in page
    sections = _sections(page)
    assert sections["“八个统一”督查不符合项"][1] == [date(2026, 11, 2)]
    assert date(2026, 11, 5) in sections["扣分"][1]  # 迟到, then the days 缺勤
    for title, (spans, days) in sections.items():
        for day in days:
            assert any(first <= day <= last for first, last in spans), (title, day, spans)


def test_a_secretary_cannot_adjust_a_person_in_another_community(app, auth):
    with app.app_context():
        fuda_secretary, fuyuan_worker = account("fuda_secretary"), account("fuyuan_worker01").person
        assert not can(fuda_secretary, Action.ADJUST_ASSESSMENT, fuyuan_worker)
        assert can(account("fuyuan_secretary"), Action.ADJUST_ASSESSMENT, fuyuan_worker)
        with pytest.raises(PermissionError):
            results.adjust(fuda_secretary, fuyuan_worker, "2026-Q4", "2", "表现突出")
        person_id = fuyuan_worker.id
    auth.login("fuda_secretary")
    response = auth.post(f"/assessment/people/{person_id}/adjustments",
                         {"period": "2026-Q4", "points": "2", "reason": "表现突出"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssessmentAdjustment)) == 0


def test_an_adjustment_needs_a_reason_and_is_audited(app, auth):
    with app.app_context():
        worker = worker_with_a_late_day()
        before = Decimal(row_of(worker)["total"])
        person_id = worker.id
    auth.login("fuyuan_secretary")
    path = f"/assessment/people/{person_id}/adjustments"
    response = auth.post(path, {"period": "2026-Q4", "points": "-2", "reason": "  "})
    assert response.status_code == 400 and "请写明调整理由。" in response.get_data(as_text=True)
    response = auth.post(path, {"period": "2026-Q4", "points": "abc", "reason": "x"})
    assert response.status_code == 400 and "调整分值应为" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssessmentAdjustment)) == 0
    response = auth.post(path, {"period": "2026-Q4", "points": "-2", "reason": "未按要求上报信息"})
    assert response.status_code == 302
    with app.app_context():
        worker = db.session.get(type(worker), person_id)
        row = row_of(worker)
        assert Decimal(row["total"]) == before - 2
        assert [line["label"] for line in row["lines"] if line["part"] == "adjustment"] == ["未按要求上报信息"]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assessment.adjusted"))
        assert entry.after["reason"] == "未按要求上报信息" and entry.after["points"] == "-2"


def test_a_locked_period_keeps_its_results_and_refuses_adjustments(app, auth):
    september = (date(2026, 9, 1), date(2026, 9, 2))
    with app.app_context():
        worker = worker_with_a_late_day(september, late_on=september[0])
        computed = row_of(worker, "2026-Q3")
        assert computed["counts"]["late"] == 1
        person_id, fuqiang_id = worker.id, worker.street_id
    auth.login("fuqiang_leader")
    response = auth.post(f"/assessment/streets/{fuqiang_id}/lock", {"period": "2026-Q4"})
    assert response.status_code == 400 and "尚未结束" in response.get_data(as_text=True)
    assert auth.post(f"/assessment/streets/{fuqiang_id}/lock", {"period": "2026-Q3"}).status_code == 302
    with app.app_context():
        worker = db.session.get(type(worker), person_id)
        lock = db.session.scalar(select(AssessmentLock))
        assert lock.period == "2026-Q3" and lock.locked_by_id == account("fuqiang_leader").id
        # A 补卡 approved later (an earlier 签到 on the late day) no longer changes the locked quarter.
        clock_events(worker, september[0], "08:10", "17:40")
        db.session.commit()
        assert row_of(worker, "2026-Q3") == computed
        live = results.report(worker.street, "2026-Q3", [worker.community_id], use_lock=False).person(worker.id)
        assert live["counts"]["late"] == 0
        with pytest.raises(FieldErrors) as refused:
            results.adjust(account("fuyuan_secretary"), worker, "2026-Q3", "1", "补记")
        assert "已由街镇确认锁定" in refused.value.errors["points"]
    auth.logout()
    auth.login("fuyuan_secretary")
    response = auth.post(f"/assessment/people/{person_id}/adjustments",
                         {"period": "2026-Q3", "points": "1", "reason": "补记"})
    assert response.status_code == 400
    assert "2026年第三季度的考核结果已由街镇确认锁定，不能再调整。" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssessmentAdjustment)) == 0
    page = auth.client.get(f"/assessment/people/{person_id}?period=2026-Q3").get_data(as_text=True)
    assert "街镇已确认锁定" in page and "记录调整" not in page
    auth.logout()
    auth.login("fuqiang_leader")
    page = auth.client.get(f"/assessment/streets/{fuqiang_id}?period=2026-Q3").get_data(as_text=True)
    assert "街镇已确认锁定" in page and "确认并锁定" not in page
    assert auth.post(f"/assessment/streets/{fuqiang_id}/lock", {"period": "2026-Q3"}).status_code == 400


def test_a_street_sets_its_own_rules_and_bad_ones_write_nothing(app, auth):
    with app.app_context():
        fuqiang_id, kexue_id = street("fuqiang").id, street("kexue").id
    auth.login("fuqiang_leader")
    with app.app_context():
        audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    good = {"weight_attendance": "50", "weight_patrol": "20", "weight_visits": "10", "weight_inspection": "20",
            "late_points": "0.5", "early_points": "0.5", "absent_points": "3", "overdue_return_points": "2",
            "overdue_action_points": "2", "excellent_from": "95", "pass_from": "80", "basic_from": "60"}
    response = auth.post("/assessment/settings", {**good, "street": fuqiang_id, "weight_visits": "20"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "四项权重合计应为 100，现在是 110。" in page
    response = auth.post("/assessment/settings", {**good, "street": fuqiang_id, "pass_from": "96"})
    assert response.status_code == 400 and "不能重叠" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssessmentSettings)) == 1  # the default only
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits
    response = auth.post("/assessment/settings", {**good, "street": fuqiang_id, "effective_from": "2026-11-24"})
    assert response.status_code == 400 and "生效日期不能早于今天" in response.get_data(as_text=True)
    assert auth.post("/assessment/settings", {**good, "street": fuqiang_id,
                                              "effective_from": "2026-11-25"}).status_code == 302
    # Another street's rules are not the leader's to set.
    assert auth.post("/assessment/settings", {**good, "street": kexue_id}).status_code == 403
    with app.app_context():
        own = db.session.scalar(select(AssessmentSettings).where(AssessmentSettings.street_id == fuqiang_id))
        assert own.weight_attendance == 50 and own.excellent_from == Decimal("95")
        assert results.report(street("fuqiang"), "2026-Q4").rules["excellent_from"] == "95.0"
        assert results.report(street("fuqiang"), "2026-Q3").rules["excellent_from"] == "90.0"  # over: kept
        assert results.report(street("kexue"), "2026-Q4").rules["excellent_from"] == "90.0"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assessment.settings_saved"))
        assert entry.before["weight_attendance"] == "40" and entry.after["weight_attendance"] == "50"


def test_the_export_has_the_pages_rows_and_keeps_formula_like_text_as_text(app, auth):
    with app.app_context():
        worker = worker_with_a_late_day()
        worker.name = "=HYPERLINK(\"x\")"
        db.session.commit()
        fuyuan_id = worker.community_id
        expected = results.report(worker.street, "2026-Q4", [fuyuan_id]).people
    auth.login("fuyuan_secretary")
    page = auth.client.get(f"/assessment/communities/{fuyuan_id}?period=2026-Q4").get_data(as_text=True)
    assert "导出 Excel" in page
    response = auth.client.get(f"/assessment/communities/{fuyuan_id}/export.xlsx?period=2026-Q4")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    assert [c.value for c in sheet[3]][:2] == ["社区", "姓名"] and sheet.cell(3, 11).value == "等次"
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(rows) == len(expected)
    named = next(r for r in rows if r[1].startswith("'"))
    assert named[1] == "'=HYPERLINK(\"x\")"
    assert [r[9] for r in rows] == [p["total"] or "—" for p in expected]
    assert [r[10] for r in rows] == [p["grade"] or "无数据" for p in expected]


def test_a_worker_sees_only_their_own_result(app, auth):
    with app.app_context():
        me, colleague = account("fuyuan_worker01").person, account("fuyuan_worker02").person
        community_id = me.community_id
    auth.login("fuyuan_worker01")
    assert auth.client.get("/assessment/").headers["Location"].endswith(f"/assessment/people/{me.id}")
    assert auth.client.get(f"/assessment/people/{me.id}").status_code == 200
    assert auth.client.get(f"/assessment/people/{colleague.id}").status_code == 403
    assert auth.client.get(f"/assessment/communities/{community_id}").status_code == 403


def test_grades_follow_the_rules_in_force(app):
    with app.app_context():
        worker = worker_with_a_late_day()
        row = row_of(worker)
        assert row["grade"] == rules.Rules().grade(Decimal(row["total"]))


def test_an_unknown_period_shows_this_quarter_with_a_message(app, auth):
    with app.app_context():
        fuyuan_id = account("fuyuan_secretary").person.community_id
    auth.login("fuyuan_secretary")
    response = auth.client.get(f"/assessment/communities/{fuyuan_id}?period=2026-Q9")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "考核期间“2026-Q9”无效" in page and "富源社区 · 2026年第四季度考核" in page


def leave_of(person, start, end, status, returned_recorded_at=None):
    from portal.leave.models import LeaveRequest, LeaveType

    personal = db.session.scalar(select(LeaveType).where(LeaveType.code == "personal"))
    leave = LeaveRequest(person_id=person.id, community_id=person.community_id, street_id=person.street_id,
                         type_id=personal.id, start_date=start, start_half="am", end_date=end, end_half="pm",
                         days=Decimal(1), reason="家中有事", status=status,
                         returned_date=end + timedelta(days=1) if returned_recorded_at else None,
                         returned_half="am" if returned_recorded_at else None,
                         returned_recorded_at=returned_recorded_at)
    db.session.add(leave)
    db.session.flush()
    return leave.id


def test_leave_not_returned_in_time_costs_points_and_links_to_the_request(app, auth):
    with app.app_context():
        worker = worker_with_a_late_day()
        overdue = leave_of(worker, date(2026, 11, 19), date(2026, 11, 19), "approved")  # no 销假 since
        late = leave_of(worker, date(2026, 11, 12), date(2026, 11, 12), "completed",
                        returned_recorded_at=datetime(2026, 11, 17, 2, 0, tzinfo=UTC))  # back 13th, recorded 17th
        leave_of(worker, date(2026, 11, 5), date(2026, 11, 5), "completed",
                 returned_recorded_at=datetime(2026, 11, 6, 1, 0, tzinfo=UTC))   # recorded the morning back: fine
        db.session.commit()
        row = row_of(worker)
        assert [line["link"] for line in row["lines"] if line["label"].startswith("逾期未销假")] == [
            {"kind": "leave", "id": late}, {"kind": "leave", "id": overdue}]
        assert row["counts"]["overdue_returns"] == 2
        person_id = worker.id
    auth.login("fuqiang_leader")
    page = auth.client.get(f"/assessment/people/{person_id}").get_data(as_text=True)
    assert f'href="/leave/{overdue}"' in page and f'href="/leave/{late}"' in page


def test_a_morning_leave_recorded_the_next_day_is_late_the_afternoon_was_the_return(app):
    from portal.leave.models import LeaveRequest

    with app.app_context():
        worker = worker_with_a_late_day()
        morning = leave_of(worker, date(2026, 11, 12), date(2026, 11, 12), "completed",
                           returned_recorded_at=datetime(2026, 11, 13, 1, 0, tzinfo=UTC))  # Friday 09:00
        db.session.get(LeaveRequest, morning).end_half = "am"  # back Thursday afternoon
        db.session.commit()
        row = row_of(worker)
        assert [line["link"] for line in row["lines"] if line["label"].startswith("逾期未销假")] == [
            {"kind": "leave", "id": morning}]


def test_an_overdue_corrective_action_costs_the_secretary_not_the_workers(app):
    from portal.inspections.models import CorrectiveAction

    with app.app_context():
        worker = worker_with_a_late_day()
        inspector = account("inspector")
        at = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
        inspection = conduct.start(inspector, worker.community, now=at)
        for index, item in enumerate(conduct.sheet(inspection).items):
            conduct.answer(inspector, inspection.id, str(item.id), None, "fail" if index == 0 else "pass",
                           "未公示" if index == 0 else "", now=at)
        conduct.submit(inspector, inspection.id, now=at)
        db.session.commit()
        action = db.session.scalar(select(CorrectiveAction))
        assert action.due_on < date(2026, 11, 25)  # seven days: overdue by now, still open
        secretary = account("fuyuan_secretary").person
        secretary_row = row_of(secretary)
        [line] = [line for line in secretary_row["lines"] if line["label"].startswith("逾期未整改")]
        assert line["link"] == {"kind": "action", "id": action.id} and line["points"] == "-2.0"
        assert not any(line["label"].startswith("逾期未整改") for line in row_of(worker)["lines"])


def test_a_per_person_item_failed_by_a_colleague_costs_only_that_colleague(app):
    with app.app_context():
        worker = worker_with_a_late_day()
        colleague = account("fuyuan_worker02").person
        inspector = account("inspector")
        inspection = conduct.start(inspector, worker.community)
        conduct.set_present(inspector, inspection.id, [str(worker.id)])
        failed = None
        for item in conduct.sheet(inspection).items:
            fail = failed is None and item.per_person
            conduct.answer(inspector, inspection.id, str(item.id), str(worker.id) if item.per_person else None,
                           "fail" if fail else "pass", "未佩戴胸卡" if fail else "")
            failed = item if fail else failed
        conduct.submit(inspector, inspection.id)
        db.session.commit()
        mine = [line["link"]["item"] for line in row_of(worker)["lines"] if line["part"] == "inspection"]
        assert mine == [failed.id]
        theirs = row_of(colleague)
        assert not [line for line in theirs["lines"] if line["part"] == "inspection"]
        assert next(p for p in theirs["parts"] if p["key"] == "inspection")["rate"] == "100.0"


def test_an_adjustment_reason_with_a_control_character_is_refused_and_nothing_written(app):
    """PostgreSQL refuses NUL in text: the 书记 gets a message, not a server error."""
    with app.app_context():
        secretary = db.session.scalar(select(Account).where(Account.username == "fuyuan_secretary"))
        worker = db.session.scalar(select(Account).where(Account.username == "fuyuan_worker02")).person
        with pytest.raises(FieldErrors) as refused:
            results.adjust(secretary, worker, "2026-Q4", "2", "表现\x00突出")
        assert "控制字符" in refused.value.errors["reason"]
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AssessmentAdjustment)) == 0


def test_assessment_rules_change_from_a_date_and_never_inside_a_locked_period(app, auth, travel):
    """A change applies from the day chosen (default tomorrow): the running quarter is
    judged by the rules of its last day, and a date inside a confirmed period is refused."""
    with app.app_context():
        fuqiang = street("fuqiang")
        leader = account("fuqiang_leader")
        form = {name: str(value) for name, value in assessment_settings.DEFAULTS.items()}
        assessment_settings.save(leader, fuqiang.id, {**form, "excellent_from": "92"})  # from tomorrow
        db.session.commit()
        assert results.report(fuqiang, "2026-Q4").rules["excellent_from"] == "90.0"   # today: not yet
        assert [h.effective_from for h in assessment_settings.history(fuqiang.id)] == [date(2026, 11, 26)]
        results.lock(leader, fuqiang, "2026-Q3")
        db.session.commit()
    travel(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    with app.app_context():
        fuqiang = street("fuqiang")
        assert results.report(fuqiang, "2026-Q4").rules["excellent_from"] == "92.0"   # from the 26th
        with pytest.raises(FieldErrors) as refused:
            assessment_settings.save(account("fuqiang_leader"), fuqiang.id, form, effective_from="2026-09-30")
        assert "生效日期不能早于今天" in refused.value.errors["effective_from"]
        day, problem = assessment_settings.parse_effective("2026-09-30", fuqiang.id, date(2026, 9, 1))
        assert day is None and "2026年第三季度的考核结果已经确认锁定" in problem
