"""What every install needs (the notice's organisation, leave types, the work
calendar where the package has it), and the demo district on top."""
from sqlalchemy import func, select

from portal.extensions import db


def seed_reference_data() -> list[str]:
    """Idempotent; returns what it did, for the CLI to print."""
    from portal.assessment.settings import ensure_default as ensure_assessment_default
    from portal.attendance.settings import ensure_default
    from portal.inspections import checklist
    from portal.leave.rules import seed_leave_types
    from portal.org.rules import district_seeded, seed_district
    from portal.workdays.rules import prefill_from_package

    done = []
    if not district_seeded():
        seed_district()
        done.append("已按青府办发〔2017〕72号建立 10 个街镇、49 个社区、529 个网格。")
    seed_leave_types()
    ensure_default()
    ensure_assessment_default()
    checklist.ensure_default()
    years = prefill_from_package()
    if years:
        done.append(f"已从 chinese-calendar 导入 {years[0]}–{years[-1]} 年的节假日和调休。")
    db.session.flush()
    return done


def seed_demo(with_day: bool = True, now=None) -> list[str]:
    """People for every position, and (optionally) a living board, some leave, four
    weeks of 考勤 and a few months of checks, all as of `now` (default: the clock's
    now), so the demo looks alive on whatever day it is seeded."""
    from datetime import timedelta

    from portal import clock
    from portal.attendance import days
    from portal.demo import HISTORY_DAYS

    now = now or clock.now()
    go_live = clock.to_local(now).date() - timedelta(days=HISTORY_DAYS)
    with days.paused():  # four weeks of events: judged once at the end, not per write
        done = _seed_demo(with_day, now, go_live)
    db.session.commit()
    days.close_days(today=clock.to_local(now).date())
    if with_day:
        from portal.demo import seed_demo_comptime

        credits = seed_demo_comptime(now)
        db.session.commit()
        if credits:
            done.append(f"已生成演示调休 {credits} 条。")
        from portal.demo import seed_demo_hall

        if seed_demo_hall(now):
            db.session.commit()
            done.append("已生成富源社区大厅显示屏的通知、值班和办公时间。")
        from portal.demo import seed_demo_matters

        matters = seed_demo_matters(now)
        db.session.commit()
        if matters:
            done.append(f"已生成演示事项 {matters} 件。")
        from portal.notifications import rules as notices

        written = notices.sweep(now)  # 逾期未销假, 整改, 超时未归 as of the demo's now
        db.session.commit()
        if written:
            done.append(f"已生成演示消息 {written} 条。")
    return done


def _seed_demo(with_day: bool, now, go_live) -> list[str]:
    from portal.auth.models import Account
    from portal.demo import (
        HISTORY_DAYS,
        seed_demo_day,
        seed_demo_history,
        seed_demo_inspections,
        seed_demo_leave,
        seed_demo_people,
    )

    done = seed_reference_data()
    if db.session.scalar(select(func.count()).select_from(Account)) == 0:
        done.append(f"已生成演示人员 {seed_demo_people(portal_start=go_live)} 名，密码 demo-pass-2026。")
    from portal.demo import seed_demo_guide

    guide_items = seed_demo_guide()
    if guide_items:
        done.append(f"已生成演示办事指南事项 {guide_items} 项。")
    if with_day:
        events = seed_demo_day(now)
        if events:
            done.append(f"已生成今天的去向记录 {events} 条。")
        leave = seed_demo_leave(now)
        if leave:
            done.append(f"已生成演示请假 {leave} 条。")
        history = seed_demo_history(HISTORY_DAYS, now)
        if history:
            done.append(f"已生成最近四周的考勤记录 {history} 条。")
        inspections = seed_demo_inspections(now=now)
        if inspections:
            done.append(f"已生成最近几个月的督查检查 {inspections} 次。")
        from portal.demo import seed_demo_responsibility

        terms = seed_demo_responsibility(now)
        if terms:
            done.append(f"已生成包社区、包网格安排 {terms} 条。")
    db.session.flush()
    return done
