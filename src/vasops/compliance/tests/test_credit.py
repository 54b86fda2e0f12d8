"""Credit points per assessment year, the grade on the partner, the blacklist admission honours
(dated to 6 months after the last bad record, renewed by a later one)."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.compliance import actions
from vasops.compliance.actions.credit import change_points, current_points
from vasops.compliance.models import CreditAccount, CreditEntry
from vasops.compliance.tests import factories
from vasops.core import clock
from vasops.partners import queries as partner_queries
from vasops.partners.models import Restriction

pytestmark = pytest.mark.django_db


def _set(partner, points, staff, on):
    with clock.frozen(on):
        change_points(partner, actor=staff, delta=points - current_points(partner, on)[0], reason="设定")


@pytest.mark.parametrize(("points", "grade", "blacklisted"), [(60, "pass", False), (59, "fail", True)])
def test_points_60_are_pass_59_fail_and_blacklisted(staff, partner, points, grade, blacklisted):
    day = dt.date(2026, 3, 15)
    _set(partner, points, staff, day)
    partner.refresh_from_db()
    with clock.frozen(day):
        assert current_points(partner) == (points, grade)
    assert partner.credit_grade == grade
    lists = Restriction.objects.filter(partner=partner, kind="blacklist")
    assert lists.exists() is blacklisted
    if blacklisted:
        assert lists.get().ends_on == dt.date(2026, 9, 14)


@pytest.mark.parametrize(("points", "grade"), [(80, "good"), (79, "pass")])
def test_points_80_are_good_79_pass(staff, partner, points, grade):
    _set(partner, points, staff, dt.date(2026, 3, 15))
    partner.refresh_from_db()
    assert partner.credit_grade == grade


def test_the_blacklist_keeps_the_partner_out_to_the_day_six_months_after_the_last_bad_record(staff, partner):
    _set(partner, 55, staff, dt.date(2026, 3, 15))
    restriction = Restriction.objects.get(partner=partner, kind="blacklist")
    assert partner_queries.restrictions_in_force(partner, dt.date(2026, 9, 14)) == [restriction]
    assert partner_queries.restrictions_in_force(partner, dt.date(2026, 9, 15)) == []
    # a later bad record renews it, it is not doubled
    with clock.frozen(dt.date(2026, 5, 20)):
        change_points(partner, actor=staff, delta=-2, reason="再次违约")
    restriction.refresh_from_db()
    assert Restriction.objects.filter(partner=partner, kind="blacklist").count() == 1
    assert restriction.ends_on == dt.date(2026, 11, 19)


def test_an_upheld_major_violation_blacklists_a_partner_with_good_credit(staff, partner, product, member):
    with clock.frozen(dt.date(2026, 11, 2)):
        record = factories.raised(staff, partner, code="charge_after_unsubscribe", product=product)
        actions.accept_violation(record, actor=member)
        actions.decide_violation(record, actor=staff, decision="upheld", reason="属实")
    assert CreditAccount.objects.get(partner=partner).points == 90  # still 优
    restriction = Restriction.objects.get(partner=partner, kind="blacklist")
    assert restriction.ends_on == dt.date(2027, 5, 1)


def test_points_are_kept_per_year_and_once_per_source(staff, partner):
    source = factories.live_partner()
    with clock.frozen(dt.date(2026, 12, 30)):
        change_points(partner, actor=staff, delta=-5, reason="a", source=source)
        assert change_points(partner, actor=staff, delta=-5, reason="a", source=source) is None
    with clock.frozen(dt.date(2027, 1, 2)):
        assert current_points(partner) == (100, "excellent")
    assert CreditEntry.objects.count() == 1


def test_staff_adjust_credit_by_hand_with_a_reason(staff, partner, member):
    from vasops.core.errors import DomainError, PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.adjust_credit(partner, actor=member, delta=5, reason="x")
    with pytest.raises(DomainError):
        actions.adjust_credit(partner, actor=staff, delta=5, reason="")
    actions.adjust_credit(partner, actor=staff, delta=-3, reason="复核更正")
    assert current_points(partner)[0] == 97
