"""Tables that fit a phone, and sizes for older eyes (issue 21, parts 2 and 10).

On a 390 px phone the wide figure tables (a street's 考勤表, a 通报's ranking, a
street's 考核) keep the name in view while the figures scroll, the last column
(总分 / 等次, 一票否决, 待核查天数) can be reached with the keyboard and a swipe,
and "左右滑动查看更多 →" shows while a table is wider than its region and not when
it fits. A worker's own pages keep text at 16 px (14 px in tables) and every tap
target at 44 px.
"""
import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import PHONE
from .test_journeys import logged_in, screenshot

# (who, where, the region's name, the name column, the last column)
WIDE_TABLES = [
    pytest.param("kexue_leader", "/attendance/sheet", "考勤表（表格）", "姓名", "待核查天数", id="street-attendance-sheet"),
    pytest.param("inspector", "/inspections/bulletins/preview?period=2026-10", "社区排名（表格）", "社区", "一票否决",
                 id="bulletin-ranking"),
    pytest.param("fuqiang_leader", "/assessment/", "人员考核结果（表格）", "姓名", "等次", id="street-assessment"),
]

# What the region's "左右滑动查看更多 →" line (its ::before) and its right-edge shadow (::after) look like now.
HINT = """region => {
  const hint = getComputedStyle(region, "::before"), shadow = getComputedStyle(region, "::after");
  return {text: hint.content, shown: hint.visibility === "visible" && parseFloat(hint.height) >= 16,
          shadow: parseFloat(shadow.opacity), overflows: region.scrollWidth > region.clientWidth + 1,
          scrollLeft: region.scrollLeft};
}"""

# Whether a person looking at the screen sees the element: its centre is on the screen and
# nothing (a sticky column, the page's edge) is drawn over it there.
SEEN = """element => {
  const r = element.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
  const hit = document.elementFromPoint(x, y);
  return hit !== null && (hit === element || element.contains(hit));
}"""


def hint_of(region: Locator) -> dict:
    return region.evaluate(HINT)


def seen(cell: Locator) -> bool:
    return cell.evaluate(SEEN)


def column(region: Locator, header: str) -> tuple[Locator, Locator]:
    """The header cell named `header` and the first row's cell under it."""
    headers = [text.strip() for text in region.locator("thead th").all_inner_texts()]
    index = headers.index(header)
    return region.locator("thead th").nth(index), region.locator("tbody tr").first.locator("td").nth(index)


def bring_top_into_view(page: Page, region: Locator) -> None:
    """Scroll the page (not the table) so that the region's head rows are on the screen."""
    region.evaluate("r => window.scrollTo(0, r.getBoundingClientRect().top + window.scrollY - 8)")


@pytest.mark.parametrize(("username", "path", "label", "name_column", "last_column"), WIDE_TABLES)
def test_on_a_phone_the_name_stays_in_view_while_the_figures_scroll_to_the_last_column(
        pages, screenshots_dir, username, path, label, name_column, last_column):
    phone = pages.new("phone", **PHONE)
    logged_in(phone, username)
    phone.goto(path)
    region = phone.get_by_role("region", name=label, exact=True)
    bring_top_into_view(phone, region)
    _head, name = column(region, name_column)
    last_head, last = column(region, last_column)

    # Wider than the phone: it says so, with more to the right.
    before = hint_of(region)
    assert before["overflows"] and before["shown"], before
    assert "左右滑动查看更多" in before["text"] and before["shadow"] > 0.9, before
    assert seen(name) and not seen(last_head)

    # The keyboard scrolls it (the region takes the focus), then a swipe to the far end.
    region.focus()
    for _ in range(3):
        phone.keyboard.press("ArrowRight")
    handle = region.element_handle()
    phone.wait_for_function("r => r.scrollLeft > 0", arg=handle)
    region.evaluate("r => r.scrollTo({left: r.scrollWidth})")
    # Nothing more to the right: the shadow is gone.
    phone.wait_for_function("r => parseFloat(getComputedStyle(r, '::after').opacity) < 0.1", arg=handle)

    assert seen(name), f"the {name_column} column scrolled away with the figures"
    name_box, region_box = name.bounding_box(), region.bounding_box()
    assert abs(name_box["x"] - region_box["x"]) <= 1, (name_box, region_box)
    assert seen(last_head) and seen(last), f"{last_column} cannot be reached"
    assert last_head.bounding_box()["x"] + last_head.bounding_box()["width"] <= PHONE["viewport"]["width"]
    if label == "考勤表（表格）":
        screenshot(phone, screenshots_dir, "phone-tables-attendance-sheet-scrolled")
        phone.screenshot(path=screenshots_dir / "phone-tables-attendance-sheet-scrolled-screen.png")


