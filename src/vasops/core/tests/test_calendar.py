import datetime as dt

import pytest

from vasops.core import calendar, clock
from vasops.core.models import WorkCalendar

pytestmark = pytest.mark.django_db


def test_seeded_2026_calendar_knows_spring_festival_and_make_up_day():
    calendar.seed_years([2026])
    assert calendar.is_working_day(dt.date(2026, 2, 14))  # Saturday, make-up day
    assert not calendar.is_working_day(dt.date(2026, 2, 16))
    assert calendar.add_working_days(dt.date(2026, 2, 13), 2) == dt.date(2026, 2, 24)
    due = calendar.deadline_after(dt.date(2026, 2, 13), 2)
    assert due == dt.datetime(2026, 2, 24, 23, 59, 59, tzinfo=clock.SHANGHAI)


def test_year_beyond_chinesecalendar_falls_back_to_holidays_package():
    rows = calendar.generate_year(2031)
    by_date = {r.date: r for r in rows}
    assert by_date[dt.date(2031, 1, 1)].is_working_day is False
    assert by_date[dt.date(2031, 10, 1)].is_working_day is False
    assert by_date[dt.date(2031, 10, 1)].source == WorkCalendar.Source.HOLIDAYS
    assert len(rows) == 365


def test_missing_next_year_is_reported(freeze):
    freeze("2026-11-25")
    calendar.seed_years([2026])
    assert calendar.missing_next_year() == 2027
    calendar.seed_years([2027])
    assert calendar.missing_next_year() is None
