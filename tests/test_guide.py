"""办事指南: items and their versions, search by what residents say, the 一次性告知单
and its register, the 便民服务手册, and the hall screen's information area."""
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.board import rules as board_rules
from portal.extensions import db
from portal.guide import hall, rules, sheets
from portal.guide.models import HallNotice, NoticeSheet, ServiceItem, ServiceItemVersion
from portal.org.models import Community
from tests.conftest import account


def fuyuan() -> Community:
    return db.session.scalar(select(Community).where(Community.slug == "fuyuan"))


def found(query: str) -> list[str]:
    community = fuyuan()
    return [item.name for item in rules.search(query, community.id, community.street_id).items]


# -- search ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("低保", "最低生活保障申请"),
    ("低保怎么办", "最低生活保障申请"),
    ("我想办居住证", "居住证申领"),
    ("居住证需要什么材料", "居住证申领"),
    ("老年证", "老年人优待证办理"),
    ("给我爸办个老年证", "老年人优待证办理"),
    ("计划生育", "计划生育家庭特别扶助金申请"),
    ("残疾证", "残疾人证办理"),
    ("就业登记", "就业失业登记"),
    ("失业了怎么办", "就业失业登记"),
    ("生孩子要登记吗", "生育登记"),
    ("交医保", "城乡居民基本医疗保险参保缴费"),
    ("养老金认证", "养老金领取资格认证"),
    ("80岁补贴", "高龄津贴申领"),
    ("开个居住证明", "社区居住证明"),
    ("ＤＩ保", None),  # nothing sensible, but no error
])
def test_search_finds_an_item_by_what_a_resident_says(app, query, expected):
    with app.app_context():
        names = found(query)
        if expected is None:
            return
        assert expected in names[:3], names[:5]


def test_the_item_named_in_the_query_comes_first(app):
    with app.app_context():
        assert found("居住证")[0] == "居住证申领"
        assert found("残疾证")[0] == "残疾人证办理"


@pytest.mark.parametrize(("query", "expected"), [
    ("低保", "最低生活保障申请"), ("低保怎么办", "最低生活保障申请"), ("老年证", "老年人优待证办理"),
    ("就业登记", "就业失业登记"), ("医保", "城乡居民基本医疗保险参保缴费"), ("失业了", "就业失业登记"),
])
def test_a_residents_word_that_is_an_alias_ranks_its_item_first(app, query, expected):
    with app.app_context():
        assert found(query)[0] == expected, found(query)[:3]


def test_an_empty_query_lists_every_item_and_says_nothing(app):
    with app.app_context():
        result = rules.search("   ", fuyuan().id, fuyuan().street_id)
        assert len(result.items) >= 30 and result.message is None


def test_one_character_finds_items_and_asks_for_more(app):
    with app.app_context():
        result = rules.search("证", fuyuan().id, fuyuan().street_id)
        assert result.items and "一个字" in result.message


def test_a_thousand_characters_are_cut_with_a_message(app):
    with app.app_context():
        result = rules.search("居住证" * 334, fuyuan().id, fuyuan().street_id)
        assert "过长" in result.message and "居住证申领" in [i.name for i in result.items[:3]]


@pytest.mark.parametrize("query", ["' OR '1'='1", "%", "_", "\\", "%_\\%", "1; DROP TABLE service_items;--",
                                   "<script>alert(1)</script>", "怎么办", "a\x00b"])
def test_sql_like_or_empty_meaning_queries_answer_without_error(app, auth, query):
    auth.login("fuyuan_frontdesk")
    response = auth.client.get("/guide/", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_search_answers_a_few_hundred_items_quickly(app):
    import time

    with app.app_context():
        admin = account("admin")
        base = rules.read_item({"name": "x", "materials": "居民身份证|1|原件"})
        for n in range(300):
            rules.create_item(admin, None, {**base, "name": f"测试事项{n}号", "aliases": f"别名{n} 证明"})
        db.session.commit()
        start = time.perf_counter()
        result = rules.search("我想开个证明", fuyuan().id, fuyuan().street_id)
        assert result.items and time.perf_counter() - start < 0.5


# -- items -------------------------------------------------------------------------------------

FULL = {"name": "测试：燃气开户证明", "aliases": "燃气 开户", "audience": "辖区居民", "basis": "有关规定",
        "materials": "居民身份证｜1｜原件及复印件\n房产证|1|复印件", "process": "1. 受理\n2. 出具",
        "time_limit": "当场办结", "place": "一楼窗口", "handler": "综治岗", "fee": "不收费", "phone": "0472-1",
        "notes": "带齐材料"}


def test_a_secretary_adds_a_community_item_with_every_field_and_its_first_version(app, auth):
    auth.login("fuyuan_secretary")
    response = auth.post("/guide/items/new", FULL, token_from="/guide/items/new")
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(ServiceItem).where(ServiceItem.name == FULL["name"]))
        assert item.community_id == fuyuan().id and item.version == 1
        assert item.materials == [{"name": "居民身份证", "count": 1, "kind": "原件及复印件"},
                                  {"name": "房产证", "count": 1, "kind": "复印件"}]
        assert all(getattr(item, k) == FULL[k] for k in FULL if k != "materials")
        assert db.session.scalar(select(func.count()).select_from(ServiceItemVersion)
                                 .where(ServiceItemVersion.item_id == item.id)) == 1
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "guide.item_create",
                                                          AuditEntry.object_id == str(item.id))).community_id


