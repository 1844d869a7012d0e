"""Building the organisation tree from the notice."""
from sqlalchemy import func, select

from portal.extensions import db
from portal.org import notice
from portal.org.models import Community, Grid, Street


def district_seeded() -> bool:
    return db.session.scalar(select(func.count()).select_from(Street)) > 0


def seed_district() -> None:
    """Create 10 街镇, 49 社区 and 529 网格 exactly as printed (caller commits)."""
    for s_order, fact in enumerate(notice.STREETS, start=1):
        street = Street(
            name=fact.name, slug=fact.slug, kind=fact.kind, sort_order=s_order,
            households=fact.households, households_note=fact.households_note,
            grid_count=fact.grids, staff_count=fact.staff, staff_note=fact.staff_note,
        )
        db.session.add(street)
        for c_order, cf in enumerate(fact.communities, start=1):
            community = Community(
                street=street, name=cf.name, slug=cf.slug, sort_order=c_order,
                grid_count=cf.grids, staff_count=cf.staff, staff_count_inferred=cf.staff_inferred,
                printed_as=cf.printed_as, source_note=cf.note,
            )
            db.session.add(community)
            db.session.add_all(Grid(community=community, number=n) for n in range(1, cf.grids + 1))
    db.session.flush()


def district_totals() -> dict:
    """Totals from the database, for the overview page and the notice test."""
    streets = db.session.scalars(select(Street).order_by(Street.sort_order)).all()
    return {
        "streets": len(streets),
        "communities": db.session.scalar(select(func.count()).select_from(Community)),
        "grids": db.session.scalar(select(func.count()).select_from(Grid)),
        "households": sum(s.households or 0 for s in streets),
        "staff_stated": sum(s.staff_count or 0 for s in streets),
        "staff": db.session.scalar(select(func.sum(Community.staff_count))),
    }