def test_the_scroll_hint_shows_only_on_a_table_wider_than_its_region(pages):
    desk = pages.new("desktop")
    logged_in(desk, "fuqiang_leader")
    desk.goto("/assessment/")
    narrow = desk.get_by_role("region", name="各社区考核结果（表格）", exact=True)
    fits = hint_of(narrow)
    assert not fits["overflows"], fits
    assert not fits["shown"] and fits["shadow"] == 0, fits
    # The 考勤表's 30 days do not fit a desk either, and there it says so.
    desk.goto("/attendance/sheet")
    sheet = desk.get_by_role("region", name="考勤表（表格）", exact=True)
    wide = hint_of(sheet)
    assert wide["overflows"] and wide["shown"], wide


# Cells whose text breaks over several lines in a column narrower than 8 characters.
NARROW_WRAPS = """table => {
  const found = [];
  for (const cell of table.querySelectorAll("th, td")) {
    const text = cell.textContent.trim();
    if (!text || cell.getClientRects().length === 0) continue;
    const style = getComputedStyle(cell), range = document.createRange();
    range.selectNodeContents(cell);
    const box = range.getBoundingClientRect();
    const lines = Math.round(box.height / parseFloat(style.lineHeight));
    const characters = box.width / parseFloat(style.fontSize);
    if (lines > 1 && characters < 8) found.push(`${text.slice(0, 12)}: ${lines} lines of ${characters.toFixed(1)} characters`);
  }
  return found;
}"""


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_assessment_tables_never_wrap_a_character_or_two_a_line(pages, size):
    page = pages.new(size, **(PHONE if size == "phone" else {}))
    logged_in(page, "fuqiang_leader")
    page.goto("/assessment/")
    people = page.locator("table.assessment-table")
    assert people.evaluate(NARROW_WRAPS) == []
    # The person's own page: the parts, their weights, scores and 说明.
    people.locator("tbody a").first.click()
    page.wait_for_url("**/assessment/people/**")
    parts = page.locator("table.parts")
    assert parts.evaluate(NARROW_WRAPS) == []
    expect(parts.locator("tbody tr").first).to_contain_text("出勤")


# --- 适老化: a worker's own pages on a phone -------------------------------------------

WORKER_PAGES = ["/", "/board/", "/leave/", "/attendance/me", "/leave/new"]

# Every visible text's size (16 px outside tables, 14 px inside), and every visible control's
# height, the label standing for a radio button or a checkbox. Folded parts are opened first.
SIZES = """() => {
  document.querySelectorAll("main details").forEach(d => { d.open = true; });
  const shown = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== "hidden" && parseFloat(s.opacity) > 0
      && !el.closest(".sr-only");
  };
  const small = [], low = [];
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) {
    const node = texts.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !shown(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize), least = el.closest("table") ? 14 : 16;
    if (size < least) small.push(`${size}px < ${least}px: ${el.tagName.toLowerCase()}.${el.className} "${node.textContent.trim().slice(0, 20)}"`);
  }
  const controls = "button, a.button, input:not([type=hidden]), select, textarea, summary, nav a, .quick-links a";
  for (const el of document.querySelectorAll(controls)) {
    if (!shown(el)) continue;
    const target = el.matches("[type=radio], [type=checkbox]") && el.closest("label") ? el.closest("label") : el;
    const height = target.getBoundingClientRect().height;
    if (height < 44 - 0.5) low.push(`${Math.round(height)}px: ${el.tagName.toLowerCase()}.${el.className} "${(el.textContent || el.name || "").trim().slice(0, 20)}"`);
  }
  return {small, low};
}"""


@pytest.mark.parametrize("path", WORKER_PAGES)
def test_a_workers_page_on_a_phone_has_large_text_and_tap_targets(pages, screenshots_dir, path):
    phone = pages.new("phone", **PHONE)
    logged_in(phone, "fuyuan_worker01")
    phone.goto(path)
    if path == "/":
        screenshot(phone, screenshots_dir, "phone-sizes-worker-home")
    sizes = phone.evaluate(SIZES)
    assert sizes["small"] == [], "text too small on a phone:\n" + "\n".join(sizes["small"])
    assert sizes["low"] == [], "tap targets under 44 px on a phone:\n" + "\n".join(sizes["low"])
