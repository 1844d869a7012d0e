"""包社区、包网格, 定人定格定责 (通知 工作要求 三(一)(二), 八个一 三): terms with history,
the supervision log and its coverage, 代班 on approved leave, the 公示."""
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal.errors import FieldErrors
from portal.extensions import db
from portal.leave import cover as cover_rules
from portal.leave import rules as leave_rules
from portal.leave.models import LeaveCover, LeaveRequest, LeaveStatus, LeaveType
from portal.org.models import Community, Grid, Street
from portal.people.models import Person, Position
from portal.responsibility import publicity, rules, supervision
from portal.responsibility.models import Assignment, AssignmentKind, SupervisionEntry, SupervisionKind
from tests.conftest import account

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 25 November 2026, 10:00 in Qingshan


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW


def community(slug) -> Community:
    return db.session.scalar(select(Community).where(Community.slug == slug))


def street(slug) -> Street:
    return db.session.scalar(select(Street).where(Street.slug == slug))


def grid(slug, number) -> Grid:
    return db.session.scalar(select(Grid).where(Grid.community_id == community(slug).id, Grid.number == number))


def second_leader(street_slug="fuqiang") -> Person:
    person = Person(name="第二领导", position=Position.STREET_LEADER, street=street(street_slug))
    db.session.add(person)
    db.session.flush()
    return person


def version(kind, unit_id):
    return rules.book_version(rules.scope_of(kind, unit_id))


def assign_community(slug, person, first="2026-11-01", last=None, actor="admin"):
    c = community(slug)
    return rules.assign(account(actor), AssignmentKind.COMMUNITY, c, person, first, last,
                        version(AssignmentKind.COMMUNITY, c.street_id))


def assign_grid(slug, number, person, first="2026-11-01", last=None, actor="admin"):
    g = grid(slug, number)
    return rules.assign(account(actor), AssignmentKind.GRID, g, person, first, last,
                        version(AssignmentKind.GRID, g.community_id))


# -- terms -------------------------------------------------------------------------------

def test_a_community_without_a_leader_is_a_gap_until_someone_is_assigned(app):
    with app.app_context():
        assert community("fuyuan") in rules.gaps(street_id=street("fuqiang").id).communities
        assign_community("fuyuan", account("fuqiang_leader").person)
        db.session.commit()
        assert community("fuyuan") not in rules.gaps(street_id=street("fuqiang").id).communities


def test_a_new_leader_takes_over_and_the_old_term_ends_the_day_before(app):
    with app.app_context():
        first = assign_community("fuyuan", account("fuqiang_leader").person, "2026-10-01")
        other = second_leader()
        assign_community("fuyuan", other, "2026-11-10")
        db.session.commit()
        assert first.valid_to == date(2026, 11, 9)
        assert rules.community_leaders([community("fuyuan").id], date(2026, 11, 25))[community("fuyuan").id] == other
        assert rules.community_leaders([community("fuyuan").id], date(2026, 11, 5))[community("fuyuan").id].id == \
            account("fuqiang_leader").person_id


def test_overlapping_terms_are_refused_and_nothing_is_written(app):
    with app.app_context():
        assign_community("fuyuan", account("fuqiang_leader").person, "2026-10-01", "2026-12-31")
        db.session.commit()
        with pytest.raises(FieldErrors) as refused:
            assign_community("fuyuan", second_leader(), "2026-11-15")
        assert "重叠" in refused.value.errors["valid_from"]
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_a_leader_of_another_street_cannot_be_assigned(app):
    with app.app_context():
        with pytest.raises(FieldErrors) as refused:
            assign_community("fuyuan", account("kexue_leader").person)
        assert "本街镇" in refused.value.errors["person_id"]


def test_a_grid_goes_to_a_head_of_its_own_community_only(app):
    with app.app_context():
        with pytest.raises(FieldErrors):
            assign_grid("fuyuan", 1, account("fuda_secretary").person)
        with pytest.raises(FieldErrors):
            assign_grid("fuyuan", 1, account("fuyuan_worker02").person)
        assign_grid("fuyuan", 1, account("fuyuan_stationhead").person)
        db.session.commit()
        assert rules.grid_heads(community("fuyuan").id, date(2026, 11, 25))[grid("fuyuan", 1).id].id == \
            account("fuyuan_stationhead").person_id


