"""The one clock the app asks for "now", so tests can freeze time (config CLOCK_NOW)."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    if has_app_context():
        frozen = current_app.config.get("CLOCK_NOW")
        if frozen is not None:
            return frozen.astimezone(UTC)
    return datetime.now(UTC)


def local_now() -> datetime:
    return now().astimezone(LOCAL_TZ)


def today() -> date:
    """Today's date in Qingshan (Asia/Shanghai)."""
    return local_now().date()


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is LOCAL_TZ:
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


WEEKDAYS = "一二三四五六日"


def format_date(value) -> str:
    """2026年11月25日 — the form people write dates in here."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def format_datetime(value) -> str:
    if value is None:
        return ""
    local = to_local(value)
    return f"{format_date(local)} {local:%H:%M}"


def format_weekday(value) -> str:
    if isinstance(value, datetime):
        value = to_local(value).date()
    return "星期" + WEEKDAYS[value.weekday()]


def format_time(value) -> str:
    """15:30, local time; the date is added when it is not today."""
    if value is None:
        return ""
    local = to_local(value)
    if local.date() != today():
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%H:%M}"


def parse_date(text: str | None) -> date | None:
    """A YYYY-MM-DD date from a form or query string, or None if it is not one."""
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def parse_month(text: str | None) -> tuple[date, str | None]:
    """A "YYYY-MM" month (its first day), or this month with a Chinese message."""
    if not text:
        return today().replace(day=1), None
    try:
        year, month = (int(part) for part in text.split("-")[:2])
        if not 2017 <= year <= 2100:
            raise ValueError
        return date(year, month, 1), None
    except ValueError:
        return today().replace(day=1), "月份无效，已显示本月。"
