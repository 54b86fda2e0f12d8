"""API: scoped lists and details, partner isolation on every route, actions through the API."""

from __future__ import annotations

import pytest

from vasops.api.models import ApiToken
from vasops.catalog import actions
from vasops.catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def auth(user) -> dict[str, str]:
    _token, secret = ApiToken.issue(user)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def product_b(partner_b):
    """Another partner's product: only its existence matters here (a row, no workflow)."""
    return ProductFactory(partner=partner_b, name="乙的产品")


def test_list_is_scoped_to_own_partner(client, user_a, partner_a, make_product, product_b):
    make_product(partner_a, user_a, name="甲的产品")
    response = client.get("/api/v1/products", headers=auth(user_a))
    assert response.status_code == 200
    assert [p["name"] for p in response.json()] == ["甲的产品"]
    assert response["X-Total-Count"] == "1"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("get", "/versions", None),
        ("post", "/submit", {}),
        ("post", "/review", {"decision": "approve", "product_code": "9044000101"}),
        (
            "post",
            "/change-requests",
            {"name": "x", "description": "y", "fee_fen": 1, "effective_on": "2026-02-01"},
        ),
    ],
)
def test_another_partners_product_is_404_on_every_route(client, user_a, product_b, method, suffix, body):
    url = f"/api/v1/products/{product_b.pk}{suffix}"
    call = getattr(client, method)
    kwargs = {"headers": auth(user_a)}
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    response = call(url, **kwargs)
    assert response.status_code == 404
    assert response.json()["code"] == "core.not_found"


def test_create_and_submit_through_api(client, user_a, partner_a, freeze):
    freeze("2026-01-05")
    response = client.post(
        "/api/v1/products",
        data={
            "business_line": "SMS",
            "name": "新闻早报",
            "access_number": partner_a.service_access_number + "3",
            "description": "每日新闻",
            "product_type": "information",
            "fee_fen": 300,
            "billing_mode": "monthly",
            "submit": True,
        },
        content_type="application/json",
        headers=auth(user_a),
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "submitted"


def test_api_refusal_has_code_and_clause(client, user_a, live_product):
    product = live_product(billing_mode="monthly", fee_fen=500)
    response = client.post(
        f"/api/v1/products/{product.pk}/change-requests",
        data={
            "name": product.name,
            "description": product.description,
            "fee_fen": 800,
            "effective_on": "2026-02-01",
        },
        content_type="application/json",
        headers=auth(user_a),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "catalog.monthly_price_rise_forbidden"
    assert "产品变更规范" in response.json()["message"]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "en",
            "A monthly product may not raise its fee (now 500 fen, requested 800 fen). "
            "(per: Daily Operations Rules, chapter 3, 3 Product-change rules)",
        ),
        (
            "zh-hans",
            "包月产品不得提高资费（现 500 分，申请 800 分）。"
            "（依据：《日常事务办理规范》第三章 三、产品变更规范）",
        ),
    ],
)
@pytest.mark.parametrize("how", ["accept_language", "cookie"])
def test_api_refusal_reads_in_the_language_of_the_request(
    client, user_a, live_product, language, message, how
):
    """The refusal (an f-string message with its clause) comes back in the request's language,
    asked for by Accept-Language or by the language switch's cookie; the code stays the same."""
    product = live_product(billing_mode="monthly", fee_fen=500)
    headers = auth(user_a)
    if how == "cookie":
        client.cookies["django_language"] = language
    else:
        headers["Accept-Language"] = language
    response = client.post(
        f"/api/v1/products/{product.pk}/change-requests",
        data={
            "name": product.name,
            "description": product.description,
            "fee_fen": 800,
            "effective_on": "2026-02-01",
        },
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "catalog.monthly_price_rise_forbidden"
    assert response.json()["message"] == message


def test_partner_cannot_review_own_product_through_api(client, user_a, partner_a, make_product, freeze):
    freeze("2026-01-05")
    product = actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    response = client.post(
        f"/api/v1/products/{product.pk}/review",
        data={"decision": "approve", "product_code": "9044000101"},
        content_type="application/json",
        headers=auth(user_a),
    )
    assert response.status_code == 403


def test_change_requests_scoped_and_reviewable_by_staff(client, user_a, user_b, staff, live_product):
    product = live_product(billing_mode="monthly", fee_fen=500)
    change = actions.request_change(
        product,
        actor=user_a,
        name="新名",
        description=product.description,
        fee_fen=400,
        effective_on=__import__("datetime").date(2026, 2, 1),
    )
    assert client.get("/api/v1/product-change-requests", headers=auth(user_b)).json() == []
    assert client.get(f"/api/v1/product-change-requests/{change.pk}", headers=auth(user_b)).status_code == 404
    assert (
        client.post(
            f"/api/v1/product-change-requests/{change.pk}/review",
            data={"decision": "approve"},
            content_type="application/json",
            headers=auth(user_b),
        ).status_code
        == 404
    )
    response = client.post(
        f"/api/v1/product-change-requests/{change.pk}/review",
        data={"decision": "approve"},
        content_type="application/json",
        headers=auth(staff),
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    versions = client.get(f"/api/v1/products/{product.pk}/versions", headers=auth(user_a)).json()
    assert [v["fee_fen"] for v in versions] == [500, 400]


def test_business_lines_are_listed_by_the_code_products_and_applications_use(client, user_a, sms):
    from vasops.catalog.models import BusinessLine

    BusinessLine.objects.filter(code="LBS").update(is_active=False)
    response = client.get("/api/v1/business-lines", headers=auth(user_a))
    assert response.status_code == 200
    lines = {row["code"]: row for row in response.json()}
    assert lines["SMS"] == {"code": "SMS", "name": "短信", "service_type": "90", "needs_channel": False}
    assert "LBS" not in lines  # stopped lines are not offered
    assert client.get("/api/v1/business-lines").status_code == 401
