from __future__ import annotations

import pytest

from vasops.complaints.tests import factories


@pytest.fixture
def partner(db):
    return factories.make_partner("甲资讯公司")


@pytest.fixture
def other_partner(db):
    return factories.make_partner("乙娱乐公司")


@pytest.fixture
def product(partner):
    return factories.make_product(partner)


@pytest.fixture
def other_product(other_partner):
    return factories.make_product(other_partner)


@pytest.fixture
def agent(db):
    return factories.agent()


@pytest.fixture
def partner_staff(partner):
    return factories.partner_staff(partner)


@pytest.fixture
def other_staff(other_partner):
    return factories.partner_staff(other_partner)


@pytest.fixture(autouse=True)
def _no_staff_2fa(settings):
    """Page tests log staff in with force_login; the second factor has its own tests (core)."""
    settings.VASOPS_STAFF_2FA = False