@pytest.mark.parametrize("first, last, field", [
    ("", None, "valid_from"), ("2026-02-30", None, "valid_from"), ("2016-12-31", None, "valid_from"),
    ("2026-11-01", "2026-10-01", "valid_to"), ("2026-11-01x", None, "valid_from")])
def test_bad_dates_are_refused_with_a_message_next_to_the_field(app, first, last, field):
    with app.app_context():
        with pytest.raises(FieldErrors) as refused:
            assign_community("fuyuan", account("fuqiang_leader").person, first, last)
        assert field in refused.value.errors


def test_an_edit_from_a_stale_page_is_refused(app):
    with app.app_context():
        c = community("fuyuan")
        stale = version(AssignmentKind.COMMUNITY, c.street_id)
        assign_community("fuda", account("fuqiang_leader").person)
        db.session.commit()
        with pytest.raises(rules.Conflict):
            rules.assign(account("admin"), AssignmentKind.COMMUNITY, c, account("fuqiang_leader").person,
                         "2026-11-01", None, stale)


def test_two_simultaneous_edits_leave_one_consistent_history(app):
    """Two admins assign the same community at once from the same page: one wins."""
    with app.app_context():
        c = community("fuyuan")
        seen = version(AssignmentKind.COMMUNITY, c.street_id)
        leader_ids = [account("fuqiang_leader").person_id, second_leader().id]
        db.session.commit()
        community_id = c.id
    outcomes = []
    barrier = threading.Barrier(2)

    def edit(person_id):
        with app.app_context():
            barrier.wait()
            try:
                rules.assign(account("admin"), AssignmentKind.COMMUNITY, db.session.get(Community, community_id),
                             db.session.get(Person, person_id), "2026-11-01", None, seen)
                db.session.commit()
                outcomes.append("ok")
            except Exception as error:  # noqa: BLE001 - a conflict or a locked database
                db.session.rollback()
                outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=edit, args=(pid,)) for pid in leader_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    with app.app_context():
        terms = db.session.scalars(select(Assignment).where(Assignment.community_id == community_id)).all()
        assert len(terms) == 1


def test_ending_a_term_makes_a_gap_from_the_next_day(app):
    with app.app_context():
        term = assign_community("fuyuan", account("fuqiang_leader").person, "2026-10-01")
        db.session.commit()
        rules.end_term(account("admin"), term, "2026-11-20", version(AssignmentKind.COMMUNITY, term.street_id))
        db.session.commit()
        assert community("fuyuan") in rules.gaps(street_id=term.street_id).communities


# -- supervision -------------------------------------------------------------------------

def record(day="2026-11-20", kind="guidance", slug="fuyuan", covered="指导网格员入户记录", actor="fuqiang_leader"):
    return supervision.record(account(actor), community(slug), day, kind, covered, "书记、站长", "")


def test_a_visit_is_recorded_for_an_assigned_community_only(app):
    with app.app_context():
        with pytest.raises(FieldErrors) as refused:
            record()
        assert "不由您包联" in refused.value.errors["community_id"]
        assign_community("fuyuan", account("fuqiang_leader").person)
        record()
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(SupervisionEntry)) == 1


@pytest.mark.parametrize("kwargs, field", [
    ({"day": "2026-11-26"}, "day"), ({"day": "nope"}, "day"), ({"kind": "party"}, "kind"),
    ({"covered": "  "}, "covered"), ({"covered": "长" * 501}, "covered"), ({"covered": "a\x00b"}, "covered")])
def test_bad_visits_are_refused(app, kwargs, field):
    with app.app_context():
        assign_community("fuyuan", account("fuqiang_leader").person)
        with pytest.raises(FieldErrors) as refused:
            record(**kwargs)
        assert field in refused.value.errors


