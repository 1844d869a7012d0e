"""八个统一 spot checks as the inspector, the community and the district use them."""
import re
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.errors import FieldErrors
from portal.extensions import db
from portal.inspections import bulletins, checklist, conduct, rules, sampling
from portal.inspections.models import (
    Bulletin,
    ChecklistItem,
    ChecklistVersion,
    CorrectiveAction,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    Objection,
    SamplingDraw,
)
from portal.org.models import Community
from tests import images
from tests.conftest import Auth, account, count_statements

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday 18 Nov 2026, 10:00 in Baotou
TABLES = (Inspection, InspectionAnswer, InspectionPhoto, CorrectiveAction, ChecklistVersion, ChecklistItem,
          Bulletin, Objection, SamplingDraw, AuditEntry)


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLOCK_NOW"] = NOW



def community(slug) -> Community:
    return db.session.scalar(select(Community).where(Community.slug == slug))


def counts() -> dict:
    """Rows of every table an inspection writes (the audit log without logins)."""
    found = {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}
    found["AuditEntry"] = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                            .where(AuditEntry.action.not_like("auth.%")))
    return found


def uploaded(app) -> set[str]:
    folder = Path(app.instance_path) / "uploads" / "inspections"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def inspect(username="inspector", slug="fuyuan", fail=(0, 1), submit=True, present=()) -> int:
    """An inspection answered through the rules: the items at the `fail` positions fail."""
    actor = account(username)
    inspection = conduct.start(actor, community(slug))
    if present:
        conduct.set_present(actor, inspection.id, [str(account(u).person_id) for u in present])
    current = conduct.sheet(inspection)
    for index, item in enumerate(current.items):
        for who in current.subjects(item):
            verdict = "fail" if index in fail else "pass"
            conduct.answer(actor, inspection.id, str(item.id), str(who.id) if who else None, verdict,
                           f"问题{index}" if verdict == "fail" else "")
    if submit:
        conduct.submit(actor, inspection.id)
    db.session.commit()
    return inspection.id


def page_of(auth, path):
    response = auth.client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


# -- carrying out an inspection -------------------------------------------------------------

def test_each_answer_is_saved_as_it_is_given_and_the_check_can_be_finished_later(app, auth):
    auth.login("inspector")
    with app.app_context():
        fuyuan = community("fuyuan").id
    response = auth.post("/inspections/", {"community": fuyuan}, token_from="/inspections/")
    path = response.headers["Location"]
    html = page_of(auth, path)
    items = list(dict.fromkeys(re.findall(r"/items/(\d+)/answer", html)))
    assert len(items) == len(checklist.DEFAULT_ITEMS)
    card = auth.post(f"{path}/items/{items[0]}/answer", {"verdict": "fail", "note": "未佩戴胸卡"}, token_from=path,
                     headers={"HX-Request": "true"})
    assert card.status_code == 200 and card.headers["Vary"] == "Cookie, HX-Request" or "HX-Request" in card.headers["Vary"]
    body = card.get_data(as_text=True)
    assert body.startswith("<article") and f'id="item-{items[0]}"' in body and "未佩戴胸卡" in body
    assert "<html" not in body
    # The connection drops; starting again from the desk opens the same draft with the answer kept.
    again = auth.post("/inspections/", {"community": fuyuan}, token_from="/inspections/")
    assert again.headers["Location"] == path
    assert 'aria-pressed="true">不符合' in page_of(auth, path)


def test_submitting_scores_the_check_and_opens_a_corrective_action_per_failed_item(app, auth):
    with app.app_context():
        inspection_id = inspect(fail=(0, 5))
        inspection = db.session.get(Inspection, inspection_id)
        items = conduct.sheet(inspection).items
        total = sum(i.points for i in items)
        failed = items[0].points + items[5].points
        assert float(inspection.score) == round((total - failed) * 100 / total, 1)
        assert inspection.section_scores["1"] == round((10 - 3) * 100 / 10, 1)  # 仪容仪表: 3 of 10 points failed
        action_rows = db.session.scalars(select(CorrectiveAction).where(
            CorrectiveAction.inspection_id == inspection_id)).all()
        assert {a.item_id for a in action_rows} == {items[0].id, items[5].id}
        assert {a.due_on for a in action_rows} == {date(2026, 11, 25)}  # 7 days, the default setting
        assert "问题0" in action_rows[0].finding or "问题0" in action_rows[1].finding
    auth.login("inspector")
    html = page_of(auth, f"/inspections/{inspection_id}")
    assert "已提交" in html and "/answer" not in html


def test_per_person_items_are_answered_for_each_person_present(app):
    with app.app_context():
        people = ("fuyuan_frontdesk", "fuyuan_worker01")
        inspection_id = inspect(fail=(), submit=False, present=people)
        inspection = db.session.get(Inspection, inspection_id)
        badge = conduct.sheet(inspection).items[0]
        assert badge.per_person
        worker = account("fuyuan_worker01")
        conduct.answer(account("inspector"), inspection_id, str(badge.id), str(worker.person_id), "fail", "无胸卡")
        conduct.submit(account("inspector"), inspection_id)
        db.session.commit()
        action = db.session.scalar(select(CorrectiveAction).where(CorrectiveAction.inspection_id == inspection_id))
        assert action.item_id == badge.id and worker.person.name in action.finding
        # half the badge points: one of the two people complied
        total = sum(i.points for i in conduct.sheet(inspection).items)
        assert float(inspection.score) == round((total - 1.5) * 100 / total, 1)


