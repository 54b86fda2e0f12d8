"""Pure rules at their boundaries (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.catalog import rules
from vasops.core.errors import DomainError

# --- price changes --------------------------------------------------------------------------


def test_monthly_price_rise_is_refused_with_code_and_clause():
    with pytest.raises(DomainError) as exc:
        rules.change_review_path("monthly", 500, 501)
    assert exc.value.code == "catalog.monthly_price_rise_forbidden"
    assert exc.value.clause == rules.CLAUSE_PRODUCT_CHANGE
    assert "产品变更规范" in exc.value.full_message


@pytest.mark.parametrize(
    ("mode", "old", "new", "path"),
    [
        ("monthly", 500, 499, rules.PATH_CHANGE),  # monthly cut allowed
        ("monthly", 500, 500, rules.PATH_CHANGE),  # text-only change of a monthly product
        ("per_use", 100, 101, rules.PATH_FULL),  # on-demand rise → full product-new review
        ("per_item", 100, 101, rules.PATH_FULL),
        ("per_use", 100, 99, rules.PATH_CHANGE),
        ("per_item", 100, 100, rules.PATH_CHANGE),
        ("capped", 1000, 1200, rules.PATH_FULL),
        ("free", 0, 100, rules.PATH_FULL),
    ],
)
def test_change_review_path(mode, old, new, path):
    assert rules.change_review_path(mode, old, new) == path


@pytest.mark.parametrize(
    ("effective_on", "ok"),
    [
        (dt.date(2026, 1, 4), False),  # yesterday
        (dt.date(2026, 1, 5), False),  # today refused
        (dt.date(2026, 1, 6), True),  # tomorrow accepted
        (dt.date(2026, 2, 1), True),
    ],
)
def test_effective_date_must_be_tomorrow_or_later(effective_on, ok):
    assert (rules.effective_date_problem(effective_on, dt.date(2026, 1, 5)) is None) is ok


def test_start_of_day_is_shanghai_midnight():
    start = rules.start_of_day(dt.date(2026, 2, 1))
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 1, 31, 16, 0, tzinfo=dt.UTC)


# --- identifiers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "service_type", "ok"),
    [
        ("9044000101", "90", True),
        ("904400010", "90", False),  # 9 digits
        ("90440001011", "90", False),  # 11 digits
        ("904400010a", "90", False),  # not digits
        ("3144000101", "90", False),  # wrong service type prefix
        ("", "90", False),
    ],
)
def test_product_code_is_ten_digits_prefixed_by_service_type(code, service_type, ok):
    assert (rules.product_code_problem(code, service_type) is None) is ok


def test_service_code_is_first_eight_digits():
    assert rules.service_code_of("9044000101") == "90440001"


@pytest.mark.parametrize(
    ("number", "partner_number", "ok"),
    [
        ("1065501", "1065501", True),  # the allocated number itself
        ("10655011234", "1065501", True),  # a sub-number extending it
        ("1065502", "1065501", False),  # another number
        ("106550", "1065501", False),  # shorter than the allocation
        ("1065501x", "1065501", False),  # not digits
        ("1065501" + "1" * 15, "1065501", False),  # 22 digits: too long
        ("1065501", None, False),  # nothing allocated
    ],
)
def test_access_number_must_extend_the_partners_allocation(number, partner_number, ok):
    assert (rules.access_number_problem(number, partner_number) is None) is ok


@pytest.mark.parametrize(
    ("mode", "fee", "ok"),
    [
        ("free", 0, True),
        ("free", 1, False),
        ("monthly", 0, False),
        ("monthly", 1, True),
        ("per_use", -1, False),
    ],
)
def test_fee_matches_billing_mode(mode, fee, ok):
    assert (rules.fee_problem(mode, fee) is None) is ok


# --- validity periods -----------------------------------------------------------------------

T = [dt.datetime(2026, 1, d, tzinfo=dt.UTC) for d in range(1, 10)]


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ((T[0], T[2]), (T[2], None), False),  # touching at the boundary: half-open, no overlap
        ((T[0], T[3]), (T[2], None), True),
        ((T[0], None), (T[5], None), True),
        ((T[5], T[6]), (T[0], T[5]), False),
        ((T[1], T[4]), (T[2], T[3]), True),
    ],
)
def test_periods_overlap_half_open(a, b, overlap):
    assert rules.periods_overlap(a[0], a[1], b[0], b[1]) is overlap
    assert rules.periods_overlap(b[0], b[1], a[0], a[1]) is overlap


# --- effective status -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("partner", "product", "level", "new_orders", "existing"),
    [
        ("2", "4", rules.NORMAL, True, True),
        ("3", "4", rules.PAUSED, False, True),  # paused partner keeps existing subscribers
        ("4", "4", rules.BLOCKED, False, False),  # frozen partner refuses all
        ("5", "4", rules.OFFLINE, False, False),  # exited partner refuses all
        ("2", "5", rules.PAUSED, False, True),  # product 暂停代收费
        ("2", "6", rules.BLOCKED, False, False),  # product 暂停端口
        ("2", "7", rules.OFFLINE, False, False),
        ("2", "2", rules.NOT_LIVE, False, False),  # awaiting test
        ("3", "6", rules.BLOCKED, False, False),  # most restrictive wins
        ("4", "5", rules.BLOCKED, False, False),
        ("2", "", rules.NOT_LIVE, False, False),
    ],
)
def test_effective_status_is_most_restrictive_along_the_chain(partner, product, level, new_orders, existing):
    status = rules.effective_status(partner, product)
    assert status.level == level
    assert status.accepts_new_orders is new_orders
    assert status.existing_subscribers_served is existing
    assert status.charging is (level == rules.NORMAL)


def test_partner_code_kept_verbatim_else_derived_from_state():
    assert rules.partner_a7_code("4", "active") == "4"
    assert rules.partner_a7_code(None, "suspended") == "3"
    assert rules.partner_a7_code("", "exited") == "5"
    assert rules.partner_a7_code(None, "active") == "2"


@pytest.mark.parametrize(
    ("results", "ok"),
    [([], False), ([True, True], True), ([True, None], False), ([True, False], False)],
)
def test_testing_completes_only_when_every_case_passed(results, ok):
    assert (rules.tests_problem(results) is None) is ok