def test_the_coverage_shows_what_each_community_got_and_what_is_missing(app):
    with app.app_context():
        assign_community("fuyuan", account("fuqiang_leader").person)
        record(kind="guidance")
        record(kind="training")
        db.session.commit()
        rows = {r.community.slug: r for r in supervision.coverage([street("fuqiang").id], date(2026, 11, 1))}
        assert rows["fuyuan"].counts == {SupervisionKind.GUIDANCE: 1, SupervisionKind.TRAINING: 1}
        assert [k.label for k in rows["fuyuan"].missing] == ["督促", "检查", "考核"]
        assert rows["fuda"].none and rows["fuda"].leader is None


def test_a_leaders_inspection_of_an_assigned_community_counts_as_a_check(app):
    from portal.inspections import conduct

    with app.app_context():
        leader = account("fuqiang_leader")
        assign_community("fuyuan", leader.person)
        db.session.commit()
        inspection = conduct.start(leader, community("fuyuan"))
        for item in conduct.sheet(inspection).items:
            conduct.answer(leader, inspection.id, str(item.id), None, "pass", "")
        conduct.submit(leader, inspection.id)
        db.session.commit()
        row = next(r for r in supervision.coverage([street("fuqiang").id], date(2026, 11, 1))
                   if r.community.slug == "fuyuan")
        assert row.counts[SupervisionKind.CHECK] == 1
        assert any(line.inspection_id == inspection.id for line in supervision.person_log(leader.person,
                                                                                          date(2026, 11, 1)))


# -- 代班 ---------------------------------------------------------------------------------

def file_leave(username, start, end, code="personal"):
    type_id = db.session.scalar(select(LeaveType.id).where(LeaveType.code == code))
    data = leave_rules.LeaveInput(type_id, start, "am", end, "pm", "家中有事", "本市", "")
    leave = leave_rules.submit(account(username), account(username).person, data,
                               {"LEAVE_STREET_APPROVAL_OVER_DAYS": 3})
    db.session.commit()
    return leave


def test_a_cover_who_is_away_those_days_is_refused(app):
    with app.app_context():
        away = file_leave("fuyuan_worker02", date(2026, 11, 30), date(2026, 11, 30))
        leave_rules.decide(account("fuyuan_secretary"), away, True, "")
        db.session.commit()
        leave = file_leave("fuyuan_worker01", date(2026, 11, 30), date(2026, 12, 1))
        with pytest.raises(FieldErrors) as refused:
            cover_rules.check(leave, str(account("fuyuan_worker02").person_id))
        assert "也请假" in refused.value.errors["cover_id"]
        assert account("fuyuan_worker02").person not in [p for p, _ in cover_rules.candidates(leave)]


def test_a_cover_from_another_community_is_refused(app):
    with app.app_context():
        leave = file_leave("fuyuan_worker01", date(2026, 11, 30), date(2026, 12, 1))
        for raw in (str(account("fuda_worker01").person_id), "abc", "99999999", str(leave.person_id)):
            with pytest.raises(FieldErrors):
                cover_rules.check(leave, raw)


def test_the_grids_head_is_suggested_first(app):
    with app.app_context():
        assign_grid("fuyuan", 1, account("fuyuan_stationhead").person)
        db.session.commit()
        leave = file_leave("fuyuan_worker01", date(2026, 11, 30), date(2026, 12, 1))
        person, note = cover_rules.candidates(leave)[0]
        assert person.id == account("fuyuan_stationhead").person_id and note == "包网格"


def test_approving_with_a_cover_shows_it_on_the_board_the_hall_and_the_publicity(app, auth):
    with app.app_context():
        leave_id = file_leave("fuyuan_worker01", date(2026, 11, 25), date(2026, 11, 25), code="sick").id
        cover_id = account("fuyuan_worker02").person_id
        cover_name = account("fuyuan_worker02").person.name
        fuyuan_id = community("fuyuan").id
    auth.login("fuyuan_secretary")
    page = auth.client.get(f"/leave/{leave_id}").get_data(as_text=True)
    assert 'name="cover_id"' in page
    response = auth.post(f"/leave/{leave_id}/decide", {"decision": "approve", "comment": "",
                                                       "cover_id": str(cover_id)}, token_from=f"/leave/{leave_id}")
    assert response.status_code == 302
    board = auth.client.get(f"/board/{fuyuan_id}").get_data(as_text=True)
    assert f"第1网格由{cover_name}代管" in board
    sheet = auth.client.get(f"/responsibility/communities/{fuyuan_id}/publicity").get_data(as_text=True)
    assert f"请假期间由{cover_name}代管" in sheet
    with app.app_context():
        assert db.session.scalar(select(LeaveCover.person_id)) == cover_id


