import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vasops.core import rules

D = dt.date


def weekdays(day):
    return day.weekday() < 5


SPRING_2026_OFF = {D(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)}  # 15..23
MAKE_UP = {D(2026, 2, 14), D(2026, 2, 28)}


def cn_2026(day):
    if day in MAKE_UP:
        return True
    if day in SPRING_2026_OFF:
        return False
    return day.weekday() < 5


def test_friday_before_spring_festival_plus_two_working_days_is_tuesday_24th():
    assert rules.add_working_days(D(2026, 2, 13), 2, cn_2026) == D(2026, 2, 24)


def test_make_up_saturday_counts_as_the_first_working_day():
    assert rules.add_working_days(D(2026, 2, 13), 1, cn_2026) == D(2026, 2, 14)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 11, 20), 1, D(2026, 11, 23)),  # Friday + 1 = Monday
        (D(2026, 11, 21), 1, D(2026, 11, 23)),  # Saturday + 1 = Monday
        (D(2026, 11, 23), 5, D(2026, 11, 30)),
        (D(2026, 11, 21), 0, D(2026, 11, 23)),  # 0 from a weekend rolls forward
        (D(2026, 11, 23), 0, D(2026, 11, 23)),
    ],
)
def test_add_working_days_plain_weeks(start, n, expected):
    assert rules.add_working_days(start, n, weekdays) == expected


def test_working_days_between_counts_half_open_interval_across_holiday():
    assert rules.working_days_between(D(2026, 2, 13), D(2026, 2, 24), cn_2026) == 2
    assert rules.working_days_between(D(2026, 2, 24), D(2026, 2, 13), cn_2026) == -2
    assert rules.working_days_between(D(2026, 2, 13), D(2026, 2, 13), cn_2026) == 0


@given(st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)), st.integers(0, 60))
def test_add_then_count_round_trips(start, n):
    end = rules.add_working_days(start, n, weekdays)
    if n:
        assert rules.working_days_between(start, end, weekdays) == n
        assert weekdays(end)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2027, 11, 30), 3, D(2028, 2, 29)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert rules.add_months(day, months) == expected


@pytest.mark.parametrize(
    ("amount", "ratio", "expected"),
    [(100, 5000, 50), (1, 5000, 1), (3, 5000, 2), (999, 3333, 333), (0, 7000, 0), (-3, 5000, -2)],
)
def test_share_rounds_half_up(amount, ratio, expected):
    assert rules.share_of(amount, ratio) == expected


def test_share_refuses_ratio_above_100_percent():
    with pytest.raises(ValueError):
        rules.share_of(100, 10001)


@given(st.integers(-(10**12), 10**12))
def test_format_and_parse_fen_round_trip(amount):
    assert rules.parse_yuan(rules.format_fen(amount)) == amount