def test_submitting_with_unanswered_items_is_refused_and_nothing_changes(app, auth):
    with app.app_context():
        inspection_id = inspect(submit=False)
        inspection = db.session.get(Inspection, inspection_id)
        last = conduct.sheet(inspection).items[-1]
        db.session.delete(db.session.scalar(select(InspectionAnswer).where(
            InspectionAnswer.inspection_id == inspection_id, InspectionAnswer.item_id == last.id)))
        db.session.commit()
        before = counts()
    auth.login("inspector")
    path = f"/inspections/{inspection_id}"
    response = auth.post(path + "/submit", token_from=path)
    assert response.status_code == 400 and "还有 1 项未检查" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before
        assert db.session.get(Inspection, inspection_id).status == "draft"


def test_a_submitted_inspection_is_read_only(app, auth):
    with app.app_context():
        inspection_id = inspect()
        item_id = conduct.sheet(db.session.get(Inspection, inspection_id)).items[3].id
        before = counts()
    auth.login("inspector")
    path = f"/inspections/{inspection_id}"
    response = auth.post(f"{path}/items/{item_id}/answer", {"verdict": "fail", "note": "改判"}, token_from=path,
                         headers={"HX-Request": "true"})
    assert response.status_code == 422 and "已提交，不能再修改" in response.get_data(as_text=True)
    again = auth.post(path + "/submit", token_from=path)
    assert again.status_code == 400
    with app.app_context():
        assert counts() == before