def test_a_refused_cover_leaves_the_request_undecided(app, auth):
    with app.app_context():
        leave_id = file_leave("fuyuan_worker01", date(2026, 11, 30), date(2026, 11, 30)).id
        outsider = account("fuda_worker01").person_id
    auth.login("fuyuan_secretary")
    response = auth.post(f"/leave/{leave_id}/decide", {"decision": "approve", "comment": "", "cover_id": str(outsider)},
                         token_from=f"/leave/{leave_id}")
    assert response.status_code == 400 and "代班人员须是本社区" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LeaveRequest, leave_id).status is LeaveStatus.PENDING


# -- 公示 and pages ------------------------------------------------------------------------

def test_the_publicity_names_worker_phone_head_and_leader_and_follows_changes(app):
    with app.app_context():
        fuyuan = community("fuyuan")
        worker = account("fuyuan_worker01").person
        worker.public_office_phone = True
        assign_community("fuyuan", account("fuqiang_leader").person)
        assign_grid("fuyuan", 1, account("fuyuan_secretary").person)
        db.session.commit()
        sheet = publicity.publicity(fuyuan, date(2026, 11, 25))
        first = sheet.lines[0]
        assert sheet.leader.id == account("fuqiang_leader").person_id
        assert first.worker.id == worker.id and first.phone == fuyuan.office_phone
        assert first.head.id == account("fuyuan_secretary").person_id
        assert sheet.lines[1].head is None


def test_the_street_page_shows_gaps_and_the_admin_assigns_through_it(app, auth):
    with app.app_context():
        fuqiang, fuyuan = street("fuqiang"), community("fuyuan")
        leader_id = account("fuqiang_leader").person_id
    auth.login("admin")
    page = auth.client.get(f"/responsibility/streets/{fuqiang.id}").get_data(as_text=True)
    assert "空缺：无人包联" in page
    response = auth.post(f"/responsibility/streets/{fuqiang.id}/assign",
                         {"community_id": str(fuyuan.id), "person_id": str(leader_id), "valid_from": "2026-11-01",
                          "version": "0"}, token_from=f"/responsibility/streets/{fuqiang.id}")
    assert response.status_code == 302
    refused = auth.post(f"/responsibility/streets/{fuqiang.id}/assign",
                        {"community_id": "999999", "person_id": str(leader_id),
                         "valid_from": "2026-11-01", "version": "1"}, token_from=f"/responsibility/streets/{fuqiang.id}")
    assert refused.status_code == 400 and "请选择本街镇的社区" in refused.get_data(as_text=True)


def test_a_community_of_another_street_is_refused_on_the_street_page(app, auth):
    with app.app_context():
        fuqiang, fangzhi = street("fuqiang"), community("fangzhi")
        leader_id = account("fuqiang_leader").person_id
    auth.login("fuqiang_leader")
    response = auth.post(f"/responsibility/streets/{fuqiang.id}/assign",
                         {"community_id": str(fangzhi.id), "person_id": str(leader_id), "valid_from": "2026-11-01",
                          "version": "0"}, token_from=f"/responsibility/streets/{fuqiang.id}")
    assert response.status_code == 400 and "请选择本街镇的社区" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_the_coverage_exports_as_xlsx(app, auth):
    import io

    import openpyxl

    with app.app_context():
        fuqiang = street("fuqiang")
    auth.login("fuqiang_leader")
    response = auth.client.get(f"/responsibility/coverage/streets/{fuqiang.id}/coverage.xlsx?month=2026-11")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet["B3"].value == "富源社区" or sheet.max_row > 2


