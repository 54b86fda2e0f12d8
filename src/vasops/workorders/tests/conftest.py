from __future__ import annotations

from typing import Any

import pytest

from vasops.core import calendar, roles
from vasops.core.testing import StaffFactory
from vasops.partners.models import Partner
from vasops.partners.tests.factories import PartnerFactory, partner_user


def new_partner(name: str) -> Partner:
    created: Partner = PartnerFactory(name=name)
    return created


def member(username: str, partner: Partner, *, admin: bool = False) -> Any:
    return partner_user(partner, admin=admin, username=username)


@pytest.fixture
def cal(db):
    calendar.seed_years([2026])
    yield
    calendar.invalidate()


@pytest.fixture
def partner_a(db) -> Partner:
    return new_partner("甲公司")


@pytest.fixture
def partner_b(db) -> Partner:
    return new_partner("乙公司")


@pytest.fixture
def user_a(partner_a):
    return member("sp_a", partner_a)


@pytest.fixture
def user_b(partner_b):
    return member("sp_b", partner_b)


@pytest.fixture
def om(db):
    return StaffFactory(username="om1", roles=[roles.OM_ENGINEER], display_name="运维小李")


@pytest.fixture
def om2(db):
    return StaffFactory(username="om2", roles=[roles.OM_ENGINEER], display_name="运维小王")


@pytest.fixture
def product(db):
    return StaffFactory(username="ps1", roles=[roles.PRODUCT_STAFF], display_name="产品小张")


@pytest.fixture
def head(db):
    return StaffFactory(username="head1", roles=[roles.DEPARTMENT_HEAD], display_name="王主任")


@pytest.fixture
def auditor(db):
    return StaffFactory(username="aud1", roles=[roles.AUDITOR])


@pytest.fixture
def finance(db):
    return StaffFactory(username="fin1", roles=[roles.FINANCE])


@pytest.fixture
def no_2fa(settings):
    settings.VASOPS_STAFF_2FA = False
