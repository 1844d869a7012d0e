"""便民服务事项 and 居民诉求 (issue 15): registering, the loop, who sees the phone, the
views and the figures. The suite's clock: Wednesday 25 November 2026, 10:00 local."""
import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from portal import clock
from portal.activity import rules as activity
from portal.audit.models import AuditEntry
from portal.errors import FieldErrors
from portal.extensions import db
from portal.matters import loop, rules
from portal.matters.models import Matter, MatterPhoto, MatterStep, MatterUrgency, Satisfaction, Source, Status
from portal.org.models import Community
from tests import images
from tests.conftest import SUITE_NOW, account


def fuyuan() -> Community:
    return db.session.scalar(select(Community).where(Community.slug == "fuyuan"))


def form(**changes) -> dict:
    worker = account("fuyuan_worker01").person
    data = {"grid_id": str(worker.grid_id), "place": "3-2-501", "description": "楼道灯不亮，老人夜里出行不便",
            "kind_id": "1", "urgency_id": "3", "resident_name": "王阿姨", "phone": "13812345678", "consent": "on"}
    data.update(changes)
    return data


def form_in(app, **changes) -> dict:
    with app.app_context():
        return form(**changes)


def matter_input(**changes) -> rules.MatterInput:
    data = form(**changes)
    return rules.MatterInput(data["grid_id"], data["place"], data["description"], data["kind_id"],
                             data["urgency_id"], data["resident_name"], data["phone"], data.get("consent") == "on")


def registered(username="fuyuan_worker01", **changes) -> Matter:
    matter = rules.register(account(username), fuyuan(), matter_input(**changes))
    db.session.commit()
    return matter


def matter_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Matter))


# -- registering ----------------------------------------------------------------------

def test_a_matter_registered_by_its_worker_is_held_by_them_with_its_time_limit_stored(app):
    with app.app_context():
        matter = registered()
        assert matter.status is Status.REGISTERED
        assert matter.holder_id == matter.found_by_id == account("fuyuan_worker01").person_id
        assert matter.due_at == SUITE_NOW + timedelta(hours=72)
        assert [s.step for s in matter.steps] == ["registered"]


def test_a_matter_found_on_patrol_is_linked_to_the_patrol(app):
    with app.app_context():
        worker = account("fuyuan_worker01")
        event = activity.record_event(worker, worker.person, "patrol_start", destination="网格内")
        db.session.commit()
        matter = registered()
        assert matter.source is Source.PATROL and matter.event_id == event.id


def test_the_front_desk_registers_a_matter_brought_to_the_counter(app, auth):
    auth.login("fuyuan_frontdesk")
    response = auth.post("/matters/new", form_in(app), token_from="/matters/new")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Matter)).source is Source.COUNTER


def test_registering_is_audited_without_the_residents_phone(app):
    with app.app_context():
        matter = registered()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "matter.registered"))
        assert entry.object_id == str(matter.id) and "13812345678" not in str(entry.after)


def test_a_working_hours_limit_skips_the_night_and_the_weekend(app):
    with app.app_context():
        level = MatterUrgency(code="x", name="测试", hours=8, working_hours=True)
        friday_4pm = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)   # 16:00 local
        due = rules.due_after(friday_4pm, level)
        # 1.5 h on Friday, 6.5 h from Monday 08:30: Monday 15:00 local.
        assert clock.to_local(due) == datetime(2026, 11, 30, 15, 0, tzinfo=clock.LOCAL_TZ)


