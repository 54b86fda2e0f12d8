from __future__ import annotations

import pytest

from vasops.core import roles
from vasops.core.testing import StaffFactory, UserFactory


@pytest.fixture
def staff(db):
    return StaffFactory(username="ops", roles=[roles.OM_ENGINEER], display_name="李工")


@pytest.fixture
def partner_user(db):
    return UserFactory(username="sp", roles=[roles.PARTNER_USER])
