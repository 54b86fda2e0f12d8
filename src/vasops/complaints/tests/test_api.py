"""/api/v1/complaints: the CS system's idempotent intake, the partner's answer, refunds, and
partner isolation on every route (another partner's complaint is a 404)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from vasops.api.models import ApiToken
from vasops.complaints import actions
from vasops.complaints.tests import factories
from vasops.core import clock
from vasops.settlement.models import Adjustment

BASE = "/api/v1/complaints"
MSISDN = "13012345678"
TODAY = dt.date(2026, 12, 1)


def auth(user):
    _, secret = ApiToken.issue(user)
    return {"Authorization": f"Bearer {secret}"}


def post(client, url, user, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", headers=auth(user))


@pytest.fixture(autouse=True)
def tuesday():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def dispatched(agent, other_product):
    c, _ = actions.receive_complaint(
        actor=agent,
        source="console",
        msisdn="13200000000",
        category="content",
        description="内容低俗",
        product=other_product,
    )
    return actions.dispatch_complaint(c, actor=agent)


def test_the_cs_system_records_a_complaint_once_per_its_own_id(client, agent, product):
    factories.subscribe(MSISDN, product)
    body = {
        "msisdn": "+86" + MSISDN,
        "category": "unauthorised_order",
        "description": "未订购被扣费",
        "external_id": "CRM-77",
    }
    first = post(client, BASE, agent, body)
    assert first.status_code == 201, first.content
    data = first.json()
    assert (data["msisdn"], data["product_id"], data["state"], data["source"]) == (
        MSISDN,
        product.pk,
        "received",
        "api",
    )
    again = post(client, BASE, agent, body)
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    found = client.get(f"{BASE}?external_id=CRM-77", headers=auth(agent))
    assert [c["number"] for c in found.json()] == [data["number"]]


def test_bad_input_answers_the_one_error_shape(client, agent):
    response = post(client, BASE, agent, {"msisdn": "123", "category": "other", "description": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "complaints.invalid_msisdn"
    response = post(
        client,
        BASE,
        agent,
        {"msisdn": MSISDN, "category": "other", "description": "x", "product_code": "nope"},
    )
    assert response.json()["code"] == "complaints.product_not_found"


def test_a_partner_answers_through_the_api_and_sees_a_masked_number(client, dispatched, other_staff):
    response = client.get(BASE, headers=auth(other_staff))
    assert response["X-Total-Count"] == "1"
    assert response.json()[0]["msisdn"] == "132****0000"
    assert response.json()[0]["owner"] is None
    response = post(client, f"{BASE}/{dispatched.pk}/answer", other_staff, {"answer": "已下架该内容"})
    assert response.status_code == 200 and response.json()["state"] == "answered"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("post", "/answer", {"answer": "x"}),
        ("post", "/close", {"reply": "x"}),
        ("post", "/reopen", {"reason": "x"}),
        ("post", "/claim", None),
        ("post", "/dispatch", {}),
        ("post", "/refund", {"period_start": "2026-12-01", "period_end": "2026-12-01"}),
        ("get", "/refund-quote?period_start=2026-12-01&period_end=2026-12-01", None),
    ],
)
def test_partner_a_gets_404_on_partner_b_complaint(client, dispatched, partner_staff, method, suffix, body):
    url = f"{BASE}/{dispatched.pk}{suffix}"
    if method == "get":
        response = client.get(url, headers=auth(partner_staff))
    else:
        response = post(client, url, partner_staff, body)
    assert response.status_code == 404
    assert client.get(BASE, headers=auth(partner_staff))["X-Total-Count"] == "0"


def test_staff_refund_through_the_api_reaches_settlement_once(client, agent, product):
    factories.cdr(MSISDN, product, 300, clock.now())
    c, _ = actions.receive_complaint(
        actor=agent,
        source="console",
        msisdn=MSISDN,
        category="unauthorised_order",
        description="x",
        product=product,
    )
    quote = client.get(
        f"{BASE}/{c.pk}/refund-quote?period_start=2026-12-01&period_end=2026-12-01&upheld=true",
        headers=auth(agent),
    )
    assert quote.json() == {"charged_fen": 300, "ratio_bp": 20000, "amount_fen": 600}
    body = {"period_start": "2026-12-01", "period_end": "2026-12-01", "upheld": True}
    response = post(client, f"{BASE}/{c.pk}/refund", agent, body)
    assert response.status_code == 201, response.content
    assert response.json()["refund"]["amount_fen"] == 600
    assert response.json()["refund"]["settlement_month"] == "2026-12-01"
    again = post(client, f"{BASE}/{c.pk}/refund", agent, body)
    assert again.status_code == 409 and again.json()["code"] == "complaints.already_refunded"
    assert Adjustment.objects.get().amount_fen == -600


def test_the_dashboard_needs_the_report_permission(client, agent, partner_staff, dispatched):
    assert client.get(f"{BASE}/dashboard", headers=auth(partner_staff)).status_code == 403
    response = client.get(f"{BASE}/dashboard", headers=auth(agent))
    assert response.status_code == 200 and response.json()["total"] == 1
    assert client.get(f"{BASE}/dashboard?month=2026-13", headers=auth(agent)).status_code == 400
