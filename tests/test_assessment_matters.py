"""便民服务事项 in the 考核 (issue 15, part 5): an optional fifth part whose weight is a
考核 setting per 街镇, from a date, 0 by default so that results do not move until a
街镇 chooses it. The suite's clock: Wednesday 25 November 2026, 10:00 local (2026 Q4)."""
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import func, select, update

from portal import versions
from portal.assessment import results, rules
from portal.assessment import settings as assessment_settings
from portal.assessment.models import AssessmentSettings
from portal.assessment.watch import ASSESSMENT
from portal.audit.models import AuditEntry
from portal.clock import LOCAL_TZ
from portal.extensions import db
from portal.matters import loop
from portal.matters.models import Matter, Satisfaction, Source, Status
from portal.org.models import Street
from tests.conftest import account, recorded_statements
from tests.test_assessment import row_of, worker_with_a_late_day

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Baotou


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW


WEIGHTS = {"weight_attendance": 40, "weight_patrol": 20, "weight_visits": 20, "weight_inspection": 0,
           "weight_matters": 20}


def fuqiang() -> Street:
    return db.session.scalar(select(Street).where(Street.slug == "fuqiang"))


def weigh_matters(effective_from=date(2026, 7, 1), **weights):
    """The street's rules with matters weighed, in force from a date already past (as
    a 街镇 that chose them in the summer)."""
    values = {**assessment_settings.DEFAULTS, **WEIGHTS, **weights}
    db.session.add(AssessmentSettings(street_id=fuqiang().id, effective_from=effective_from, **values))
    db.session.commit()


def at(day: date, hhmm="10:00") -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def matter(holder, due: datetime, status=Status.FED_BACK, on_time: bool | None = True,
           satisfaction: Satisfaction | None = Satisfaction.SATISFIED) -> Matter:
    closed = status not in (Status.REGISTERED, Status.HANDLING, Status.REPORTED, Status.REFERRED)
    row = Matter(kind_id=2, urgency_id=3, street_id=holder.street_id, community_id=holder.community_id,
                 grid_id=holder.grid_id, description="楼道灯不亮", source=Source.PATROL, status=status, version=1,
                 found_by_id=holder.id, holder_id=holder.id, due_at=due, created_at=due - timedelta(hours=72),
                 closed_at=(due - timedelta(hours=1) if on_time else due + timedelta(hours=5)) if closed else None,
                 closed_on_time=on_time if closed else None,
                 satisfaction=satisfaction if status in (Status.FED_BACK, Status.VERIFIED) else None)
    db.session.add(row)
    db.session.flush()
    return row


def the_matters():
    """worker01's four matters due in Q4 up to yesterday earn 1 + 0.5 + 0 + 0 = 1.5 of 4:
    0.375. Not counted for them: one due tomorrow, one held by worker02, one due in Q3."""
    worker = account("fuyuan_worker01").person
    other = account("fuyuan_worker02").person
    made = {
        "on_time": matter(worker, at(date(2026, 11, 10))),
        "unhappy": matter(worker, at(date(2026, 11, 12)), satisfaction=Satisfaction.UNSATISFIED),
        "late": matter(worker, at(date(2026, 11, 14)), on_time=False),
        "open": matter(worker, at(date(2026, 11, 20)), status=Status.HANDLING, on_time=None),
        "tomorrow": matter(worker, at(date(2026, 11, 26)), status=Status.HANDLING, on_time=None),
        "colleague": matter(other, at(date(2026, 11, 24))),
        "q3": matter(worker, at(date(2026, 9, 20)), on_time=False),
    }
    db.session.commit()
    return made


def part(row, key="matters"):
    return next((p for p in row["parts"] if p["key"] == key), None)


# -- the pure rule --------------------------------------------------------------------

def test_each_matter_earns_one_on_time_half_when_unsatisfied_none_when_late():
    outcomes = [rules.MatterOutcome(1, "a", True, False), rules.MatterOutcome(2, "b", True, True),
                rules.MatterOutcome(3, "c", False, False), rules.MatterOutcome(4, "d", False, True)]
    assert [m.earned for m in outcomes] == [1, Decimal("0.5"), 0, 0]
    assert rules.MatterSum(4, 2, 1).earned == Decimal("1.5")
    rule_set = rules.Rules(weight_attendance=50, weight_patrol=0, weight_visits=0, weight_inspection=0,
                           weight_matters=50)
    from portal.attendance.rules import Tally
    result = rules.assess(rules.PersonInput(tally=Tally(present_days=Decimal(10)), week_sum=rules.WeekSum(),
                                            matters=outcomes), rule_set)
    matters_part = result.parts[-1]
    assert matters_part.key == "matters" and matters_part.rate == Decimal("0.375")
    assert result.total == Decimal("68.8")  # 50 × 1 + 50 × 0.375 = 68.75


def test_with_weight_0_there_is_no_fifth_part_and_the_rules_read_as_before():
    rule_set = rules.Rules()
    assert "weight_matters" not in rule_set.as_json()
    result = rules.assess(rules.PersonInput(matters=[rules.MatterOutcome(1, "a", False, False)]), rule_set)
    assert [p.key for p in result.parts] == list(rules.PARTS)
    assert rules.parts_of(rule_set.as_json()) == rules.PARTS
    assert "matters" in rules.parts_of(rules.Rules(weight_inspection=0, weight_matters=20).as_json())


