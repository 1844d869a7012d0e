"""代请假: leave filed for a person by their community's 书记 or 站长, when the person
cannot file it (a worker in hospital cannot file 病假 from the ward).

Who may file for whom is portal.auth.policy's (files_leave_for); who then decides is
its is_first_approver: never the filer. The request is the person's own in every
other way: the same approval chain, the same 证明材料 rules, balances (年休假) of the
person, on the person's list with who filed it, withdrawn by the person or the filer.
portal.leave.rules.submit files it; this module holds what only 代请假 has.
"""
from blinker import Namespace
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.auth.policy import files_leave_for
from portal.extensions import db
from portal.people.models import Person, Position
from portal.text import has_control

MAX_REASON = 200
REFUSED = "代请假只能由社区书记、站长为本社区在册人员（不含本人）提交。"

_signals = Namespace()
filed_on_behalf = _signals.signal("leave-filed-on-behalf", doc="""\
Sent with the LeaveRequest just filed for someone else, inside the filing
transaction (flushed, not committed: a receiver writes into the same session or
queues work for after the commit). The hook for telling the person: once the
worker's phone gets notifications, they connect here. Nothing is connected yet.""")

# The order people are listed in: the community's office first, then the grids.
_POSITION_ORDER = (Position.SECRETARY, Position.STATION_HEAD, Position.FRONT_DESK, Position.GRID_WORKER)


def check_reason(reason: str | None) -> dict[str, str]:
    """Why the person could not file themself: required, one short paragraph."""
    reason = (reason or "").strip()
    if not reason:
        return {"behalf_reason": "请写明本人为何不能自己提交（如：住院，无法使用手机）。"}
    if len(reason) > MAX_REASON or has_control(reason, allow_newlines=True, strict=True):
        return {"behalf_reason": f"代请假原因不能超过 {MAX_REASON} 字，且不能含控制字符。"}
    return {}


def people_to_file_for(account) -> list[Person]:
    """The people of the account's community it may file leave for, office first."""
    actor = account.person
    if not files_leave_for(actor, None):
        return []
    people = db.session.scalars(select(Person).where(
        Person.community_id == actor.community_id, Person.active.is_(True), Person.id != actor.id)
        .options(joinedload(Person.grid)))
    return sorted((p for p in people if files_leave_for(actor, p)),
                  key=lambda p: (_POSITION_ORDER.index(p.position), p.grid.number if p.grid else 0, p.id))
