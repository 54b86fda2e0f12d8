from __future__ import annotations

import itertools
from typing import Any

import pytest

from vasops.core import calendar, roles
from vasops.core.testing import make_user
from vasops.partners.models import Membership, Partner

_seq = itertools.count(1)


def new_partner(name: str) -> Partner:
    n = next(_seq)
    return Partner.objects.create(
        name=name,
        kind="SP",
        locality="local",
        credit_code=f"91420100MA{n:08d}",
        legal_representative="张三",
        address="武汉市",
    )


def member(username: str, partner: Partner, *, admin: bool = False) -> Any:
    user = make_user(username, roles=[roles.PARTNER_ADMIN if admin else roles.PARTNER_USER])
    Membership.objects.create(user=user, partner=partner, is_admin=admin)
    return user


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
    return make_user("om1", staff=True, roles=[roles.OM_ENGINEER], display_name="运维小李")


@pytest.fixture
def om2(db):
    return make_user("om2", staff=True, roles=[roles.OM_ENGINEER], display_name="运维小王")


@pytest.fixture
def product(db):
    return make_user("ps1", staff=True, roles=[roles.PRODUCT_STAFF], display_name="产品小张")


@pytest.fixture
def head(db):
    return make_user("head1", staff=True, roles=[roles.DEPARTMENT_HEAD], display_name="王主任")


@pytest.fixture
def auditor(db):
    return make_user("aud1", staff=True, roles=[roles.AUDITOR])


@pytest.fixture
def finance(db):
    return make_user("fin1", staff=True, roles=[roles.FINANCE])


@pytest.fixture
def no_2fa(settings):
    settings.VASOPS_STAFF_2FA = False
