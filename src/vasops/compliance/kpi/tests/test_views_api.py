"""KPI pages and API routes: staff lists, charts, the import page, partner isolation."""

from __future__ import annotations

import pytest

from vasops.api.models import ApiToken
from vasops.compliance.kpi import actions
from vasops.compliance.kpi.models import KpiDefinition, KpiRecord
from vasops.core.testing import verify_client

pytestmark = pytest.mark.django_db


def auth(user) -> dict[str, str]:
    _token, secret = ApiToken.issue(user)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def records(om, partner_a, partner_b):
    wap = KpiDefinition.objects.get(code="wap_page_success")
    a = actions.record_kpi(actor=om, partner=partner_a, definition=wap, period="2026-11", value="94")
    b = actions.record_kpi(actor=om, partner=partner_b, definition=wap, period="2026-11", value="97.77")
    return a, b


def test_staff_see_all_records_and_the_below_threshold_list(client, no_2fa, om, records):
    verify_client(client, om)
    body = client.get("/compliance/kpi/records/").content.decode()
    assert "甲公司" in body and "乙公司" in body
    below = client.get("/compliance/kpi/below/").content.decode()
    assert "甲公司" in below and "乙公司" not in below
    export = client.get("/compliance/kpi/below/?export=csv")
    assert export.status_code == 200 and "94.00%" in export.content.decode("utf-8-sig")


def test_partner_page_charts_each_indicator_with_its_threshold(client, no_2fa, om, records, partner_a):
    verify_client(client, om)
    body = client.get(f"/compliance/kpi/partners/{partner_a.pk}/").content.decode()
    assert "<svg" in body and "门限 95.00%" in body and "未达标 1 项" in body
    assert "style=" not in body and "<script>" not in body


def test_partner_sees_its_own_records_in_the_portal_and_not_another_partners(
    client, user_a, records, partner_b
):
    client.force_login(user_a)
    body = client.get("/compliance/kpi/my/").content.decode()
    assert "甲公司" in body and "94.00%" in body and "97.77%" not in body
    assert client.get(f"/compliance/kpi/partners/{partner_b.pk}/").status_code == 404
    assert client.get("/compliance/kpi/records/").status_code == 403
    assert client.get("/compliance/kpi/import/").status_code == 403


def test_import_page_lists_row_errors_and_imports_nothing(client, no_2fa, om, partner_a):
    verify_client(client, om)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile(
        "kpi.csv",
        "企业代码,指标,周期,结果值,备注\n44000001,wap_page_success,2026-11,abc,\n".encode(),
        "text/csv",
    )
    response = client.post("/compliance/kpi/import/", {"file": bad})
    assert response.status_code == 400
    body = response.content.decode()
    assert "整批未导入" in body and "不是数字" in body
    assert KpiRecord.objects.count() == 0
    good = SimpleUploadedFile(
        "kpi.csv",
        "企业代码,指标,周期,结果值,备注\n44000001,wap_page_success,2026-11,96,\n".encode(),
        "text/csv",
    )
    assert client.post("/compliance/kpi/import/", {"file": good}).status_code == 302
    assert KpiRecord.objects.get().met is True
    assert client.get("/compliance/kpi/import/template.csv").status_code == 200


def test_definition_edit_page_saves_the_threshold(client, no_2fa, head):
    verify_client(client, head)
    wap = KpiDefinition.objects.get(code="wap_page_success")
    response = client.post(
        f"/compliance/kpi/definitions/{wap.pk}/edit/",
        {
            "name": wap.name,
            "direction": "at_least",
            "threshold_text": "96.5",
            "period": "month",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    wap.refresh_from_db()
    assert wap.threshold == 9650


def test_api_list_is_scoped_to_own_partner(client, user_a, records):
    response = client.get("/api/v1/compliance/kpi/records", headers=auth(user_a))
    assert response.status_code == 200
    assert [r["partner_name"] for r in response.json()] == ["甲公司"]
    assert response["X-Total-Count"] == "1"


def test_api_another_partners_record_is_404(client, user_a, records):
    _a, b = records
    response = client.get(f"/api/v1/compliance/kpi/records/{b.pk}", headers=auth(user_a))
    assert response.status_code == 404
    assert response.json()["code"] == "core.not_found"


def test_api_staff_record_and_filter_below_threshold(client, om, partner_a):
    body = {
        "partner_id": partner_a.pk,
        "kpi": "ivr_timeslot_integrity",
        "period": "2026-11",
        "value": "98.5%",
    }
    response = client.post(
        "/api/v1/compliance/kpi/records", data=body, content_type="application/json", headers=auth(om)
    )
    assert response.status_code == 201, response.content
    assert response.json()["met"] is False and response.json()["value"] == 9850
    listed = client.get("/api/v1/compliance/kpi/records?met=false", headers=auth(om)).json()
    assert [r["kpi"] for r in listed] == ["ivr_timeslot_integrity"]


def test_api_bad_value_names_the_field(client, om, partner_a):
    body = {"partner_id": partner_a.pk, "kpi": "wap_response_time", "period": "2026-11", "value": "fast"}
    response = client.post(
        "/api/v1/compliance/kpi/records", data=body, content_type="application/json", headers=auth(om)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "compliance.kpi_invalid_value" and response.json()["field"] == "value"


def test_api_partner_user_cannot_record(client, user_a, partner_a):
    body = {"partner_id": partner_a.pk, "kpi": "wap_response_time", "period": "2026-11", "value": "1"}
    response = client.post(
        "/api/v1/compliance/kpi/records", data=body, content_type="application/json", headers=auth(user_a)
    )
    assert response.status_code == 403


def test_api_definitions(client, user_a):
    response = client.get("/api/v1/compliance/kpi/definitions", headers=auth(user_a))
    assert len(response.json()) == 7