@pytest.mark.parametrize("raw", ["-5", "101", "abc", "1.5", "２０"])
def test_a_bad_matters_weight_gets_a_chinese_message_next_to_its_field(raw):
    form = {**{k: str(v) for k, v in assessment_settings.DEFAULTS.items()}, "weight_matters": raw}
    _values, errors = assessment_settings.parse(form)
    assert set(errors) == {"weight_matters"}
    assert errors["weight_matters"] == "便民服务事项按时办结（权重，0 为不计）应为 0–100 之间的整数。"


def test_the_five_weights_add_up_to_100_and_an_empty_matters_weight_is_0():
    form = {k: str(v) for k, v in assessment_settings.DEFAULTS.items()}
    values, errors = assessment_settings.parse({**form, "weight_matters": "10"})
    assert errors == {"weights": "五项权重合计应为 100，现在是 110。"}
    values, errors = assessment_settings.parse({**form, "weight_matters": ""})
    assert not errors and values["weight_matters"] == 0
    values, errors = assessment_settings.parse({**form, "weight_inspection": "10", "weight_matters": "10"})
    assert not errors and values["weight_matters"] == 10


# -- on the database ------------------------------------------------------------------

def test_with_weight_0_matters_leave_every_result_as_it_was(app):
    with app.app_context():
        worker = worker_with_a_late_day()
        secretary = account("fuyuan_secretary").person
        before = [row_of(worker), row_of(secretary)]
        street_before = results.report(worker.street, "2026-Q4").people
        the_matters()
        assert [row_of(worker), row_of(secretary)] == before
        assert results.report(worker.street, "2026-Q4").people == street_before
        assert "weight_matters" not in results.report(worker.street, "2026-Q4").rules


def test_a_weight_changes_the_workers_score_as_computed_by_hand(app, auth):
    with app.app_context():
        worker = worker_with_a_late_day()
        made = the_matters()
        weigh_matters()
        row = row_of(worker)
        # Attendance, patrols and matters apply (no complete week of visits, no inspection):
        # 40 + 20 + 20 = 80 scaled to 100, so matters weigh 25; 25 × 0.375 = 9.375.
        matters_part = part(row)
        assert matters_part["scaled_weight"] == "25.0" and matters_part["rate"] == "37.5"
        assert matters_part["points"] == "9.4" and "到期 4 件，按时办结 2 件" in matters_part["detail"]
        attendance, patrol = part(row, "attendance"), part(row, "patrol")
        assert attendance["scaled_weight"] == "50.0" and patrol["scaled_weight"] == "25.0"
        expected = (Decimal(50) * Decimal(attendance["rate"]) / 100 + Decimal(25) * Decimal(patrol["rate"]) / 100
                    + Decimal("9.375") - 1)  # one late day
        assert row["total"] == str(rules.one_decimal(expected))
        # Each matter that lost points is a line naming it, and the lines add up.
        lines = [line for line in row["lines"] if line["part"] == "matters"]
        assert {line["link"]["id"] for line in lines} == {made["unhappy"].id, made["late"].id, made["open"].id}
        assert sum(Decimal(line["points"]) for line in lines) == Decimal(-25) * Decimal("0.625")
        assert row["counts"]["matters"] == 4
        # The 书记 is judged on all of the community's matters due: 1 + 0.5 + 0 + 0 + 1 of 5.
        secretary = account("fuyuan_secretary").person
        assert part(row_of(secretary))["rate"] == "50.0"
        # The street's table (sums in SQL) says what the person's page says.
        street_row = results.report(worker.street, "2026-Q4").person(worker.id)
        assert street_row["total"] == row["total"] and part(street_row)["points"] == "9.4"
        street_id, person_id = worker.street_id, worker.id
    auth.login("fuqiang_leader")
    page = auth.client.get(f"/assessment/streets/{street_id}?period=2026-Q4").get_data(as_text=True)
    assert "<th class=\"num\">便民服务事项</th>" in page
    page = auth.client.get(f"/assessment/people/{person_id}?period=2026-Q4").get_data(as_text=True)
    assert "便民服务事项未按时办结或居民不满意" in page and f"/matters/{made['late'].id}" in page
    response = auth.client.get(f"/assessment/streets/{street_id}/export.xlsx?period=2026-Q4")
    header = [c.value for c in openpyxl.load_workbook(BytesIO(response.data)).active[3]]
    assert "便民服务事项" in header


def test_without_a_weight_the_pages_show_no_matters_column(app, auth):
    with app.app_context():
        street_id = fuqiang().id
    auth.login("fuqiang_leader")
    page = auth.client.get(f"/assessment/streets/{street_id}?period=2026-Q4").get_data(as_text=True)
    assert "便民服务事项</th>" not in page


