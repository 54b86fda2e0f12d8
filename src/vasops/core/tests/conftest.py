from __future__ import annotations

import pytest

from vasops.core import roles
from vasops.core.testing import DEFAULT_PASSWORD, StaffFactory, UserFactory, verify_client


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


@pytest.fixture
def staff(db):
    """A department head (console staff: audit, calendar, documents)."""
    return StaffFactory(username="head", roles=[roles.DEPARTMENT_HEAD], display_name="王主任")


@pytest.fixture
def partner_user(db):
    """A partner-side user: not staff, no console permissions."""
    return UserFactory(username="sp_user", roles=[roles.PARTNER_USER])


@pytest.fixture
def staff_client(client, staff):
    verify_client(client, staff)
    return client
