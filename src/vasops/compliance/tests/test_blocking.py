"""Service blocking 业务屏蔽 through the real VAC gateway (a subprocess on a socket, PostgreSQL +
Redis): the next request after a block is refused (2101 product / line, 2001 partner), the next
after lifting is served; blocked relations are not charged while blocked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from vasops.compliance import actions
from vasops.compliance.errors import ComplianceError
from vasops.compliance.tests import factories
from vasops.core import clock
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import Notification
from vasops.vac import actions as vac_actions
from vasops.vac import cache as vac_cache
from vasops.vac.models import UsageRecord
from vasops.vac.tests import test_gateway as gw

pytestmark = pytest.mark.django_db(transaction=True)

PREFIX = f"compliancetest:{uuid.uuid4().hex[:8]}:"


@pytest.fixture(scope="module")
def gateway(django_db_setup, django_db_blocker) -> Iterator[gw.Gateway]:
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    g = gw.Gateway(name)
    original = g.env

    def env() -> dict[str, str]:
        return {**original(), "VASOPS_VAC_CACHE_PREFIX": PREFIX}

    g.env = env  # type: ignore[method-assign]
    g.start()
    yield g
    g.stop()
    vac_cache.clear(gw.REDIS_URL, PREFIX)


@pytest.fixture(autouse=True)
def _same_cache(settings, gateway):
    settings.VASOPS_VAC_REDIS_URL = gw.REDIS_URL
    settings.VASOPS_VAC_CACHE_PREFIX = PREFIX
    vac_cache.clear(gw.REDIS_URL, PREFIX)
    yield
    vac_cache.clear(gw.REDIS_URL, PREFIX)


def body(product: Any, msisdn: str) -> dict[str, Any]:
    return {"msisdn": msisdn, "sp_id": product.partner.enterprise_code, "product_id": product.product_code}


@pytest.fixture
def world(db):
    staff = factories.compliance_staff()
    partner = factories.live_partner("屏蔽测试公司")
    per_use = factories.live_product(partner, billing_mode="per_use", fee_fen=100)
    sibling = factories.live_product(partner, billing_mode="per_use", fee_fen=100)
    member = factories.member(partner)
    return {"staff": staff, "partner": partner, "product": per_use, "sibling": sibling, "member": member}


def test_a_blocked_product_is_refused_on_the_next_request_and_served_after_lifting(gateway, world):
    product, sibling = world["product"], world["sibling"]
    assert gateway.call("/v1/on-demand", **body(product, "13012345678"))["code"] == 0  # product key cached
    block = actions.block_service(
        actor=world["staff"],
        scope="product",
        partner=world["partner"],
        product=product,
        reason="暗扣投诉集中",
    )
    assert gateway.call("/v1/on-demand", **body(product, "13012345678"))["code"] == 2101
    assert gateway.call("/v1/subscribe", **body(product, "13012345679"))["code"] == 2101
    assert gateway.call("/v1/on-demand", **body(sibling, "13012345678"))["code"] == 0  # other product served
    assert Notification.objects.filter(recipient=world["member"], subject__startswith="业务屏蔽").exists()
    actions.lift_block(block, actor=world["staff"], reason="整改完成")
    assert gateway.call("/v1/on-demand", **body(product, "13012345678"))["code"] == 0


def test_a_blocked_partner_answers_2001_for_every_product(gateway, world):
    product, sibling = world["product"], world["sibling"]
    assert gateway.call("/v1/on-demand", **body(sibling, "13012345678"))["code"] == 0
    block = actions.block_service(
        actor=world["staff"], scope="partner", partner=world["partner"], reason="重大违约"
    )
    assert gateway.call("/v1/on-demand", **body(product, "13012345678"))["code"] == 2001
    assert gateway.call("/v1/on-demand", **body(sibling, "13012345678"))["code"] == 2001
    actions.lift_block(block, actor=world["staff"], reason="处罚期满")
    assert gateway.call("/v1/on-demand", **body(sibling, "13012345678"))["code"] == 0


def test_a_blocked_business_line_covers_the_partners_products_on_it(gateway, world):
    product = world["product"]
    actions.block_service(
        actor=world["staff"],
        scope="line",
        partner=world["partner"],
        business_line=product.business_line,
        reason="垃圾短信",
    )
    assert gateway.call("/v1/on-demand", **body(product, "13012345678"))["code"] == 2101
    other = factories.live_product(factories.live_partner(), billing_mode="per_use", fee_fen=100)
    assert gateway.call("/v1/on-demand", **body(other, "13012345678"))["code"] == 0  # another partner's


def test_a_block_with_an_end_date_ends_by_itself_in_the_cached_product():
    at = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)
    end = vac_cache.micros(at + dt.timedelta(hours=1))
    info = vac_cache.ProductInfo(
        id=1,
        partner_id=1,
        sp_id="80001",
        product_code="9000000101",
        service_type="90",
        billing_mode="per_use",
        partner_code="0",
        product_status="4",
        versions=(),
        blocks=((False, vac_cache.micros(at), end),),
    )
    decoded = vac_cache.decode_product(info.encode())
    assert decoded == info
    assert decoded.blocked_by(at - dt.timedelta(microseconds=1)) is None  # not yet
    assert decoded.blocked_by(at) == "product"
    assert decoded.blocked_by(at + dt.timedelta(minutes=59)) == "product"
    assert decoded.blocked_by(at + dt.timedelta(hours=1)) is None  # the end is exclusive
    whole = dataclasses.replace(
        info, blocks=((False, vac_cache.micros(at), None), (True, vac_cache.micros(at), None))
    )
    assert whole.blocked_by(at + dt.timedelta(days=365)) == "partner"  # no end: until lifted


def test_a_blocked_monthly_relation_is_not_charged_while_blocked(gateway, world):
    monthly = factories.live_product(world["partner"], billing_mode="monthly", fee_fen=500)
    vac_actions.subscribe(actor="crm", msisdn="13012340001", product=monthly, channel="crm")
    charged = UsageRecord.objects.filter(product_id=monthly.pk).count()
    actions.block_service(
        actor=world["staff"], scope="product", partner=world["partner"], product=monthly, reason="x"
    )
    assert gateway.call("/v1/price-check", **body(monthly, "13012340001"))["code"] == 2101
    assert gateway.call("/v1/auth", **body(monthly, "13012340001"))["code"] == 2101
    assert UsageRecord.objects.filter(product_id=monthly.pk).count() == charged


def test_blocking_needs_the_permission_and_a_reason_and_a_future_end(gateway, world):
    product = world["product"]
    with pytest.raises(PermissionDenied):
        actions.block_service(
            actor=world["member"], scope="product", partner=world["partner"], product=product, reason="x"
        )
    with pytest.raises(DomainError) as exc:
        actions.block_service(
            actor=world["staff"], scope="product", partner=world["partner"], product=product, reason=" "
        )
    assert exc.value.code == ComplianceError.REASON_REQUIRED
    with pytest.raises(DomainError) as exc:
        actions.block_service(
            actor=world["staff"],
            scope="product",
            partner=world["partner"],
            product=product,
            reason="x",
            ends_on=clock.today() - dt.timedelta(days=1),
        )
    assert exc.value.code == ComplianceError.INVALID_BLOCK
