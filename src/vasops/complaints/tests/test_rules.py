"""The working-hour SLA and the refund rules at their boundaries (pure, the official calendar of
2026: National Day 10-01…10-07 off, Sunday 09-20 and Saturday 10-10 make-up working days)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from vasops.complaints import rules
from vasops.core.clock import SHANGHAI


def official(day: dt.date) -> bool:
    return bool(chinese_calendar.is_workday(day))


def at(y: int, m: int, d: int, h: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


def due(start: dt.datetime, hours: int) -> dt.datetime:
    return rules.add_working_hours(start, hours, official, SHANGHAI)


def test_24_working_hours_on_an_ordinary_weekday_is_the_same_time_next_day():
    assert due(at(2026, 12, 1, 10, 30), 24) == at(2026, 12, 2, 10, 30)


def test_friday_afternoon_runs_over_the_weekend_to_monday():
    assert due(at(2026, 12, 4, 16), 24) == at(2026, 12, 7, 16)
    assert due(at(2026, 12, 4, 16), 48) == at(2026, 12, 8, 16)


def test_the_national_day_holiday_stops_the_clock():
    # Wed 09-30 15:00 + 24 h: 9 h left on 09-30, the holiday 10-01…10-07 does not count, 15 h on Thu 10-08
    assert due(at(2026, 9, 30, 15), 24) == at(2026, 10, 8, 15)
    # one hour before the limit, and the limit itself, are on time; a second later is late
    limit = due(at(2026, 9, 30, 15), 24)
    assert not rules.is_late(limit, limit, limit)
    assert rules.is_late(limit, limit + dt.timedelta(seconds=1), limit)


def test_a_complaint_received_on_a_holiday_starts_counting_on_the_next_working_day():
    assert due(at(2026, 10, 3, 11), 24) == at(2026, 10, 9, 0)


def test_the_make_up_saturday_counts_and_the_sunday_after_does_not():
    # Fri 10-09 12:00 + 48 h: 12 h on Fri, 24 h on the make-up Sat 10-10, Sun 10-11 off, 12 h on Mon
    assert due(at(2026, 10, 9, 12), 48) == at(2026, 10, 12, 12)
    # the make-up Sunday 09-20 runs the clock: Sat 09-19 is off
    assert due(at(2026, 9, 19, 9), 24) == at(2026, 9, 21, 0)


def test_a_limit_ending_exactly_at_midnight_is_that_midnight():
    assert due(at(2026, 12, 1), 24) == at(2026, 12, 2)
    assert due(at(2026, 12, 4), 24) == at(2026, 12, 5)  # Friday's 24 hours end at Saturday 00:00


def test_working_hours_between_skips_the_days_off_and_is_the_inverse_of_adding():
    start = at(2026, 9, 30, 15)
    assert rules.working_hours_between(start, due(start, 24), official, SHANGHAI) == 24
    assert rules.working_hours_between(at(2026, 10, 2), at(2026, 10, 3), official, SHANGHAI) == 0
    assert rules.working_hours_between(due(start, 24), start, official, SHANGHAI) == -24


def test_escalation_is_once_and_only_after_the_limit():
    limit = at(2026, 12, 2, 10)
    assert not rules.should_escalate(limit, None, limit, already=False)
    assert rules.should_escalate(limit, None, limit + dt.timedelta(seconds=1), already=False)
    assert not rules.should_escalate(limit, None, limit + dt.timedelta(hours=1), already=True)
    assert not rules.should_escalate(limit, limit, limit + dt.timedelta(hours=1), already=False)


@pytest.mark.parametrize(
    ("category", "upheld", "ratio"),
    [
        (rules.UNAUTHORISED_ORDER, True, 20_000),
        (rules.UNAUTHORISED_ORDER, False, 10_000),
        (rules.CHARGE_DISPUTE, True, 10_000),
    ],
)
def test_an_upheld_unauthorised_ordering_is_refunded_double(category, upheld, ratio):
    assert rules.refund_ratio_bp(category, upheld, default_bp=10_000, unauthorised_bp=20_000) == ratio


def test_refund_amount_rounds_half_up_once():
    assert rules.refund_amount(500, 20_000) == 1000
    assert rules.refund_amount(1, 15_000) == 2  # 1.5 fen → 2
    assert rules.refund_amount(1, 14_999) == 1
    assert rules.refund_amount(0, 20_000) == 0


def test_the_disputed_period_boundaries():
    today = dt.date(2026, 12, 3)
    assert rules.period_problem(dt.date(2026, 12, 1), today, today) is None
    assert rules.period_problem(dt.date(2026, 12, 1), today + dt.timedelta(days=1), today)
    assert rules.period_problem(today, today - dt.timedelta(days=1), today)
    assert rules.period_problem(today - dt.timedelta(days=366), today, today) is None
    assert rules.period_problem(today - dt.timedelta(days=367), today, today)
    assert rules.period_problem(dt.date(2000, 1, 1), dt.date(2000, 1, 2), today) is None
    assert rules.period_problem(dt.date(1999, 12, 31), dt.date(2000, 1, 2), today)


def test_a_public_page_shows_only_a_masked_number():
    assert rules.mask_msisdn("13012345678") == "130****5678"