BAD = [
    ({"grid_id": ""}, "grid_id", "请选择事项所在的网格"),
    ({"grid_id": "OTHER"}, "grid_id", "请选择本社区的网格"),
    ({"description": "   "}, "description", "请写明"),
    ({"description": "长" * 50_000}, "description", "不能超过"),
    ({"description": "灯坏了\x1b[31m"}, "description", "控制字符"),
    ({"place": "3-2\u202e501"}, "place", "控制字符"),
    ({"phone": "12345"}, "phone", "11 位手机号码"),
    ({"consent": ""}, "phone", "居民同意回访"),
    ({"kind_id": "5"}, "kind_id", "请选择事项类别"),   # 上级交办 is the 街镇's
    ({"urgency_id": "99"}, "urgency_id", "请选择紧急程度"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_written(app, auth, changes, field, message):
    with app.app_context():
        if changes.get("grid_id") == "OTHER":
            other = db.session.scalar(select(Community).where(Community.slug == "fuda"))
            changes = {"grid_id": str(other.grids[0].id)}
        data = form(**changes)
    auth.login("fuyuan_worker01")
    response = auth.post("/matters/new", data, token_from="/matters/new")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert matter_count() == 0


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_written(app, auth):
    auth.login("fuyuan_worker01")
    data = {**form_in(app), "photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "p.jpg")}
    response = auth.post("/matters/new", data, token_from="/matters/new", content_type="multipart/form-data")
    assert response.status_code == 400 and "照片内容不是" in response.get_data(as_text=True)
    with app.app_context():
        assert matter_count() == 0


def test_a_matter_keeps_up_to_five_photos(app, auth):
    auth.login("fuyuan_worker01")
    photos = [(io.BytesIO(images.png()), f"p{i}.png") for i in range(6)]
    response = auth.post("/matters/new", {**form_in(app), "photo": photos}, token_from="/matters/new",
                         content_type="multipart/form-data")
    assert response.status_code == 400 and "最多 5 张" in response.get_data(as_text=True)
    photos = [(io.BytesIO(images.png()), f"p{i}.png") for i in range(2)]
    response = auth.post("/matters/new", {**form_in(app), "photo": photos}, token_from="/matters/new",
                         content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MatterPhoto)) == 2
        photo_id = db.session.scalar(select(MatterPhoto.id))
    assert auth.client.get(f"/matters/photos/{photo_id}").status_code == 200


# -- the loop -------------------------------------------------------------------------

def test_the_whole_loop_report_assign_close_feed_back_verify(app):
    with app.app_context():
        rules.settings().verify_required = True
        matter = registered()
        worker, secretary = account("fuyuan_worker01"), account("fuyuan_secretary")
        worker02 = account("fuyuan_worker02").person
        loop.step(worker, matter, "report", matter.version, {"note": "需要物业配合"})
        assert matter.status is Status.REPORTED and matter.holder_id is None
        loop.step(secretary, matter, "assign", matter.version, {"person_id": str(worker02.id)})
        assert matter.status is Status.HANDLING and matter.holder_id == worker02.id
        loop.step(account("fuyuan_worker02"), matter, "close", matter.version, {"note": "已联系物业换灯"})
        assert matter.status is Status.CLOSED and matter.closed_on_time is True
        loop.step(account("fuyuan_worker02"), matter, "feedback", matter.version,
                  {"feedback_how": "电话告知", "satisfaction": "satisfied"})
        assert matter.satisfaction is Satisfaction.SATISFIED
        loop.step(secretary, matter, "verify", matter.version, {})
        db.session.commit()
        assert matter.status is Status.VERIFIED
        assert [s.step for s in matter.steps] == ["registered", "reported", "assigned", "closed", "fed_back",
                                                  "verified"]
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "matters").order_by(AuditEntry.id)).all()
        assert actions == ["matter.registered", "matter.reported", "matter.assigned", "matter.closed",
                           "matter.fed_back", "matter.verified"]


def test_closing_after_the_time_limit_is_stored_as_late(app):
    with app.app_context():
        matter = registered(urgency_id="1")
        loop.step(account("fuyuan_worker01"), matter, "close", matter.version, {"note": "已处理"},
                  now=SUITE_NOW + timedelta(hours=3))
        assert matter.closed_on_time is False


def test_a_step_on_a_page_that_is_out_of_date_is_refused(app):
    with app.app_context():
        matter = registered()
        stale = matter.version
        loop.step(account("fuyuan_worker01"), matter, "take", stale, {})
        with pytest.raises(loop.Conflict):
            loop.step(account("fuyuan_secretary"), matter, "refer", stale, {"referred_to": "城管"})


def test_reopening_needs_a_reason_and_clears_the_closing(app):
    with app.app_context():
        matter = registered()
        loop.step(account("fuyuan_worker01"), matter, "close", matter.version, {"note": "已处理"})
        with pytest.raises(FieldErrors) as refused:
            loop.step(account("fuyuan_secretary"), matter, "reopen", matter.version, {"note": ""})
        assert "原因" in refused.value.errors["note"]
        loop.step(account("fuyuan_secretary"), matter, "reopen", matter.version, {"note": "居民反映灯又坏了"})
        assert matter.status is Status.HANDLING and matter.closed_at is None and matter.reopened == 1


