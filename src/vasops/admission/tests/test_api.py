"""REST routes: scoped, DomainError mapped, every route refuses another partner's application."""

from __future__ import annotations

import pytest

from vasops.admission import actions
from vasops.admission.tests.conftest import CAPABILITY, OPENING, complete_application, pdf, to_reviewed
from vasops.api.models import ApiToken

pytestmark = pytest.mark.django_db

BASE = "/api/v1/admission/applications"


def auth(user):
    _t, secret = ApiToken.issue(user)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def app_a(partner_a, freeze):
    freeze("2026-01-05")
    return complete_application(partner_a[1])


def test_list_is_scoped_and_counted(client, app_a, partner_a, partner_b, staff):
    r = client.get(BASE, headers=auth(partner_a[1]))
    assert r.status_code == 200 and r["X-Total-Count"] == "1" and r.json()[0]["number"] == app_a.number
    r = client.get(BASE, headers=auth(partner_b[1]))
    assert r.json() == [] and r["X-Total-Count"] == "0"
    assert client.get(BASE, headers=auth(staff)).json()[0]["id"] == app_a.pk


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("post", "/submit", None),
        ("post", "/review", {"decision": "approve", "reason": "x"}),
        ("post", "/decision", {"decision": "accept", "reason": "x"}),
        (
            "post",
            "/access-data",
            {"technical_contact": "a", "server_addresses": "b", "business_summary": "c"},
        ),
        ("post", "/test-results", {"business_line": "SMS", "case_code": "sms_mo", "passed": True}),
        ("post", "/open", {**OPENING}),
    ],
)
def test_every_route_is_404_for_another_partner(client, app_a, partner_b, method, suffix, body):
    headers = auth(partner_b[1])
    url = f"{BASE}/{app_a.pk}{suffix}"
    if method == "get":
        r = client.get(url, headers=headers)
    else:
        r = client.post(url, body or {}, content_type="application/json", headers=headers)
    assert r.status_code == 404
    assert r.json()["code"] == "core.not_found"


def test_contract_route_is_404_for_another_partner(client, app_a, partner_b):
    r = client.post(
        f"{BASE}/{app_a.pk}/contract",
        {
            "term_start": "2026-02-01",
            "term_end": "2027-01-31",
            "settlement_ratio_bp": 5000,
            "signed_copy": pdf(),
        },
        headers=auth(partner_b[1]),
    )
    assert r.status_code == 404


def test_create_outside_window_maps_the_domain_error(client, partner_b, freeze):
    freeze("2026-01-20")
    r = client.post(
        BASE,
        {"business_lines": ["SMS"], **CAPABILITY},
        content_type="application/json",
        headers=auth(partner_b[1]),
    )
    assert r.status_code == 409
    assert r.json()["code"] == "admission.window_closed"
    assert "2026年04月01日" in r.json()["message"]


def test_create_submit_review_decide_over_the_api(client, partner_b, staff, pools, freeze):
    freeze("2026-01-05")
    user = partner_b[1]
    r = client.post(
        BASE, {"business_lines": ["SMS"], **CAPABILITY}, content_type="application/json", headers=auth(user)
    )
    assert r.status_code == 201
    app_id = r.json()["id"]
    r = client.post(f"{BASE}/{app_id}/submit", headers=auth(user))
    assert r.status_code == 400 and r.json()["code"] == "admission.not_eligible"
    from vasops.admission.models import Application

    app = Application.objects.get(pk=app_id)
    from vasops.admission import actions, rules

    for kind, _l in rules.MATERIALS:
        actions.upload_material(app, actor=user, kind=kind, upload=pdf())
    actions.add_product(app, actor=user, business_line="SMS", name="p", fee_fen=100)
    assert client.post(f"{BASE}/{app_id}/submit", headers=auth(user)).json()["state"] == "submitted"
    r = client.post(
        f"{BASE}/{app_id}/review",
        {"decision": "approve", "reason": "ok"},
        content_type="application/json",
        headers=auth(user),
    )
    assert r.status_code == 403
    r = client.post(
        f"{BASE}/{app_id}/review",
        {"decision": "approve", "reason": "ok"},
        content_type="application/json",
        headers=auth(staff),
    )
    assert r.json()["state"] == "initial_approved"
    r = client.post(
        f"{BASE}/{app_id}/decision",
        {"decision": "accept", "reason": "ok"},
        content_type="application/json",
        headers=auth(staff),
    )
    assert r.status_code == 409 and r.json()["code"] == "core.invalid_transition"
    to_reviewed(app)
    r = client.post(
        f"{BASE}/{app_id}/decision",
        {"decision": "accept", "reason": "ok"},
        content_type="application/json",
        headers=auth(staff),
    )
    assert r.status_code == 200 and r.json()["enterprise_code"] == "44000001"


def test_staff_record_the_paper_application_and_another_partner_gets_404(
    client, app_a, partner_a, partner_b, staff
):
    actions.submit_application(app_a, actor=partner_a[1])
    body = {"received_on": "2026-01-05", "receiver": "杨莹"}
    url = f"{BASE}/{app_a.pk}/paper-application"
    other = client.post(url, body, content_type="application/json", headers=auth(partner_b[1]))
    assert other.status_code == 404
    r = client.post(url, body, content_type="application/json", headers=auth(staff))
    assert r.status_code == 200
    assert (r.json()["paper_received_on"], r.json()["paper_receiver"]) == ("2026-01-05", "杨莹")
