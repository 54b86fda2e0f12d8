"""Pure admission rules at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.admission import rules
from vasops.admission.rules import Capability, Phase

Q = [1, 4, 7, 10]
D = dt.date


@pytest.mark.parametrize(
    ("day", "phase"),
    [
        (D(2026, 1, 1), Phase.APPLICATION),
        (D(2026, 1, 10), Phase.APPLICATION),
        (D(2026, 1, 11), Phase.EXAM),
        (D(2026, 1, 15), Phase.EXAM),
        (D(2026, 1, 16), Phase.REVIEW),
        (D(2026, 1, 20), Phase.REVIEW),
        (D(2026, 1, 21), Phase.PREPARATION),
        (D(2026, 1, 30), Phase.PREPARATION),
        (D(2026, 1, 31), Phase.CLOSED),
        (D(2026, 2, 5), Phase.CLOSED),
        (D(2026, 3, 1), Phase.CLOSED),
        (D(2026, 4, 10), Phase.APPLICATION),
        (D(2026, 12, 5), Phase.CLOSED),
    ],
)
def test_phase_of_date_at_every_boundary(day: dt.date, phase: Phase) -> None:
    assert rules.phase_of(day, Q) == phase


@pytest.mark.parametrize(
    ("day", "is_open"),
    [
        (D(2026, 1, 10), True),
        (D(2026, 1, 11), False),
        (D(2026, 4, 1), True),
        (D(2026, 5, 1), False),
    ],
)
def test_applications_are_accepted_on_days_1_to_10_of_acceptance_months_only(
    day: dt.date, is_open: bool
) -> None:
    assert rules.is_application_open(day, Q) is is_open
    assert (rules.window_problem(day, Q) is None) is is_open


@pytest.mark.parametrize(
    ("day", "opening"),
    [
        (D(2026, 1, 1), D(2026, 1, 1)),
        (D(2026, 1, 10), D(2026, 1, 1)),
        (D(2026, 1, 11), D(2026, 4, 1)),
        (D(2026, 3, 31), D(2026, 4, 1)),
        (D(2026, 10, 11), D(2027, 1, 1)),
        (D(2026, 12, 31), D(2027, 1, 1)),
    ],
)
def test_next_window_opening_including_december_to_january(day: dt.date, opening: dt.date) -> None:
    assert rules.next_window_opening(day, Q) == opening


def test_next_window_with_a_single_configured_month_wraps_the_year() -> None:
    assert rules.next_window_opening(D(2026, 12, 1), [12]) == D(2026, 12, 1)
    assert rules.next_window_opening(D(2026, 12, 11), [12]) == D(2027, 12, 1)


def test_window_closed_message_names_the_next_opening_and_clause() -> None:
    problem = rules.window_problem(D(2026, 1, 11), Q)
    assert problem is not None
    assert problem.code == "admission.window_closed"
    assert "2026年04月01日" in problem.message
    assert "受理时间" in problem.clause


@pytest.mark.parametrize(("text", "months"), [("1,4,7,10", [1, 4, 7, 10]), ("12， 1", [1, 12]), ("3 3", [3])])
def test_parse_months_accepts_lists(text: str, months: list[int]) -> None:
    assert rules.parse_months(text) == months


@pytest.mark.parametrize("text", ["", "0", "13", "a,1"])
def test_parse_months_refuses_bad_input(text: str) -> None:
    with pytest.raises(ValueError):
        rules.parse_months(text)


def test_returned_application_may_be_resubmitted_only_in_its_own_window() -> None:
    w = D(2026, 1, 1)
    assert rules.in_own_window(D(2026, 1, 10), w)
    assert not rules.in_own_window(D(2026, 1, 11), w)
    assert not rules.in_own_window(D(2026, 4, 2), w)


def test_postponement_moves_preparation_to_next_month_across_the_year() -> None:
    assert rules.postponed_prep_month(D(2026, 1, 1)) == D(2026, 2, 1)
    assert rules.postponed_prep_month(D(2026, 12, 1)) == D(2027, 1, 1)
    assert rules.postponed_access_data_day(D(2026, 2, 1)) == D(2026, 2, 20)


GOOD = Capability("vpn", 1, "4001234567", 1, 4, 9900, 8000)


def test_capability_at_the_minimums_passes() -> None:
    assert rules.capability_problems(GOOD) == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"access_method": ""}, "admission.access_method"),
        ({"certified_om_staff": 0}, "admission.om_staff"),
        ({"cs_hotline": "02787654321"}, "admission.hotline"),
        ({"cs_hotline": "13800138000"}, "admission.hotline"),
        ({"call_centre_seats": 0}, "admission.call_centre"),
        ({"call_centre_agents": 3}, "admission.call_centre"),
        ({"connect_rate_bp": 9899}, "admission.connect_rate"),
        ({"answered_20s_bp": 7999}, "admission.answer_rate"),
    ],
)
def test_each_capability_shortfall_is_named(change: dict[str, object], code: str) -> None:
    import dataclasses

    problems = rules.capability_problems(dataclasses.replace(GOOD, **change))  # type: ignore[arg-type]
    assert [p.code for p in problems] == [code]
    assert problems[0].clause


def test_all_capability_problems_are_listed_together() -> None:
    bad = Capability("", 0, "", 0, 0, 0, 0)
    assert len(rules.capability_problems(bad)) == 6


def test_hotline_1010_number_is_accepted() -> None:
    import dataclasses

    assert rules.capability_problems(dataclasses.replace(GOOD, cs_hotline="10101234")) == []
    # 1010xxx (three digits after 1010, 第二章 一(四)1) as well
    assert rules.capability_problems(dataclasses.replace(GOOD, cs_hotline="1010123")) == []


def test_every_missing_material_is_listed() -> None:
    assert [p.code for p in rules.material_problems([])] == ["admission.material_missing"] * 5
    assert rules.material_problems([k for k, _ in rules.MATERIALS]) == []


def test_each_business_line_needs_a_product_form() -> None:
    problems = rules.product_problems(["SMS", "WAP"], ["SMS"], {"SMS": "短信", "WAP": "手机上网（WAP）"})
    assert [p.code for p in problems] == ["admission.product_missing"]
    assert "手机上网" in problems[0].message
    assert [p.code for p in rules.product_problems([], [])] == ["admission.business_line_missing"]


def test_access_cases_per_business_line_and_failures() -> None:
    cases = rules.access_cases_for(["SMS", "unknown"])
    assert ("SMS", "sms_mt") in {(a, b) for a, b, _ in cases}
    assert ("unknown", "generic_connect") in {(a, b) for a, b, _ in cases}
    req = [("SMS", "sms_mo"), ("SMS", "sms_mt")]
    assert rules.untested_or_failed(req, {("SMS", "sms_mo"): True, ("SMS", "sms_mt"): False}) == [
        "SMS:sms_mt"
    ]
    assert rules.untested_or_failed(req, {("SMS", "sms_mo"): True, ("SMS", "sms_mt"): True}) == []


@pytest.mark.parametrize(
    ("start", "end", "ratio", "codes"),
    [
        (D(2026, 1, 1), D(2027, 1, 1), 0, []),
        (D(2026, 1, 1), D(2027, 1, 1), 10000, []),
        (D(2026, 1, 1), D(2027, 1, 1), 10001, ["admission.settlement_ratio"]),
        (D(2026, 1, 1), D(2026, 1, 1), 5000, ["admission.contract_term"]),
    ],
)
def test_contract_checks(start: dt.date, end: dt.date, ratio: int, codes: list[str]) -> None:
    assert [p.code for p in rules.contract_problems(start, end, ratio)] == codes


@pytest.mark.parametrize(
    ("on", "due"),
    [(D(2026, 11, 30), False), (D(2026, 12, 1), True), (D(2026, 12, 31), True), (D(2027, 1, 1), False)],
)
def test_contract_reminder_from_30_days_before_end(on: dt.date, due: bool) -> None:
    assert rules.contract_reminder_due(D(2026, 12, 31), on) is due


def test_every_application_state_has_a_family() -> None:
    from vasops.admission.models import Application

    assert set(Application.State.values) <= set(rules.STATE_FAMILIES)


def test_every_state_is_open_contracted_or_closed_without_admission_exactly_once() -> None:
    """The portal offers a new application exactly in the states closed without admission and
    once a business is signed (admission is per business: another line may be applied for)."""
    from vasops.admission.models import Application

    states = set(Application.State.values)
    assert rules.OPEN_STATES | {"contracted"} | rules.CLOSED_WITHOUT_ADMISSION == states
    assert not rules.OPEN_STATES & rules.CLOSED_WITHOUT_ADMISSION
    assert set(rules.STATE_FAMILIES) == states
    assert rules.can_apply_again(None)
    assert [s for s in sorted(states) if rules.can_apply_again(s)] == sorted(
        rules.CLOSED_WITHOUT_ADMISSION | {"contracted"}
    )


def test_the_next_step_texts_carry_the_numbers_of_the_rules() -> None:
    assert f"{rules.APPLICATION_DAYS[0]}–{rules.APPLICATION_DAYS[1]} 日" in rules.next_step("returned")
    assert f"{rules.EXAM_DAYS[0]}–{rules.EXAM_DAYS[1]} 日" in rules.next_step("initial_approved")
    assert f"{rules.ACCESS_DATA_WORKING_DAYS} 个工作日" in rules.next_step("accepted")
    assert "1 年内禁止申请" in rules.next_step("exam_passed")
    assert rules.next_step("withdrawn") == ""