def test_an_assignment_outside_the_community_is_refused(app, auth):
    with app.app_context():
        matter = registered()
        loop.step(account("fuyuan_worker01"), matter, "report", matter.version, {})
        db.session.commit()
        outsider = account("fuda_worker01").person_id
        matter_id, version = matter.id, matter.version
    auth.login("fuyuan_secretary")
    response = auth.post(f"/matters/{matter_id}/step", {"step": "assign", "version": version,
                                                         "person_id": outsider}, token_from=f"/matters/{matter_id}")
    assert response.status_code == 400 and "只能分派给本社区" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Matter, matter_id).status is Status.REPORTED


def test_feedback_needs_a_rating(app):
    with app.app_context():
        matter = registered()
        loop.step(account("fuyuan_worker01"), matter, "close", matter.version, {"note": "已处理"})
        with pytest.raises(FieldErrors) as refused:
            loop.step(account("fuyuan_worker01"), matter, "feedback", matter.version, {"feedback_how": "电话"})
        assert "satisfaction" in refused.value.errors


def test_the_street_hands_a_task_down_with_a_deadline(app, auth):
    with app.app_context():
        community_id, street_id = fuyuan().id, fuyuan().street_id
    auth.login("fuqiang_leader")
    data = {"community_id": community_id, "kind_id": "5", "urgency_id": "3", "description": "排查辖区燃气管道",
            "deadline": "2026-11-20"}
    response = auth.post(f"/matters/streets/{street_id}/assign", data, token_from=f"/matters/streets/{street_id}")
    assert response.status_code == 400 and "不能早于今天" in response.get_data(as_text=True)
    response = auth.post(f"/matters/streets/{street_id}/assign", {**data, "deadline": "2026-11-30"},
                         token_from=f"/matters/streets/{street_id}")
    assert response.status_code == 302
    with app.app_context():
        matter = db.session.scalar(select(Matter))
        assert matter.status is Status.REPORTED and matter.source is Source.ABOVE
        assert clock.to_local(matter.due_at).date().isoformat() == "2026-11-30"


# -- who sees what ----------------------------------------------------------------------

def test_the_phone_is_masked_in_lists_and_shown_only_to_the_handling_chain(app, auth):
    with app.app_context():
        matter_id = registered().id
    auth.login("fuyuan_frontdesk")
    community_page = auth.client.get(f"/matters/communities/{fuyuan_id(app)}").get_data(as_text=True)
    assert "138****5678" in community_page and "13812345678" not in community_page
    assert "13812345678" not in auth.client.get(f"/matters/{matter_id}").get_data(as_text=True)
    auth.logout()
    auth.login("fuyuan_secretary")
    assert "13812345678" in auth.client.get(f"/matters/{matter_id}").get_data(as_text=True)


def fuyuan_id(app) -> int:
    with app.app_context():
        return fuyuan().id


def test_phones_are_erased_after_the_retention_period(app):
    with app.app_context():
        matter = registered()
        loop.step(account("fuyuan_worker01"), matter, "close", matter.version, {"note": "已处理"})
        db.session.commit()
        assert rules.erase_phones(SUITE_NOW + timedelta(days=30)) == 0
        assert rules.erase_phones(SUITE_NOW + timedelta(days=91)) == 1
        assert matter.phone is None and matter.phone_erased_at is not None


def test_the_community_page_counts_the_month_per_grid(app, auth):
    with app.app_context():
        matter = registered()
        loop.step(account("fuyuan_worker01"), matter, "close", matter.version, {"note": "已处理"})
        registered(urgency_id="1", description="下水道堵塞")
        db.session.commit()
    auth.login("fuyuan_secretary")
    with app.app_context():
        app.config["CLOCK_NOW"] = SUITE_NOW + timedelta(hours=3)
    page = auth.client.get(f"/matters/communities/{fuyuan_id(app)}").get_data(as_text=True)
    assert "已逾期" in page and "下水道堵塞" in page


def test_the_export_lists_the_months_matters_without_phones(app, auth):
    with app.app_context():
        registered(description="=HYPERLINK(\"x\")")
    auth.login("fuyuan_secretary")
    response = auth.client.get(f"/matters/communities/{fuyuan_id(app)}/export.xlsx?month=2026-11")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [c.value for c in sheet[2]]
    assert values[6].startswith("'=") and "13812345678" not in str(values)


def test_my_matters_and_the_register_form_open_on_a_phone(app, auth):
    auth.login("fuyuan_worker01")
    assert auth.client.get("/matters/").status_code == 200
    page = auth.client.get("/matters/new").get_data(as_text=True)
    assert "记一件事" in page and 'name="photo"' in page


