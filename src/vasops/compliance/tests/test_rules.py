"""The numbers of chapters 6–8 at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.compliance import rules


@pytest.mark.parametrize(
    ("points", "grade"),
    [
        (100, "excellent"),
        (90, "excellent"),
        (89, "good"),
        (80, "good"),
        (79, "pass"),
        (60, "pass"),
        (59, "fail"),
        (-5, "fail"),
    ],
)
def test_grade_from_points(points, grade):
    assert rules.credit_grade(points) == grade


def test_grade_lines_follow_the_staff_numbers():
    n = rules.Numbers(excellent_from=95, good_from=85, pass_from=70)
    assert rules.credit_grade(70, n) == "pass"
    assert rules.credit_grade(69, n) == "fail"


def test_default_points_per_grade():
    assert [rules.default_points(g) for g in ("general", "serious", "major")] == [2, 5, 10]


@pytest.mark.parametrize(("today", "open_"), [(dt.date(2026, 11, 9), True), (dt.date(2026, 11, 10), False)])
def test_appeal_open_through_the_due_date(today, open_):
    assert rules.appeal_open(today, dt.date(2026, 11, 9)) is open_


def test_blacklist_ends_six_months_after_the_last_bad_record_to_the_day():
    assert rules.blacklist_end(dt.date(2026, 3, 15), 6) == dt.date(2026, 9, 14)
    assert rules.blacklist_end(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 27)  # month end clamps


def test_a_bad_record_is_a_deduction_to_fail_or_a_major_violation():
    assert rules.puts_on_blacklist("fail", -2, None)
    assert not rules.puts_on_blacklist("pass", -2, "serious")
    assert rules.puts_on_blacklist("excellent", -10, "major")
    assert not rules.puts_on_blacklist("fail", +5, None)  # a correction upwards


def test_a_reduction_must_stay_below_the_terms():
    assert rules.reduction_problem(2, 0, 5, 100) is None
    assert rules.reduction_problem(5, 100, 5, 100) is not None
    assert rules.reduction_problem(6, 0, 5, 100) is not None
    assert rules.reduction_problem(-1, 0, 5, 100) is not None


def test_settings_must_keep_the_grade_lines_in_order():
    assert rules.settings_problem(rules.DEFAULTS) is None
    assert rules.settings_problem(rules.Numbers(good_from=95)) is not None
    assert rules.settings_problem(rules.Numbers(appeal_working_days=0)) is not None


def test_score_and_ranking():
    assert rules.score({"a": 2, "b": 1}, {"a": 10, "b": 5}) == 75
    assert rules.score({"a": 20}, {"a": 10}) == 0
    assert rules.ranks([(1, 80), (2, 95), (3, 80)]) == {2: 1, 1: 2, 3: 2}


def test_periods():
    assert rules.quarter_of(dt.date(2026, 11, 17)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert rules.month_of(dt.date(2026, 2, 10)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
