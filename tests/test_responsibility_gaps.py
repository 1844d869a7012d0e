"""Gaps closed after 包社区/包网格 landed: the 公示's office-phone preference set on the
person form, and terms that end when their holder moves or leaves service."""
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.admin import people as people_rules
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.org.models import Community
from portal.responsibility import rules
from portal.responsibility.models import Assignment, AssignmentKind
from tests.conftest import account
from tests.test_responsibility import NOW, community, frozen, grid, street  # noqa: F401 - frozen: autouse

TODAY = date(2026, 11, 25)


def assign(kind, unit, person, first="2026-11-01", last=None):
    book = unit.street_id if kind is AssignmentKind.COMMUNITY else unit.community_id
    return rules.assign(account("admin"), kind, unit, person, first, last,
                        rules.book_version(rules.scope_of(kind, book)))


def person_form(person, **changes) -> dict:
    data = {"name": person.name, "username": person.account.username, "position": person.position.value,
            "street_id": str(person.street_id or ""), "community_id": str(person.community_id or ""),
            "grid_number": str(person.grid.number) if person.grid else "", "phone": person.phone or "",
            "service_start": person.service_start.isoformat() if person.service_start else "",
            "community_start": person.community_start.isoformat() if person.community_start else ""}
    if person.public_office_phone:
        data["public_office_phone"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# -- 1. 公示时显示社区办公电话 ----------------------------------------------------------------------

def test_the_person_form_switches_the_publicity_from_the_mobile_to_the_office_phone(app, auth):
    with app.app_context():
        worker = account("fuyuan_worker01").person
        worker_id, fuyuan_id = worker.id, worker.community_id
        mobile, office = worker.phone, community("fuyuan").office_phone
        form = person_form(worker)
        assert mobile and office and mobile != office
    auth.login("admin")
    edit = auth.client.get(f"/admin/people/{worker_id}/edit").get_data(as_text=True)
    assert "公示时显示社区办公电话" in edit and 'name="public_office_phone"' in edit
    before = auth.client.get(f"/responsibility/communities/{fuyuan_id}/publicity").get_data(as_text=True)
    assert mobile in before
    response = auth.post(f"/admin/people/{worker_id}/edit", {**form, "public_office_phone": "y"},
                         token_from=f"/admin/people/{worker_id}/edit")
    assert response.status_code == 303
    after = auth.client.get(f"/responsibility/communities/{fuyuan_id}/publicity").get_data(as_text=True)
    assert mobile not in after and after.count(office) >= 2  # the header and the worker's line
    box = re.search(r'<input[^>]*name="public_office_phone"[^>]*>',
                    auth.client.get(f"/admin/people/{worker_id}/edit").get_data(as_text=True)).group(0)
    assert "checked" in box
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.updated")
                                  .order_by(AuditEntry.id.desc()))
        assert entry.before == {"public_office_phone": False} and entry.after == {"public_office_phone": True}
    # Unticked again: the mobile is back.
    auth.post(f"/admin/people/{worker_id}/edit", form, token_from=f"/admin/people/{worker_id}/edit")
    assert mobile in auth.client.get(f"/responsibility/communities/{fuyuan_id}/publicity").get_data(as_text=True)


def test_a_roster_edit_that_has_no_such_column_keeps_the_preference(app):
    with app.app_context():
        worker = account("fuyuan_worker01").person
        worker.public_office_phone = True
        db.session.commit()
        data = people_rules.PersonInput(name=worker.name, username="fuyuan_worker01", position=worker.position,
                                        community_id=worker.community_id, grid_number=worker.grid.number,
                                        phone="13900000001", service_start=worker.service_start)
        people_rules.update_person(account("admin"), worker, data)
        db.session.commit()
        assert worker.public_office_phone is True and worker.phone == "13900000001"


# -- 2. a moved or deactivated person's terms end --------------------------------------------------