def test_steps_write_timeline_rows_of_the_community(app):
    with app.app_context():
        matter = registered()
        assert db.session.scalar(select(MatterStep.community_id)) == matter.community_id


def test_an_overdue_matter_shows_on_its_holders_and_the_secretarys_home(app, auth):
    with app.app_context():
        registered(urgency_id="1", description="井盖缺失，有人掉落危险")
    app.config["CLOCK_NOW"] = SUITE_NOW + timedelta(hours=3)
    for username, shown in (("fuyuan_worker01", True), ("fuyuan_secretary", True), ("fuyuan_worker02", False),
                            ("fuda_worker01", False)):
        auth.login(username)
        page = auth.client.get("/").get_data(as_text=True)
        assert ("井盖缺失" in page) is shown, username
        auth.logout()


def test_the_worker_on_patrol_is_offered_to_record_a_matter(app, auth):
    with app.app_context():
        worker = account("fuyuan_worker01")
        activity.record_event(worker, worker.person, "patrol_start", destination="网格内")
        db.session.commit()
    auth.login("fuyuan_worker01")
    assert "记一件事" in auth.client.get("/").get_data(as_text=True)


def test_the_months_matters_are_counted_on_the_dashboards(app, auth):
    with app.app_context():
        matter = registered()
        loop.step(account("fuyuan_worker01"), matter, "close", matter.version, {"note": "已处理"})
        loop.step(account("fuyuan_worker01"), matter, "feedback", matter.version,
                  {"feedback_how": "电话", "satisfaction": "satisfied"})
        db.session.commit()
        street_id = fuyuan().street_id
    auth.login("fuyuan_secretary")
    page = auth.client.get(f"/dashboards/communities/{fuyuan_id(app)}").get_data(as_text=True)
    assert "本月事项" in page and "100%" in page
    auth.logout()
    auth.login("fuqiang_leader")
    page = auth.client.get(f"/dashboards/streets/{street_id}").get_data(as_text=True)
    assert "本月事项" in page and "富源" in page


def test_verifying_is_offered_only_when_the_settings_ask_for_it(app):
    with app.app_context():
        matter = registered()
        loop.step(account("fuyuan_worker01"), matter, "close", matter.version, {"note": "已处理"})
        loop.step(account("fuyuan_worker01"), matter, "feedback", matter.version,
                  {"feedback_how": "电话", "satisfaction": "basic"})
        assert loop.available(matter, True, True, verify=False) == ["reopen"]
        with pytest.raises(FieldErrors):
            loop.step(account("fuyuan_secretary"), matter, "verify", matter.version, {})


def test_the_administrator_sets_time_limits_for_matters_registered_later(app, auth):
    auth.login("admin")
    data = {"hours-1": "4", "hours-2": "24", "hours-3": "abc", "phone_retention_days": "90"}
    response = auth.post("/matters/settings", data, token_from="/matters/settings")
    assert response.status_code == 400 and "一般时限（小时）应为" in response.get_data(as_text=True)
    response = auth.post("/matters/settings", {**data, "hours-3": "48", "working-3": "on", "new_kind": "环境卫生"},
                         token_from="/matters/settings")
    assert response.status_code == 302
    with app.app_context():
        level = db.session.get(MatterUrgency, 3)
        assert (level.hours, level.working_hours) == (48, True)
        assert "环境卫生" in [k.name for k in rules.kinds()]
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "matter.settings")) is not None


def test_a_patrol_ends_with_the_four_checks_as_its_short_note(app, auth):
    from portal.activity.models import ActivityEvent

    with app.app_context():
        worker = account("fuyuan_worker01")
        activity.record_event(worker, worker.person, "patrol_start", destination="网格内")
        db.session.commit()
        community_id, person_id = worker.person.community_id, worker.person_id
    auth.login("fuyuan_worker01")
    assert "查变动、找问题、集诉求、排矛盾" in auth.client.get("/").get_data(as_text=True)
    note = "查变动：无；找问题：井盖破损；集诉求：路灯；排矛盾：无"
    response = auth.post(f"/board/{community_id}/people/{person_id}/status", {"kind": "patrol_end", "note": note})
    assert response.status_code in (200, 302, 303)
    with app.app_context():
        ended = db.session.scalar(select(ActivityEvent).where(ActivityEvent.person_id == person_id,
                                                              ActivityEvent.kind == "patrol_end"))
        assert ended.note == note
