"""消息 for 便民服务事项 (issue 18, part 3: "a matter assigned to me or overdue"): a
matter handed to a person tells them; taken over by someone else, its former holder;
past its time limit while open, its holder and the community's 书记/站长, once."""
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.matters import loop
from portal.matters.models import Matter
from portal.notifications import rules
from portal.notifications.models import KIND_LABELS, Notice, NoticeKind
from tests.conftest import SUITE_NOW, Auth, account
from tests.test_matters import fuyuan, registered


def notices_of(username: str, kind: NoticeKind | None = None) -> list[Notice]:
    query = select(Notice).where(Notice.person_id == account(username).person_id).order_by(Notice.id)
    if kind is not None:
        query = query.where(Notice.kind == kind)
    return list(db.session.scalars(query))


def reported_and_assigned(to="fuyuan_worker02") -> Matter:
    matter = registered()
    loop.step(account("fuyuan_worker01"), matter, "report", matter.version, {"note": "需要物业配合"})
    db.session.commit()
    loop.step(account("fuyuan_secretary"), matter, "assign", matter.version,
              {"person_id": str(account(to).person_id)})
    db.session.commit()
    return matter


def test_a_matter_assigned_to_a_person_tells_them_and_links_to_it(app):
    with app.app_context():
        matter = reported_and_assigned()
        (notice,) = notices_of("fuyuan_worker02", NoticeKind.MATTER_ASSIGNED)
        assert notice.url == f"/matters/{matter.id}" and matter.number in notice.title
        assert "交办给您" in notice.title and notice.read_at is None
        # The one who assigned it, and the one who found and 上报 it, are not told.
        assert notices_of("fuyuan_secretary", NoticeKind.MATTER_ASSIGNED) == []
        assert notices_of("fuyuan_worker01", NoticeKind.MATTER_ASSIGNED) == []


def test_registering_and_taking_ones_own_matter_tell_no_one(app):
    with app.app_context():
        matter = registered()
        loop.step(account("fuyuan_worker01"), matter, "take", matter.version, {})
        db.session.commit()
        assert db.session.scalar(select(Notice.id).where(Notice.kind == NoticeKind.MATTER_ASSIGNED)) is None


def test_a_matter_taken_over_by_the_secretary_tells_its_former_holder(app):
    with app.app_context():
        matter = registered()
        loop.step(account("fuyuan_secretary"), matter, "take", matter.version, {})
        db.session.commit()
        (notice,) = notices_of("fuyuan_worker01", NoticeKind.MATTER_ASSIGNED)
        assert "接手办理" in notice.title and account("fuyuan_secretary").person.name in notice.title
        assert notices_of("fuyuan_secretary") == []


def test_a_task_handed_down_to_a_person_tells_them(app, auth):
    with app.app_context():
        community_id, street_id = fuyuan().id, fuyuan().street_id
        worker = account("fuyuan_worker02").person_id
    auth.login("fuqiang_leader")
    data = {"community_id": community_id, "person_id": worker, "kind_id": "5", "urgency_id": "3",
            "description": "排查辖区燃气管道", "deadline": "2026-11-30"}
    response = auth.post(f"/matters/streets/{street_id}/assign", data, token_from=f"/matters/streets/{street_id}")
    assert response.status_code == 302
    with app.app_context():
        matter = db.session.scalar(select(Matter))
        (notice,) = notices_of("fuyuan_worker02", NoticeKind.MATTER_ASSIGNED)
        assert notice.url == f"/matters/{matter.id}" and "2026" in notice.title


def test_a_refused_step_writes_no_notice(app):
    with app.app_context():
        matter = registered()
        loop.step(account("fuyuan_worker01"), matter, "report", matter.version, {})
        db.session.commit()
        stale = matter.version
        loop.step(account("fuyuan_secretary"), matter, "assign", stale,
                  {"person_id": str(account("fuyuan_worker02").person_id)})
        db.session.rollback()  # the request failed after the step: nothing of it stays
        db.session.commit()
        assert db.session.scalar(select(Notice.id)) is None


