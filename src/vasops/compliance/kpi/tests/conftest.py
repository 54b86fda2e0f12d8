"""Fixtures of the KPI tests: two partners with enterprise codes, their users, O&M staff."""

from __future__ import annotations

import pytest

from vasops.core import roles
from vasops.core.testing import StaffFactory
from vasops.partners.tests.factories import PartnerFactory, partner_user


@pytest.fixture
def no_2fa(settings):
    settings.VASOPS_STAFF_2FA = False


@pytest.fixture
def partner_a(db):
    return PartnerFactory(name="甲公司", state="active", enterprise_code="44000001")


@pytest.fixture
def partner_b(db):
    return PartnerFactory(name="乙公司", state="active", enterprise_code="44000002")


@pytest.fixture
def user_a(partner_a):
    return partner_user(partner_a, admin=True)


@pytest.fixture
def user_b(partner_b):
    return partner_user(partner_b, admin=True)


@pytest.fixture
def om(db):
    return StaffFactory(roles=[roles.OM_ENGINEER])


@pytest.fixture
def head(db):
    return StaffFactory(roles=[roles.DEPARTMENT_HEAD])
