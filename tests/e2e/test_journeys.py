"""What people at each desk see when they open the portal in a browser.

Home pages are screenshotted per role on a desk (1366×900) and a phone (390×844)
into artifacts/screenshots/; the phone page must not scroll sideways.
"""
import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.org.models import Community

from .conftest import DEMO_PASSWORD, DESKTOP, PHONE

pytestmark = pytest.mark.e2e

LOGIN_URL = re.compile(r"/login(\?.*)?$")


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Through the form, the way a person does it."""
    page.goto("/login")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def logged_in(page: Page, username: str) -> None:
    log_in(page, username)
    # Home: "/" (the front desk's home is its board, /board/<id>).
    expect(page).to_have_url(re.compile(r"/(board/\d+)?$"))
    # The URL changes when the response commits; deferred scripts run later.
    page.wait_for_load_state("load")


def path_of(page: Page) -> str:
    return page.evaluate("location.pathname")


def horizontal_overflow(page: Page) -> dict:
    """The page's width against the layout viewport, with the widest offenders.

    A phone browser zooms out to fit content that is too wide, and then
    window.innerWidth grows with it; documentElement.clientWidth stays the
    device width, so both are compared."""
    return page.evaluate("""() => {
      const doc = document.documentElement;
      const limit = Math.min(window.innerWidth, doc.clientWidth);
      const offenders = [];
      for (const el of document.body.querySelectorAll("*")) {
        const r = el.getBoundingClientRect();
        if (r.right > limit + 1 && r.width > 0) {
          const cls = typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\\s+/).join(".") : "";
          offenders.push({element: el.tagName.toLowerCase() + cls, right: Math.round(r.right)});
        }
      }
      offenders.sort((a, b) => b.right - a.right);
      return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, clientWidth: doc.clientWidth,
              limit: limit, offenders: offenders.slice(0, 8)};
    }""")


def assert_no_sideways_scroll(phone: Page) -> None:
    width = horizontal_overflow(phone)
    assert width["clientWidth"] == PHONE["viewport"]["width"], width
    assert width["scrollWidth"] <= width["innerWidth"] + 1, f"the phone page scrolls sideways: {width}"
    assert width["scrollWidth"] <= width["clientWidth"] + 1, f"the phone page is wider than the phone: {width}"


def screenshot(page: Page, directory, name: str) -> None:
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=directory / f"{name}.png", full_page=True)


# --- home page per role ----------------------------------------------------------------------

@dataclass(frozen=True)
class Desk:
    username: str
    position: str                   # shown in the top bar and under the greeting
    headings: tuple[str, ...]       # section headings the home page must show
    texts: tuple[str, ...]          # text the main area must contain
    absent: tuple[str, ...] = ()    # section headings it must not show


NOT_DISTRICT = ("全区各社区", "人员与账号")
DESKS = [
    Desk("admin", "管理员", ("今日要做", "人员与账号", "全区各社区"),
         ("维护人员、账号和组织架构", "在册人员", "兴胜镇", "松石社区"), ("富源社区概况",)),
    Desk("inspector", "区级督查", ("今日要做", "全区各社区"),
         ("定期督查各社区网格员日常工作", "“八个一”服务规范", "富源社区"), ("人员与账号",)),
    Desk("fuqiang_leader", "街镇领导", ("今日要做", "富强路街道各社区"),
         ("每月对所包社区工作人员进行培训", "富源社区", "富达社区"), NOT_DISTRICT),
    Desk("fuyuan_secretary", "社区书记", ("今日要做", "富源社区概况"),
         ("负责网格员考勤", "审批网格员请假", "在册网格员", "查看本社区人员与网格"), NOT_DISTRICT),
    Desk("fuyuan_stationhead", "站长", ("今日要做", "富源社区概况"),
         ("审批网格员请假", "公共服务区"), NOT_DISTRICT),
    Desk("fuyuan_frontdesk", "公共服务区工作人员", ("今日要做", "富源社区概况"),
         ("社工去向指示牌", "来时有迎声"), NOT_DISTRICT),
    Desk("fuyuan_worker01", "网格员", ("今日要做",),
         ("一日双巡", "负责第1网格", "不少于 1.5 小时", "入户调查"), ("富源社区概况", *NOT_DISTRICT)),
]


@pytest.mark.parametrize("desk", [d for d in DESKS if d.username != "fuyuan_frontdesk"], ids=lambda d: d.username)
def test_home_page_fits_the_desk(pages, desk, screenshots_dir):
    page = pages.new("desktop", **DESKTOP)
    logged_in(page, desk.username)

    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_contain_text("您好")
    expect(main.locator(".hello")).to_contain_text(desk.position)
    expect(page.locator(".topbar .whoami")).to_contain_text(desk.position)
    for heading in desk.headings:
        expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    for text in desk.texts:
        expect(main).to_contain_text(text)
    for heading in desk.absent:
        expect(main.get_by_role("heading", name=heading, exact=True)).to_have_count(0)
    screenshot(page, screenshots_dir, f"home-{desk.username}-desktop")

    phone = pages.new("phone", **PHONE)
    logged_in(phone, desk.username)
    for heading in desk.headings:
        expect(phone.locator("main").get_by_role("heading", name=heading, exact=True)).to_be_visible()
    screenshot(phone, screenshots_dir, f"home-{desk.username}-phone")
    assert_no_sideways_scroll(phone)


# --- logging in and out ----------------------------------------------------------------------

def test_wrong_password_is_refused_next_to_the_field(page):
    log_in(page, "fuda_worker01", "not-the-password-1")

    assert path_of(page) == "/login"
    password = page.get_by_label("密码", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    error = page.locator("#" + password.get_attribute("aria-describedby"))
    expect(error).to_contain_text("用户名或密码不正确")
    expect(page.locator(".field.has-error")).to_contain_text("用户名或密码不正确")
    expect(page.get_by_label("用户名", exact=True)).to_have_value("fuda_worker01")
    expect(password).to_have_value("")


def test_htmx_is_loaded_with_the_strict_configuration(page):
    logged_in(page, "fuyuan_worker01")
    page.wait_for_function("() => window.htmx !== undefined", timeout=5_000)
    config = page.evaluate("""() => ({
      version: window.htmx && window.htmx.version,
      allowEval: htmx.config.allowEval,
      historyCacheSize: htmx.config.historyCacheSize,
      includeIndicatorStyles: htmx.config.includeIndicatorStyles,
      allowScriptTags: htmx.config.allowScriptTags,
      selfRequestsOnly: htmx.config.selfRequestsOnly,
    })""")
    assert str(config["version"]).startswith("2.0"), config
    assert config["allowEval"] is False, config
    assert config["historyCacheSize"] == 0, config
    assert config["includeIndicatorStyles"] is False, config
    assert config["allowScriptTags"] is False, config
    assert config["selfRequestsOnly"] is True, config
    # htmx would inject a <style> for its indicators unless told not to (and the CSP forbids it).
    assert page.locator("head style").count() == 0


def test_logout_returns_to_login_and_locks_the_pages(page):
    logged_in(page, "fuyuan_secretary")
    page.locator(".topbar").get_by_role("button", name="退出", exact=True).click()

    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator(".flashes")).to_contain_text("您已退出登录")
    expect(page.get_by_role("button", name="退出")).to_have_count(0)

    page.go_back()  # the home page was no-store: the browser has to ask again
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_label("用户名", exact=True)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("今日要做")

    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("heading", name="登录", exact=True)).to_be_visible()


# --- scope and the district overview ---------------------------------------------------------

@pytest.fixture(scope="module")
def fuda_id(live_app):
    with live_app.app_context():
        return db.session.scalar(select(Community.id).where(Community.name == "富达社区"))


def test_worker_is_refused_another_community(page, fuda_id):
    logged_in(page, "fuyuan_worker01")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="全区网格").click()
    page.get_by_role("link", name="富强路街道", exact=True).click()
    expect(page.get_by_role("heading", name="富强路街道", level=1)).to_be_visible()
    # Their own community is a link; a neighbour's is plain text.
    expect(page.locator("main").get_by_role("link", name="富源社区", exact=True)).to_be_visible()
    expect(page.locator("main").get_by_role("link", name="富达社区", exact=True)).to_have_count(0)
    expect(page.locator("main")).to_contain_text("富达社区")

    response = page.goto(f"/org/communities/{fuda_id}")
    assert response.status == 403
    expect(page.get_by_role("heading", name="无权访问", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("您的岗位没有此项权限")
    expect(page).to_have_title(re.compile("^无权访问"))


def test_district_overview_shows_the_notice_figures(pages, screenshots_dir):
    page = pages.new("desktop", **DESKTOP)
    logged_in(page, "inspector")
    page.goto("/org/")
    figures = page.locator("main > dl.figures")
    expect(figures.locator("div", has=page.locator("dt", has_text=re.compile("^网格$"))).locator("dd")) \
        .to_have_text("529")
    expect(figures.locator("div", has=page.locator("dt", has_text="公共服务区人员")).locator("dd")) \
        .to_have_text("147")
    xingsheng = page.locator("tbody tr", has=page.get_by_role("link", name="兴胜镇", exact=True))
    expect(xingsheng).to_contain_text("推定")
    expect(xingsheng.locator("td.note")).to_contain_text("推定属松石社区")
    expect(page.locator("tfoot")).to_contain_text("529")
    expect(page.locator("tfoot")).to_contain_text("= 147")
    screenshot(page, screenshots_dir, "org-overview-desktop")

    phone = pages.new("phone", **PHONE)
    logged_in(phone, "inspector")
    phone.goto("/org/")
    expect(phone.locator("main > dl.figures")).to_contain_text("529")
    screenshot(phone, screenshots_dir, "org-overview-phone")
    assert_no_sideways_scroll(phone)


@pytest.mark.parametrize("desk", DESKS, ids=lambda d: d.username)
def test_every_page_of_the_navigation_opens_for_the_role(pages, desk):
    """Each place the role's navigation offers opens (and, when the journey ends,
    axe-core checks each at phone and desk sizes: tests/e2e/a11y.py)."""
    page = pages.new("desktop", **DESKTOP)
    logged_in(page, desk.username)
    links = page.locator("nav.mainnav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links, "no navigation"
    for href in links:
        response = page.goto(href)
        assert response is not None and response.status == 200, (href, response and response.status)
        expect(page.locator("main h1").first).to_be_visible()


def test_the_first_tab_offers_a_skip_to_the_content(pages):
    """14 Tabs to 签到 were the price of the header and the navigation."""
    page = pages.new("phone", **PHONE)
    logged_in(page, "fuyuan_worker01")
    page.goto("/board/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_the_front_desks_home_is_the_board(pages, screenshots_dir):
    page = pages.new("desktop", **DESKTOP)
    logged_in(page, "fuyuan_frontdesk")
    expect(page).to_have_url(re.compile(r"/board/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("社工去向指示牌")


def test_a_worker_changes_status_from_the_home_page_in_one_tap(pages, screenshots_dir):
    phone = pages.new("phone", **PHONE)
    logged_in(phone, "fuyuan_worker03")
    me = phone.locator("#me-panel")
    progress = phone.locator("#today-progress")
    expect(me).to_be_visible()
    expect(progress).to_contain_text("一日双巡")
    top = me.get_by_role("button").first.bounding_box()
    assert top["y"] + top["height"] <= PHONE["viewport"]["height"], top  # on the first screen
    me.get_by_role("button", name="入户开始").click()
    expect(me).to_contain_text("入户中")
    expect(me).not_to_contain_text("今天尚未签到")  # the first work of the day brought 签到
    me.get_by_role("button", name="入户结束").click()
    expect(me).to_contain_text("在岗")
    expect(progress).to_contain_text("本周入户")
    assert_no_sideways_scroll(phone)
    screenshot(phone, screenshots_dir, "home-worker-phone-after")


def test_a_phone_shows_one_row_of_navigation_and_the_rest_under_更多(pages):
    phone = pages.new("phone", **PHONE)
    logged_in(phone, "fuyuan_secretary")
    nav = phone.locator("nav.mainnav")
    assert nav.bounding_box()["height"] <= 60, nav.bounding_box()  # was four rows, ~290 px with the top bar
    expect(nav.get_by_role("link", name="考核")).to_have_count(0)  # folded
    nav.locator(".nav-more summary").click()
    expect(nav.get_by_role("link", name="考核")).to_have_count(1)  # once, not also the hidden wide copy
    nav.get_by_role("link", name="考核").click()
    expect(phone).to_have_url(re.compile(r"/assessment/"))
    expect(phone.locator(".nav-more summary")).to_have_class(re.compile("current"))
    assert_no_sideways_scroll(phone)
