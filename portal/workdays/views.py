"""The work calendar pages: everyone may look, only the 管理员 changes it."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.auth.policy import Action, can, require
from portal.errors import FieldErrors
from portal.extensions import db
from portal.htmx import render
from portal.workdays import rules
from portal.workdays.forms import DayForm, NoticeConfirmForm, NoticeForm, parse_day
from portal.workdays.notice import parse_notice

bp = Blueprint("workdays", __name__, url_prefix="/calendar")


def _year(year: int) -> int:
    if not rules.MIN_YEAR <= year <= rules.MAX_YEAR:
        abort(404)
    return year


@bp.get("/")
@login_required
def index():
    require(current_user, Action.VIEW_CALENDAR)
    today = clock.today()
    return render("workdays/index.html", statuses=rules.year_statuses(today), missing=rules.missing_years(today))


def _year_page(year: int, form: DayForm | None = None, errors: dict | None = None, status: int = 200):
    days = rules.year_days(year)
    covered = rules.year_of(year)
    manage = can(current_user, Action.MANAGE_CALENDAR)
    return render(
        "workdays/year.html", status=status, year=year, days=days, covered=covered,
        months=rules.month_grids(year, days), missing=rules.missing_years(clock.today()),
        manage=manage, form=(form or DayForm(formdata=None)).for_year(year) if manage else None,
        errors=errors or {}, festivals_missing=rules.festivals_missing(days),
        package_has_it=covered is None and rules.package_covers(year),
    )


@bp.get("/<int:year>")
@login_required
def year(year: int):
    require(current_user, Action.VIEW_CALENDAR)
    return _year_page(_year(year))


@bp.post("/<int:year>/days")
@login_required
def day_POST(year: int):
    require(current_user, Action.MANAGE_CALENDAR)
    year = _year(year)
    form = DayForm()
    day = parse_day(form.day.data)
    try:
        row = rules.set_day(current_user, day, form.kind.data, form.name.data, year=year)
        db.session.commit()
    except FieldErrors as error:
        db.session.rollback()
        form.show_errors(error.errors)
        return _year_page(year, form=form, status=400)
    except IntegrityError:  # the same day entered at the same moment by another admin
        db.session.rollback()
        form.show_errors({"day": "这一天刚被他人录入，请刷新页面后再改。"})
        return _year_page(year, form=form, status=400)
    flash(f"已保存：{clock.format_date(row.day)} {row.kind.label}{'（' + row.name + '）' if row.name else ''}。",
          "success")
    return redirect(url_for("workdays.year", year=year), 303)


@bp.post("/<int:year>/days/<iso>/delete")
@login_required
def day_delete_POST(year: int, iso: str):
    require(current_user, Action.MANAGE_CALENDAR)
    year = _year(year)
    day = parse_day(iso)
    try:
        rules.clear_day(current_user, day, year=year)
        db.session.commit()
    except FieldErrors as error:
        db.session.rollback()
        return _year_page(year, errors={"list": error.errors["day"]}, status=400)
    flash(f"已删除{clock.format_date(day)}的安排，该日恢复为普通的{rules.DayInfo(rules.plain_kind(day)).label}。",
          "success")
    return redirect(url_for("workdays.year", year=year), 303)


def _year_action(year: int, action, conflict: str, success: str):
    """Confirm or import a whole year: one transaction, a clear message on a race."""
    try:
        action(current_user, year)
        db.session.commit()
    except FieldErrors as error:
        db.session.rollback()
        return _year_page(year, errors=error.errors, status=400)
    except IntegrityError:
        db.session.rollback()
        return _year_page(year, errors={"year": conflict}, status=400)
    flash(success, "success")
    return redirect(url_for("workdays.year", year=year), 303)


@bp.post("/<int:year>/confirm")
@login_required
def confirm_POST(year: int):
    require(current_user, Action.MANAGE_CALENDAR)
    year = _year(year)
    return _year_action(year, rules.confirm_year, f"{year}年刚被他人确认。",
                        f"已确认{year}年的法定节假日和调休安排录入完整，系统将据此计算工作日。")


@bp.post("/<int:year>/prefill")
@login_required
def prefill_POST(year: int):
    require(current_user, Action.MANAGE_CALENDAR)
    year = _year(year)
    return _year_action(year, rules.prefill_year, f"{year}年刚被他人导入或确认。",
                        f"已从 chinese-calendar 导入{year}年的法定节假日和调休上班日。")


# -- importing the State Council's notice ------------------------------------------------

def _notice_page(year: int, form: NoticeForm | None = None, parsed=None, status: int = 200):
    """The paste form; with `parsed`, the preview of what saving would store above it."""
    form = form or NoticeForm(formdata=None)
    return render(
        "workdays/notice.html", status=status, year=year, form=form, covered=rules.year_of(year),
        parsed=parsed, changes=rules.notice_changes(year, parsed) if parsed else None,
        months=rules.month_grids(year, parsed.special) if parsed else None,
        confirm=NoticeConfirmForm(formdata=None, notice=form.notice.data) if parsed else None,
        drafted=rules.year_days(year) if not parsed else [],
    )


@bp.get("/<int:year>/notice")
@login_required
def notice_form(year: int):
    require(current_user, Action.MANAGE_CALENDAR)
    return _notice_page(_year(year))


@bp.post("/<int:year>/notice")
@login_required
def notice_POST(year: int):
    """Read the pasted notice and show it for checking; nothing is saved."""
    require(current_user, Action.MANAGE_CALENDAR)
    year = _year(year)
    form = NoticeForm()
    try:
        rules.notice_open(year)
        parsed = parse_notice(form.notice.data, year)
    except FieldErrors as error:
        form.show_errors(error.errors)
        return _notice_page(year, form, status=400)
    return _notice_page(year, form, parsed=parsed)


@bp.post("/<int:year>/notice/confirm")
@login_required
def notice_confirm_POST(year: int):
    """Read the same text again (never the browser's reading of it) and save it."""
    require(current_user, Action.MANAGE_CALENDAR)
    year = _year(year)
    form = NoticeForm()  # the preview's hidden field has the textarea's name
    try:
        parsed = parse_notice(form.notice.data, year)
        changes = rules.import_notice(current_user, year, parsed)
        db.session.commit()
    except FieldErrors as error:
        db.session.rollback()
        form.show_errors(error.errors)
        return _notice_page(year, form, status=400)
    except IntegrityError:  # another admin imported or confirmed the year at the same moment
        db.session.rollback()
        form.show_errors({"notice": f"{year}年刚被他人导入或确认，本次没有保存。"})
        return _notice_page(year, form, status=400)
    replaced = len(changes.overwritten) + len(changes.removed)
    flash(f"已根据通知导入并确认{year}年：法定假日 {len(parsed.holidays)} 天、调休上班日 {len(parsed.adjusted_workdays)} 天"
          + (f"；原先录入的 {replaced} 天已按通知改写或删除。" if replaced else "。"), "success")
    return redirect(url_for("workdays.year", year=year), 303)
