"""Table tests of the pure expert-review rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from vasops.admission.review import rules as r


def test_default_indicators_cover_design_and_sum_to_10000():
    names = [i.name for i in r.DEFAULT_INDICATORS]
    assert "公司规模" in names and "业务性能" in names and "创新性" in names and len(names) == 10
    assert r.weights_problem({i.code: i.weight_bp for i in r.DEFAULT_INDICATORS}) is None


@pytest.mark.parametrize(
    ("weights", "ok"),
    [
        ({"a": 5000, "b": 5000}, True),
        ({"a": 5000, "b": 4999}, False),
        ({"a": 10001, "b": -1}, False),
        ({}, False),
    ],
)
def test_weights_must_sum_to_10000_basis_points(weights, ok):
    assert (r.weights_problem(weights) is None) is ok


def test_panel_draw_is_reproducible_with_the_stored_seed():
    first = r.draw_panel(range(1, 21), [], 5, "seed-1")
    assert first == r.draw_panel(reversed(range(1, 21)), [], 5, "seed-1")
    assert first != r.draw_panel(range(1, 21), [], 5, "seed-2")


def test_conflicted_experts_are_never_drawn():
    for seed in range(200):
        assert 3 not in r.draw_panel([1, 2, 3, 4], [3], 3, str(seed))


def test_too_few_eligible_experts_is_refused():
    with pytest.raises(ValueError):
        r.draw_panel([1, 2, 3], [3], 3, "s")


@pytest.mark.parametrize(
    ("affiliation", "partner", "explicit", "conflicted"),
    [
        ("武汉甲公司", "武汉甲公司", False, True),
        (" 武汉 甲公司", "武汉甲公司", False, True),
        ("武汉大学", "武汉甲公司", False, False),
        ("", "武汉甲公司", False, False),
        ("武汉大学", "武汉甲公司", True, True),
    ],
)
def test_conflict_by_affiliation_or_explicit(affiliation, partner, explicit, conflicted):
    assert r.is_conflicted(affiliation, partner, explicit=explicit) is conflicted


def test_weighted_total_and_aggregate_mean():
    weights = {"a": 7000, "b": 3000}
    assert r.weighted_total({"a": 90, "b": 60}, weights) == Decimal("81.00")
    assert r.weighted_total({"a": 85, "b": 86}, weights) == Decimal("85.30")
    assert r.aggregate([Decimal("81.00"), Decimal("85.30"), Decimal("70")]) == Decimal("78.77")
    assert r.aggregate([]) is None


@pytest.mark.parametrize(
    ("scores", "complete", "ok"),
    [
        ({"a": 100, "b": 0}, True, True),
        ({"a": 101, "b": 0}, True, False),
        ({"a": 90}, False, True),
        ({"a": 90}, True, False),
        ({"x": 1}, False, False),
    ],
)
def test_scores_0_to_100_and_all_indicators_on_submission(scores, complete, ok):
    assert (r.scores_problem(scores, ["a", "b"], complete=complete) is None) is ok


def test_absence_ban_lasts_exactly_one_year():
    assert r.ban_end(dt.date(2026, 4, 20)) == dt.date(2027, 4, 19)
    assert r.ban_end(dt.date(2028, 2, 29)) == dt.date(2029, 2, 27)