def test_a_leader_moved_to_another_street_leaves_their_communities_a_gap_from_today(app, auth):
    with app.app_context():
        leader = account("fuqiang_leader").person
        term = assign(AssignmentKind.COMMUNITY, community("fuyuan"), leader)
        db.session.commit()
        term_id, leader_id, kexue_id = term.id, leader.id, street("kexue").id
        form = person_form(leader, street_id=str(kexue_id))
        version = rules.book_version(rules.scope_of(AssignmentKind.COMMUNITY, leader.street_id))
    auth.login("admin")
    response = auth.post(f"/admin/people/{leader_id}/edit", form, token_from=f"/admin/people/{leader_id}/edit")
    assert response.status_code == 303
    with app.app_context():
        term = db.session.get(Assignment, term_id)
        assert term.valid_to == date(2026, 11, 24)
        assert community("fuyuan") in rules.gaps(street_id=street("fuqiang").id).communities
        assert rules.book_version(rules.scope_of(AssignmentKind.COMMUNITY, street("fuqiang").id)) == version + 1
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "responsibility.ended"))
        assert entry.before["valid_to"] is None and entry.after["valid_to"] == "2026-11-24"
        assert entry.after["reason"] == "person_changed"
    page = auth.client.get(f"/org/streets/{street_id_of(app, 'fuqiang')}").get_data(as_text=True)
    assert "无包社区领导的社区" in page and "富源社区" in page


def street_id_of(app, slug):
    with app.app_context():
        return street(slug).id


def test_a_deactivated_head_leaves_their_grids_a_gap_and_a_future_term_is_withdrawn(app, auth):
    with app.app_context():
        head = account("fuyuan_stationhead").person
        running = assign(AssignmentKind.GRID, grid("fuyuan", 1), head)
        future = assign(AssignmentKind.GRID, grid("fuyuan", 2), head, "2026-12-01")
        past = assign(AssignmentKind.GRID, grid("fuyuan", 3), head, "2026-10-01", "2026-10-31")
        db.session.commit()
        ids, head_id = (running.id, future.id, past.id), head.id
    auth.login("admin")
    response = auth.post(f"/admin/people/{head_id}/deactivate", token_from=f"/admin/people/{head_id}/edit")
    assert response.status_code == 303
    with app.app_context():
        running, future, past = (db.session.get(Assignment, i) for i in ids)
        assert running.valid_to == date(2026, 11, 24)
        assert future is None
        assert past.valid_to == date(2026, 10, 31) and past.version == 1
        gaps = rules.gaps(community_id=community("fuyuan").id)
        assert grid("fuyuan", 1) in gaps.grids
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("responsibility.%"))
                                     .order_by(AuditEntry.id)).all()
        assert actions[-2:] == ["responsibility.ended", "responsibility.withdrawn"]


def test_a_secretary_moved_to_another_community_ends_their_grids_but_a_promotion_in_place_does_not(app):
    with app.app_context():
        secretary, head = account("fuyuan_secretary").person, account("fuyuan_stationhead").person
        moved = assign(AssignmentKind.GRID, grid("fuyuan", 1), secretary)
        kept = assign(AssignmentKind.GRID, grid("fuyuan", 2), head)
        db.session.commit()

        def data(person, **changes):
            values = {"name": person.name, "username": person.account.username, "position": person.position,
                      "community_id": person.community_id, "phone": person.phone,
                      "service_start": person.service_start, "community_start": person.community_start}
            values.update(changes)
            return people_rules.PersonInput(**values)

        people_rules.update_person(account("admin"), secretary, data(secretary, community_id=community("fuda").id))
        people_rules.update_person(account("admin"), head, data(head, position=people_rules.Position.SECRETARY))
        db.session.commit()
        assert moved.valid_to == date(2026, 11, 24)
        assert kept.valid_to is None


def test_a_refused_move_ends_nothing(app):
    with app.app_context():
        leader = account("fuqiang_leader").person
        term = assign(AssignmentKind.COMMUNITY, community("fuyuan"), leader)
        db.session.commit()
        data = people_rules.PersonInput(name="", username="fuqiang_leader", position=leader.position,
                                        street_id=street("kexue").id)
        with pytest.raises(people_rules.FieldErrors):
            people_rules.update_person(account("admin"), leader, data)
        db.session.rollback()
        assert db.session.get(Assignment, term.id).valid_to is None
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action.like("responsibility.ended"))) == 0


# -- 3. 督导扣分: the optional deduction for missing supervision ------------------------------------

def second_leader() -> "Person":  # noqa: F821
    from portal.people.models import Person, Position

    person = Person(name="第二领导", position=Position.STREET_LEADER, street=street("fuqiang"))
    db.session.add(person)
    db.session.flush()
    return person


def visit(slug, kind, actor, day="2026-11-20"):
    from portal.responsibility import supervision

    return supervision.record(account(actor) if isinstance(actor, str) else actor, community(slug), day, kind,
                              "指导网格员入户记录", "书记、站长", "")


