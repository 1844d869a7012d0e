"""The top bar on a 390 px phone (issue 18): with 消息 added, the brand, the person,
消息, 修改密码 and 退出 stay on one line for a grid worker and a 书记; nothing
wraps and nothing spills past the screen's edge."""
import pytest
from playwright.sync_api import expect

from .conftest import PHONE
from .test_journeys import assert_no_sideways_scroll, logged_in, screenshot

# Each item of the top bar that is drawn: its box, and whether its text runs over one line
# (the text's boxes span more than one line's height).
ITEMS = """bar => Array.from(bar.querySelectorAll('.brand, .whoami > *'))
  .filter(e => e.getBoundingClientRect().width > 2)
  .map(e => { const r = e.getBoundingClientRect(), boxes = [];
              const walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
              for (let t = walk.nextNode(); t; t = walk.nextNode()) {
                if (t.parentElement.getBoundingClientRect().width <= 2) continue;  // read out, not drawn
                const range = document.createRange();
                range.selectNodeContents(t);
                boxes.push(...Array.from(range.getClientRects()).filter(b => b.width > 2 && b.height > 2));
              }
              const top = Math.min(...boxes.map(b => b.top)), bottom = Math.max(...boxes.map(b => b.bottom));
              const size = parseFloat(getComputedStyle(e).fontSize);
              return {text: e.innerText.trim(), top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                      wrapped: bottom - top > 1.9 * size}; })"""


@pytest.mark.parametrize("username", ["fuyuan_worker01", "fuyuan_secretary"])
def test_the_top_bar_fits_one_line_on_a_phone(pages, username, screenshots_dir):
    page = pages.new("phone", **PHONE)
    logged_in(page, username)
    bar = page.locator(".topbar")
    logout = bar.get_by_role("button", name="退出", exact=True)
    expect(logout).to_be_visible()
    expect(bar.get_by_role("link", name="消息")).to_be_visible()
    items = bar.evaluate(ITEMS)
    screenshot(page, screenshots_dir, f"topbar-390-{username}")
    middles = [(item["top"] + item["bottom"]) / 2 for item in items]
    assert max(middles) - min(middles) < 8, items                 # one row
    assert not any(item["wrapped"] for item in items), items      # no item broken over two lines
    assert all(0 <= item["left"] and item["right"] <= 390 for item in items), items
    assert bar.evaluate("b => b.scrollWidth <= b.clientWidth")
    assert_no_sideways_scroll(page)
