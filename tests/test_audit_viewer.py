"""The audit viewer: the 管理员 reads the whole district's log, a 街镇领导 only what
concerns people, communities and settings of their own street; filters by person,
acting account, kind and dates; changes shown before → after; pages of 50."""
import html as html_lib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.activity import rules as activity
from portal.attendance import locks
from portal.audit import log as audit_log
from portal.audit import rules
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.inspections import conduct
from portal.org.models import Community, Street
from portal.people.models import Person
from tests.conftest import account

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Baotou


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW


def person(username) -> Person:
    return account(username).person


def slug_id(model, slug):
    return db.session.scalar(select(model.id).where(model.slug == slug))


def history(app) -> dict[str, int]:
    """Audited changes in 富强路街道 (富源, 富达) and in 科学路街道 (纺织), made through
    the features' own rules; returns the entry id of each by a short name."""
    with app.app_context():
        admin, frontdesk = account("admin"), account("fuyuan_frontdesk")
        marks = {}

        def mark(name):
            db.session.flush()
            marks[name] = db.session.scalar(select(func.max(AuditEntry.id)))

        audit_log.record(admin, "person.updated", person("fuda_worker01"), before={"phone": "13800000001", "name": "甲"},
                     after={"phone": "13900000002", "name": "甲"})
        mark("fuda_phone")
        audit_log.record(admin, "person.updated", person("fangzhi_worker01"), before={"phone": "13800000003"},
                     after={"phone": "13900000004"})
        mark("fangzhi_phone")
        worker02 = person("fuyuan_worker02")
        activity.record_event(frontdesk, worker02, "patrol_start", now=NOW - timedelta(minutes=10))
        mark("fuyuan_on_behalf")
        fangzhi_worker = account("fangzhi_worker02")
        activity.record_event(fangzhi_worker, fangzhi_worker.person, "clock_in", now=NOW - timedelta(minutes=30))
        mark("fangzhi_event")
        inspector = account("inspector")
        conduct.start(inspector, db.session.get(Community, slug_id(Community, "fuyuan")), now=NOW)
        mark("fuyuan_inspection")
        conduct.start(inspector, db.session.get(Community, slug_id(Community, "fangzhi")), now=NOW)
        mark("fangzhi_inspection")
        locks.lock(account("fuqiang_leader"), db.session.get(Street, slug_id(Street, "fuqiang")), date(2026, 10, 1))
        mark("fuqiang_lock")
        locks.lock(account("admin"), db.session.get(Street, slug_id(Street, "kexue")), date(2026, 10, 1))
        mark("kexue_lock")
        db.session.commit()
        return marks


FUQIANG = ("fuda_phone", "fuyuan_on_behalf", "fuyuan_inspection", "fuqiang_lock")
KEXUE = ("fangzhi_phone", "fangzhi_event", "fangzhi_inspection", "kexue_lock")


def test_a_street_sees_entries_about_its_people_communities_and_settings_only(app):
    marks = history(app)
    with app.app_context():
        fuqiang = slug_id(Street, "fuqiang")
        seen = {e.id for e in rules.search(rules.Filters(), street_id=fuqiang, per_page=500).entries}
        everything = {e.id for e in rules.search(rules.Filters(), per_page=500).entries}
    assert {marks[n] for n in FUQIANG} <= seen
    assert not {marks[n] for n in KEXUE} & seen
    assert {marks[n] for n in FUQIANG + KEXUE} <= everything


def test_entries_about_a_person_include_those_done_on_their_behalf(app):
    marks = history(app)
    with app.app_context():
        worker02 = person("fuyuan_worker02").id
        about = {e.id for e in rules.search(rules.Filters(person_id=worker02), per_page=500).entries}
        subjects = rules.subjects(rules.search(rules.Filters(person_id=worker02)).entries)
    assert marks["fuyuan_on_behalf"] in about and marks["fuda_phone"] not in about
    assert {p.id for p in subjects.values()} == {worker02}


