"""离线补传: a worker's own status taps made without a connection, sent later.

The phone keeps each tap with an id it made up and the tap's time, and sends them
in order when the line is back. The event is then written by the one writer
(`rules.record_event`) as of the tap's time, with the same sequence checks and the
month lock of the tap's day, and marked `offline`. What is refused is said in
Chinese, so the phone can show it to the worker instead of dropping the tap:

- a tap older than the limit (a setting, default 12 h) or from the future;
- a tap earlier than an event already on the server for the person (the front desk
  set the status meanwhile, or another phone sent later taps): it cannot be slotted
  in without rewriting what others saw, so 补卡 is the way;
- anything `record_event` refuses (the sequence, the month closed meanwhile).

An id the person's log already has is acknowledged and nothing is written: exactly
once, also when two replays of the same tap race (they queue on the person's row,
and a unique constraint on (person, client id) is the last word).
A tap that arrives within `ONLINE_SLACK` of its time was not offline: it is an
ordinary event at the server's time, whatever the phone claims.
"""
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.activity.models import ActivityEvent
from portal.activity.rules import local_minute, record_event
from portal.audit import log as audit
from portal.errors import FieldErrors
from portal.extensions import db
from portal.people.models import Person

CLIENT_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
ONLINE_SLACK = timedelta(seconds=60)   # network delay, not a dead zone
FUTURE_SLACK = timedelta(seconds=60)   # a phone's clock a little ahead of the server's


@dataclass
class Replay:
    """What became of one queued tap: `event` written, or `duplicate` (already there)."""

    event: ActivityEvent | None
    duplicate: bool = False


def parse_tap_time(raw) -> datetime | None:
    """The tap's instant from milliseconds since the epoch (what a phone's Date.now()
    gives), or None for anything else."""
    raw = str(raw or "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 15:
        return None
    try:
        return datetime.fromtimestamp(int(raw) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def check_tap(client_id, tapped_at: datetime | None, now: datetime, max_hours: int) -> None:
    """FieldErrors (in Chinese) when a queued tap cannot be taken at all."""
    if not CLIENT_ID.fullmatch(str(client_id or "")):
        raise FieldErrors({"id": "离线记录的编号无效，未记录。"})
    if tapped_at is None:
        raise FieldErrors({"at": "离线记录的时间无效，未记录。"})
    if tapped_at > now + FUTURE_SLACK:
        raise FieldErrors({"at": "离线记录的时间晚于服务器当前时间（请检查手机时间），未记录。"})
    if now - tapped_at > timedelta(hours=max_hours):
        raise FieldErrors({"at": f"离线记录已超过 {max_hours} 小时，不能补传；如需更正请申请补卡。"})


def _already(person_id: int, client_id: str) -> ActivityEvent | None:
    return db.session.scalar(select(ActivityEvent).where(
        ActivityEvent.person_id == person_id, ActivityEvent.client_id == client_id))


def _later_event(person_id: int, tapped_at: datetime) -> ActivityEvent | None:
    return db.session.scalar(select(ActivityEvent).where(
        ActivityEvent.person_id == person_id, ActivityEvent.at > tapped_at)
        .order_by(ActivityEvent.at.desc()).limit(1))


def replay(actor, person: Person, client_id, kind_value: str, tapped_at: datetime | None, *, now: datetime,
           max_hours: int, expected_return=None, destination=None, note=None, household=None,
           clock_in_first: bool = False) -> Replay:
    """Write one queued tap of the actor's own status (caller commits). Raises
    PermissionError for someone else's status, FieldErrors for a refusal; nothing
    is written in either case."""
    if actor.person_id != person.id:
        raise PermissionError("a queued tap is the worker's own")
    check_tap(client_id, tapped_at, now, max_hours)
    # Replays of one person queue here (as record_event's writers do), so the
    # second of two racing replays of one tap finds the first one's row.
    db.session.execute(select(Person.id).where(Person.id == person.id).with_for_update())
    if _already(person.id, client_id) is not None:
        return Replay(None, duplicate=True)
    offline = now - tapped_at > ONLINE_SLACK
    at = tapped_at if offline else now
    later = _later_event(person.id, at)
    if offline and later is not None:
        raise FieldErrors({"kind": f"服务器上已有更晚的记录（{local_minute(later.at):%H:%M} {later.kind.label}），"
                                   "这条离线记录无法补入；如需更正请申请补卡。"})
    try:
        with db.session.begin_nested():
            event = record_event(actor, person, kind_value, destination=destination, note=note,
                                 household=household, expected_return=expected_return, now=at,
                                 clock_in_first=clock_in_first)
            event.client_id, event.offline = client_id, offline
            db.session.flush()
    except IntegrityError:
        return Replay(None, duplicate=True)
    if offline:
        audit.record(actor, "activity.offline_replayed", event,
                     after={"client_id": client_id, "kind": event.kind.value, "tapped_at": at.isoformat(),
                            "received_at": now.isoformat()})
    return Replay(event)
