from __future__ import annotations

import pytest

from vasops.api.models import ApiToken
from vasops.workorders import actions
from vasops.workorders.tests.conftest import PLAN

BASE = "/api/v1/work-orders"


def auth(user):
    _, secret = ApiToken.issue(user)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def wo_a(db, user_a):
    return actions.open_work_order(actor=user_a, type="om_complaint", title="甲")


@pytest.fixture
def wo_b(db, user_b):
    return actions.open_work_order(actor=user_b, type="om_complaint", title="乙")


def test_list_is_scoped_to_the_partner_with_total_count(client, user_a, wo_a, wo_b):
    response = client.get(BASE, headers=auth(user_a))
    assert response.status_code == 200 and response["X-Total-Count"] == "1"
    assert [w["number"] for w in response.json()] == [wo_a.number]


def test_staff_list_filters_and_pages(client, om, wo_a, wo_b):
    h = auth(om)
    response = client.get(f"{BASE}?limit=1", headers=h)
    assert response["X-Total-Count"] == "2" and len(response.json()) == 1
    response = client.get(f"{BASE}?partner_id={wo_b.partner_id}", headers=h)
    assert [w["id"] for w in response.json()] == [wo_b.pk]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("get", "/comments", None),
        ("post", "/comments", {"text": "x"}),
        ("post", "/close", {"result": "x"}),
        ("post", "/reopen", {"reason": "x"}),
        ("post", "/advance", {}),
        ("post", "/resolve", {"result": "x"}),
        ("post", "/assign", {"assignee": "om1"}),
    ],
)
def test_partner_a_gets_404_on_partner_b_work_order(client, user_a, wo_b, om, method, suffix, body):
    h = auth(user_a)
    url = f"{BASE}/{wo_b.pk}{suffix}"
    if method == "get":
        response = client.get(url, headers=h)
    else:
        response = client.post(url, body, content_type="application/json", headers=h)
    assert response.status_code == 404 and response.json()["code"] == "core.not_found"


def test_partner_creates_partner_type_but_not_data_change(client, user_a, partner_a, partner_b):
    h = auth(user_a)
    ok = client.post(
        BASE,
        {"type": "app_upgrade", "title": "升级", **PLAN, "planned_at": "2026-03-01T02:00:00+08:00"},
        content_type="application/json",
        headers=h,
    )
    assert ok.status_code == 201 and ok.json()["partner_id"] == partner_a.pk
    refused = client.post(
        BASE,
        {"type": "data_change", "title": "x", "system": "vac"},
        content_type="application/json",
        headers=h,
    )
    assert refused.status_code == 403 and refused.json()["code"] == "workorders.type_not_for_partner"
    other = client.post(
        BASE,
        {"type": "om_complaint", "title": "x", "partner_id": partner_b.pk},
        content_type="application/json",
        headers=h,
    )
    assert other.status_code == 403 and other.json()["code"] == "workorders.other_partner"


def test_staff_drives_a_work_order_through_the_api(client, cal, freeze, om, product, user_a):
    freeze("2026-01-05")
    wo_a = actions.open_work_order(actor=user_a, type="om_complaint", title="甲", needs_network_company=True)
    h = auth(product)
    post = lambda suffix, body: client.post(  # noqa: E731
        f"{BASE}/{wo_a.pk}{suffix}", body, content_type="application/json", headers=h
    )
    assert post("/assign", {"assignee": "ps1"}).json()["assignee"] == "ps1"
    r = post("/advance", {"note": "同意"})
    assert r.status_code == 200 and r.json()["stage"] == "网络公司处理"
    r = post("/resolve", {"result": "已处理"})
    assert r.json()["state"] == "resolved"
    assert post("/close", {}).json()["state"] == "closed"
    r = post("/reopen", {"reason": "复发"})
    assert r.json()["state"] == "in_progress" and r.json()["stage"] == "实施"
    assert post("/comments", {"text": "跟进"}).status_code == 201
    detail = client.get(f"{BASE}/{wo_a.pk}", headers=h).json()
    assert [s["label"] for s in detail["stages"]] == ["审批", "网络公司处理", "实施"] and "resolve" in detail[
        "allowed_actions"
    ]


def test_illegal_transition_is_409_not_500(client, om, wo_a):
    r = client.post(
        f"{BASE}/{wo_a.pk}/reopen", {"reason": "x"}, content_type="application/json", headers=auth(om)
    )
    assert r.status_code == 409 and r.json()["code"] == "core.invalid_transition"


def test_partner_may_not_handle_own_work_order_via_api(client, user_a, wo_a):
    r = client.post(f"{BASE}/{wo_a.pk}/advance", {}, content_type="application/json", headers=auth(user_a))
    assert r.status_code == 403
