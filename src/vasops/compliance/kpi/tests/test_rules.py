"""The KPI rules at their boundaries: periods, values, the verdict."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.compliance.kpi import rules


@pytest.mark.parametrize(
    ("kind", "text", "start", "end"),
    [
        ("month", "2026-11", dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        ("month", "2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("month", "2026-12", dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        ("quarter", "2026q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("quarter", "2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    ],
)
def test_period_bounds(kind, text, start, end):
    assert rules.period_bounds(kind, text) == (start, end)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("month", "2026-13"),
        ("month", "2026-00"),
        ("month", "202611"),
        ("quarter", "2026Q5"),
        ("month", "2026Q4"),
    ],
)
def test_bad_periods_are_refused_with_the_expected_form(kind, text):
    with pytest.raises(ValueError, match="周期"):
        rules.period_bounds(kind, text)


@pytest.mark.parametrize(
    ("unit", "text", "value"),
    [
        ("bp", "99.5", 9950),
        ("bp", "99.5%", 9950),
        ("bp", "99.995", 10000),  # ROUND_HALF_UP once
        ("bp", "99.994", 9999),
        ("bp", "100", 10000),
        ("bp", "0", 0),
        ("ms", "3000", 3000),
        ("ms", "3,000", 3000),
        ("count", "16", 16),
    ],
)
def test_values_are_parsed_to_the_stored_integer(unit, text, value):
    assert rules.parse_value(unit, text) == value


@pytest.mark.parametrize(
    ("unit", "text", "why"),
    [
        ("bp", "100.01", "不能大于 100"),
        ("bp", "-1", "负数"),
        ("bp", "abc", "不是数字"),
        ("bp", "NaN", "不是数字"),
        ("ms", "12.5", "整数"),
        ("count", "", "不是数字"),
    ],
)
def test_bad_values_are_refused_with_the_reason(unit, text, why):
    with pytest.raises(ValueError, match=why):
        rules.parse_value(unit, text)


@pytest.mark.parametrize(
    ("direction", "threshold", "value", "met"),
    [
        ("at_least", 9900, 9900, True),
        ("at_least", 9900, 9899, False),
        ("at_most", 3000, 3000, True),
        ("at_most", 3000, 3001, False),
    ],
)
def test_the_threshold_itself_passes(direction, threshold, value, met):
    assert rules.is_met(direction, threshold, value) is met


def test_seven_default_indicators_cover_the_om_requirements_chapter_four():
    assert [k.code for k in rules.DEFAULT_KPIS] == [
        "wap_response_time",
        "wap_page_success",
        "gateway_sp_connect",
        "sp_gateway_send",
        "connection_threshold",
        "ivr_trunk_connect",
        "ivr_timeslot_integrity",
    ]