def test_an_edit_makes_a_new_version_and_keeps_the_old(app, auth):
    with app.app_context():
        item_id = db.session.scalar(select(ServiceItem.id).where(ServiceItem.name == "居住证申领"))
    auth.login("admin")
    page = auth.client.get(f"/guide/items/{item_id}/edit").get_data(as_text=True)
    assert "居住证申领" in page
    form = {**FULL, "name": "居住证申领", "time_limit": "10 个工作日", "version": "1"}
    assert auth.post(f"/guide/items/{item_id}/edit", form, token_from="/guide/").status_code == 302
    history = auth.client.get(f"/guide/items/{item_id}/history").get_data(as_text=True)
    assert "第 2 版" in history and "第 1 版" in history and "派出所受理后 15 日内制证" in history
    stale = auth.post(f"/guide/items/{item_id}/edit", form, token_from="/guide/")
    assert stale.status_code == 409 and "刚被别人改过" in stale.get_data(as_text=True)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"name": ""}, "name", "请填写事项名称"),
    ({"materials": ""}, "materials", "至少填写一项所需材料"),
    ({"materials": "身份证|很多|原件"}, "materials", "份数"),
    ({"materials": "身份证|1|扫描件"}, "materials", "原件"),
    ({"notes": "长" * 50_000}, "notes", "不能超过"),
    ({"name": "居住证申领"}, "name", "已有"),           # a district item of that name exists
    ({"name": "富源社区“小板凳”议事会报名"}, "name", "已有同名事项"),
    ({"place": "a\x00b"}, "place", "控制字符"),
])
def test_bad_items_are_refused_in_chinese_and_nothing_is_written(app, auth, change, field, message):
    auth.login("fuyuan_secretary")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(ServiceItem))
    response = auth.post("/guide/items/new", {**FULL, **change}, token_from="/guide/items/new")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ServiceItem)) == before


def test_the_same_name_in_another_community_is_allowed(app):
    with app.app_context():
        data = rules.read_item(FULL)
        rules.create_item(account("fuyuan_secretary"), fuyuan(), data)
        other = db.session.scalar(select(Community).where(Community.slug == "fangzhi"))
        rules.create_item(account("fangzhi_secretary"), other, data)
        db.session.commit()


def test_local_contacts_replace_the_items_own_at_that_community_only(app, auth):
    with app.app_context():
        item = db.session.scalar(select(ServiceItem).where(ServiceItem.name == "最低生活保障申请"))
        item_id = item.id
        assert rules.contact(item, fuyuan()).place.startswith("富源社区党群服务中心一楼 1 号窗口")
        other = db.session.scalar(select(Community).where(Community.slug == "fuda"))
        assert rules.contact(item, other).place == "社区党群服务中心一楼公共服务区"
    auth.login("fuyuan_stationhead")
    response = auth.post(f"/guide/items/{item_id}/local", {"place": "二楼 201", "phone": "0472-9"},
                         token_from="/guide/")
    assert response.status_code == 302
    assert "二楼 201" in auth.client.get(f"/guide/items/{item_id}").get_data(as_text=True)


HOSTILE = "<script>alert('x')</script><b>粗</b>"