@pytest.mark.parametrize("form, message", [
    ({"verdict": "fail", "note": ""}, "请写明发现的问题"),
    ({"verdict": "maybe", "note": ""}, "请选择符合、不符合或不适用"),
    ({"verdict": "pass", "note": "长" * 501}, "不能超过 500 字"),
    ({"verdict": "pass", "person": "999999"}, "按社区整体检查"),
])
def test_a_bad_answer_is_refused_next_to_the_item(app, auth, form, message):
    with app.app_context():
        inspection_id = inspect(submit=False, fail=())
        item_id = conduct.sheet(db.session.get(Inspection, inspection_id)).items[6].id
        before = counts()
    auth.login("inspector")
    path = f"/inspections/{inspection_id}"
    response = auth.post(f"{path}/items/{item_id}/answer", form, token_from=path, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body and f'id="item-{item_id}"' in body
    with app.app_context():
        assert counts() == before


def test_an_answer_for_an_item_of_another_checklist_version_is_refused(app, auth):
    with app.app_context():
        inspection_id = inspect(submit=False, fail=())
        rows = [{"section": i.section, "text": i.text, "points": i.points} for i in checklist.current_version().items]
        rows.append({"section": 8, "text": "新增：便民雨伞可借用", "points": 2})
        checklist.new_version(account("admin"), rows, "增加便民雨伞")
        db.session.commit()
        new_item = db.session.scalar(select(ChecklistItem.id).where(ChecklistItem.text == "新增：便民雨伞可借用"))
        before = counts()
    auth.login("inspector")
    path = f"/inspections/{inspection_id}"
    response = auth.post(f"{path}/items/{new_item}/answer", {"verdict": "pass"}, token_from=path,
                         headers={"HX-Request": "true"})
    assert response.status_code == 422 and "不属于本次检查所用的检查表版本" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def test_inspecting_outside_ones_scope_is_refused(app, auth):
    """A 街镇 checks only its own communities; the district checks all."""
    with app.app_context():
        fangzhi = community("fangzhi").id
        before = counts()
    auth.login("fuqiang_leader")
    response = auth.post("/inspections/", {"community": fangzhi}, token_from="/inspections/")
    assert response.status_code == 403 and "不在您的督查范围内" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before
        assert can_start("fuqiang_leader", "fuda") and can_start("inspector", "fangzhi")


def can_start(username, slug):
    from portal.auth.policy import Action, can

    return can(account(username), Action.INSPECT, community(slug))


def test_only_the_inspections_own_inspector_answers_it(app, auth):
    with app.app_context():
        inspection_id = inspect(submit=False, fail=())
        item_id = conduct.sheet(db.session.get(Inspection, inspection_id)).items[0].id
    auth.login("fuqiang_leader")  # may see 富源's inspections, but this one is the district's
    path = f"/inspections/{inspection_id}"
    assert auth.client.get(path).status_code == 200
    assert auth.post(f"{path}/items/{item_id}/answer", {"verdict": "pass"}, token_from="/").status_code == 403


def test_the_inspection_page_costs_a_fixed_number_of_statements(app, auth):
    with app.app_context():
        small = inspect(submit=False, fail=())
        crowded = inspect(slug="fuda", submit=False, fail=(0, 1, 2),
                          present=("fuda_frontdesk", "fuda_worker01", "fuda_worker02", "fuda_worker03"))
    auth.login("inspector")
    auth.client.get("/")  # the login session, read once after the login
    assert count_statements(app, auth.client, f"/inspections/{small}") == \
        count_statements(app, auth.client, f"/inspections/{crowded}")


# -- the inspection on a phone: the bar, the next item -----------------------------------------

def test_the_next_answer_is_the_first_unanswered_one_after_the_one_just_given_else_above():
    items = [rules.Item(1, 1, 2), rules.Item(2, 1, 2, per_person=True), rules.Item(3, 2, 2)]
    given = [rules.Answer(1, None, "pass")]
    assert rules.next_missing(items, [7, 8], given, after=(1, None)) == (2, 7)
    assert rules.next_missing(items, [7, 8], given + [rules.Answer(2, 7, "pass")], after=(2, 7)) == (2, 8)
    later = [rules.Answer(3, None, "na")]
    assert rules.next_missing(items, [], later, after=(3, None)) == (1, None)  # back up to what was skipped
    everything = [rules.Answer(1, None, "pass"), rules.Answer(2, None, "fail"), rules.Answer(3, None, "na")]
    assert rules.next_missing(items, [], everything, after=(2, None)) is None


def test_progress_counts_an_answer_per_person_present_and_ignores_stale_ones():
    items = [rules.Item(1, 1, 2), rules.Item(2, 1, 2, per_person=True)]
    answers = [rules.Answer(2, 7, "pass"), rules.Answer(2, None, "pass")]  # the office answer no longer counts
    assert rules.progress(items, [7, 8], answers) == (1, 3)
    assert rules.progress(items, [], answers) == (1, 2)


def answer_htmx(auth, inspection_id, item_id, form):
    path = f"/inspections/{inspection_id}"
    return auth.post(f"{path}/items/{item_id}/answer", form, token_from=path, headers={"HX-Request": "true"})


def bar_of(html: str) -> str:
    found = re.search(r'<div id="answer-bar".*?</div>', html, re.S)
    assert found, "no answer bar"
    return found.group(0)


def test_the_page_opens_with_the_bar_counting_answers_and_naming_the_first_unanswered(app, auth):
    with app.app_context():
        inspection_id = inspect(submit=False, fail=())
        inspection = db.session.get(Inspection, inspection_id)
        items = [i.id for i in conduct.sheet(inspection).items]
        db.session.execute(InspectionAnswer.__table__.delete().where(
            InspectionAnswer.inspection_id == inspection_id, InspectionAnswer.item_id.in_([items[4], items[9]])))
        db.session.commit()
    auth.login("inspector")
    html = page_of(auth, f"/inspections/{inspection_id}")
    assert html.index(f'id="item-{items[-1]}"') < html.index('id="answer-bar"') < html.index("</main>")
    bar = bar_of(html)
    assert f"已答 <strong>{len(items) - 2}</strong>/{len(items)}" in bar
    assert f'data-next="item-{items[4]}"' in bar and f'href="#item-{items[4]}"' in bar
    assert "提交" in bar and "hx-swap-oob" not in bar


def started_check(app) -> tuple[int, list[int]]:
    """The inspector's new check of 富源社区 and its items' ids, in order."""
    with app.app_context():
        inspection_id = conduct.start(account("inspector"), community("fuyuan")).id
        db.session.commit()
        return inspection_id, [i.id for i in conduct.sheet(db.session.get(Inspection, inspection_id)).items]


def test_an_answer_brings_the_bar_with_the_new_count_out_of_band(app, auth):
    inspection_id, items = started_check(app)
    auth.login("inspector")
    first = answer_htmx(auth, inspection_id, items[0], {"verdict": "pass"})
    body = first.get_data(as_text=True)
    assert first.status_code == 200 and body.startswith("<article")
    bar = bar_of(body)
    assert 'hx-swap-oob="outerHTML:#answer-bar"' in bar
    assert f"已答 <strong>1</strong>/{len(items)}" in bar
    assert 'hx-swap-oob="innerHTML:#announce">已保存：符合。已答 1/31' in body
    second = answer_htmx(auth, inspection_id, items[1], {"verdict": "na"})
    assert f"已答 <strong>2</strong>/{len(items)}" in bar_of(second.get_data(as_text=True))
    again = answer_htmx(auth, inspection_id, items[1], {"verdict": "pass"})  # changing one: still 2
    assert f"已答 <strong>2</strong>/{len(items)}" in bar_of(again.get_data(as_text=True))


def test_a_refused_answer_changes_no_count_and_brings_no_bar(app, auth):
    with app.app_context():
        inspection_id = conduct.start(account("inspector"), community("fuyuan")).id
        db.session.commit()
        item = conduct.sheet(db.session.get(Inspection, inspection_id)).items[0].id
    auth.login("inspector")
    refused = answer_htmx(auth, inspection_id, item, {"verdict": "fail", "note": ""})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "请写明发现的问题" in body and 'aria-invalid="true"' in body
    assert 'id="answer-bar"' not in body


def test_after_an_answer_the_bar_names_the_next_unanswered_item_skipping_answered_ones(app, auth):
    with app.app_context():
        inspection_id = conduct.start(account("inspector"), community("fuyuan")).id
        items = [i.id for i in conduct.sheet(db.session.get(Inspection, inspection_id)).items]
        conduct.answer(account("inspector"), inspection_id, str(items[3]), None, "pass", "")
        db.session.commit()
    auth.login("inspector")
    bar = bar_of(answer_htmx(auth, inspection_id, items[2], {"verdict": "pass"}).get_data(as_text=True))
    assert f'data-next="item-{items[4]}"' in bar  # items[3] was answered already


def test_on_a_per_person_item_the_next_answer_is_the_next_persons_row(app, auth):
    people = ("fuyuan_frontdesk", "fuyuan_worker01")
    with app.app_context():
        inspection_id = conduct.start(account("inspector"), community("fuyuan")).id
        conduct.set_present(account("inspector"), inspection_id, [str(account(u).person_id) for u in people])
        db.session.commit()
        badge = conduct.sheet(db.session.get(Inspection, inspection_id)).items[0].id
        first, second = (account(u).person_id for u in people)
    auth.login("inspector")
    html = page_of(auth, f"/inspections/{inspection_id}")
    assert f'id="item-{badge}-{second}"' in html
    bar = bar_of(answer_htmx(auth, inspection_id, badge, {"verdict": "pass", "person": first})
                 .get_data(as_text=True))
    assert f'data-next="item-{badge}-{second}"' in bar and "已答 <strong>1</strong>/" in bar


def test_the_last_answer_leaves_the_bar_pointing_at_submit(app, auth):
    with app.app_context():
        inspection_id = inspect(submit=False, fail=())
        last = conduct.sheet(db.session.get(Inspection, inspection_id)).items[-1].id
    auth.login("inspector")
    bar = bar_of(answer_htmx(auth, inspection_id, last, {"verdict": "pass"}).get_data(as_text=True))
    assert 'data-next=""' in bar and "已答 <strong>31</strong>/31" in bar and "answer-count done" in bar


def test_without_script_an_answer_redirects_to_the_next_unanswered_item(app, auth):
    inspection_id, items = started_check(app)
    auth.login("inspector")
    path = f"/inspections/{inspection_id}"
    response = auth.post(f"{path}/items/{items[0]}/answer", {"verdict": "pass"}, token_from=path)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{path}#item-{items[1]}")
    assert "已答 <strong>1</strong>/31" in bar_of(page_of(auth, path))


def test_the_bars_submit_still_refuses_while_items_are_unanswered(app, auth):
    with app.app_context():
        inspection_id = conduct.start(account("inspector"), community("fuyuan")).id
        db.session.commit()
        first = conduct.sheet(db.session.get(Inspection, inspection_id)).items[0].id
    auth.login("inspector")
    path = f"/inspections/{inspection_id}"
    response = auth.post(path + "/submit", token_from=path)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "还有 31 项未检查，全部作答后才能提交。" in body
    assert f'<a href="#item-{first}">去作答</a>' in body


# -- photos ---------------------------------------------------------------------------------

@pytest.mark.parametrize("filename, content, message", [
    ("现场.png", b"%PDF-1.4 not an image", "不是 jpg 或 png"),
    ("现场.pdf", images.png(), "只能是 jpg 或 png"),
    ("现场.jpg", images.png(), "与扩展名"),
    ("现场.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "已损坏"),
    ("现场.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024), "5 MB"),
    ("现场.png", b"", "上传的文件是空的"),
])
def test_a_photo_that_is_not_a_proper_image_is_refused_and_nothing_written(app, auth, filename, content, message):
    with app.app_context():
        inspection_id = inspect(submit=False)
        item_id = conduct.sheet(db.session.get(Inspection, inspection_id)).items[0].id
        before, files = counts(), uploaded(app)
    auth.login("inspector")
    path = f"/inspections/{inspection_id}"
    response = auth.post(f"{path}/items/{item_id}/photos", {"photo": (BytesIO(content), filename)}, token_from=path,
                         headers={"HX-Request": "true"}, content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before and uploaded(app) == files


def test_a_photo_is_kept_with_its_answer_and_shown_only_to_those_who_may_see_the_inspection(app, auth):
    with app.app_context():
        inspection_id = inspect(submit=False)
        item_id = conduct.sheet(db.session.get(Inspection, inspection_id)).items[0].id
    auth.login("inspector")
    path = f"/inspections/{inspection_id}"
    card = auth.post(f"{path}/items/{item_id}/photos", {"photo": (BytesIO(images.jpeg()), "现场.JPG")},
                     token_from=path, headers={"HX-Request": "true"}, content_type="multipart/form-data")
    photo_path = re.search(r'href="(/inspections/photos/\d+)"', card.get_data(as_text=True)).group(1)
    assert auth.client.get(photo_path).data.startswith(b"\xff\xd8\xff")
    secretary = Auth(app.test_client())
    secretary.login("fuyuan_secretary")
    assert secretary.client.get(photo_path).status_code == 403  # a draft is the inspector's until submitted
    with app.app_context():
        conduct.submit(account("inspector"), inspection_id)
        db.session.commit()
    assert secretary.client.get(photo_path).status_code == 200
    outsider = Auth(app.test_client())
    outsider.login("fuda_secretary")
    assert outsider.client.get(photo_path).status_code == 403


# -- 整改 -------------------------------------------------------------------------------------

def test_the_secretary_records_a_fix_with_a_photo_and_the_inspector_verifies_it(app, auth):
    with app.app_context():
        inspection_id = inspect(fail=(0,))
        action_id = db.session.scalar(select(CorrectiveAction.id).where(CorrectiveAction.inspection_id == inspection_id))
    auth.login("fuyuan_secretary")
    path = f"/inspections/actions/{action_id}"
    no_photo = auth.post(path + "/fix", {"note": "已配发胸卡"}, token_from=path)
    assert no_photo.status_code == 400 and "请上传整改后的照片" in no_photo.get_data(as_text=True)
    done = auth.post(path + "/fix", {"note": "已配发胸卡", "photo": (BytesIO(images.png()), "胸卡.png")},
                     token_from=path, content_type="multipart/form-data")
    assert done.status_code == 302
    assert "待复核" in page_of(auth, path)
    inspector = Auth(app.test_client())
    inspector.login("inspector")
    refused = inspector.post(path + "/review", {"decision": "reopen", "note": ""}, token_from=path)
    assert refused.status_code == 400 and "退回整改时请写明原因" in refused.get_data(as_text=True)
    assert inspector.post(path + "/review", {"decision": "verify"}, token_from=path).status_code == 302
    with app.app_context():
        action = db.session.get(CorrectiveAction, action_id)
        assert action.status == "verified" and action.fix_note == "已配发胸卡"
        assert db.session.scalar(select(func.count()).select_from(InspectionPhoto)
                                 .where(InspectionPhoto.action_id == action_id)) == 1


def test_a_reopened_action_goes_back_to_the_community_with_a_new_due_date(app):
    with app.app_context():
        inspection_id = inspect(fail=(0,))
        action = db.session.scalar(select(CorrectiveAction).where(CorrectiveAction.inspection_id == inspection_id))
        from portal.inspections import actions

        actions.record_fix(account("fuyuan_stationhead"), action, "已整改", ("a.png", images.png()))
        actions.review(account("inspector"), action, False, "照片看不清", now=NOW + timedelta(days=3))
        db.session.commit()
        assert action.status == "open" and action.reopen_count == 1
        assert action.due_on == date(2026, 11, 28)


def test_a_secretary_cannot_fix_another_communitys_action(app, auth):
    with app.app_context():
        inspection_id = inspect(fail=(0,))
        action_id = db.session.scalar(select(CorrectiveAction.id).where(CorrectiveAction.inspection_id == inspection_id))
    auth.login("fuda_secretary")
    response = auth.post(f"/inspections/actions/{action_id}/fix", {"note": "x"}, token_from="/")
    assert response.status_code == 403


def test_overdue_actions_show_on_both_sides_home_pages(app, auth):
    with app.app_context():
        inspect(fail=(0,))
    app.config["CLOCK_NOW"] = NOW + timedelta(days=8)
    auth.login("fuyuan_secretary")
    assert "逾期未完成的整改 1 项" in page_of(auth, "/")
    inspector = Auth(app.test_client())
    inspector.login("inspector")
    assert "逾期未完成的整改 1 项" in page_of(inspector, "/")
    leader = Auth(app.test_client())
    leader.login("kexue_leader")  # not their street
    assert "逾期未完成的整改" not in page_of(leader, "/")


# -- 抽查 -------------------------------------------------------------------------------------

def test_a_draw_shows_its_seed_and_can_be_replayed_swapped_and_accepted(app, auth):
    with app.app_context():
        inspect(slug="fuda")  # fuda inspected today: least likely
    auth.login("fuqiang_leader")
    response = auth.post("/inspections/sampling", {"size": "3", "seed": "20261118"}, token_from="/inspections/sampling")
    path = response.headers["Location"]
    html = page_of(auth, path)
    assert "20261118" in html and "与本次抽取一致" in html
    with app.app_context():
        draw = db.session.scalar(select(SamplingDraw))
        assert draw.seed == 20261118 and len(draw.chosen) == 3
        assert {c[0] for c in draw.candidates} == {c.id for c in community("fuyuan").street.communities}
        assert sampling.replay(draw) == draw.suggested
        outside = community("fangzhi").id
        spare = next(c[0] for c in draw.candidates if c[0] not in draw.chosen)
        out = draw.chosen[0]
    refused = auth.post(path + "/swap", {"out": out, "in": outside}, token_from=path)
    assert refused.status_code == 400 and "只能换入本次抽查范围内的社区" in refused.get_data(as_text=True)
    assert auth.post(path + "/swap", {"out": out, "in": spare}, token_from=path).status_code == 302
    assert auth.post(path + "/accept", token_from=path).status_code == 302
    with app.app_context():
        draw = db.session.get(SamplingDraw, draw.id)
        assert spare in draw.chosen and out not in draw.chosen and draw.suggested[0] == out
        drafts = db.session.scalars(select(Inspection).where(Inspection.draw_id == draw.id)).all()
        assert sorted(i.community_id for i in drafts) == sorted(draw.chosen)
    again = auth.post(path + "/swap", {"out": spare, "in": out}, token_from=path)
    assert again.status_code == 400 and "已确认" in again.get_data(as_text=True)


def test_confirming_the_draw_leads_to_a_link_starting_each_drawn_check(app, auth):
    auth.login("fuqiang_leader")
    path = auth.post("/inspections/sampling", {"size": "3", "seed": "7"},
                     token_from="/inspections/sampling").headers["Location"]
    response = auth.post(path + "/accept", token_from=path)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{path}#start-h")
    html = page_of(auth, path)
    assert "已确认抽查名单，生成 3 个待检查记录。" in html
    with app.app_context():
        draw = db.session.scalar(select(SamplingDraw))
        drafts = {i.community_id: i.id for i in db.session.scalars(select(Inspection).where(
            Inspection.draw_id == draw.id))}
        names = {c.id: c.name for c in db.session.scalars(select(Community).where(Community.id.in_(draw.chosen)))}
    assert len(drafts) == 3
    for cid, inspection_id in drafts.items():
        assert f'href="/inspections/{inspection_id}">开始检查{names[cid]}</a>' in html


def test_a_drawn_community_with_a_check_already_open_links_to_that_check(app, auth):
    with app.app_context():
        open_one = inspect(username="fuqiang_leader", slug="fuyuan", submit=False, fail=())
        fuyuan = community("fuyuan").id
    auth.login("fuqiang_leader")
    path = auth.post("/inspections/sampling", {"size": "6", "seed": "7"},
                     token_from="/inspections/sampling").headers["Location"]
    with app.app_context():
        assert fuyuan in db.session.scalar(select(SamplingDraw)).chosen  # all of the street's communities
    auth.post(path + "/accept", token_from=path)
    html = page_of(auth, path)
    assert f'href="/inspections/{open_one}">继续检查富源社区</a>' in html  # it has answers already


@pytest.mark.parametrize("size, seed, field_message", [
    ("0", "", "抽查数量应为 1 至"), ("abc", "", "抽查数量应为 1 至"), ("99", "", "抽查数量应为 1 至"),
    ("2", "-5", "随机种子"), ("2", "1" * 12, "随机种子"),
])
def test_a_bad_draw_request_is_refused(app, auth, size, seed, field_message):
    with app.app_context():
        before = counts()
    auth.login("fuqiang_leader")
    response = auth.post("/inspections/sampling", {"size": size, "seed": seed}, token_from="/inspections/sampling")
    assert response.status_code == 400 and field_message in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


# -- 通报 -------------------------------------------------------------------------------------

def test_the_months_bulletin_ranks_communities_and_its_print_and_xlsx_agree(app, auth):
    with app.app_context():
        inspect(slug="fuyuan", fail=())          # 100
        inspect(slug="fuda", fail=(0, 1, 2))     # lower
        inspect(slug="fangzhi", fail=(0,))       # between
    auth.login("inspector")
    preview = page_of(auth, "/inspections/bulletins/preview?period=2026-11")
    assert "（预览）" in preview
    response = auth.post("/inspections/bulletins", {"period": "2026-11"}, token_from="/inspections/bulletins")
    path = response.headers["Location"]
    printed = page_of(auth, path + "/print")
    ranking = re.search(r'<table data-sheet="社区排名">.*?</table>', printed, re.S).group(0)
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", ranking, re.S)[1:]]
    assert [r[1] for r in rows[:3]] == ["富源社区", "纺织社区", "富达社区"]
    assert rows[0][0] == "1" and rows[0][4] == "100.0" and rows[3][0] == "—" and rows[3][4] == "未检查"
    book = openpyxl.load_workbook(BytesIO(auth.client.get(path + "/bulletin.xlsx").data))
    for title, table in re.findall(r'<table data-sheet="(.*?)">(.*?)</table>', printed, re.S):
        html_rows = [[cell for cell in re.findall(r"<t[dh]>(.*?)</t[dh]>", row)]
                     for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
        sheet_rows = [["" if v is None else str(v) for v in row] for row in book[title].iter_rows(min_row=2, values_only=True)]
        assert sheet_rows == html_rows, title
    assert "常见问题" in book.sheetnames and book["常见问题"].max_row >= 3
    twice = auth.post("/inspections/bulletins", {"period": "2026-11"}, token_from="/inspections/bulletins")
    assert twice.status_code == 400 and "已经发布" in twice.get_data(as_text=True)


def test_equal_scores_share_a_rank(app):
    with app.app_context():
        inspect(slug="fuyuan", fail=())
        inspect(slug="fuda", fail=())
        content = bulletins.compute("2026-11", community("fuyuan").street)
        assert [r["rank"] for r in content["communities"][:2]] == [1, 1]
        assert content["streets"][0]["score"] == "100.0"


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "26-11", "", "2026-11-01", "９９９９-11"])
def test_a_bad_period_is_refused(app, auth, period):
    auth.login("inspector")
    response = auth.client.get(f"/inspections/bulletins/preview?period={period}")
    assert response.status_code == 400 and "期间格式应为" in response.get_data(as_text=True)


def test_a_community_objects_within_the_deadline_and_the_inspector_answers(app, auth):
    with app.app_context():
        inspect()
        bulletin = bulletins.publish(account("inspector"), "2026-11", None)
        db.session.commit()
        bulletin_id, until = bulletin.id, bulletin.objection_until
    assert until == date(2026, 11, 23)  # 5 days, the default setting
    auth.login("fuyuan_secretary")
    path = f"/inspections/bulletins/{bulletin_id}"
    empty = auth.post(path + "/objections", {"text": "  "}, token_from=path)
    assert empty.status_code == 400 and "请写明申诉的事项和理由" in empty.get_data(as_text=True)
    assert auth.post(path + "/objections", {"text": "胸卡已于检查当日补戴"}, token_from=path).status_code == 302
    with app.app_context():
        objection_id = db.session.scalar(select(Objection.id))
    inspector = Auth(app.test_client())
    inspector.login("inspector")
    answered = inspector.post(f"/inspections/objections/{objection_id}/answer",
                              {"decision": "dismiss", "reply": "检查时未佩戴，维持原结果"}, token_from=path)
    assert answered.status_code == 302
    assert "维持原结果" in page_of(auth, path)
    app.config["CLOCK_NOW"] = NOW + timedelta(days=6)
    auth.login("fuyuan_secretary")
    late = auth.post(path + "/objections", {"text": "再次申诉"}, token_from=path)
    assert late.status_code == 400 and "申诉期已于2026年11月23日截止" in late.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Objection)) == 1


def test_a_published_bulletin_is_visible_in_its_scope_only(app, auth):
    with app.app_context():
        inspect(username="fuqiang_leader")
        bulletin = bulletins.publish(account("fuqiang_leader"), "2026-11", community("fuyuan").street)
        db.session.commit()
        path = f"/inspections/bulletins/{bulletin.id}"
    auth.login("fuda_secretary")
    assert auth.client.get(path).status_code == 200
    outsider = Auth(app.test_client())
    outsider.login("fangzhi_secretary")
    assert outsider.client.get(path).status_code == 403


# -- the checklist ------------------------------------------------------------------------------

def test_the_first_checklist_covers_the_eight_sections_of_the_attachment(app):
    with app.app_context():
        version = checklist.current_version()
        assert version.number == 1 and {i.section for i in version.items} == set(range(1, 9))
        texts = " ".join(i.text for i in version.items)
        for phrase in ("胸卡", "拖鞋", "办事指南", "便民服务手册", "微信", "社工去向指示牌", "三本", "1小时内回拨",
                       "雨伞、手电筒", "电子显示屏"):
            assert phrase in texts, phrase
        assert not any(i.veto for i in version.items)


def test_editing_the_checklist_makes_a_new_version_and_past_inspections_keep_theirs(app, auth):
    with app.app_context():
        old = inspect()
    auth.login("admin")
    html = page_of(auth, "/inspections/checklist/edit")
    assert int(re.search(r'name="rows" value="(\d+)"', html).group(1)) == len(checklist.DEFAULT_ITEMS) + 3
    form = {"rows": len(checklist.DEFAULT_ITEMS), "note": "拖鞋一项改为一票否决"}
    with app.app_context():
        for index, item in enumerate(checklist.current_version().items):
            form.update({f"{index}.section": item.section, f"{index}.text": item.text, f"{index}.points": item.points})
            if item.per_person:
                form[f"{index}.per_person"] = "1"
            if "拖鞋" in item.text:
                form[f"{index}.veto"] = "1"
    response = auth.post("/inspections/checklist/edit", form, token_from="/inspections/checklist/edit")
    assert response.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)', response.get_data(as_text=True))
    with app.app_context():
        current = checklist.current_version()
        assert current.number == 2 and [i.text for i in current.items if i.veto] == ["不穿拖鞋上班"]
        assert db.session.get(Inspection, old).version.number == 1
    unchanged = auth.post("/inspections/checklist/edit", {**form, "note": "再存一次"},
                          token_from="/inspections/checklist/edit")
    assert unchanged.status_code == 400 and "没有修改" in unchanged.get_data(as_text=True)


