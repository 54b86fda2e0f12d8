"""Fixtures of the VAC tests: a live partner with products whose versions carry the price."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from vasops.catalog.models import BusinessLine, Product, ProductVersion
from vasops.catalog.tests.factories import ProductFactory
from vasops.core import roles
from vasops.core.models import User
from vasops.core.testing import UserFactory
from vasops.partners.models import Partner
from vasops.partners.tests.factories import PartnerFactory
from vasops.partners.tests.factories import partner_user as factory_partner_user

_seq = itertools.count(1)
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def make_partner(db):
    """An SP of the shared factory with an enterprise code (the VAC's ``sp_id``) and an access
    number; ``state`` as given (active by default)."""

    def _make(name: str = "", *, enterprise_code: str = "", state: str = "active") -> Partner:
        n = next(_seq)
        fields = {"name": name} if name else {}
        partner: Partner = PartnerFactory(
            enterprise_code=enterprise_code or f"{90000 + n}",
            service_access_number=f"10656{n:03d}",
            state=state,
            **fields,
        )
        return partner

    return _make


@pytest.fixture
def partner(make_partner):
    return make_partner("甲公司", enterprise_code="90001")


@pytest.fixture
def make_product(db):
    """A live product of the shared factory on the business line of ``service_type``, with its
    price version (what the VAC charges) from T0."""

    def _make(
        partner: Partner,
        *,
        billing_mode: str = "monthly",
        fee_fen: int = 500,
        code: str | None = None,
        unicom_status: str = "4",
        service_type: str = "90",
    ) -> Product:
        n = next(_seq)
        line = BusinessLine.objects.filter(service_type=service_type).first() or BusinessLine.objects.create(
            code=f"L{service_type}", name=f"业务{service_type}", service_type=service_type
        )
        product: Product = ProductFactory(
            partner=partner,
            business_line=line,
            name=f"产品{n}",
            product_code=code or f"{service_type}{n:06d}01",
            description="测试",
            fee_fen=fee_fen,
            billing_mode=billing_mode,
            unicom_status=unicom_status,
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

    return _make


@pytest.fixture
def monthly(make_product, partner):
    return make_product(partner, billing_mode="monthly", fee_fen=500)


@pytest.fixture
def per_use(make_product, partner):
    return make_product(partner, billing_mode="per_use", fee_fen=100)


@pytest.fixture
def free(make_product, partner):
    return make_product(partner, billing_mode="free", fee_fen=0)


@pytest.fixture
def make_user(db):
    def _make(*role_names: str, **extra) -> User:
        user: User = UserFactory(username=f"v{next(_seq)}", roles=list(role_names), **extra)
        return user

    return _make


@pytest.fixture
def cs_agent(make_user):
    return make_user(roles.CS_AGENT, is_staff=True)


# --- pages and API: staff, partner users of two partners, a little data on each side ---------


@pytest.fixture
def partner_user(db):
    def _make(partner: Partner, *, admin: bool = True) -> User:
        user: User = factory_partner_user(partner, admin=admin, username=f"v{next(_seq)}")
        return user

    return _make


@pytest.fixture
def two_sides(make_partner, make_product, partner_user):
    """Partners A and B, each with one active subscription (and its outbox row) and a user."""
    from vasops.vac import actions

    a, b = make_partner("甲方", enterprise_code="91001"), make_partner("乙方", enterprise_code="91002")
    pa = make_product(a, billing_mode="monthly", fee_fen=500, code="9091001001")
    pb = make_product(b, billing_mode="monthly", fee_fen=500, code="9091002001")
    sa = actions.subscribe(actor="crm", msisdn="13100000001", product=pa, channel="crm").subscription
    sb = actions.subscribe(actor="crm", msisdn="13100000002", product=pb, channel="crm").subscription
    return {
        "a": a,
        "b": b,
        "sub_a": sa,
        "sub_b": sb,
        "user_a": partner_user(a),
        "user_b": partner_user(b),
        "user_a_plain": partner_user(a, admin=False),
    }