def test_a_street_leader_cannot_see_another_streets_audit_entries(app, auth):
    history(app)
    with app.app_context():
        fangzhi_worker = person("fangzhi_worker01").id
    auth.login("fuqiang_leader")
    page = html_lib.unescape(auth.client.get("/audit/").get_data(as_text=True))
    assert "13900000002" in page and "13900000004" not in page
    assert "<code>attendance.month_locked</code>" in page and "<code>inspection.started</code>" in page
    assert page.count("<code>attendance.month_locked</code>") == 1  # 富强路's, not 科学路's
    refused = html_lib.unescape(auth.client.get(f"/audit/?person={fangzhi_worker}").get_data(as_text=True))
    assert "没有找到这个人员（或不在本街镇）" in refused and "13900000004" not in refused
    assert auth.client.get("/admin/audit").status_code == 302  # the old address leads here


def test_the_admin_filters_by_person_account_kind_and_dates(app, auth):
    history(app)
    with app.app_context():
        fuda_worker = person("fuda_worker01").id
        old = AuditEntry(action="person.updated", object_type="people", object_id=str(fuda_worker),
                         at=datetime(2026, 11, 1, 16, 30, tzinfo=UTC),  # 2 November, 00:30 in Baotou
                         after={"phone": "13700000009"})
        db.session.add(old)
        db.session.get(Person, fuda_worker).name = "审计测试人"
        db.session.commit()
    auth.login("admin")

    def page(query):
        return html_lib.unescape(auth.client.get(f"/audit/?{query}").get_data(as_text=True))

    by_person = page(f"person={fuda_worker}")
    assert "13900000002" in by_person and "13700000009" in by_person and "13900000004" not in by_person
    assert f"关于 审计测试人（网格员，富达社区，编号 {fuda_worker}）的记录" in re.sub(r"</?strong>", "", by_person)
    by_name = page("person=审计测试人")
    assert "13900000002" in by_name and "13700000009" in by_name and "13900000004" not in by_name
    by_account = page("username=fuyuan_frontdesk")
    assert "<code>board.status_set</code>" in by_account and "<code>person.updated</code>" not in by_account
    by_kind = page("action=attendance.")
    assert "<code>attendance.month_locked</code>" in by_kind and "<code>board.status_set</code>" not in by_kind
    november_second = page("since=2026-11-02&until=2026-11-02")
    assert "13700000009" in november_second and "13900000002" not in november_second
    first = page("since=2026-11-01&until=2026-11-01")
    assert "13700000009" not in first  # 00:30 in Baotou is the 2nd, whatever UTC says


@pytest.mark.parametrize("query, message", [
    ("since=2026-13-01", "开始日期应为“年-月-日”"),
    ("until=yesterday", "结束日期应为“年-月-日”"),
    ("since=2026-11-20&until=2026-11-01", "结束日期不能早于开始日期"),
    ("username=nobody", "没有这个账号"),
    ("person=999999", "没有找到这个人员"),
    ("person=%00%25", "没有找到这个人员"),
    ("person=无此人", "没有找到这个人员"),
])
def test_bad_filters_give_a_message_not_an_error(app, auth, query, message):
    auth.login("admin")
    response = auth.client.get(f"/audit/?{query}")
    text = html_lib.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and message in text and "筛选条件有误" in text
    assert '<table class="audit">' not in text


def test_two_people_of_one_name_are_offered_to_choose_from(app, auth):
    with app.app_context():
        first, second = person("fuyuan_worker02"), person("fuyuan_worker03")
        second.name = first.name
        db.session.commit()
        name, ids = first.name, (first.id, second.id)
    auth.login("admin")
    page = html_lib.unescape(auth.client.get(f"/audit/?person={name}").get_data(as_text=True))
    assert f"有 2 人叫“{name}”" in page
    for person_id in ids:
        assert f"person={person_id}" in page


