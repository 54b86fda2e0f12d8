"""Fixtures of the VAC tests: a live partner with products whose versions carry the price."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Group

from vasops.catalog.models import BusinessLine, Product, ProductVersion
from vasops.core import roles
from vasops.core.models import User
from vasops.partners import rules as partner_rules
from vasops.partners.models import Partner

_seq = itertools.count(1)
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def credit_code(n: int) -> str:
    head = f"91420100{n + 700:09d}"
    return head + partner_rules.credit_code_check_char(head)


@pytest.fixture
def make_partner(db):
    def _make(name: str = "", *, enterprise_code: str = "", state: str = "active") -> Partner:
        n = next(_seq)
        partner = Partner.objects.create(
            name=name or f"VAC测试企业{n}",
            kind="SP",
            locality="local",
            credit_code=credit_code(n),
            legal_representative="张三",
            address="武汉市洪山区",
            cs_hotline="4001234567",
            service_access_number=f"10656{n:03d}",
            enterprise_code=enterprise_code or f"{90000 + n}",
        )
        Partner.objects.filter(pk=partner.pk).update(state=state)
        partner.refresh_from_db()
        return partner

    return _make


@pytest.fixture
def partner(make_partner):
    return make_partner("甲公司", enterprise_code="90001")


@pytest.fixture
def make_product(db):
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
        product = Product.objects.create(
            partner=partner,
            business_line=line,
            name=f"产品{n}",
            access_number=partner.service_access_number + "1",
            product_code=code or f"{service_type}{n:06d}01",
            description="测试",
            product_type="information",
            fee_fen=fee_fen,
            billing_mode=billing_mode,
            unicom_status=unicom_status,
        )
        Product.objects.filter(pk=product.pk).update(state="active")
        product.refresh_from_db()
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
        n = next(_seq)
        user = User.objects.create_user(username=f"v{n}", password="x-Secret-2026", **extra)
        for role in role_names:
            user.groups.add(Group.objects.get(name=role))
        return user

    return _make


@pytest.fixture
def cs_agent(make_user):
    return make_user(roles.CS_AGENT, is_staff=True)


# --- pages and API: staff, partner users of two partners, a little data on each side ---------


@pytest.fixture
def partner_user(make_user):
    from vasops.partners.models import Membership

    def _make(partner: Partner, *, admin: bool = True) -> User:
        user = make_user(roles.PARTNER_ADMIN if admin else roles.PARTNER_USER)
        Membership.objects.create(user=user, partner=partner, is_admin=admin)
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
