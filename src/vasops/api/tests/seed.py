"""A small data set for the API suites (schemathesis, bad-input regressions): an active partner
with a service access number, its admin user, a draft product, a work order and a restriction,
and a staff user holding every console role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from vasops.core import roles
from vasops.core.testing import make_user


@dataclass
class ApiData:
    partner: Any
    partner_user: Any
    staff: Any
    product: Any
    work_order: Any
    restriction: Any


def seed_api_data() -> ApiData:
    from vasops.catalog import actions as catalog_actions
    from vasops.catalog.models import BusinessLine
    from vasops.partners import actions as partner_actions
    from vasops.partners import rules as partner_rules
    from vasops.partners.models import Membership, Partner, Qualification
    from vasops.workorders import actions as wo_actions

    partner = Partner.objects.create(
        name="武汉星辰信息技术有限公司",
        kind="SP",
        locality="local",
        credit_code="91420100MA4K12345K",
        legal_representative="张三",
        address="武汉市洪山区",
        cs_hotline="4001234567",
        service_access_number="1065518800",
    )
    Partner.objects.filter(pk=partner.pk).update(state="active")
    partner.refresh_from_db()
    for kind in partner_rules.required_qualifications(partner.kind, partner.locality):
        Qualification.objects.create(
            partner=partner,
            kind=kind,
            number=f"N-{kind}",
            issuer="湖北省通信管理局",
            valid_from=dt.date(2020, 1, 1),
            valid_until=dt.date(2035, 1, 1),
        )
    user = make_user("st_partner", roles=[roles.PARTNER_ADMIN])
    Membership.objects.create(user=user, partner=partner, is_admin=True)
    staff = make_user("st_staff", staff=True, roles=sorted(roles.STAFF_ROLES))
    product = catalog_actions.create_product(
        actor=user,
        partner=partner,
        business_line=BusinessLine.objects.get(code="SMS"),
        name="天气早知道",
        access_number="10655188001",
        description="每日推送天气",
        product_type="information",
        fee_fen=500,
        billing_mode="monthly",
        details={},
    )
    work_order = wo_actions.open_work_order(actor=user, type="om_complaint", title="短信下发失败")
    restriction = partner_actions.add_restriction(
        partner, actor=staff, kind="lockout", reason="初审驳回", starts_on=dt.date(2026, 1, 5)
    )
    return ApiData(partner, user, staff, product, work_order, restriction)


def ensure_migration_data() -> None:
    """The rows data migrations create (the catalogue's business lines), again: a transactional
    test that ran before has flushed them. Idempotent."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "vasops.catalog.migrations.0002_seed_business_lines_and_version_exclusion"
    )
    migration.seed(apps, None)
    # compliance's violation catalogue and its settings row
    importlib.import_module("vasops.compliance.migrations.0002_seed_catalogue").seed(apps, None)