@pytest.mark.parametrize("row, message", [
    ({"0.section": "9", "0.text": "x", "0.points": "2"}, "请选择所属的"),
    ({"0.section": "1", "0.text": "", "0.points": "2"}, "请填写检查内容"),
    ({"0.section": "1", "0.text": "x", "0.points": "0"}, "分值应为 1 至 20"),
    ({"0.section": "1", "0.text": "x", "0.points": "2.5"}, "分值应为 1 至 20"),
    ({"0.section": "1", "0.text": "x", "0.points": "2", "0.delete": "1"}, "至少要有一项"),
])
def test_a_bad_checklist_edit_is_refused_and_nothing_written(app, auth, row, message):
    with app.app_context():
        before = counts()
    auth.login("inspector")
    response = auth.post("/inspections/checklist/edit", {"rows": "1", "note": "修订", **row},
                         token_from="/inspections/checklist/edit")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def test_settings_are_checked_and_audited(app, auth):
    auth.login("admin")
    bad = auth.post("/inspections/settings", {"action_due_days": "0", "objection_days": "5", "sample_size": "5"},
                    token_from="/inspections/checklist")
    assert bad.status_code == 400 and "整改期限应为 1 至 90 的整数" in bad.get_data(as_text=True)
    good = auth.post("/inspections/settings", {"action_due_days": "10", "objection_days": "5", "sample_size": "5"},
                     token_from="/inspections/checklist")
    assert good.status_code == 302
    with app.app_context():
        assert checklist.settings().action_due_days == 10
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "inspection.settings"))
        assert entry.before == {"action_due_days": 7} and entry.after == {"action_due_days": 10}


