"""Dates as people here write them, in Asia/Shanghai whatever the server's zone."""
from datetime import UTC, date, datetime

from portal import clock


def test_dates_are_written_the_chinese_way():
    assert clock.format_date(date(2026, 11, 25)) == "2026年11月25日"
    assert clock.format_weekday(date(2026, 11, 25)) == "星期三"


def test_utc_instants_are_shown_in_shanghai_time():
    late_evening_utc = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)  # 01:30 next day in Baotou
    assert clock.format_datetime(late_evening_utc) == "2026年11月25日 01:30"
    assert clock.format_date(late_evening_utc) == "2026年11月25日"


def test_the_clock_can_be_frozen(app):
    frozen = datetime(2027, 2, 1, 0, 30, tzinfo=UTC)
    app.config["CLOCK_NOW"] = frozen
    with app.app_context():
        assert clock.now() == frozen
        assert clock.today() == date(2027, 2, 1)


def test_an_unfrozen_clock_reads_the_real_time(app):
    """The one test that reads the wall clock: every other test runs at SUITE_NOW or a moment it states."""
    app.config["CLOCK_NOW"] = None
    with app.app_context():
        before = datetime.now(UTC)
        read = clock.now()
        after = datetime.now(UTC)
    assert before <= read <= after
