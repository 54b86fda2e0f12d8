"""Shared test data of complaints: a live product with its price version, a user subscribed to
it through the VAC (the monthly charge writes its CDR), staff and partner users."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from vasops.catalog.models import BusinessLine, Product, ProductVersion
from vasops.catalog.tests.factories import ProductFactory
from vasops.core import roles
from vasops.core.testing import make_user
from vasops.partners.models import Partner
from vasops.partners.tests.factories import PartnerFactory, partner_user
from vasops.vac import actions as vac_actions
from vasops.vac.models import UsageRecord

_seq = itertools.count(1)
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def make_partner(name: str = "") -> Partner:
    n = next(_seq)
    partner: Partner = PartnerFactory(
        enterprise_code=f"{80000 + n}",
        service_access_number=f"10658{n:03d}",
        state="active",
        **({"name": name} if name else {}),
    )
    return partner


def make_product(partner: Partner, *, fee_fen: int = 500, billing_mode: str = "monthly") -> Product:
    n = next(_seq)
    line = BusinessLine.objects.filter(service_type="90").first() or BusinessLine.objects.create(
        code="L90", name="业务90", service_type="90"
    )
    product: Product = ProductFactory(
        partner=partner,
        business_line=line,
        name=f"资讯{n}",
        product_code=f"90{n:06d}01",
        access_number=f"{partner.service_access_number}{n}",
        description="测试",
        fee_fen=fee_fen,
        billing_mode=billing_mode,
        unicom_status="4",
        state="active",
    )
    ProductVersion.objects.create(
        product=product,
        number=1,
        name=product.name,
        description="测试",
        fee_fen=fee_fen,
        billing_mode=billing_mode,
        valid_from=T0,
    )
    return product


def subscribe(msisdn: str, product: Product) -> Any:
    """A live order relation through the VAC's own act (CRM channel: no second confirmation)."""
    return vac_actions.subscribe(actor="crm", msisdn=msisdn, product=product, channel="crm")


def cdr(msisdn: str, product: Product, fee_fen: int, at: dt.datetime) -> UsageRecord:
    return UsageRecord.objects.create(
        cdr_id=f"T{next(_seq):031d}",
        msisdn=msisdn,
        product=product,
        partner=product.partner,
        fee_fen=fee_fen,
        kind="per_use",
        at=at,
    )


def agent(name: str = "cs1") -> Any:
    return make_user(name, roles=[roles.CS_AGENT], staff=True)


def head(name: str = "head1") -> Any:
    return make_user(name, roles=[roles.DEPARTMENT_HEAD], staff=True)


def partner_staff(partner: Partner) -> Any:
    return partner_user(partner)