def test_changes_show_only_the_fields_that_changed(app, auth):
    history(app)
    auth.login("admin")
    page = auth.client.get("/audit/?action=person.updated").get_data(as_text=True)
    assert '<dt>phone</dt><dd class="old">13800000001</dd><dd class="new">13900000002</dd>' in page
    assert "修改人员信息<br><code>person.updated</code>" in page  # the kind in words beside its code
    assert "<dt>name</dt>" not in page  # unchanged: left out


def test_fifty_entries_a_page_newest_first(app, auth):
    with app.app_context():
        base = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
        db.session.add_all(AuditEntry(action=f"test.entry{n:03d}", object_type="none", at=base + timedelta(minutes=n))
                           for n in range(120))
        db.session.commit()
    auth.login("admin")

    def entries(query):
        return re.findall(r"<code>(test\.entry\d+)</code>", auth.client.get(f"/audit/?action=test.&{query}")
                          .get_data(as_text=True))

    first, third = entries("page=1"), entries("page=3")
    assert len(first) == 50 and first[0] == "test.entry119" and first[-1] == "test.entry070"
    assert len(third) == 20 and third[-1] == "test.entry000"
    assert entries("page=999") == third and entries("page=abc") == first
    text = auth.client.get("/audit/?action=test.&page=2").get_data(as_text=True)
    assert "共 120 条，第 2 / 3 页" in text and "page=1" in text and "page=3" in text


def test_the_old_address_keeps_its_filters(app, auth):
    auth.login("admin")
    response = auth.client.get("/admin/audit?action=person.&username=admin")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/audit/?action=person.&username=admin")


def test_a_page_of_the_log_costs_a_fixed_number_of_statements(app, auth):
    from tests.conftest import count_statements

    auth.login("fuqiang_leader")
    few = count_statements(app, auth.client, "/audit/")
    history(app)
    with app.app_context():
        frontdesk = account("fuyuan_frontdesk")
        for username in ("fuyuan_worker04", "fuyuan_worker05", "fuyuan_worker06", "fuda_worker03"):
            audit_log.record(frontdesk, "person.updated", person(username), before={"phone": "1"}, after={"phone": "2"})
        db.session.commit()
    many = count_statements(app, auth.client, "/audit/")
    assert many <= few + 4 and many <= 20, (few, many)  # one more per kind of object on the page, at most


def test_every_table_owned_by_a_person_community_or_street_is_scoped_in_the_viewer(app):
    """A 街镇 leader sees what was done in their street only if the viewer knows which
    street each audited object belongs to: a table with an owner column and no link
    would be invisible to them (or, worse, unscoped)."""
    owner_columns = {"person_id", "community_id", "street_id"}
    # The notice's structure is seeded, not edited; a card and a board's version follow
    # from the events, and the stored day results and their sums from the writes they judge,
    # which are audited themselves; the log's own entries carry the scope the writer gave them.
    skipped = {"communities", "grids", "current_statuses", "board_versions", "attendance_days",
               "attendance_months", "attendance_weeks", "attendance_fill", "audit_entries"}
    with app.app_context():
        linked = {link.object_type for link in rules.links()}
        owned = {table.name for table in db.metadata.sorted_tables
                 if owner_columns & set(table.columns.keys()) and table.name not in skipped}
    assert owned - linked == set()


def test_a_street_leader_learns_nothing_about_accounts_outside_the_street(app, auth):
    """「没有这个账号」 for a missing name and for a district or other street's account alike."""
    auth.login("fuqiang_leader")

    def answer(username):
        text = html_lib.unescape(auth.client.get(f"/audit/?username={username}").get_data(as_text=True))
        return re.search(r'<p class="error"[^>]*>([^<]*)</p>', text).group(1)

    assert answer("nobody_at_all") == answer("admin") == answer("inspector") == answer("kexue_leader")
    assert "筛选条件有误" not in html_lib.unescape(
        auth.client.get("/audit/?username=fuyuan_worker01").get_data(as_text=True))


def leader_sees(app, street_slug) -> set[int]:
    """The entry ids a 街镇 leader of that street is shown (every page at once)."""
    with app.app_context():
        street_id = slug_id(Street, street_slug)
        return {e.id for e in rules.search(rules.Filters(), street_id=street_id, per_page=10_000).entries}


