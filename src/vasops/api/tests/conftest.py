from __future__ import annotations

import pytest

from vasops.core import roles
from vasops.core.testing import make_user


@pytest.fixture
def staff(db):
    return make_user("ops", staff=True, roles=[roles.OM_ENGINEER], display_name="李工")


@pytest.fixture
def partner_user(db):
    return make_user("sp", roles=[roles.PARTNER_USER])
