"""API routes of the partner registry: scoping, paging, restriction routes, error shape."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.partners import actions
from vasops.partners.tests.conftest import scan

pytestmark = pytest.mark.django_db
D = dt.date
BASE = "/api/v1/partners"


def _h(user):
    from django.apps import apps

    # the api app sits above partners in the layers, so reach its model through the registry
    _, secret = apps.get_model("api", "ApiToken").issue(user)
    return {"Authorization": f"Bearer {secret}"}


def test_staff_list_is_paged_with_total(client, staff, make_partner):
    for _ in range(3):
        make_partner()
    r = client.get(f"{BASE}?offset=1&limit=1", headers=_h(staff))
    assert r.status_code == 200
    assert r["X-Total-Count"] == "3" and len(r.json()) == 1


def test_partner_user_lists_only_own_partner(client, admin_a, partner_a, partner_b):
    r = client.get(BASE, headers=_h(admin_a))
    assert [p["id"] for p in r.json()] == [partner_a.pk] and r["X-Total-Count"] == "1"


def test_partner_a_gets_404_for_every_partner_b_route(client, admin_a, partner_b, admin_b, staff):
    actions.upload_qualification(
        partner_b,
        actor=admin_b,
        kind="business_licence",
        number="1",
        issuer="x",
        valid_from=D(2020, 1, 1),
        valid_until=None,
        scan=scan(),
    )
    r_b = actions.impose_restriction(partner_b, kind="ban", reason="x", source="", starts_on=D(2026, 1, 1))
    h = _h(admin_a)
    for url in (
        f"{BASE}/{partner_b.pk}",
        f"{BASE}/{partner_b.pk}/qualifications",
        f"{BASE}/{partner_b.pk}/restrictions",
    ):
        r = client.get(url, headers=h)
        assert r.status_code == 404 and r.json()["code"] == "core.not_found", url
    r = client.post(
        f"{BASE}/{partner_b.pk}/restrictions",
        {"kind": "blacklist", "reason": "x", "starts_on": "2026-01-01"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 404
    r = client.post(
        f"{BASE}/restrictions/{r_b.pk}/lift", {"reason": "x"}, content_type="application/json", headers=h
    )
    assert r.status_code == 404
    assert client.get(f"{BASE}/restrictions", headers=h).json() == []


def test_partner_sees_own_qualifications_with_document(client, admin_a, partner_a):
    actions.upload_qualification(
        partner_a,
        actor=admin_a,
        kind="business_licence",
        number="N1",
        issuer="x",
        valid_from=D(2020, 1, 1),
        valid_until=D(2027, 1, 1),
        scan=scan(),
    )
    body = client.get(f"{BASE}/{partner_a.pk}/qualifications", headers=_h(admin_a)).json()
    assert body[0]["number"] == "N1" and body[0]["kind_label"] == "营业执照" and body[0]["document_uuid"]


def test_staff_adds_and_lifts_restriction_by_api(client, staff, partner_a):
    h = _h(staff)
    r = client.post(
        f"{BASE}/{partner_a.pk}/restrictions",
        {"kind": "lockout", "reason": "驳回", "starts_on": "2026-01-15"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 201, r.content
    assert r.json()["ends_on"] == "2026-04-14"
    rid = r.json()["id"]
    r = client.post(
        f"{BASE}/restrictions/{rid}/lift", {"reason": "误登"}, content_type="application/json", headers=h
    )
    assert r.status_code == 200 and r.json()["lift_reason"] == "误登"
    r = client.post(
        f"{BASE}/restrictions/{rid}/lift", {"reason": "again"}, content_type="application/json", headers=h
    )
    assert r.status_code == 409 and r.json()["code"] == "partners.restriction_already_lifted"


def test_partner_user_cannot_add_restriction_to_own_partner(client, admin_a, partner_a):
    r = client.post(
        f"{BASE}/{partner_a.pk}/restrictions",
        {"kind": "blacklist", "reason": "x", "starts_on": "2026-01-01"},
        content_type="application/json",
        headers=_h(admin_a),
    )
    assert r.status_code == 403 and r.json()["code"] == "core.permission_denied"


def test_restriction_list_in_force_filter(client, staff, partner_a):
    actions.impose_restriction(partner_a, kind="lockout", reason="x", source="", starts_on=D(2026, 1, 15))
    h = _h(staff)
    assert len(client.get(f"{BASE}/restrictions?in_force_on=2026-04-14", headers=h).json()) == 1
    assert client.get(f"{BASE}/restrictions?in_force_on=2026-04-15", headers=h).json() == []


def test_anonymous_gets_401(client, partner_a):
    assert client.get(BASE).status_code == 401


def test_openapi_documents_partner_routes_in_chinese(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/partners/{partner_id}/qualifications" in doc["paths"]
    assert (
        doc["components"]["schemas"]["PartnerOut"]["properties"]["credit_code"]["description"]
        == "统一社会信用代码（18 位）"
    )
