"""Demo seed: a partner's products in every state, through the actions, on any business date."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.catalog import demo
from vasops.catalog.models import Product, ProductChangeRequest
from vasops.core import clock
from vasops.core.models import AuditEvent

pytestmark = pytest.mark.django_db

EVERY_STATE = {"draft", "submitted", "configuring", "testing", "active", "suspended", "retired", "rejected"}


@pytest.fixture
def demo_partner(make_partner):
    return make_partner("演示合作伙伴", enterprise_code="44100001", service_access_number="1065518800")


@pytest.mark.parametrize("day", ["2026-01-05", "2026-12-31", "2027-02-28"])
def test_seed_products_covers_every_state_and_one_pending_price_cut(demo_partner, staff, day):
    with clock.frozen(day):
        products = demo.seed_products(demo_partner, staff_user=staff)
    assert {p.state for p in products} == EVERY_STATE
    assert all(p.partner_id == demo_partner.pk for p in products)
    (change,) = ProductChangeRequest.objects.filter(partner=demo_partner)
    assert change.state == "submitted" and change.billing_mode == "per_use"
    assert change.fee_fen < change.old_fee_fen
    assert change.effective_on > dt.date.fromisoformat(day)
    # the refused monthly price rise left nothing behind
    assert not ProductChangeRequest.objects.filter(billing_mode="monthly").exists()
    assert AuditEvent.objects.filter(action="catalog.product_created").count() == len(products)


def test_seed_products_twice_gives_fresh_codes(demo_partner, staff, freeze):
    freeze("2026-03-02")
    first = demo.seed_products(demo_partner, staff_user=staff)
    second = demo.seed_products(demo_partner, staff_user=staff)
    codes = [p.product_code for p in first + second if p.product_code]
    assert len(codes) == len(set(codes)) and Product.objects.count() == len(first) * 2
