from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth.policy import Action, require
from portal.extensions import db
from portal.home.rules import community_rows
from portal.org import notice
from portal.org.models import Community, Street
from portal.org.rules import district_totals
from portal.people.models import Person
from portal.responsibility.rules import gaps

bp = Blueprint("org", __name__, url_prefix="/org")


@bp.get("/")
@login_required
def overview():
    require(current_user, Action.VIEW_ORG)
    streets = db.session.scalars(select(Street).order_by(Street.sort_order)).all()
    return render_template("org/overview.html", streets=streets, totals=district_totals(), notice=notice)


@bp.get("/streets/<int:street_id>")
@login_required
def street(street_id: int):
    require(current_user, Action.VIEW_ORG)
    street = db.get_or_404(Street, street_id)
    return render_template("org/street.html", street=street, rows=community_rows(street_id=street.id),
                           gaps=gaps(street_id=street.id))


@bp.get("/communities/<int:community_id>")
@login_required
def community(community_id: int):
    community = db.session.get(Community, community_id) or abort(404)
    require(current_user, Action.VIEW_COMMUNITY, community)
    people = db.session.scalars(
        select(Person).where(Person.community_id == community.id, Person.active.is_(True))
        .options(selectinload(Person.grid))
    ).all()
    by_grid = {p.grid_id: p for p in people if p.grid_id is not None}
    others = sorted((p for p in people if p.grid_id is None), key=lambda p: (list(type(p.position)).index(p.position), p.id))
    return render_template("org/community.html", community=community, by_grid=by_grid, others=others,
                           gaps=gaps(community_id=community.id))
