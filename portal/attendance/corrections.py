"""补卡: asking for a missing 签到/签退 with a reason, and the 书记/站长's decision,
within a monthly limit (issue: 考勤 part 6)."""
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update

from portal import clock
from portal.activity import locks
from portal.activity import rules as activity
from portal.activity.models import EventKind
from portal.attendance.models import AttendanceCorrection, CorrectionStatus
from portal.attendance.settings import settings_for
from portal.audit import log as audit
from portal.auth.policy import Action, can
from portal.errors import FieldErrors
from portal.extensions import db
from portal.text import has_control

KINDS = {EventKind.CLOCK_IN.value: "签到", EventKind.CLOCK_OUT.value: "签退"}
MAX_AGE_DAYS = 31


def used_this_month(person_id: int, day: date) -> int:
    first = day.replace(day=1)
    start = datetime.combine(first, time(0), tzinfo=clock.LOCAL_TZ)
    end = datetime.combine((first + timedelta(days=32)).replace(day=1), time(0), tzinfo=clock.LOCAL_TZ)
    return db.session.scalar(select(func.count()).select_from(AttendanceCorrection).where(
        AttendanceCorrection.person_id == person_id,
        AttendanceCorrection.status.in_((CorrectionStatus.PENDING, CorrectionStatus.APPROVED)),
        AttendanceCorrection.at >= start, AttendanceCorrection.at < end))


def request(actor, person, kind: str, day: date | None, time_text: str, reason: str,
            now: datetime | None = None) -> AttendanceCorrection:
    """File a 补卡 for oneself (caller commits); FieldErrors names every problem."""
    if actor.person_id != person.id or not can(actor, Action.REQUEST_CORRECTION):
        raise PermissionError("only one's own 补卡")
    now = now or clock.now()
    today = clock.to_local(now).date()
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = "请选择补签到或补签退。"
    moment = None
    if day is None:
        errors["day"] = "请填写日期。"
    elif day > today or day < today - timedelta(days=MAX_AGE_DAYS):
        errors["day"] = f"只能补 {MAX_AGE_DAYS} 天以内、不晚于今天的卡。"
    else:
        try:
            hour, minute = (int(p) for p in (time_text or "").strip().split(":")[:2])
            moment = datetime.combine(day, time(hour, minute), tzinfo=clock.LOCAL_TZ)
        except (ValueError, OverflowError):
            errors["time"] = "时间应为“时:分”，如 08:25。"
        if moment is not None and moment > now:
            errors["time"] = "补卡时间不能晚于现在。"
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        errors["reason"] = "请写明补卡理由（不超过 200 字）。"
    elif has_control(reason, allow_newlines=True):
        errors["reason"] = "补卡理由不能含控制字符。"
    if day is not None and "day" not in errors:
        try:
            locks.refuse_if_locked(person.street_id, day)
        except FieldErrors as locked:
            errors.update(locked.errors)
        limit = settings_for(person.street_id).corrections_per_month
        if "day" not in errors and used_this_month(person.id, day) >= limit:
            errors["day"] = f"本月补卡次数已用完（每月最多 {limit} 次）。"
    if errors:
        raise FieldErrors(errors)
    correction = AttendanceCorrection(person_id=person.id, community_id=person.community_id, kind=kind,
                                      at=moment.astimezone(UTC),
                                      reason=reason, status=CorrectionStatus.PENDING, requested_at=now)
    db.session.add(correction)
    db.session.flush()
    audit.record(actor, "attendance.correction_requested", correction,
                 after={"kind": kind, "at": moment.isoformat(), "reason": reason})
    return correction


def decide(actor, correction: AttendanceCorrection, approve: bool, comment: str,
           now: datetime | None = None) -> AttendanceCorrection:
    """Approve (the clock event enters the log, entered by the approver) or reject;
    once only, by compare-and-set on the status."""
    if not can(actor, Action.DECIDE_CORRECTION, correction):
        raise PermissionError("not this person's 书记/站长")
    now = now or clock.now()
    comment = (comment or "").strip()
    if len(comment) > 200:
        raise FieldErrors({"comment": "意见不能超过 200 字。"})
    if has_control(comment, allow_newlines=True):
        raise FieldErrors({"comment": "意见不能含控制字符。"})
    if not approve and not comment:
        raise FieldErrors({"comment": "驳回时请写明理由。"})
    locks.refuse_if_locked(correction.person.street_id, clock.to_local(correction.at).date())
    new = CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED
    done = db.session.execute(
        update(AttendanceCorrection)
        .where(AttendanceCorrection.id == correction.id, AttendanceCorrection.status == CorrectionStatus.PENDING)
        .values(status=new, decided_by_id=actor.id, decided_at=now, comment=comment or None)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.refresh(correction)
        who = correction.decided_by.person.name if correction.decided_by else "他人"
        raise FieldErrors({"comment": f"该补卡申请已由{who}处理（{correction.status.label}）。"})
    db.session.refresh(correction)
    if approve:
        event = activity.record_correction(actor, correction.person_id, correction.community_id,
                                           EventKind(correction.kind), correction.at,
                                           f"补卡：{correction.reason}", now)
        correction.event_id = event.id
    audit.record(actor, "attendance.correction_" + new.value, correction,
                 on_behalf_of=correction.person, after={"status": new.value, "comment": comment or None})
    return correction


def pending_for(account) -> list[AttendanceCorrection]:
    person = account.person
    rows = db.session.scalars(select(AttendanceCorrection).where(
        AttendanceCorrection.status == CorrectionStatus.PENDING,
        AttendanceCorrection.person_id != person.id).order_by(AttendanceCorrection.at))
    return [c for c in rows if can(account, Action.DECIDE_CORRECTION, c)]
