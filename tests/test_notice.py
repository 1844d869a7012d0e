"""Every figure of 青府办发〔2017〕72号 against the seeded district.

The expected figures are parsed here from the notice's own text (the copy kept in
portal/org/notice_2017_72.txt), not from the hand transcription the seed uses, so
a slip in either shows up.
"""
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.org import notice
from portal.org.models import Community, Grid, Street
from portal.people.models import Person, Position

NOTICE_TEXT = (Path(notice.__file__).parent / "notice_2017_72.txt").read_text(encoding="utf-8")
SHARED_COPY = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_e12ade7e72b50434.txt"

STREET_HEAD = re.compile(r"^(?:\([一二三四五六七八九十]+\))?\s*(\S+?(?:街道|镇))[。]?$")
STREET_FIGURES = re.compile(r"现有(?:城区居民)?户数(\d+)户?,设置(\d+)个网格(?:,?公共服务区配备工作人员(\d+))?")
COMMUNITY_LINE = re.compile(r"^\s*\d*\.?\s*([\u4e00-\u9fff]+?)(?:社区)?\(?网格数(\d+)个(?:,公共服务区(\d+))?")


def parse_notice(text: str) -> dict:
    """{street: {"households", "grids", "staff", "communities": {name: (grids, staff)}}}"""
    streets: dict = {}
    current = None
    section = text.split("二、各街镇户数及社区网格设置")[1].split("三、工作要求")[0]
    for line in section.splitlines():
        line = line.strip()
        if not line:
            continue
        if head := STREET_HEAD.match(line):
            current = streets.setdefault(head.group(1), {"communities": {}})
        elif figures := STREET_FIGURES.search(line):
            current["households"] = int(figures.group(1))
            current["grids"] = int(figures.group(2))
            current["staff"] = int(figures.group(3)) if figures.group(3) else None
        elif community := COMMUNITY_LINE.match(line):
            name = community.group(1)
            name = name if name.endswith("社区") else name.removesuffix("社") + "社区"
            staff = int(community.group(3)) if community.group(3) else None
            current["communities"][name] = (int(community.group(2)), staff)
    return streets


PARSED = parse_notice(NOTICE_TEXT)


def test_the_kept_copy_is_the_shared_notice():
    if SHARED_COPY.exists():
        assert SHARED_COPY.read_text(encoding="utf-8") == NOTICE_TEXT


def test_the_parser_reads_ten_streets_and_49_communities():
    assert len(PARSED) == 10
    assert sum(len(s["communities"]) for s in PARSED.values()) == 49
    headline = re.search(r"全区共设置(\d+)网格,配备(\d+)名网格员,公共服务区配备(\d+)名工作人员", NOTICE_TEXT)
    assert headline.groups() == ("529", "529", "147")


def test_transcription_matches_the_text():
    for fact in notice.STREETS:
        parsed = PARSED[fact.name]
        assert (fact.households, fact.grids, fact.staff) == (parsed["households"], parsed["grids"], parsed["staff"])
        assert {c.name: c.grids for c in fact.communities} == {n: g for n, (g, _) in parsed["communities"].items()}
        for c in fact.communities:
            printed_staff = parsed["communities"][c.name][1]
            assert c.staff == printed_staff if printed_staff is not None else c.staff_inferred


def test_every_community_has_its_printed_grid_count(app):
    with app.app_context():
        seeded = {c.name: c for c in db.session.scalars(select(Community))}
        expected = {name: figures for s in PARSED.values() for name, figures in s["communities"].items()}
        assert set(seeded) == set(expected)
        for name, (grids, staff) in expected.items():
            community = seeded[name]
            assert community.grid_count == grids, name
            assert len(community.grids) == grids, name
            if staff is None:
                assert community.staff_count_inferred, name
            else:
                assert (community.staff_count, community.staff_count_inferred) == (staff, False), name


def test_every_street_has_its_printed_households_grids_and_staff(app):
    with app.app_context():
        for street in db.session.scalars(select(Street)):
            parsed = PARSED[street.name]
            assert street.households == parsed["households"], street.name
            assert street.grid_count == parsed["grids"], street.name
            assert street.staff_count == parsed["staff"], street.name
            assert sum(c.grid_count for c in street.communities) == street.grid_count, street.name
            assert len(street.communities) == len(parsed["communities"]), street.name


def test_district_totals_529_grids_529_workers_147_staff(app):
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Street)) == 10
        assert db.session.scalar(select(func.count()).select_from(Community)) == 49
        assert db.session.scalar(select(func.count()).select_from(Grid)) == 529
        workers = select(func.count()).select_from(Person).where(Person.position == Position.GRID_WORKER)
        assert db.session.scalar(workers) == 529
        front_desk = select(func.count()).select_from(Person).where(Person.position == Position.FRONT_DESK)
        assert db.session.scalar(front_desk) == 147
        assert db.session.scalar(select(func.sum(Community.staff_count))) == 147


def test_quirks_are_explicit_not_silently_fixed(app):
    with app.app_context():
        xingsheng = db.session.scalar(select(Street).where(Street.name == "兴胜镇"))
        assert xingsheng.staff_count is None and "144" in xingsheng.staff_note
        songshi = xingsheng.communities[0]
        assert songshi.name == "松石社区" and songshi.staff_count_inferred and songshi.staff_count == 3
        assert notice.stated_staff_total() == 144
        xianfeng = db.session.scalar(select(Street).where(Street.name == "先锋道街道"))
        assert xianfeng.households == 21000 and "无“户”字" in xianfeng.households_note
        fengchan = db.session.scalar(select(Community).where(Community.name == "丰产社区"))
        assert fengchan.printed_as == "丰产社"


def test_one_worker_per_grid(app):
    with app.app_context():
        holders = select(Person.grid_id, func.count()).where(Person.grid_id.is_not(None)).group_by(Person.grid_id)
        counts = [n for _, n in db.session.execute(holders)]
        assert len(counts) == 529 and set(counts) == {1}


@pytest.mark.parametrize("street", ["富强路街道", "科学路街道", "兴胜镇"])
def test_overview_page_shows_the_printed_figures(auth, street):
    auth.login("inspector")
    page = auth.client.get("/org/").get_data(as_text=True)
    parsed = PARSED[street]
    assert street in page and str(parsed["households"]) in page and str(parsed["grids"]) in page
    assert "144（原文所列）+ 3（推定）= 147" in page
