"""Pages and API of basic-info change requests: partner isolation, review, export."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from vasops.core import roles
from vasops.partners import actions
from vasops.partners.models import PartnerChangeRequest

from .test_change_actions import BANK, admitted


@pytest.fixture
def cr_a(partner_a, admin_a):
    return actions.submit_change_request(
        partner_a, actor=admin_a, kind="cs_hotline", values={"cs_hotline": "8001234567"}
    )


@pytest.fixture
def cr_b(partner_b, admin_b):
    return actions.submit_change_request(
        partner_b, actor=admin_b, kind="cs_hotline", values={"cs_hotline": "8007654321"}
    )


def bearer(user):
    _, secret = apps.get_model("api", "ApiToken").issue(user)
    return {"Authorization": f"Bearer {secret}"}


# --- portal ---------------------------------------------------------------------------------


def test_portal_list_shows_only_own_requests(client, admin_a, cr_a, cr_b):
    client.force_login(admin_a)
    body = client.get(reverse("partners:change_list")).content.decode()
    assert cr_a.number in body and cr_b.number not in body


def test_portal_detail_of_other_partner_is_404(client, admin_a, cr_a, cr_b):
    client.force_login(admin_a)
    assert client.get(cr_a.get_absolute_url()).status_code == 200
    assert client.get(cr_b.get_absolute_url()).status_code == 404


def test_partner_cannot_review_own_request(client, admin_a, cr_a):
    client.force_login(admin_a)
    r = client.post(cr_a.get_absolute_url(), {"op": "approve"})
    assert r.status_code == 403
    cr_a.refresh_from_db()
    assert cr_a.state == "submitted"


def test_portal_new_bank_change_is_submitted(client, admin_a, partner_a):
    admitted(partner_a)
    client.force_login(admin_a)
    assert client.get(reverse("partners:change_new")).status_code == 200
    r = client.post(reverse("partners:change_new"), {"kind": "bank_account", **BANK})
    cr = PartnerChangeRequest.objects.get(partner=partner_a)
    assert r.status_code == 302 and r["Location"] == cr.get_absolute_url()
    assert cr.kind == "bank_account" and cr.state == "submitted"


def test_portal_new_refusal_keeps_input_and_shows_message(client, admin_a):
    client.force_login(admin_a)
    r = client.post(reverse("partners:change_new"), {"kind": "cs_hotline", "cs_hotline": "13912345678"})
    body = r.content.decode()
    assert r.status_code == 400 and "手机号码" in body and "13912345678" in body


def test_plain_partner_user_cannot_open_new_form(client, user_a):
    client.force_login(user_a)
    assert client.get(reverse("partners:change_new") + "?kind=cs_hotline").status_code == 403


def test_direct_hotline_edit_after_admission_points_to_change_request(client, admin_a, partner_a):
    admitted(partner_a, "active")
    client.force_login(admin_a)
    r = client.post(reverse("partners:me_hotline"), {"cs_hotline": "8001234567"})
    body = r.content.decode()
    assert "/partners/me/changes/new/?kind=cs_hotline" in body
    partner_a.refresh_from_db()
    assert partner_a.cs_hotline == "4001234567"


# --- console --------------------------------------------------------------------------------


def test_console_queue_filters_and_exports(client, no_2fa, staff, cr_a, cr_b):
    client.force_login(staff)
    body = client.get(reverse("partners:change_queue") + "?kind=cs_hotline&state=submitted").content.decode()
    assert cr_a.number in body and cr_b.number in body
    body = client.get(reverse("partners:change_queue") + "?state=applied").content.decode()
    assert cr_a.number not in body
    r = client.get(reverse("partners:change_queue") + "?export=xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r["Content-Type"]


def test_console_queue_refused_to_partner_user(client, admin_a):
    client.force_login(admin_a)
    assert client.get(reverse("partners:change_queue")).status_code == 403


def test_console_four_eyes_through_the_page(client, no_2fa, staff, make_user, partner_a, admin_a):
    staff2 = make_user(roles.PRODUCT_STAFF, is_staff=True)
    cr = actions.submit_change_request(partner_a, actor=admin_a, kind="bank_account", values=BANK)
    client.force_login(staff)
    assert client.post(cr.get_absolute_url(), {"op": "approve"}).status_code == 302
    r = client.post(cr.get_absolute_url(), {"op": "second-approve"})
    assert r.status_code == 400 and "双人复核" in r.content.decode()
    client.force_login(staff2)
    page = client.get(cr.get_absolute_url()).content.decode()
    assert "复核通过" in page and "history" in page.lower()
    assert client.post(cr.get_absolute_url(), {"op": "second-approve"}).status_code == 302
    cr.refresh_from_db()
    assert cr.state == "second_approved"


def test_console_reject_needs_reason(client, no_2fa, staff, cr_a):
    client.force_login(staff)
    r = client.post(cr_a.get_absolute_url(), {"op": "reject", "reason": ""})
    assert r.status_code == 400
    client.post(cr_a.get_absolute_url(), {"op": "reject", "reason": "材料不全"})
    cr_a.refresh_from_db()
    assert cr_a.state == "rejected"


# --- API ------------------------------------------------------------------------------------


def test_api_list_is_scoped_and_paginated(client, admin_a, staff, cr_a, cr_b):
    r = client.get("/api/v1/partner-change-requests?limit=10", headers=bearer(admin_a))
    assert r.status_code == 200 and r["X-Total-Count"] == "1"
    assert [x["number"] for x in r.json()] == [cr_a.number]
    r = client.get("/api/v1/partner-change-requests?limit=1", headers=bearer(staff))
    assert r["X-Total-Count"] == "2" and len(r.json()) == 1


def test_api_detail_and_review_of_other_partner_is_404(client, admin_a, cr_b):
    h = bearer(admin_a)
    assert client.get(f"/api/v1/partner-change-requests/{cr_b.pk}", headers=h).status_code == 404
    r = client.post(
        f"/api/v1/partner-change-requests/{cr_b.pk}/approve", {}, content_type="application/json", headers=h
    )
    assert r.status_code == 404


def test_api_create_and_four_eyes(client, admin_a, partner_a, staff, make_user):
    staff2 = make_user(roles.PRODUCT_STAFF, is_staff=True)
    r = client.post(
        "/api/v1/partner-change-requests",
        {"kind": "bank_account", "values": BANK},
        content_type="application/json",
        headers=bearer(admin_a),
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    base = f"/api/v1/partner-change-requests/{pk}"
    h1, h2 = bearer(staff), bearer(staff2)
    assert client.post(base + "/approve", {}, content_type="application/json", headers=h1).status_code == 200
    r = client.post(base + "/second-approve", {}, content_type="application/json", headers=h1)
    assert r.status_code == 409 and r.json()["code"] == "partners.four_eyes_same_person"
    r = client.post(base + "/second-approve", {}, content_type="application/json", headers=h2)
    assert r.status_code == 200 and r.json()["state"] == "second_approved"


def test_api_create_refused_for_invalid_hotline(client, admin_a):
    r = client.post(
        "/api/v1/partner-change-requests",
        {"kind": "cs_hotline", "values": {"cs_hotline": "02788888888"}},
        content_type="application/json",
        headers=bearer(admin_a),
    )
    assert r.status_code == 400 and r.json()["code"] == "partners.invalid_hotline"


@pytest.mark.parametrize("op", ["return", "reject"])
def test_api_return_reject(client, staff, cr_a, op):
    r = client.post(
        f"/api/v1/partner-change-requests/{cr_a.pk}/{op}",
        {"reason": "请补充材料"},
        content_type="application/json",
        headers=bearer(staff),
    )
    assert r.status_code == 200 and r.json()["state"] == ("returned" if op == "return" else "rejected")