def test_org_pages_and_the_admin_home_show_units_nobody_answers_for(app, auth):
    with app.app_context():
        fuqiang, fuyuan = street("fuqiang"), community("fuyuan")
        street_id, community_id = fuqiang.id, fuyuan.id
    auth.login("admin")
    assert "无包社区领导的社区" in auth.client.get(f"/org/streets/{street_id}").get_data(as_text=True)
    assert "无包网格书记/站长的网格" in auth.client.get(f"/org/communities/{community_id}").get_data(as_text=True)
    assert "包社区、包网格空缺" in auth.client.get("/").get_data(as_text=True)


def test_a_leaders_home_shows_what_is_left_this_month(app, auth):
    with app.app_context():
        assign_community("fuyuan", account("fuqiang_leader").person)
        record(kind="guidance")
        db.session.commit()
    auth.login("fuqiang_leader")
    page = auth.client.get("/").get_data(as_text=True)
    assert "还缺培训、督促、检查、考核" in page


def test_a_heads_home_lists_their_grids_with_figures(app, auth):
    with app.app_context():
        assign_grid("fuyuan", 3, account("fuyuan_stationhead").person)
        db.session.commit()
    auth.login("fuyuan_stationhead")
    page = auth.client.get("/").get_data(as_text=True)
    assert "我包的网格" in page and "第3网格" in page


def test_a_heads_grid_table_counts_open_and_overdue_matters(app, auth):
    """包网格: the head sees each grid's 便民服务事项 still open, the overdue ones in brackets."""
    from datetime import timedelta

    from portal import clock
    from portal.matters import rules as matters

    with app.app_context():
        assign_grid("fuyuan", 3, account("fuyuan_stationhead").person)
        fuyuan = db.session.scalar(select(Community).where(Community.slug == "fuyuan"))
        grid = db.session.scalar(select(Grid).where(Grid.community_id == fuyuan.id, Grid.number == 3))
        worker = account("fuyuan_worker03")
        for days_ago, text in ((0, "楼道灯不亮"), (10, "单元门禁损坏")):
            matters.register(worker, fuyuan, matters.MatterInput(str(grid.id), "3-1-101", text, "1", "3"),
                             now=clock.now() - timedelta(days=days_ago))
        db.session.commit()
    auth.login("fuyuan_stationhead")
    page = auth.client.get("/").get_data(as_text=True)
    row = page[page.index("<td>第3网格</td>"):].split("</tr>")[0]
    assert "未办结事项" in page and "2（逾期1）" in row


def test_the_hall_publicity_needs_a_live_display_link(app, client):
    from portal.board import rules as board_rules

    with app.app_context():
        fuyuan = community("fuyuan")
        token = board_rules.create_display_link(account("fuyuan_secretary"), fuyuan, "大厅")
        db.session.commit()
    assert client.get(f"/hall/{token}/publicity").status_code == 200
    assert "网格责任人公示" in client.get(f"/hall/{token}/publicity").get_data(as_text=True)
    assert client.get("/hall/not-a-token/publicity").status_code == 404
    fragment = client.get(f"/hall/{token}/publicity", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="publicity"')
    assert "HX-Request" in fragment.headers["Vary"]


def test_the_street_and_district_dashboards_count_this_months_coverage(app, auth):
    with app.app_context():
        assign_community("fuyuan", account("fuqiang_leader").person)
        for kind in ("training", "guidance", "urging", "check", "assessment"):
            record(kind=kind)
        db.session.commit()
        street_id = street("fuqiang").id
        dashboard = supervision.dashboard([street_id], date(2026, 11, 25))
        assert dashboard["all"]["complete"] == 1 and dashboard["all"]["none"] == dashboard["all"]["all"] - 1
    auth.login("inspector")
    assert "本月包社区督导" in auth.client.get(f"/dashboards/streets/{street_id}").get_data(as_text=True)
    assert "本月包社区督导" in auth.client.get("/dashboards/district").get_data(as_text=True)
