from __future__ import annotations

import pytest

from vasops.compliance.tests import factories


@pytest.fixture
def catalogue(db):
    """The seeded violation catalogue (a transactional test that ran before has flushed it)."""
    factories.ensure_catalogue()


@pytest.fixture
def staff(catalogue):
    return factories.compliance_staff()


@pytest.fixture
def partner(catalogue):
    return factories.live_partner("甲信息公司")


@pytest.fixture
def other_partner(db):
    return factories.live_partner("乙信息公司")


@pytest.fixture
def product(partner):
    return factories.live_product(partner)


@pytest.fixture
def member(partner):
    return factories.member(partner)


@pytest.fixture
def other_member(other_partner):
    return factories.member(other_partner)