def test_html_in_any_field_is_shown_as_text_on_item_sheet_handbook_and_hall(app, auth):
    with app.app_context():
        data = rules.read_item({**FULL, "name": "测试<b>事项</b>", "notes": HOSTILE, "process": HOSTILE,
                                "materials": f"{HOSTILE}|1|原件"})
        item = rules.create_item(account("fuyuan_secretary"), fuyuan(), data)
        db.session.commit()
        item_id, community_id = item.id, item.community_id
    auth.login("fuyuan_secretary")
    pages = [f"/guide/items/{item_id}", f"/guide/communities/{community_id}/handbook", "/guide/?q=测试事项"]
    sheet = auth.post(f"/guide/items/{item_id}/sheets", {"resident": "<i>王</i>女士"}, token_from="/guide/")
    pages.append(sheet.headers["Location"])
    auth.post(f"/guide/communities/{community_id}/hall", {"featured": str(item_id)}, token_from="/guide/")
    auth.post(f"/guide/communities/{community_id}/hall/notices",
              {"title": "<script>x</script>", "body": HOSTILE, "start_on": "2026-11-25", "end_on": "2026-11-30"},
              token_from="/guide/")
    for path in pages:
        html = auth.client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<b>粗</b>" not in html and "<i>王</i>" not in html, path
        assert "&lt;script&gt;" in html or "&lt;b&gt;" in html, path
    with app.app_context():
        token = board_rules.create_display_link(account("fuyuan_secretary"), fuyuan(), "大厅")
        db.session.commit()
    html = app.test_client().get(f"/hall/{token}").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html and "测试&lt;b&gt;事项" in html


# -- 一次性告知单 --------------------------------------------------------------------------------

def test_the_front_desk_issues_a_numbered_sheet_and_the_register_counts_it(app, auth):
    with app.app_context():
        item_id = db.session.scalar(select(ServiceItem.id).where(ServiceItem.name == "居住证申领"))
        community_id = fuyuan().id
    auth.login("fuyuan_frontdesk")
    first = auth.post(f"/guide/items/{item_id}/sheets", {"resident": "王女士"}, token_from="/guide/")
    second = auth.post(f"/guide/items/{item_id}/sheets", {}, token_from="/guide/")
    assert first.status_code == second.status_code == 302
    html = auth.client.get(first.headers["Location"]).get_data(as_text=True)
    for text in ("2026-00001", "王女士", "居住证申领", "□", "派出所受理后 15 日内制证", "0472-5101010",
                 "2026年11月25日"):
        assert text in html, text
    register = auth.client.get(f"/guide/communities/{community_id}/sheets").get_data(as_text=True)
    assert "2026-00002" in register and "共登记 <b>2</b> 份" in register and "居住证申领 2 份" in register
    assert "王女士" in auth.client.get(f"/guide/communities/{community_id}/sheets?q=王女士").get_data(as_text=True)


def test_a_reprint_shows_the_sheet_as_issued_even_after_the_item_changed(app):
    with app.app_context():
        item = db.session.scalar(select(ServiceItem).where(ServiceItem.name == "老年人优待证办理"))
        sheet = sheets.issue(account("fuyuan_frontdesk"), item, fuyuan(), None)
        db.session.commit()
        rules.update_item(account("admin"), item, {**rules.snapshot(item), "time_limit": "3 个工作日"}, None)
        db.session.commit()
        kept = db.session.get(NoticeSheet, sheet.id)
        assert kept.content["time_limit"] == "20 个工作日" and kept.item_version == 1


def test_a_resident_form_of_address_over_twenty_characters_is_refused(app, auth):
    with app.app_context():
        item_id = db.session.scalar(select(ServiceItem.id).where(ServiceItem.name == "居住证申领"))
    auth.login("fuyuan_frontdesk")
    response = auth.post(f"/guide/items/{item_id}/sheets", {"resident": "长" * 21}, token_from="/guide/")
    assert response.status_code == 400 and "不能超过 20 个字" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NoticeSheet)) == 0


def test_the_handbook_has_a_table_of_contents_of_every_item(app, auth):
    auth.login("fuyuan_frontdesk")
    with app.app_context():
        community_id = fuyuan().id
        count = len(rules.items_of_community(fuyuan()))
    html = auth.client.get(f"/guide/communities/{community_id}/handbook").get_data(as_text=True)
    assert "目录" in html and html.count('class="hb-item"') == count and "本社区服务事项" in html


# -- the hall screen -----------------------------------------------------------------------------

def add_notice(auth, community_id, **form):
    return auth.post(f"/guide/communities/{community_id}/hall/notices",
                     {"title": "停水通知", "body": "11月26日 9:00-12:00 停水", "start_on": "2026-11-25",
                      "end_on": "2026-11-26", **form}, token_from="/guide/")


def test_a_notice_ending_before_it_starts_is_refused(app, auth):
    auth.login("fuyuan_secretary")
    with app.app_context():
        community_id = fuyuan().id
    response = add_notice(auth, community_id, start_on="2026-11-28", end_on="2026-11-27")
    assert response.status_code == 400 and "结束日期不能早于开始日期" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HallNotice)) == 0


