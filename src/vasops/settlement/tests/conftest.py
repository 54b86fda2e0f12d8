from __future__ import annotations

import datetime as dt

import pytest

from vasops.catalog.tests.factories import ProductFactory, business_line
from vasops.core import roles
from vasops.core.testing import make_user
from vasops.partners.models import BankAccount
from vasops.partners.tests.factories import PartnerFactory, partner_user

NOV = dt.date(2026, 11, 1)


@pytest.fixture
def finance(db):
    return make_user("fin1", roles=[roles.FINANCE], staff=True)


@pytest.fixture
def finance2(db):
    return make_user("fin2", roles=[roles.FINANCE], staff=True)


@pytest.fixture
def cdr_dir(settings, tmp_path):
    settings.VASOPS_CDR_DIR = tmp_path / "cdr"
    settings.VASOPS_SETTLEMENT_RUNNER = "inline"
    return settings.VASOPS_CDR_DIR


@pytest.fixture
def world(db, finance, cdr_dir, freeze):
    """Two partners with one SMS product each, a bank account, a 70 % contract ratio."""
    from vasops.settlement import actions

    freeze("2026-12-05")
    a = ProductFactory(name="天气快讯", business_line=business_line("SMS"))
    b = ProductFactory(name="笑话精选", business_line=business_line("SMS"))
    for product in (a, b):
        BankAccount.objects.create(
            partner=product.partner,
            bank_name="工商银行武汉分行",
            account_name=product.partner.name,
            account_number=f"4200{product.partner.pk:08d}",
            effective_from=dt.date(2026, 1, 1),
        )
        actions.create_ratio_version(
            actor=finance,
            level="contract",
            partner=product.partner,
            ratio_bp=7000,
            valid_from=dt.date(2026, 1, 1),
            reason="合同约定 70%",
        )
    user_a = partner_user(a.partner, admin=True, username="sp-a")
    user_b = partner_user(b.partner, admin=True, username="sp-b")
    return {"a": a, "b": b, "user_a": user_a, "user_b": user_b}


@pytest.fixture
def other_partner(db):
    return PartnerFactory(state="active")
