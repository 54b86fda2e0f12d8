"""Detection pages and routes: staff see hits with charts and edit thresholds; partner users
reach none of it (empty list, 404 on a hit, 403 on the pages)."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.api.models import ApiToken
from vasops.compliance.detection import tasks
from vasops.compliance.detection.models import DetectionHit, DetectionRule
from vasops.compliance.detection.tests.conftest import at
from vasops.core.testing import verify_client

pytestmark = pytest.mark.django_db


def auth(user) -> dict[str, str]:
    _token, secret = ApiToken.issue(user)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def no_2fa(settings):
    settings.VASOPS_STAFF_2FA = False


@pytest.fixture
def hit(today, cdr_root, product, subscribe):
    cohort = today - dt.timedelta(days=2)
    subscribe(product("暗扣产品"), 20, at(cohort, 9), unsubscribe_after=dt.timedelta(hours=2))
    tasks.run_detection(today - dt.timedelta(days=1))
    return DetectionHit.objects.get()


def test_staff_see_the_hits_with_charts_and_the_figures(client, no_2fa, staff, hit):
    verify_client(client, staff)
    body = client.get("/compliance/detection/").content.decode()
    assert "暗扣产品" in body and "<svg" in body and "24 小时内退订比例" in body
    detail = client.get(f"/compliance/detection/hits/{hit.pk}/").content.decode()
    assert "100.00%" in detail and "窗口内退订" in detail and "<svg" in detail
    assert f"/compliance/violations/{hit.violation_id}/" in detail  # the draft it opened
    assert "style=" not in detail


def test_staff_edit_a_threshold_and_run_a_day(client, no_2fa, staff, today, cdr_root):
    verify_client(client, staff)
    rule = DetectionRule.objects.get(metric="unsubscribe_24h")
    response = client.post(
        f"/compliance/detection/rules/{rule.pk}/edit/",
        {"threshold": "2500", "min_sample": "10", "violation_code": "unauthorised_order", "is_active": "on"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.threshold, rule.min_sample) == (2500, 10)
    assert "24 小时内退订比例" in client.get("/compliance/detection/rules/").content.decode()
    day = (today - dt.timedelta(days=1)).isoformat()
    assert client.post("/compliance/detection/run/", {"day": day}).status_code == 302


def test_partner_users_reach_no_detection_page(client, partner_person, hit):
    client.force_login(partner_person)
    assert client.get("/compliance/detection/").status_code == 403
    assert client.get(f"/compliance/detection/hits/{hit.pk}/").status_code == 404
    assert client.get("/compliance/detection/rules/").status_code == 403


def test_api_hits_for_staff_and_nothing_for_a_partner(client, staff, partner_person, hit):
    staff_list = client.get("/api/v1/compliance/detection/hits", headers=auth(staff)).json()
    assert [h["product_name"] for h in staff_list] == ["暗扣产品"]
    assert staff_list[0]["value_text"] == "100.00%"
    partner = client.get("/api/v1/compliance/detection/hits", headers=auth(partner_person))
    assert partner.status_code == 200 and partner.json() == []
    one = client.get(f"/api/v1/compliance/detection/hits/{hit.pk}", headers=auth(partner_person))
    assert one.status_code == 404
    rules_ = client.get("/api/v1/compliance/detection/rules", headers=auth(partner_person))
    assert rules_.status_code == 403


def test_api_run_is_idempotent(client, staff, today, cdr_root, product, subscribe):
    cohort = today - dt.timedelta(days=2)
    subscribe(product("暗扣产品"), 20, at(cohort, 9), unsubscribe_after=dt.timedelta(hours=2))
    body = {"day": (today - dt.timedelta(days=1)).isoformat()}
    first = client.post(
        "/api/v1/compliance/detection/runs", data=body, content_type="application/json", headers=auth(staff)
    )
    again = client.post(
        "/api/v1/compliance/detection/runs", data=body, content_type="application/json", headers=auth(staff)
    )
    assert first.status_code == again.status_code == 200
    assert first.json()["hits"] == again.json()["hits"] == 1


def test_api_run_of_today_is_refused(client, staff, today, cdr_root):
    response = client.post(
        "/api/v1/compliance/detection/runs",
        data={"day": today.isoformat()},
        content_type="application/json",
        headers=auth(staff),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "compliance.detection_invalid_day"
