"""The 调休 balance: confirmed credits, what approved 调休 leave drew from them, and
what comes back when such leave is revoked or ended early by 销假.

This module sits below portal.leave (leave's rules call it when a 调休 request is
filed, approved, revoked or returned from), and knows leave only by its id: the
days a request needs and its status are leave's business. Earning credits (from
the activity log's stored days, or a recorded 加班) is portal.comptime.rules, above
attendance.

- A balance on a day counts the confirmed credits not yet drawn whose `expires_on`
  is on or after that day: a 调休 must start before the credit lapses.
- A draw takes the oldest credits first (by the day worked), each by a
  compare-and-set `UPDATE … SET remaining = remaining - d WHERE remaining >= d`:
  two approvals drawing on the same days at once cannot both have them, on SQLite
  (BEGIN IMMEDIATE serialises writers) and PostgreSQL (the second UPDATE waits for
  the first and re-reads the row) alike. The loser raises; the caller rolls back
  the whole decision.
- A refund gives days back to the credits they came from, youngest credit first,
  so what stays drawn is the oldest (and what comes back lasts longest).
"""
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, update

from portal.audit import log as audit
from portal.comptime.models import CompTimeCredit, CompTimeDraw, CreditStatus
from portal.errors import FieldErrors
from portal.extensions import db

ZERO = Decimal(0)


def days_text(value: Decimal) -> str:
    """2.0 → "2", 0.5 → "0.5"."""
    return f"{Decimal(value).normalize():f}"


def usable(person_id: int, on: date):
    """The conditions of a credit that a 调休 starting `on` may draw on."""
    return (CompTimeCredit.person_id == person_id, CompTimeCredit.status == CreditStatus.CONFIRMED,
            CompTimeCredit.remaining > 0, CompTimeCredit.expires_on >= on)


def available(person_id: int, on: date) -> list[CompTimeCredit]:
    """Credits a 调休 starting `on` may draw on, oldest first (the order of drawing)."""
    return list(db.session.scalars(select(CompTimeCredit).where(*usable(person_id, on))
                                   .order_by(CompTimeCredit.work_day, CompTimeCredit.id)))


def balance(person_id: int, on: date) -> Decimal:
    """Days of 调休 a leave starting `on` could draw (one query)."""
    total = db.session.scalar(select(func.sum(CompTimeCredit.remaining)).where(*usable(person_id, on)))
    return Decimal(total or 0)


def balances(person_ids, on: date) -> dict[int, Decimal]:
    """`balance` of many people at once (one query)."""
    ids = list(person_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(CompTimeCredit.person_id, func.sum(CompTimeCredit.remaining))
        .where(CompTimeCredit.person_id.in_(ids), CompTimeCredit.status == CreditStatus.CONFIRMED,
               CompTimeCredit.remaining > 0, CompTimeCredit.expires_on >= on)
        .group_by(CompTimeCredit.person_id))
    return {person_id: Decimal(total or 0) for person_id, total in rows}


class BalanceChanged(FieldErrors):
    """Another approval drew these days first (or they lapsed): nothing was drawn."""


def short_message(needed: Decimal, have: Decimal) -> str:
    return (f"调休余额不足：本次需 {days_text(needed)} 天，可用 {days_text(have)} 天"
            "（可能刚被另一笔调休用掉，或已过有效期）。")


def draw(actor, leave_id: int, person_id: int, days: Decimal, on: date, field: str = "decision") -> list[CompTimeDraw]:
    """Take `days` for the approved 调休 leave `leave_id` (starting `on`) from the
    person's credits, oldest first, in the caller's transaction. Raises
    BalanceChanged (nothing drawn that the caller's rollback does not undo)."""
    needed = Decimal(days)
    credits = available(person_id, on)
    have = sum((Decimal(c.remaining) for c in credits), ZERO)
    if have < needed:
        raise BalanceChanged({field: short_message(needed, have)})
    draws, left = [], needed
    for credit in credits:
        if left <= 0:
            break
        take = min(Decimal(credit.remaining), left)
        result = db.session.execute(
            update(CompTimeCredit).where(CompTimeCredit.id == credit.id, CompTimeCredit.remaining >= take,
                                         CompTimeCredit.status == CreditStatus.CONFIRMED)
            .values(remaining=CompTimeCredit.remaining - take).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise BalanceChanged({field: short_message(needed, balance(person_id, on))})
        draws.append(CompTimeDraw(leave_id=leave_id, credit_id=credit.id, days=take))
        left -= take
    db.session.add_all(draws)
    db.session.flush()
    for credit in credits:
        db.session.refresh(credit)
    audit.record(actor, "comptime.drawn", credits[0], after={
        "leave_id": leave_id, "person_id": person_id, "days": days_text(needed),
        "credits": {str(d.credit_id): days_text(d.days) for d in draws}})
    return draws


def refund(actor, leave_id: int, days: Decimal | None = None) -> Decimal:
    """Give back `days` (all still drawn, when None) of the leave's draws to their
    credits, the youngest credit first. Returns the days given back."""
    draws = list(db.session.scalars(
        select(CompTimeDraw).join(CompTimeCredit).where(CompTimeDraw.leave_id == leave_id)
        .order_by(CompTimeCredit.work_day.desc(), CompTimeCredit.id.desc())))
    out = sum((Decimal(d.days) - Decimal(d.returned) for d in draws), ZERO)
    wanted = out if days is None else min(Decimal(days), out)
    left, given = wanted, {}
    for one in draws:
        if left <= 0:
            break
        back = min(Decimal(one.days) - Decimal(one.returned), left)
        if back <= 0:
            continue
        db.session.execute(update(CompTimeCredit).where(CompTimeCredit.id == one.credit_id)
                           .values(remaining=CompTimeCredit.remaining + back)
                           .execution_options(synchronize_session=False))
        one.returned = Decimal(one.returned) + back
        given[str(one.credit_id)] = days_text(back)
        left -= back
    if given:
        db.session.flush()
        for one in draws:
            db.session.refresh(one.credit)
        audit.record(actor, "comptime.returned", draws[0].credit, after={
            "leave_id": leave_id, "days": days_text(wanted), "credits": given})
    return wanted


def draws_of(leave_id: int) -> list[CompTimeDraw]:
    return list(db.session.scalars(select(CompTimeDraw).where(CompTimeDraw.leave_id == leave_id)
                                   .order_by(CompTimeDraw.id)))