def supervised_month():
    """fuqiang_leader answers for 富源 (got 培训、指导: 3 missing) and 富达 (nothing: 5
    missing); 第二领导 for 富润 (all five)."""
    from portal.auth.models import Account

    leader = account("fuqiang_leader").person
    assign(AssignmentKind.COMMUNITY, community("fuyuan"), leader)
    assign(AssignmentKind.COMMUNITY, community("fuda"), leader)
    other = second_leader()
    assign(AssignmentKind.COMMUNITY, community("furun"), other)
    visit("fuyuan", "training", "fuqiang_leader")
    visit("fuyuan", "guidance", "fuqiang_leader")
    db.session.add(Account(username="second_leader", password_hash="x", person=other))
    db.session.flush()
    for kind in ("training", "guidance", "urging", "check", "assessment"):
        visit("furun", kind, account("second_leader"))
    db.session.commit()
    return leader.id, other.id


def rules_count():
    from portal.responsibility.models import SupervisionRules

    return db.session.scalar(select(func.count()).select_from(SupervisionRules))


def xlsx_sheets(auth, street_id, month="2026-11"):
    import io

    import openpyxl

    response = auth.client.get(f"/responsibility/coverage/streets/{street_id}/coverage.xlsx?month={month}")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


def test_with_the_deduction_off_there_is_no_score_and_nothing_changes(app, auth):
    from portal.responsibility import supervision

    with app.app_context():
        supervised_month()
        fuqiang_id = street("fuqiang").id
        rows = supervision.coverage([fuqiang_id], date(2026, 11, 1))
        assert supervision.leader_scores(fuqiang_id, date(2026, 11, 1), rows) == (0, [])
    auth.login("fuqiang_leader")
    page = auth.client.get(f"/responsibility/coverage/streets/{fuqiang_id}?month=2026-11").get_data(as_text=True)
    assert "督导得分" not in page and "督导扣分设置" not in page
    assert xlsx_sheets(auth, fuqiang_id).sheetnames == ["2026年11月"]


def test_with_the_deduction_on_each_leader_gets_a_hand_computed_score(app, auth):
    with app.app_context():
        supervised_month()
        fuqiang_id = street("fuqiang").id
    auth.login("admin")
    response = auth.post("/responsibility/settings", {"scope": str(fuqiang_id), "missing_points": "2",
                                                      "effective_from": "2026-11-25"},
                         token_from="/responsibility/settings")
    assert response.status_code == 302
    assert "每缺一项扣 2.0 分" in auth.client.get("/responsibility/settings").get_data(as_text=True)
    page = auth.client.get(f"/responsibility/coverage/streets/{fuqiang_id}?month=2026-11").get_data(as_text=True)
    scores = page.split('id="leader-scores"')[1]
    # fuqiang_leader: (3 + 5) missing × 2 = 16 → 84; 第二领导: nothing missing → 100.
    assert re.search(r"<td>8</td>\s*<td>16.0</td><td><strong>84.0</strong>", scores)
    assert re.search(r"第二领导</td><td>富润社区</td><td>0</td>\s*<td>0.0</td><td><strong>100.0</strong>", scores)
    book = xlsx_sheets(auth, fuqiang_id)
    assert book.sheetnames == ["2026年11月", "督导得分"]
    rows = list(book["督导得分"].iter_rows(min_row=3, values_only=True))
    assert {row[2:] for row in rows} == {(8, 16.0, 84.0), (0, 0.0, 100.0)}
    # October is over: it keeps the setting in force then (off).
    october = auth.client.get(f"/responsibility/coverage/streets/{fuqiang_id}?month=2026-10").get_data(as_text=True)
    assert "督导得分" not in october
    # The district's other streets follow the default (off); the default on reaches them too.
    with app.app_context():
        from portal.responsibility import settings

        assert settings.points_for(street("kexue").id) == 0
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "supervision.rules_saved"))
        assert entry.after["missing_points"] == "2.0" and entry.before == {"missing_points": "0"}
    auth.post("/responsibility/settings", {"scope": "", "missing_points": "1.5", "effective_from": "2026-11-25"},
              token_from="/responsibility/settings")
    with app.app_context():
        assert settings.points_for(street("kexue").id) == Decimal("1.5")
        assert settings.points_for(street("fuqiang").id) == Decimal("2")
    # The street follows the default again from tomorrow.
    auth.post("/responsibility/settings", {"scope": str(fuqiang_id), "follows_default": "on",
                                           "effective_from": "2026-11-26"}, token_from="/responsibility/settings")
    with app.app_context():
        assert settings.points_for(street("fuqiang").id, date(2026, 11, 26)) == Decimal("1.5")
        assert settings.points_for(street("fuqiang").id) == Decimal("2")


