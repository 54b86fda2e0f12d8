"""Fixtures of the catalogue tests: partners with access numbers, their users, staff (built with
the factories of ``partners.tests.factories`` and ``core.testing``)."""

from __future__ import annotations

import factory
import pytest

from vasops.catalog import actions
from vasops.catalog.models import BusinessLine, Product
from vasops.core import roles
from vasops.core.models import User
from vasops.core.testing import StaffFactory, UserFactory
from vasops.partners.models import Partner
from vasops.partners.tests.factories import PartnerFactory, partner_user


@pytest.fixture
def make_partner(db):
    def _make(name: str | None = None, *, state: str = "active", qualified: bool = True, **extra) -> Partner:
        if name is not None:
            extra["name"] = name
        extra.setdefault("service_access_number", factory.Sequence(lambda n: f"10655{n:03d}"))
        return PartnerFactory(state=state, qualified=qualified, **extra)

    return _make


@pytest.fixture
def make_user(db):
    def _make(*role_names: str, partner: Partner | None = None, **extra) -> User:
        if partner is not None:
            (role,) = role_names
            return partner_user(partner, admin=True, role=role, **extra)
        factory_class = StaffFactory if extra.pop("is_staff", False) else UserFactory
        return factory_class(roles=list(role_names), **extra)

    return _make


@pytest.fixture
def partner_a(make_partner):
    return make_partner("甲公司", service_access_number="1065501")


@pytest.fixture
def partner_b(make_partner):
    return make_partner("乙公司", service_access_number="1065502")


@pytest.fixture
def user_a(make_user, partner_a):
    return make_user(roles.PARTNER_ADMIN, partner=partner_a)


@pytest.fixture
def user_b(make_user, partner_b):
    return make_user(roles.PARTNER_ADMIN, partner=partner_b)


@pytest.fixture
def staff(db):
    return StaffFactory(roles=[roles.PRODUCT_STAFF])


@pytest.fixture
def auditor(db):
    return StaffFactory(roles=[roles.AUDITOR])


@pytest.fixture
def sms(db):
    return BusinessLine.objects.get(code="SMS")


@pytest.fixture
def no_2fa(settings):
    settings.VASOPS_STAFF_2FA = False


@pytest.fixture
def make_product(sms):
    def _make(
        partner: Partner, actor: User, *, billing_mode: str = "monthly", fee_fen: int = 500, **extra
    ) -> Product:
        return actions.create_product(
            actor=actor,
            partner=partner,
            business_line=extra.pop("business_line", sms),
            name=extra.pop("name", "天气预报"),
            access_number=extra.pop("access_number", partner.service_access_number + "1"),
            description=extra.pop("description", "每日天气短信"),
            product_type=extra.pop("product_type", "information"),
            fee_fen=fee_fen,
            billing_mode=billing_mode,
            **extra,
        )

    return _make


@pytest.fixture
def live_product(make_product, partner_a, user_a, staff, freeze):
    """A product taken through the whole product-new path: active on 2026-01-05."""

    def _make(*, billing_mode: str = "monthly", fee_fen: int = 500, code: str = "9044000101") -> Product:
        freeze("2026-01-05")
        product = make_product(partner_a, user_a, billing_mode=billing_mode, fee_fen=fee_fen)
        actions.submit_product(product, actor=user_a)
        actions.review_product(product, actor=staff, decision="approve", product_code=code)
        actions.finish_configuration(product, actor=staff)
        for case in product.test_cases.all():
            actions.record_test_result(case, actor=staff, passed=True)
        return actions.complete_testing(product, actor=staff)

    return _make