# -- found by fuzzing (tests/fuzz) --------------------------------------------------------------

@pytest.mark.parametrize("path, form, message", [
    ("/inspections/sampling", {"size": "²", "seed": ""}, "抽查数量应为 1 至"),
    ("/inspections/sampling", {"size": "2", "seed": "9" * 5000}, "随机种子"),
    ("/inspections/checklist/edit", {"rows": "1", "note": "修订", "0.section": "1", "0.text": "x", "0.points": "9" * 5000},
     "分值应为 1 至 20"),
    ("/inspections/checklist/edit", {"rows": "1", "note": "修订", "0.section": "²", "0.text": "x", "0.points": "2"}, "请选择"),
    ("/inspections/settings", {"action_due_days": "①", "objection_days": "5", "sample_size": "5"},
     "整改期限应为 1 至 90 的整数"),
    ("/inspections/", {"community": "²"}, "请选择要检查的社区"),
])
def test_numbers_python_cannot_read_are_refused_with_a_message(app, auth, path, form, message):
    with app.app_context():
        before = counts()
    auth.login("inspector")
    response = auth.post(path, form, token_from="/inspections/checklist")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def test_reviewing_an_action_not_yet_fixed_says_why_nothing_happened(app, auth):
    with app.app_context():
        inspection_id = inspect(fail=(0,))
        action_id = db.session.scalar(select(CorrectiveAction.id).where(CorrectiveAction.inspection_id == inspection_id))
        before = counts()
    auth.login("inspector")
    path = f"/inspections/actions/{action_id}"
    response = auth.post(path + "/review", {"decision": "verify"}, token_from=path)
    assert response.status_code == 400 and "该整改事项已是" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def test_answering_an_objection_twice_says_it_is_answered(app, auth):
    with app.app_context():
        inspect()
        bulletin = bulletins.publish(account("inspector"), "2026-11", None)
        objection = bulletins.lodge_objection(account("fuyuan_secretary"), bulletin, "胸卡已补戴")
        db.session.commit()
        bulletin_id, objection_id = bulletin.id, objection.id
    auth.login("inspector")
    path = f"/inspections/bulletins/{bulletin_id}"
    answer = f"/inspections/objections/{objection_id}/answer"
    assert auth.post(answer, {"decision": "dismiss", "reply": "维持"}, token_from=path).status_code == 302
    with app.app_context():
        before = counts()
    again = auth.post(answer, {"decision": "uphold", "reply": "成立"}, token_from=path)
    assert again.status_code == 400 and "该申诉已答复" in again.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def test_text_with_a_nul_is_refused_not_passed_to_the_database(app):
    """PostgreSQL refuses NUL in text; every note, objection, reply and checklist line
    refuses control characters before it gets there."""
    from portal.inspections import actions

    with app.app_context():
        inspector, secretary = account("inspector"), account("fuyuan_secretary")
        inspection_id = inspect(fail=(0,))
        action = db.session.scalar(select(CorrectiveAction).where(CorrectiveAction.inspection_id == inspection_id))
        draft = conduct.start(inspector, community("fuyuan"))
        item = conduct.sheet(draft).items[0]
        bulletin = bulletins.publish(inspector, "2026-11", None)
        objection = bulletins.lodge_objection(secretary, bulletin, "胸卡已补戴")
        db.session.commit()
        before = counts()
        refusals = [
            lambda: conduct.answer(inspector, draft.id, str(item.id), None, "fail", "未\x00佩戴"),
            lambda: actions.record_fix(secretary, action, "已\x00整改", ("p.png", images.png())),
            lambda: bulletins.answer_objection(inspector, objection, False, "维\x00持"),
            lambda: checklist.new_version(inspector, [{"section": "1", "text": "佩戴\x00工作证", "points": "2"}], "修订"),
        ]
        for refusal in refusals:
            with pytest.raises(FieldErrors, match="控制字符"):
                refusal()
            db.session.rollback()
        bulletins.answer_objection(inspector, objection, False, "维持")  # the first objection is answered …
        db.session.commit()
        with pytest.raises(FieldErrors, match="控制字符"):  # … so a second may be lodged
            bulletins.lodge_objection(secretary, bulletin, "再次\x00申诉")
        db.session.rollback()
        assert counts()["Objection"] == before["Objection"]


