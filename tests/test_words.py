"""Words (issue 21, part 9): one term per idea, and the statuses listed in one order.

在岗 is the board's status: at work here now. The people a community has on its
roster are 在册 (在册网格员, 在册人员); those who will be at work while someone is on
leave 上班; the days a worker was at work 出勤日. And wherever statuses are counted
(the board, the street and district summaries, the dashboards) they come in the
order portal.board.rules.STATUS_ORDER gives, under the same headings."""
import ast
import re
from pathlib import Path

from sqlalchemy import select

from portal.board import rules as board
from portal.org.models import Community, Street

ROOT = Path(__file__).resolve().parent.parent
ORDER = [label for _, label in board.STATUS_COLUMNS]


def _strings(path: Path):
    """The string constants of a module that a user may read (docstrings left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_zaigang_is_only_ever_the_boards_status():
    found = set()
    for path in sorted((ROOT / "portal").rglob("*.py")):
        for text in _strings(path):
            if "在岗" in text:
                found.add((path.relative_to(ROOT).as_posix(), text))
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        found.update((path.relative_to(ROOT).as_posix(), line.strip()) for line in text.splitlines() if "在岗" in line)
    assert found == {("portal/board/rules.py", "在岗"), ("portal/activity/models.py", "返回（在岗）")}


def test_the_roster_is_zaice_on_the_pages_that_count_it(app, auth):
    with app.app_context():
        fuqiang = app.extensions["sqlalchemy"].session.scalar(select(Street.id).where(Street.slug == "fuqiang"))
    auth.login("fuyuan_secretary")
    home = auth.client.get("/").get_data(as_text=True)
    assert "在册网格员" in home and "在岗" not in home.replace("<b>在岗</b>", "")
    auth.client.get("/logout")
    auth.login("fuqiang_leader")
    street = auth.client.get(f"/org/streets/{fuqiang}").get_data(as_text=True)
    assert "在册网格员" in street and "在岗网格员" not in street


def _headings(page: str, table_class: str) -> list[str]:
    head = re.search(rf'<table class="{table_class}[^"]*">\s*<thead>(.*?)</thead>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<th class="num">(.*?)</th>', head, re.S)]


def test_every_page_counting_statuses_lists_them_in_one_order(app, auth):
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        fuqiang = session.scalar(select(Street.id).where(Street.slug == "fuqiang"))
        fuyuan = session.scalar(select(Community.id).where(Community.slug == "fuyuan"))
    auth.login("inspector")
    pages = {
        "street summary": _headings(auth.client.get(f"/board/streets/{fuqiang}").get_data(as_text=True),
                                    "summary-table"),
        "district summary": _headings(auth.client.get("/board/district").get_data(as_text=True), "summary-table"),
        "street dashboard": _headings(auth.client.get(f"/dashboards/streets/{fuqiang}").get_data(as_text=True),
                                      "summary-table dash-board"),
        "district dashboard": _headings(auth.client.get("/dashboards/district").get_data(as_text=True),
                                        "summary-table dash-board"),
    }
    board_page = auth.client.get(f"/board/{fuyuan}").get_data(as_text=True)
    summary = re.search(r'<section id="board-summary".*?</section>', board_page, re.S).group(0)
    pages["board counts"] = [re.sub(r"<[^>]+>", "", chip).rsplit(" ", 1)[0].strip()
                             for chip in re.findall(r'<span class="chip st-\w+">(.*?)</span>(?=<span class="chip|\s*</section>)',
                                                    summary, re.S)]
    assert ORDER[:2] == ["超时未归", "未签到"] and len(ORDER) == 9
    for name, headings in pages.items():
        assert headings == ORDER, name