def test_a_notice_appears_on_the_hall_at_its_next_poll_and_goes_after_its_last_day(app, auth, travel):
    with app.app_context():
        community_id = fuyuan().id
        token = board_rules.create_display_link(account("fuyuan_secretary"), fuyuan(), "大厅")
        db.session.commit()
    screen = app.test_client()
    page = screen.get(f"/hall/{token}").get_data(as_text=True)
    assert "停水通知" not in page
    import re
    poll = re.search(r'hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert screen.get(poll, headers={"HX-Request": "true"}).status_code == 204
    auth.login("fuyuan_secretary")
    assert add_notice(auth, community_id).status_code == 302
    changed = screen.get(poll, headers={"HX-Request": "true"})
    assert changed.status_code == 200 and "停水通知" in changed.get_data(as_text=True)
    travel(datetime(2026, 11, 27, 1, 0, tzinfo=UTC))
    assert "停水通知" not in screen.get(f"/hall/{token}").get_data(as_text=True)


def test_the_duty_person_shows_on_their_day_only(app):
    with app.app_context():
        community = fuyuan()
        person = hall.staff_choices(community)[0]

        class Form(dict):
            def getlist(self, name):
                return []
        hall.save_settings(account("fuyuan_secretary"), community,
                           Form(duty_person_id=str(person.id), office_hours="周一至周五 8:30-12:00"))
        db.session.commit()
        assert hall.view(community, date(2026, 11, 25)).duty.id == person.id
        assert hall.view(community, date(2026, 11, 26)).duty is None
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "guide.hall_settings"))


def test_more_than_four_featured_items_are_refused(app, auth):
    with app.app_context():
        ids = [str(i) for i in db.session.scalars(select(ServiceItem.id).limit(5))]
        community_id = fuyuan().id
    auth.login("fuyuan_secretary")
    response = auth.post(f"/guide/communities/{community_id}/hall", {"featured": ids}, token_from="/guide/")
    assert response.status_code == 400 and "最多展示 4 个" in response.get_data(as_text=True)


# -- rules and scope -----------------------------------------------------------------------------

def test_a_question_is_cut_into_two_character_pieces_without_its_filler():
    assert rules.pieces("我想办居住证") == ["居住", "住证"]
    assert rules.pieces("低保，怎么办？") == ["低保"]
    assert rules.pieces("怎么办") == ["怎么", "么办"]  # only filler: the words themselves
    assert rules.normalize("ＡＢＣ 低保%_") == "abc低保"


def test_a_communitys_own_item_is_not_listed_in_another_community(app):
    with app.app_context():
        fangzhi = db.session.scalar(select(Community).where(Community.slug == "fangzhi"))
        names = [i.name for i in rules.search("", fangzhi.id, fangzhi.street_id).items]
        assert "富源社区“小板凳”议事会报名" not in names and "居住证申领" in names
        assert "富源社区“小板凳”议事会报名" in found("议事会")


def test_who_keeps_which_part_of_the_guide(app):
    from portal.auth.policy import Action, can

    with app.app_context():
        district = db.session.scalar(select(ServiceItem).where(ServiceItem.scope_key == "d"))
        own = db.session.scalar(select(ServiceItem).where(ServiceItem.community_id == fuyuan().id))
        assert can(account("admin"), Action.EDIT_GUIDE, district)
        assert not can(account("fuqiang_leader"), Action.EDIT_GUIDE, district)
        assert can(account("fuqiang_leader"), Action.EDIT_GUIDE, own)
        assert can(account("fuyuan_stationhead"), Action.EDIT_GUIDE, own)
        assert not can(account("fuyuan_frontdesk"), Action.EDIT_GUIDE, own)
        assert not can(account("fangzhi_secretary"), Action.VIEW_GUIDE, own)
        assert can(account("fuyuan_frontdesk"), Action.ISSUE_NOTICE_SHEET, fuyuan())
        assert not can(account("fuyuan_worker01"), Action.ISSUE_NOTICE_SHEET, fuyuan())
        assert not can(account("fuyuan_frontdesk"), Action.MANAGE_HALL_INFO, fuyuan())
        assert rules.own_scope(account("fuyuan_frontdesk")) is False
        assert rules.own_scope(account("admin")) is None


def test_the_hall_leaves_room_for_fewer_items_under_more_notices():
    assert [hall.featured_room(n) for n in range(4)] == [4, 4, 2, 1]
