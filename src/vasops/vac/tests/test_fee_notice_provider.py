import pytest

from vasops.catalog import hooks
from vasops.vac import actions

pytestmark = pytest.mark.django_db


def test_catalogue_fee_notice_lists_the_active_subscribers_of_the_product(make_partner, make_product):
    partner = make_partner("通知方", enterprise_code="91009")
    product = make_product(partner, billing_mode="monthly", fee_fen=500, code="9091009001")
    other = make_product(partner, billing_mode="monthly", fee_fen=500, code="9091009002")
    actions.subscribe(actor="crm", msisdn="13100000011", product=product, channel="crm")
    actions.subscribe(actor="crm", msisdn="13100000012", product=product, channel="crm")
    actions.subscribe(actor="crm", msisdn="13100000013", product=other, channel="crm")
    actions.unsubscribe(actor="crm", msisdn="13100000012", product=product)
    assert list(hooks.subscribers_of(product)) == ["13100000011"]