def test_the_weight_applies_from_its_date_through_the_settings_page(app, auth, travel):
    with app.app_context():
        worker = worker_with_a_late_day()
        the_matters()
        street_id, person_id = worker.street_id, worker.id
    auth.login("fuqiang_leader")
    form = {**{k: str(v) for k, v in assessment_settings.DEFAULTS.items()}, **{k: str(v) for k, v in WEIGHTS.items()},
            "street": street_id, "effective_from": "2026-11-26"}
    assert auth.post("/assessment/settings", form).status_code == 302
    with app.app_context():
        worker = db.session.get(type(worker), person_id)
        assert part(row_of(worker)) is None  # today the rules without matters are in force
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assessment.settings_saved"))
        assert entry.after["weight_matters"] == "20"
    page = auth.client.get(f"/assessment/settings?street={street_id}").get_data(as_text=True)
    assert 'name="weight_matters" value="20"' in page
    travel(datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    with app.app_context():
        worker = db.session.get(type(worker), person_id)
        # In force now; and the matter due on the 26th, still open, is overdue: 1.5 of 5.
        assert part(row_of(worker))["rate"] == "30.0"
        assert part(row_of(worker, "2026-Q3")) is None  # a period over keeps the rules it was judged by


@pytest.mark.parametrize("raw", ["-5", "101", "二十", "<b>20</b>"])
def test_a_bad_weight_on_the_settings_page_writes_nothing(app, auth, raw):
    with app.app_context():
        street_id = fuqiang().id
    auth.login("fuqiang_leader")
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(AssessmentSettings))
        audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    form = {**{k: str(v) for k, v in assessment_settings.DEFAULTS.items()}, "street": street_id,
            "weight_inspection": "0", "weight_matters": raw}
    response = auth.post("/assessment/settings", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    field = page.split('id="s-weight_matters"', 1)[1].split("</div>", 1)[0]
    assert "便民服务事项按时办结（权重，0 为不计）应为 0–100 之间的整数。" in field
    assert "<b>" not in page.split('id="s-weight_matters"', 1)[1][:200]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssessmentSettings)) == rows
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_a_locked_period_keeps_its_matters_figures_when_the_matters_change(app, auth, travel):
    with app.app_context():
        worker = account("fuyuan_worker01").person
        late = matter(worker, at(date(2026, 9, 20)), on_time=False)
        db.session.commit()
        weigh_matters()
        leader = account("fuqiang_leader")
        results.lock(leader, fuqiang(), "2026-Q3")
        db.session.commit()
        locked = results.report(fuqiang(), "2026-Q3").person(worker.id)
        assert part(locked)["rate"] == "0.0"
        db.session.execute(update(Matter).where(Matter.id == late.id).values(closed_on_time=True))
        db.session.commit()
        assert results.report(fuqiang(), "2026-Q3").person(worker.id) == locked
        assert part(results.report(fuqiang(), "2026-Q3", use_lock=False, person_id=worker.id, detail=True)
                    .person(worker.id))["rate"] == "100.0"  # what it would be now


def test_a_matters_step_changes_the_versions_the_street_table_is_kept_under(app):
    with app.app_context():
        worker = account("fuyuan_worker01").person
        weigh_matters()
        done = matter(worker, at(date(2026, 11, 20)))
        db.session.commit()
        street = fuqiang()
        scopes = results.report_scopes(street.id, date(2026, 10, 1), date(2026, 12, 31), date(2026, 11, 25))
        before_versions = versions.read(db.session, scopes)
        assert part(results.report(street, "2026-Q4").person(worker.id))["rate"] == "100.0"
        # The 书记 reopens it (the loop's compare-and-set UPDATE): open past its time limit now.
        loop.step(account("fuyuan_secretary"), done, "reopen", done.version, {"note": "居民说灯又坏了"})
        db.session.commit()
        assert versions.read(db.session, scopes) != before_versions
        assert part(results.report(street, "2026-Q4").person(worker.id))["rate"] == "0.0"  # not the kept one
        # Another street's table is not disturbed by this street's matters.
        other = db.session.scalar(select(Street).where(Street.id != street.id))
        other_scopes = results.report_scopes(other.id, date(2026, 10, 1), date(2026, 12, 31), date(2026, 11, 25))
        other_versions = versions.read(db.session, other_scopes)
        matter(worker, at(date(2026, 11, 21)))
        db.session.commit()
        assert versions.read(db.session, other_scopes) == other_versions


def test_a_street_year_with_matters_costs_the_statements_of_its_quarter(app):
    with app.app_context():
        worker_with_a_late_day()
        the_matters()
        weigh_matters()
        street = fuqiang()
        for period in ("2026-Q4", "2026"):  # the first look closes the days not yet closed
            results.report(street, period)
        versions.touch(db.session, ASSESSMENT)  # then what the worker keeps is out of date
        db.session.commit()
        assert street.communities  # loaded again after the commit, before counting
        counts = {}
        for period in ("2026-Q4", "2026"):
            with recorded_statements(app) as statements:
                results.report(street, period)
            counts[period] = statements
        assert len(counts["2026-Q4"]) == len(counts["2026"]), [s[:80] for s in counts["2026-Q4"]]
        assert sum(1 for s in counts["2026"] if "FROM matters" in s) == 1