def test_the_bulletin_list_shows_twenty_at_a_time_newest_first_within_scope(app, auth):
    """Years of monthly 通报 page by twenty instead of growing one list without end."""
    with app.app_context():
        inspector = account("inspector")
        fuqiang, kexue = community("fuyuan").street, community("fangzhi").street
        for n in range(25):  # 2025-01 … 2027-01, district-wide
            year, month = 2025 + (n // 12), n % 12 + 1
            db.session.add(Bulletin(period=f"{year}-{month:02d}", street_id=None, street_key=0, content={},
                                    published_at=datetime(year, month, 28, 2, tzinfo=UTC),
                                    published_by_id=inspector.id, objection_until=date(year, month, 28)))
        for street in (fuqiang, kexue):
            db.session.add(Bulletin(period="2027-02", street_id=street.id, street_key=street.id, content={},
                                    published_at=datetime(2027, 2, 28, 2, tzinfo=UTC),
                                    published_by_id=inspector.id, objection_until=date(2027, 3, 7)))
        db.session.commit()
    auth.login("fuyuan_secretary")
    first = page_of(auth, "/inspections/bulletins")
    periods = re.findall(r"(\d{4})年(\d{1,2})月", first.split("已发布的通报")[1])
    assert len(re.findall(r"<li><a href=\"/inspections/bulletins/\d+\"", first)) == 20
    assert periods[0] == ("2027", "2") and ("2027", "1") in periods and "更早的通报" in first
    assert "科学路" not in first.split("已发布的通报")[1]  # another street's 通报 is not listed
    second = page_of(auth, "/inspections/bulletins?page=2")
    assert len(re.findall(r"<li><a href=\"/inspections/bulletins/\d+\"", second)) == 6
    assert "较新的通报" in second and "更早的通报" not in second
    assert "没有更早的通报了" in page_of(auth, "/inspections/bulletins?page=9")
    for bad in ("0", "-1", "x", "²", "9" * 40):
        assert auth.client.get(f"/inspections/bulletins?page={bad}").status_code == 200