def test_a_street_leader_sees_an_entry_about_a_person_of_their_street_and_not_of_another(app, auth):
    with app.app_context():
        admin = account("admin")
        audit_log.record(admin, "person.updated", person("fuda_worker01"), before={"phone": "13800000011"},
                         after={"phone": "13900000012"})
        audit_log.record(admin, "person.updated", person("fangzhi_worker01"), before={"phone": "13800000013"},
                         after={"phone": "13900000014"})
        db.session.commit()
    auth.login("fuqiang_leader")
    page = html_lib.unescape(auth.client.get("/audit/?action=person.").get_data(as_text=True))
    assert "13900000012" in page and "13900000014" not in page
    assert "共 1 条" in page


def test_a_person_who_moves_takes_their_entries_to_their_new_street(app):
    """The viewer scopes an entry by where its person is now, as it always has."""
    from portal.admin import people as people_rules
    from portal.people.models import Position

    marks = history(app)
    with app.app_context():
        moved = person("fuda_worker01")
        data = people_rules.PersonInput(moved.name, "fuda_worker01", Position.FRONT_DESK,
                                        street_id=slug_id(Street, "kexue"),
                                        community_id=slug_id(Community, "fangzhi"))
        people_rules.update_person(account("admin"), moved, data)
        db.session.commit()
    kexue, fuqiang = leader_sees(app, "kexue"), leader_sees(app, "fuqiang")
    assert marks["fuda_phone"] in kexue and marks["fuda_phone"] not in fuqiang
    assert marks["fuyuan_on_behalf"] in fuqiang and marks["fuyuan_on_behalf"] not in kexue  # others stay


def rewind_scope_migration(app) -> None:
    """Down to the revision before entries stored their scope, and up again: every
    entry is then as if written before the migration, scoped by its backfill."""
    import flask_migrate

    with app.app_context():
        db.session.remove()
        flask_migrate.downgrade(revision="1437df6424b9")
        db.engine.dispose()
        flask_migrate.upgrade()
        db.engine.dispose()


def test_entries_written_before_the_migration_are_scoped_by_its_backfill(app):
    marks = history(app)
    rewind_scope_migration(app)
    fuqiang = leader_sees(app, "fuqiang")
    assert {marks[n] for n in FUQIANG} <= fuqiang
    assert not {marks[n] for n in KEXUE} & fuqiang


# Tables made after the scope backfill (1437df6424b9): their entries were never backfilled,
# only written with their scope (the demo's 办事指南 is entered through the audited rules).
LATER_TABLES = {"service_items", "service_item_locals", "notice_sheets", "hall_infos", "hall_notices"}


def test_the_backfill_places_an_entry_where_the_writer_does(app):
    """Person, acted-for person, community (also through an inspection) and street
    entries, and district ones: the migration's SQL and the writer agree."""
    history(app)
    with app.app_context():
        inspector = account("inspector")
        inspection = conduct.start(inspector, db.session.get(Community, slug_id(Community, "fangzhi")), now=NOW)
        office_item = next(item for item in conduct.sheet(inspection).items if not item.per_person)
        conduct.answer(inspector, inspection.id, str(office_item.id), None, "pass", "", now=NOW)  # via the inspection
        audit_log.record(account("admin"), "calendar.day_set", object_type="calendar_days",
                         object_id="2026-12-31")
        db.session.commit()
        written = {e.id: (e.street_id, e.community_id) for e in db.session.scalars(select(AuditEntry))
                   if e.object_type not in LATER_TABLES}
    rewind_scope_migration(app)
    with app.app_context():
        filled = {e.id: (e.street_id, e.community_id) for e in db.session.scalars(select(AuditEntry))
                  if e.object_type not in LATER_TABLES}
    assert any(scope == (None, None) for scope in written.values())
    assert {scope[1] for scope in written.values()} - {None}  # communities among them
    assert filled == written
