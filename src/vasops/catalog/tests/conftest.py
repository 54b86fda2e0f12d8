"""Fixtures of the catalogue tests: partners with access numbers, their users, staff."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Group

from vasops.catalog import actions
from vasops.catalog.models import BusinessLine, Product
from vasops.core import roles
from vasops.core.models import User
from vasops.partners import rules as partner_rules
from vasops.partners.models import Membership, Partner, Qualification

_seq = itertools.count(1)


def credit_code(n: int) -> str:
    head = f"91420100{n + 500:09d}"
    return head + partner_rules.credit_code_check_char(head)


@pytest.fixture
def make_partner(db):
    def _make(name: str | None = None, *, state: str = "active", qualified: bool = True, **extra) -> Partner:
        n = next(_seq)
        partner = Partner.objects.create(
            name=name or f"产品测试企业{n}",
            kind="SP",
            locality="local",
            credit_code=credit_code(n),
            legal_representative="张三",
            address="武汉市洪山区",
            cs_hotline="4001234567",
            service_access_number=extra.pop("service_access_number", f"10655{n:03d}"),
            **extra,
        )
        Partner.objects.filter(pk=partner.pk).update(state=state)
        partner.refresh_from_db()
        if qualified:
            for kind in partner_rules.required_qualifications(partner.kind, partner.locality):
                Qualification.objects.create(
                    partner=partner,
                    kind=kind,
                    number=f"N-{kind}",
                    issuer="湖北省通信管理局",
                    valid_from=dt.date(2020, 1, 1),
                    valid_until=dt.date(2030, 1, 1),
                )
        return partner

    return _make


@pytest.fixture
def make_user(db):
    def _make(*role_names: str, partner: Partner | None = None, **extra) -> User:
        n = next(_seq)
        user = User.objects.create_user(
            username=f"c{n}", password="x-Secret-2026", email=f"c{n}@example.com", **extra
        )
        for role in role_names:
            user.groups.add(Group.objects.get(name=role))
        if partner is not None:
            Membership.objects.create(user=user, partner=partner, is_admin=True)
        return user

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
def staff(make_user):
    return make_user(roles.PRODUCT_STAFF, is_staff=True)


@pytest.fixture
def auditor(make_user):
    return make_user(roles.AUDITOR, is_staff=True)


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
