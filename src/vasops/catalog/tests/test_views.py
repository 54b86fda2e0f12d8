"""Pages: partner isolation on every route, forms keep input and show refusals inline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vasops.catalog import actions
from vasops.catalog.models import Product, ProductChangeRequest
from vasops.catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product_b(partner_b):
    """Another partner's product: only its existence matters here (a row, no workflow)."""
    return ProductFactory(partner=partner_b, name="乙的产品")


@pytest.fixture
def change_b(make_product, partner_b, user_b, staff, freeze):
    freeze("2026-01-05")
    product = make_product(partner_b, user_b, name="乙的产品", access_number=partner_b.service_access_number)
    actions.submit_product(product, actor=user_b)
    actions.review_product(product, actor=staff, decision="approve", product_code="9044000202")
    actions.finish_configuration(product, actor=staff)
    for case in product.test_cases.all():
        actions.record_test_result(case, actor=staff, passed=True)
    actions.complete_testing(product, actor=staff)
    return actions.request_change(
        product,
        actor=user_b,
        name="乙改名",
        description=product.description,
        fee_fen=product.fee_fen,
        effective_on=dt.date(2026, 2, 1),
    )


PRODUCT_GET_ROUTES = ["catalog:product_detail", "catalog:product_edit", "catalog:change_create"]
PRODUCT_POST_ROUTES = ["catalog:product_submit", "catalog:product_review", "catalog:product_action"]


@pytest.mark.parametrize("route", PRODUCT_GET_ROUTES)
def test_partner_cannot_open_another_partners_product_pages(client, user_a, product_b, route):
    client.force_login(user_a)
    assert client.get(reverse(route, args=[product_b.pk])).status_code == 404


@pytest.mark.parametrize("route", PRODUCT_POST_ROUTES)
def test_partner_cannot_post_to_another_partners_product(client, user_a, product_b, route):
    client.force_login(user_a)
    response = client.post(
        reverse(route, args=[product_b.pk]), {"op": "finish_configuration", "decision": "approve"}
    )
    assert response.status_code == 404
    assert Product.objects.get(pk=product_b.pk).state == "draft"


@pytest.mark.parametrize("route", ["catalog:change_detail", "catalog:change_review"])
def test_partner_cannot_reach_another_partners_change_request(client, user_a, change_b, route):
    client.force_login(user_a)
    method = client.get if route == "catalog:change_detail" else client.post
    assert method(reverse(route, args=[change_b.pk])).status_code == 404
    assert ProductChangeRequest.objects.get(pk=change_b.pk).state == "submitted"


def test_my_products_lists_only_own(client, user_a, partner_a, make_product, product_b):
    make_product(partner_a, user_a, name="甲的产品")
    client.force_login(user_a)
    body = client.get(reverse("catalog:my_products")).content.decode()
    assert "甲的产品" in body and "乙的产品" not in body
    export = client.get(reverse("catalog:my_products") + "?export=csv").content.decode()
    assert "甲的产品" in export and "乙的产品" not in export


def test_own_product_detail_shows_history(client, user_a, partner_a, make_product):
    product = make_product(partner_a, user_a)
    client.force_login(user_a)
    body = client.get(reverse("catalog:product_detail", args=[product.pk])).content.decode()
    assert product.name in body and 'id="history"' in body


def test_console_pages_refuse_partner_users(client, user_a):
    client.force_login(user_a)
    for route in ["catalog:products", "catalog:review_queue", "catalog:business_lines"]:
        assert client.get(reverse(route)).status_code == 403


def test_staff_catalogue_filters_and_export(
    client, staff, no_2fa, partner_a, user_a, make_product, product_b
):
    make_product(partner_a, user_a, name="甲的产品", billing_mode="per_use", fee_fen=100)
    client.force_login(staff)
    body = client.get(reverse("catalog:products") + "?billing=per_use").content.decode()
    assert "甲的产品" in body and "乙的产品" not in body
    response = client.get(reverse("catalog:products") + "?export=xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]


def test_create_form_keeps_input_and_shows_access_number_error(client, user_a, partner_a):
    client.force_login(user_a)
    url = reverse("catalog:product_create")
    data = {
        "business_line": "SMS",
        "name": "笑话大全",
        "access_number": "1069999",
        "product_type": "entertainment",
        "billing_mode": "monthly",
        "fee": "5",
        "description": "每日笑话",
        "x_order_cmd": "XH",
        "x_cancel_cmd": "TDXH",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "笑话大全" in body and "必须是贵公司的业务接入号" in body
    assert not Product.objects.exists()
    data["access_number"] = partner_a.service_access_number + "7"
    response = client.post(url, data)
    product = Product.objects.get()
    assert response.status_code == 302
    assert (product.fee_fen, product.details["order_cmd"]) == (500, "XH")


@pytest.mark.parametrize(
    ("line", "english"),
    [("SMS", ["Order command", "Cancel command"]), ("WAP", ["WAP entry URL", "Billing URL"])],
)
def test_a_shipped_lines_extra_fields_read_in_english_on_the_product_form(client, user_a, line, english):
    from vasops.catalog.labels import extra_field_label

    client.force_login(user_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(reverse("catalog:product_create") + f"?line={line}").content.decode()
    assert all(label in body for label in english)
    assert "订购指令" not in body and "入口地址" not in body
    # a label staff gave a line reads as they wrote it
    assert extra_field_label({"name": "order_cmd", "label": "上行指令"}) == "上行指令"


def test_staff_review_page_flow(client, staff, no_2fa, partner_a, user_a, make_product, freeze):
    freeze("2026-01-05")
    product = actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    client.force_login(staff)
    assert "天气预报" in client.get(reverse("catalog:review_queue")).content.decode()
    client.post(
        reverse("catalog:product_review", args=[product.pk]),
        {"decision": "approve", "product_code": "9044000101"},
    )
    assert Product.objects.get(pk=product.pk).state == "configuring"


def test_change_form_shows_monthly_rise_refusal_inline(client, user_a, live_product):
    product = live_product(billing_mode="monthly", fee_fen=500)
    client.force_login(user_a)
    response = client.post(
        reverse("catalog:change_create", args=[product.pk]),
        {"name": product.name, "description": product.description, "fee": "6", "effective_on": "2026-02-01"},
    )
    assert response.status_code == 200
    assert "包月产品不得提高资费" in response.content.decode()


def test_staff_pages_render_for_live_product_and_change(client, staff, no_2fa, live_product, user_a):
    product = live_product(billing_mode="per_use", fee_fen=100)
    req = actions.request_change(
        product,
        actor=user_a,
        name=product.name,
        description="新描述",
        fee_fen=200,
        effective_on=dt.date(2026, 2, 1),
    )
    client.force_login(staff)
    body = client.get(reverse("catalog:product_detail", args=[product.pk])).content.decode()
    assert "v1" in body and "暂停" in body and 'id="history"' in body
    body = client.get(reverse("catalog:change_detail", args=[req.pk])).content.decode()
    assert "按产品新增流程审核" in body and 'id="history"' in body
    assert client.get(reverse("catalog:business_line_edit", args=["SMS"])).status_code == 200
    client.post(
        reverse("catalog:product_action", args=[product.pk]),
        {"op": "suspend", "reason": "投诉", "block_port": "0"},
    )
    assert Product.objects.get(pk=product.pk).unicom_status == "5"