def test_an_overdue_matter_tells_its_holder_and_the_heads_exactly_once(app):
    with app.app_context():
        matter = registered(urgency_id="1")        # 紧急: two hours
        other = registered(username="fuyuan_worker02")  # 一般: not yet due
        assert rules.sweep(now=SUITE_NOW + timedelta(hours=1)) == 0
        written = rules.sweep(now=SUITE_NOW + timedelta(hours=3))
        db.session.commit()
        for username in ("fuyuan_worker01", "fuyuan_secretary", "fuyuan_stationhead"):
            (notice,) = notices_of(username, NoticeKind.MATTER_OVERDUE)
            assert notice.url == f"/matters/{matter.id}" and "超期未办结" in notice.title
        assert written == 3
        assert notices_of("fuyuan_worker02", NoticeKind.MATTER_OVERDUE) == []
        assert notices_of("fuda_secretary") == []
        # Swept again (cron, opening 消息), later still: nothing new.
        assert rules.sweep(now=SUITE_NOW + timedelta(hours=4)) == 0
        assert rules.sweep(now=SUITE_NOW + timedelta(days=1), community_ids=[fuyuan().id]) == 0
        db.session.commit()
        assert len(notices_of("fuyuan_secretary", NoticeKind.MATTER_OVERDUE)) == 1
        assert other.id != matter.id


def test_a_matter_closed_in_time_is_never_overdue(app):
    with app.app_context():
        matter = registered(urgency_id="1")
        loop.step(account("fuyuan_worker01"), matter, "close", matter.version, {"note": "已处理"},
                  now=SUITE_NOW + timedelta(hours=1))
        db.session.commit()
        assert rules.sweep(now=SUITE_NOW + timedelta(hours=5)) == 0


def test_the_matter_kinds_can_be_muted(app):
    auth = Auth(app.test_client())
    auth.login("fuyuan_worker02")
    page = auth.client.get("/notices/").get_data(as_text=True)
    assert KIND_LABELS[NoticeKind.MATTER_ASSIGNED] in page and KIND_LABELS[NoticeKind.MATTER_OVERDUE] in page
    assert auth.post("/notices/prefs", {"muted": ["matter_assigned"], "email": ""}).status_code == 303
    auth2 = Auth(app.test_client())
    auth2.login("fuyuan_secretary")
    assert auth2.post("/notices/prefs", {"muted": ["matter_overdue"], "email": ""}).status_code == 303
    with app.app_context():
        reported_and_assigned()
        assert notices_of("fuyuan_worker02") == []
        rules.sweep(now=SUITE_NOW + timedelta(days=10))
        db.session.commit()
        assert notices_of("fuyuan_secretary", NoticeKind.MATTER_OVERDUE) == []
        assert len(notices_of("fuyuan_worker02", NoticeKind.MATTER_OVERDUE)) == 1  # only the other kind muted
        assert len(notices_of("fuyuan_stationhead", NoticeKind.MATTER_OVERDUE)) == 1


def test_a_matter_notice_opens_the_matter_for_its_owner_only(app):
    with app.app_context():
        matter_id = reported_and_assigned().id
        notice_id = notices_of("fuyuan_worker02", NoticeKind.MATTER_ASSIGNED)[0].id
    other = Auth(app.test_client())
    other.login("fuyuan_worker01")
    assert other.post(f"/notices/{notice_id}/open").status_code == 403
    head = Auth(app.test_client())
    head.login("fuyuan_secretary")
    assert head.post(f"/notices/{notice_id}/open").status_code == 403
    with app.app_context():
        assert db.session.get(Notice, notice_id).read_at is None
    owner = Auth(app.test_client())
    owner.login("fuyuan_worker02")
    response = owner.post(f"/notices/{notice_id}/open")
    assert response.status_code == 303 and response.headers["Location"] == f"/matters/{matter_id}"
    assert owner.client.get(f"/matters/{matter_id}").status_code == 200
    with app.app_context():
        assert db.session.get(Notice, notice_id).read_at is not None
