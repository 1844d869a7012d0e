"""Query and form parameters that name a unit. Absent means "the default"; present
but malformed is a 400 with a Chinese message, never a silent fall-back to the
district default or the district scope."""
from flask import abort

from portal.extensions import db
from portal.org.models import Community, Street


def _unit(model, raw: str | None, noun: str):
    raw = (raw or "").strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and len(raw) < 10:
        return db.session.get(model, int(raw)) or abort(404)
    abort(400, description=f"{noun}参数“{raw[:20]}”无效：请从页面上的列表选择{noun}。")


def street_from(raw: str | None) -> Street | None:
    """The street a `street` parameter names, None when it is absent (404 if none has that id)."""
    return _unit(Street, raw, "街镇")


def community_from(raw: str | None) -> Community | None:
    """The community a `community` parameter names, None when it is absent."""
    return _unit(Community, raw, "社区")
