"""Table tests of the pure exam rules at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.admission.exam import rules as r


@pytest.mark.parametrize(
    ("business", "technical", "passed"),
    [(80, 80, True), (79, 80, False), (80, 79, False), (79, 79, False), (100, 80, True), (0, 100, False)],
)
def test_pass_requires_both_scores_at_least_80(business, technical, passed):
    assert r.is_pass(business, technical) is passed


@pytest.mark.parametrize(
    ("qtype", "key", "given", "ok"),
    [
        ("single", "B", "B", True),
        ("single", "B", "b", True),
        ("single", "B", "C", False),
        ("single", "B", "BC", False),
        ("single", "B", "", False),
        ("multiple", "ACD", "DCA", True),
        ("multiple", "ACD", ["A", "C", "D"], True),
        ("multiple", "ACD", "AC", False),
        ("multiple", "ACD", "ABCD", False),
        ("truefalse", "T", "对", True),
        ("truefalse", "T", "true", True),
        ("truefalse", "F", "错", True),
        ("truefalse", "T", "F", False),
        ("truefalse", "T", None, False),
    ],
)
def test_grading_single_exact_multiple_exact_set_true_false(qtype, key, given, ok):
    assert r.is_correct(qtype, key, given) is ok


def test_score_is_share_of_correct_answers_rounded_half_up():
    qs = [r.GradedQuestion("truefalse", "T")] * 8
    assert r.score(qs, ["T"] * 8) == 100
    assert r.score(qs, ["T"] * 7 + ["F"]) == 88  # 87.5 → 88
    assert r.score(qs, [None] * 8) == 0
    assert r.score([], []) == 0


def test_drawing_with_the_same_seed_gives_the_same_paper():
    ids = list(range(1, 101))
    first = r.draw_questions(ids, 10, "abc:business")
    assert first == r.draw_questions(list(reversed(ids)), 10, "abc:business")
    assert first != r.draw_questions(ids, 10, "abd:business")
    assert len(set(first)) == 10


def test_drawing_more_questions_than_the_bank_holds_is_refused():
    with pytest.raises(ValueError):
        r.draw_questions([1, 2], 3, "s")


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        ("2026-04-10", False),
        ("2026-04-11", True),
        ("2026-04-15", True),
        ("2026-04-16", False),
        ("2026-05-12", False),
    ],
)
def test_sitting_must_be_on_days_11_to_15_of_the_acceptance_month(day, ok):
    problem = r.sitting_date_problem(dt.date.fromisoformat(day), dt.date(2026, 4, 1))
    assert (problem is None) is ok


@pytest.mark.parametrize(
    ("seconds_after_start", "accepted"),
    [(0, True), (30 * 60, True), (30 * 60 + 60, True), (30 * 60 + 61, False)],
)
def test_answers_accepted_until_time_limit_plus_60_seconds_grace(seconds_after_start, accepted):
    start = dt.datetime(2026, 4, 12, 1, 0, tzinfo=dt.UTC)
    now = start + dt.timedelta(seconds=seconds_after_start)
    assert r.accepts_answers(start, 30, now) is accepted


@pytest.mark.parametrize(
    ("qtype", "answer", "options", "ok"),
    [
        ("single", "A", 4, True),
        ("single", "E", 4, False),
        ("single", "AB", 4, False),
        ("multiple", "AB", 3, True),
        ("multiple", "A", 3, False),
        ("truefalse", "对", 0, True),
        ("truefalse", "也许", 0, False),
        ("single", "A", 1, False),
    ],
)
def test_answer_key_must_fit_type_and_options(qtype, answer, options, ok):
    assert (r.answer_problem(qtype, answer, options) is None) is ok


def test_options_with_a_gap_are_refused():
    assert r.parse_options(["a", "b", None, "", None, None]) == ["a", "b"]
    with pytest.raises(ValueError):
        r.parse_options(["a", None, "c"])
