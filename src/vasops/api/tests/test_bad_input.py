"""Issue 12's "What fails today", each as a regression test (on PostgreSQL under `make test`):
bad input gets a clear 4xx answer in the one error shape, never a 500, and nothing is stored."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from vasops.api.models import ApiToken
from vasops.api.tests.seed import seed_api_data
from vasops.catalog.models import Product
from vasops.core.testing import verify_client
from vasops.partners.models import Restriction
from vasops.workorders.models import Comment, WorkOrder

pytestmark = pytest.mark.django_db

SHAPE = {"code", "reason", "message", "status", "request_id"}


@pytest.fixture
def data():
    return seed_api_data()


@pytest.fixture
def partner_h(data):
    return {"Authorization": f"Bearer {ApiToken.issue(data.partner_user)[1]}"}


@pytest.fixture
def staff_h(data):
    return {"Authorization": f"Bearer {ApiToken.issue(data.staff)[1]}"}


def post(client, url, body, headers, *, raw=False):
    payload = body if raw else json.dumps(body, ensure_ascii=False)
    return client.post(url, payload, content_type="application/json", headers=headers)


def assert_error(response, status, code="core.validation", field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert SHAPE <= set(body), body
    assert body["code"] == code and body["status"] == str(status)
    assert body["request_id"] == response["X-Request-ID"]
    if field is not None:
        assert body["field"] == field
    return body


PRODUCT = {
    "business_line": "SMS",
    "name": "天气",
    "access_number": "10655188002",
    "description": "每日天气",
    "product_type": "information",
    "fee_fen": 500,
    "billing_mode": "monthly",
}


# --- text in request bodies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"name": "天\x00气"}, "name", "NUL"),
        ({"description": "每日\x00天气"}, "description", "NUL"),
        ({"name": "天\x01气"}, "name", "控制字符 U+0001"),
        ({"name": "x" * 300}, "name", "最多 255 个字符"),
        ({"name": "   "}, "name", "不能为空"),
        ({"fee_fen": 2147483648}, "fee_fen", "不能大于 2147483647"),
        ({"fee_fen": -1}, "fee_fen", "不能小于 0"),
    ],
)
def test_bad_product_fields_are_422_naming_the_field_and_nothing_is_stored(
    client, partner_h, change, field, words
):
    before = Product.objects.count()
    body = assert_error(post(client, "/api/v1/products", {**PRODUCT, **change}, partner_h), 422, field=field)
    assert words in body["message"]
    assert Product.objects.count() == before


def test_a_lone_surrogate_is_422_not_a_unicode_error(client, partner_h):
    raw = json.dumps({**PRODUCT, "name": "PLACEHOLDER"}).replace("PLACEHOLDER", "\\ud800")
    body = assert_error(post(client, "/api/v1/products", raw, partner_h, raw=True), 422, field="name")
    assert "代理字符" in body["message"]


def test_nul_in_work_order_title_comment_and_restriction_reason_is_422(client, data, partner_h, staff_h):
    assert_error(
        post(client, "/api/v1/work-orders", {"type": "om_complaint", "title": "a\x00"}, partner_h),
        422,
        field="title",
    )
    url = f"/api/v1/work-orders/{data.work_order.pk}/comments"
    assert_error(post(client, url, {"text": "留言\x00"}, partner_h), 422, field="text")
    url = f"/api/v1/partners/{data.partner.pk}/restrictions"
    body = {"kind": "ban", "reason": "原因\x00", "starts_on": "2026-01-05"}
    assert_error(post(client, url, body, staff_h), 422, field="reason")
    assert not Comment.objects.exists()
    assert Restriction.objects.count() == 1
    assert WorkOrder.objects.count() == 1


def test_the_openapi_document_carries_the_limits(client):
    doc = client.get("/api/v1/openapi.json").json()
    props = doc["components"]["schemas"]["ProductIn"]["properties"]
    assert props["name"]["maxLength"] == 255 and props["name"]["pattern"]
    assert (props["fee_fen"]["minimum"], props["fee_fen"]["maximum"]) == (0, 2**31 - 1)


# --- search and paging ----------------------------------------------------------------------

LIST_ROUTES = [
    "/api/v1/products",
    "/api/v1/partners",
    "/api/v1/partners/restrictions",
    "/api/v1/product-change-requests",
    "/api/v1/partner-change-requests",
    "/api/v1/work-orders",
    "/api/v1/admission/applications",
    "/api/v1/admission/exam/questions",
    "/api/v1/admission/exam/sittings",
    "/api/v1/admission/review/meetings",
    "/api/v1/admission/review/sheets",
    "/api/v1/vac/notifications",
    "/api/v1/vac/crm-batches",
]


@pytest.mark.parametrize("url", ["/api/v1/products", "/api/v1/partners"])
def test_nul_in_the_api_search_is_a_400(client, staff_h, url):
    body = assert_error(client.get(f"{url}?q=%00", headers=staff_h), 400, field="q")
    assert "NUL" in body["message"]


@pytest.mark.parametrize("url", LIST_ROUTES)
def test_offset_beyond_the_bound_is_422_and_the_largest_allowed_is_an_empty_page(client, staff_h, url):
    assert_error(client.get(f"{url}?offset={2**63}", headers=staff_h), 422, field="offset")
    response = client.get(f"{url}?offset={2**31 - 1}&limit=500", headers=staff_h)
    assert response.status_code in (200, 403) and response.status_code != 500
    if response.status_code == 200:
        assert response.json() == []


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("staff", "/partners/"),
        ("staff", "/catalog/products/"),
        ("staff", "/console/audit/"),
        ("staff", "/workorders/"),
        ("staff", "/vac/crm/"),
        ("partner", "/workorders/mine/"),
        ("partner", "/catalog/my/"),
        ("partner", "/vac/portal/notifications/"),
        ("partner", "/vac/portal/subscriptions/"),
    ],
)
def test_nul_in_a_list_page_search_or_filter_matches_nothing(client, data, who, url):
    if who == "staff":
        verify_client(client, data.staff)
    else:
        client.force_login(data.partner_user)
    for query in ("q=%00", "q=a%01b", "state=%00"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200, (url, query)


# --- exports --------------------------------------------------------------------------------


def test_a_control_character_stored_before_the_policy_cannot_break_the_excel_export(client, data):
    WorkOrder.objects.filter(pk=data.work_order.pk).update(title="标题\x01\x0b含控制字符")
    verify_client(client, data.staff)
    for fmt in ("xlsx", "csv"):
        response = client.get(f"/workorders/?tab=all&export={fmt}")
        assert response.status_code == 200
    ws = load_workbook(io.BytesIO(client.get("/workorders/?tab=all&export=xlsx").content)).worksheets[0]
    titles = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "标题含控制字符" in titles


def test_a_control_character_in_a_form_is_refused_next_to_the_field(client, data):
    client.force_login(data.partner_user)
    response = client.post(
        reverse("workorders:new"), {"type": "om_complaint", "title": "标题\x01", "priority": "normal"}
    )
    assert response.status_code == 200
    assert "控制字符 U+0001" in " ".join(response.context["form"].errors["title"])
    assert WorkOrder.objects.count() == 1


# --- imports --------------------------------------------------------------------------------


def _xlsx(rows):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("file.xlsx", out.getvalue())


def test_a_malformed_workbook_in_the_catalogue_import_is_one_400_message(client, data):
    verify_client(client, data.staff)
    broken = SimpleUploadedFile("p.xlsx", b"PK\x03\x04" + b"\x00" * 200)
    response = client.post(reverse("catalog:product_import"), {"file": broken})
    assert response.status_code == 400
    assert "无法读取该文件" in response.content.decode()


def test_an_oversized_import_file_is_refused_before_it_is_parsed(client, data, settings, monkeypatch):
    settings.VASOPS_IMPORT_MAX_BYTES = 1024
    from vasops.core import imports

    monkeypatch.setattr(imports, "_rows", lambda upload: pytest.fail("the file was parsed"))
    verify_client(client, data.staff)
    for url in (reverse("catalog:product_import"), reverse("admission:exam_question_import")):
        response = client.post(url, {"file": SimpleUploadedFile("p.xlsx", b"x" * 2048)})
        assert response.status_code == 400 and "超过导入文件的上限" in response.content.decode()


@pytest.mark.parametrize(
    ("route", "header", "cap"),
    [
        (
            "catalog:product_import",
            [
                "企业代码",
                "业务线代码",
                "产品代码",
                "产品名称",
                "业务接入号",
                "产品类型",
                "资费（元）",
                "计费方式",
                "产品描述",
            ],
            5000,
        ),
        (
            "admission:exam_question_import",
            ["类别", "题型", "题目", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案"],
            2000,
        ),
    ],
)
def test_a_file_over_the_row_limit_is_refused_while_reading(client, data, route, header, cap, monkeypatch):
    from vasops.core import imports

    read = []
    real = imports._rows

    def counting(upload):
        for values in real(upload):
            read.append(1)
            yield values

    monkeypatch.setattr(imports, "_rows", counting)
    rows = [header] + [["x"] * len(header)] * (cap + 500)
    verify_client(client, data.staff)
    response = client.post(reverse(route), {"file": _xlsx(rows)})
    assert response.status_code == 400
    assert f"一次最多导入 {cap} 行" in response.content.decode()
    assert len(read) == cap + 2  # the header, the allowed rows and the one over: no further


def test_many_bad_rows_show_a_capped_list_and_a_full_report(client, data):
    verify_client(client, data.staff)
    rows = [["类别", "题型", "题目", "选项A", "选项B", "答案"]] + [
        ["其他", "单选", "题", "a", "b", "A"]
    ] * 300
    response = client.post(reverse("admission:exam_question_import"), {"file": _xlsx(rows)})
    assert response.status_code == 400
    refused = response.context["refused"]
    assert len(refused.errors) == 300 and len(response.context["row_errors"]) == 100
    assert "另有 200 处错误" in response.content.decode()
    assert len(response.content) < 200_000
    report = client.get(reverse("core:download", args=[refused.report.uuid]))
    ws = load_workbook(io.BytesIO(b"".join(report.streaming_content))).worksheets[0]
    assert ws.max_row == 301
    assert not client.session.keys() - {
        "_auth_user_id",
        "_auth_user_backend",
        "_auth_user_hash",
        "otp_device_id",
    }


# --- pages ----------------------------------------------------------------------------------


def test_console_calendar_of_year_10000_is_a_404(client, data):
    verify_client(client, data.staff)
    assert client.get("/console/calendar/10000/").status_code == 404
    assert client.get("/console/calendar/2027/").status_code == 200


def test_a_whitespace_only_name_is_refused_not_stored_as_empty(client, partner_h):
    assert_error(post(client, "/api/v1/products", {**PRODUCT, "name": " \t "}, partner_h), 422, field="name")
    assert not Product.objects.filter(name="").exists()


# --- one error shape for every kind of error ------------------------------------------------


def test_malformed_json_is_400_in_the_error_shape(client, partner_h):
    body = assert_error(
        post(client, "/api/v1/products", "{not json", partner_h, raw=True), 400, "core.bad_request"
    )
    assert "JSON" in body["message"]


def test_session_write_without_csrf_is_403_in_the_error_shape(data):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(data.partner_user)
    response = csrf_client.post("/api/v1/products", json.dumps(PRODUCT), content_type="application/json")
    assert_error(response, 403, "core.csrf_failed")


def test_unknown_api_route_is_404_in_the_error_shape(client, partner_h):
    body = assert_error(client.get("/api/v1/no-such-thing", headers=partner_h), 404, "core.not_found")
    assert "/api/v1/docs" in body["message"]
    assert_error(client.get("/api/v1/products/-1", headers=partner_h), 404, "core.not_found")


def test_method_not_allowed_is_405_in_the_error_shape_with_allow(client, partner_h):
    response = client.delete("/api/v1/me", headers=partner_h)
    assert_error(response, 405, "core.method_not_allowed")
    assert "GET" in response["Allow"]


def test_throttling_is_429_in_the_error_shape_with_retry_after(client, partner_h, settings):
    settings.VASOPS_API_RATE_PER_MINUTE = 2
    from django.core.cache import cache

    cache.clear()
    statuses = [client.get("/api/v1/me", headers=partner_h).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200]
    response = client.get("/api/v1/me", headers=partner_h)
    assert_error(response, 429, "core.throttled")
    assert int(response["Retry-After"]) >= 1
    cache.clear()


def test_a_server_error_is_500_in_the_error_shape_with_the_request_id_in_the_log(
    client, partner_h, monkeypatch, caplog
):
    from vasops.catalog import queries

    def boom(user):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(queries, "visible_products", boom)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/products", headers={**partner_h, "X-Request-ID": "probe-request-0001"})
    body = assert_error(response, 500, "core.server_error")
    assert body["request_id"] == "probe-request-0001"
    assert "secret detail" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert any("probe-request-0001" in r.getMessage() for r in caplog.records)


def test_every_operation_documents_its_error_statuses_with_the_error_schema(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert "Error" in doc["components"]["schemas"]
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            errors = {s for s in op["responses"] if s.startswith(("4", "5"))}
            assert {"401", "403", "429", "500"} <= errors, (method, path)
            for status in errors:
                ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error"


def test_every_request_body_and_query_text_has_a_length_and_every_integer_bounds(client):
    doc = client.get("/api/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    missing = []

    def check(where, prop):
        for alt in prop.get("anyOf", [prop]):
            if alt.get("type") == "string" and "format" not in alt and "enum" not in alt:
                if "maxLength" not in alt or "pattern" not in alt:
                    missing.append(where)
            if alt.get("type") == "integer" and not {"minimum", "maximum"} <= set(alt):
                missing.append(where)
            if (
                alt.get("type") == "object"
                and "additionalProperties" not in alt
                and "patternProperties" in alt
            ):
                for inner in alt["patternProperties"].values():
                    check(where + "[value]", inner)
            if alt.get("type") == "array":
                check(where + "[]", alt.get("items", {}))

    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            for param in op.get("parameters", []):
                if param["in"] == "query":
                    check(f"{method} {path} ?{param['name']}", param["schema"])
            body = op.get("requestBody", {}).get("content", {})
            for media in body.values():
                ref = media["schema"].get("$ref", "")
                if ref:
                    name = ref.rsplit("/", 1)[-1]
                    for prop_name, prop in schemas[name].get("properties", {}).items():
                        check(f"{name}.{prop_name}", prop)
                else:
                    for prop_name, prop in media["schema"].get("properties", {}).items():
                        check(f"{method} {path} {prop_name}", prop)
    assert missing == []
