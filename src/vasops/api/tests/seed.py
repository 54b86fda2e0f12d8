"""A small data set for the API suites (schemathesis, docs examples): one partner with a
product, a work order and a restriction, so list operations return rows to check."""

from __future__ import annotations

from typing import Any

from vasops.core import roles
from vasops.core.testing import make_user


def seed_api_data() -> Any:
    """Returns the partner user."""
    from vasops.partners.models import Membership, Partner

    partner = Partner.objects.create(
        name="武汉星辰信息技术有限公司",
        kind="SP",
        locality="local",
        credit_code="91420100MA4K12345K",
        legal_representative="张三",
        address="武汉市洪山区",
        cs_hotline="4001234567",
    )
    user = make_user("st_partner", roles=[roles.PARTNER_ADMIN])
    Membership.objects.create(user=user, partner=partner)
    return user