def test_a_score_never_goes_below_zero(app):
    from portal.responsibility import settings, supervision

    with app.app_context():
        supervised_month()
        settings.save(account("admin"), {"scope": "", "missing_points": "20", "effective_from": "2026-11-25"})
        db.session.commit()
        fuqiang_id = street("fuqiang").id
        rows = supervision.coverage([fuqiang_id], date(2026, 11, 1))
        points, scores = supervision.leader_scores(fuqiang_id, date(2026, 11, 1), rows)
        assert points == 20 and [s.score for s in scores] == [0, 100]


@pytest.mark.parametrize("form, field", [
    ({"missing_points": "abc"}, "missing_points"), ({"missing_points": "25"}, "missing_points"),
    ({"missing_points": "-1"}, "missing_points"), ({"missing_points": "1.25"}, "missing_points"),
    ({"missing_points": "NaN"}, "missing_points"), ({"missing_points": ""}, "missing_points"),
    ({"effective_from": "2026-11-01"}, "effective_from"), ({"effective_from": "2026-13-01"}, "effective_from"),
    ({"scope": "999999"}, "scope"), ({"scope": "x"}, "scope"),
    ({"scope": "", "follows_default": "on"}, "follows_default")])
def test_bad_settings_are_refused_with_a_chinese_message_and_nothing_written(app, auth, form, field):
    auth.login("admin")
    token = auth.token("/responsibility/settings")
    with app.app_context():
        before_rows = rules_count()
        before_audit = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = auth.client.post("/responsibility/settings",
                                data={"scope": "", "missing_points": "2", **form, "csrf_token": token})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "未保存" in page and re.search(r'<p class="error">[^<]*[\u4e00-\u9fff]', page)
    with app.app_context():
        assert rules_count() == before_rows
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before_audit


@pytest.mark.parametrize("username", ["fuqiang_leader", "inspector", "fuyuan_secretary", "fuyuan_worker01"])
def test_only_the_administrator_sets_the_deduction(app, auth, username):
    auth.login(username)
    assert auth.client.get("/responsibility/settings").status_code == 403
    assert auth.post("/responsibility/settings", {"scope": "", "missing_points": "2"}).status_code == 403


# -- 4. the demo's matters across the district ----------------------------------------------------

def test_the_demo_matters_reach_every_community_in_every_state_and_keep_fuyuans_own(app):
    from portal.matters import samples
    from portal.matters.models import Matter, MatterKind, MatterStep, Status

    with app.app_context():
        made = samples.seed(NOW)
        db.session.commit()
        matters = list(db.session.scalars(select(Matter)))
        assert made == len(matters)
        fuyuan = community("fuyuan")
        assert sum(1 for m in matters if m.community_id == fuyuan.id) == len(samples.SAMPLES) + 1
        assert {m.community_id for m in matters} == set(db.session.scalars(select(Community.id)))
        assert {m.status for m in matters} >= {Status.REGISTERED, Status.HANDLING, Status.REPORTED,
                                              Status.REFERRED, Status.CLOSED, Status.FED_BACK, Status.VERIFIED}
        codes = {k.id: k.code for k in db.session.scalars(select(MatterKind))}
        for m in matters:
            if m.community_id == fuyuan.id or codes[m.kind_id] == "above":
                continue
            case = next(c for c in samples.OTHERS if _matches(c[3], m.description))
            assert codes[m.kind_id] == case[0], m.description  # the kind matches what was found
            assert m.created_at < NOW
        assert db.session.scalar(select(func.max(MatterStep.at))) <= NOW  # every step in the past
        assert samples.seed(NOW) == 0  # once only


def _matches(template: str, text: str) -> bool:
    pattern = re.escape(template).replace(r"\{b\}", r"\d+").replace(r"\{u\}", r"\d+").replace(r"\{r\}", r"\d+")
    return re.fullmatch(pattern, text) is not None
