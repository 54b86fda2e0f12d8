"""Bulk Excel import (staff) and the catalogue export: per-row errors with nothing imported, a
good import as drafts or as live products with version 1, the template, the export columns."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from vasops.catalog import actions, importing, rules
from vasops.catalog.models import Product, ProductVersion
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.imports import ImportFileError
from vasops.core.models import AuditEvent

pytestmark = pytest.mark.django_db

HEADER = rules.IMPORT_HEADERS


@pytest.fixture
def coded_a(make_partner):
    return make_partner("导入甲", enterprise_code="44100001", service_access_number="1065518800")


@pytest.fixture
def coded_b(make_partner):
    return make_partner("导入乙", enterprise_code="44100002", service_access_number="1065518801")


def row(**over):
    base = {
        "企业代码": "44100001",
        "业务线代码": "SMS",
        "产品代码": "9044100101",
        "产品名称": "天气早知道",
        "业务接入号": "10655188001",
        "产品类型": "资讯",
        "资费（元）": "5",
        "计费方式": "包月",
        "产品描述": "每日天气",
    }
    base.update(over)
    return [base[h] for h in HEADER]


def xlsx(*rows, header=HEADER) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("products.xlsx", out.getvalue(), content_type=importing.XLSX)


# --- rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fen"), [("5", 500), ("0.01", 1), ("12.5", 1250), ("1,000.00", 100000), ("0", 0)]
)
def test_yuan_with_at_most_two_decimals_becomes_fen(text, fen):
    assert rules.yuan_to_fen(text) == fen


@pytest.mark.parametrize("text", ["0.001", "-1", "abc", "5元", "nan", "inf"])
def test_bad_yuan_is_refused(text):
    with pytest.raises(ValueError):
        rules.yuan_to_fen(text)


@pytest.mark.parametrize(
    ("value", "text"), [(9044100101, "9044100101"), (5.0, "5"), (5.5, "5.5"), (None, "")]
)
def test_cells_typed_as_numbers_keep_their_digits(value, text):
    assert rules.cell_text(value) == text


# --- import -----------------------------------------------------------------------------------


def test_good_import_creates_drafts_with_one_audit_row_each(coded_a, coded_b, staff):
    products = actions.import_products(
        actor=staff,
        upload=xlsx(
            row(),
            row(
                **{
                    "企业代码": "44100002",
                    "产品代码": "9044100201",
                    "业务接入号": "1065518801",
                    "资费（元）": "0.5",
                    "计费方式": "按次",
                }
            ),
        ),
    )
    assert [p.state for p in products] == ["draft", "draft"]
    first, second = products
    assert (first.partner, first.product_code, first.fee_fen, first.billing_mode) == (
        coded_a,
        "9044100101",
        500,
        "monthly",
    )
    assert (second.partner, second.fee_fen, second.billing_mode, second.product_type) == (
        coded_b,
        50,
        "per_use",
        "information",
    )
    assert not ProductVersion.objects.exists()
    assert AuditEvent.objects.filter(action="catalog.product_imported").count() == 2


def test_import_marked_already_live_makes_active_products_with_version_1(coded_a, staff):
    (product,) = actions.import_products(actor=staff, upload=xlsx(row()), already_live=True)
    assert product.state == "active" and product.unicom_status == "4"
    version = product.versions.get()
    assert (version.number, version.fee_fen, version.valid_to) == (1, 500, None)
    entry = AuditEvent.objects.get(action="catalog.product_imported")
    assert entry.after["already_live"] is True and entry.after["version"] == 1


@pytest.mark.parametrize("billing", ["包月", "Monthly", "monthly"])
def test_an_import_from_an_english_page_reads_the_chinese_names_of_the_template(coded_a, staff, billing):
    """The template's instructions name the billing modes and product types in Chinese; a user
    who switched to English uploads the same file (or types the English name, or the code)."""
    from django.utils import translation

    with translation.override("en"):
        (product,) = actions.import_products(actor=staff, upload=xlsx(row(计费方式=billing)))
    assert (product.billing_mode, product.product_type) == ("monthly", "information")


def test_one_bad_row_imports_nothing_and_reports_every_problem(coded_a, make_partner, staff, live_product):
    live_product(code="9044000101")  # a taken code
    make_partner("未开通", state="registered", enterprise_code="44100009", service_access_number="1065599")
    upload = xlsx(
        row(),  # good
        row(**{"产品代码": "9044000101"}),  # 3: taken
        row(**{"企业代码": "44199999", "产品代码": "9044100102"}),  # 4: unknown partner
        row(**{"业务线代码": "XX", "产品代码": "9044100103"}),  # 5: unknown line
        row(**{"产品代码": "8044100104"}),  # 6: wrong service type prefix
        row(**{"产品代码": "904410010"}),  # 7: 9 digits
        row(**{"资费（元）": "5.123", "产品代码": "9044100105"}),  # 8: 3 decimals
        row(**{"计费方式": "包年", "产品代码": "9044100106"}),  # 9: unknown billing label
        row(**{"产品代码": "9044100101"}),  # 10: duplicate of row 2 within the file
        row(**{"业务接入号": "1065000", "产品代码": "9044100107"}),  # 11: not the partner's number
        row(**{"产品名称": "", "产品代码": "9044100108"}),  # 12: missing name
        row(
            **{"企业代码": "44100009", "产品代码": "9044100109", "业务接入号": "1065599"}
        ),  # 13: not eligible
        row(**{"计费方式": "免费", "产品代码": "9044100110"}),  # 14: free with a fee
    )
    before = Product.objects.count()
    with pytest.raises(actions.ImportRefused) as exc:
        actions.import_products(actor=staff, upload=upload)
    assert Product.objects.count() == before
    assert not AuditEvent.objects.filter(action="catalog.product_imported").exists()
    found = {(e.row, e.column) for e in exc.value.errors}
    assert found == {
        (3, "产品代码"),
        (4, "企业代码"),
        (5, "业务线代码"),
        (6, "产品代码"),
        (7, "产品代码"),
        (8, "资费（元）"),
        (9, "计费方式"),
        (10, "产品代码"),
        (11, "业务接入号"),
        (12, "产品名称"),
        (13, "企业代码"),
        (14, "资费（元）"),
    }
    by_row = {e.row: e.message for e in exc.value.errors}
    assert "已被使用" in by_row[3] and "第 2 行重复" in by_row[10] and "两位小数" in by_row[8]
    assert exc.value.code == "catalog.import_invalid"


def test_wrong_header_is_refused_naming_the_missing_column(coded_a, staff):
    with pytest.raises(ImportFileError) as exc:
        actions.import_products(actor=staff, upload=xlsx(row(), header=["产品名称", *HEADER[1:]]))
    assert "表头缺少：企业代码" in exc.value.message


def test_a_file_that_is_not_a_workbook_is_refused(staff):
    with pytest.raises(DomainError) as exc:
        actions.import_products(actor=staff, upload=SimpleUploadedFile("x.xlsx", b"not a workbook"))
    assert exc.value.code == "core.import_file_invalid"
    assert exc.value.status == 400


@pytest.mark.parametrize("who", ["user_a", "auditor"])
def test_import_needs_product_staff(request, coded_a, who):
    with pytest.raises(PermissionDenied):
        actions.import_products(actor=request.getfixturevalue(who), upload=xlsx(row()))
    assert not Product.objects.exists()


# --- pages ------------------------------------------------------------------------------------


def test_template_has_the_chinese_headers(client, no_2fa, staff):
    client.force_login(staff)
    response = client.get(reverse("catalog:product_import_template"))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in ws[1]] == HEADER


def test_import_page_shows_the_errors_and_offers_them_as_xlsx(client, no_2fa, coded_a, staff):
    client.force_login(staff)
    upload = xlsx(row(), row(**{"计费方式": "包年", "产品代码": "9044100102"}))
    response = client.post(reverse("catalog:product_import"), {"file": upload})
    body = response.content.decode()
    assert response.status_code == 400 and "整批未导入" in body and "包年" in body
    assert not Product.objects.exists()
    report = client.get(reverse("core:download", args=[response.context["refused"].report.uuid]))
    ws = load_workbook(io.BytesIO(b"".join(report.streaming_content))).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("行号", "列", "原因") and rows[1][:2] == (3, "计费方式")


def test_import_page_imports_a_good_file(client, no_2fa, coded_a, staff):
    client.force_login(staff)
    response = client.post(reverse("catalog:product_import"), {"file": xlsx(row()), "already_live": "on"})
    assert response.status_code == 302
    assert Product.objects.get().state == "active"


@pytest.mark.parametrize("route", ["catalog:product_import", "catalog:product_import_template"])
def test_partner_users_cannot_reach_import_pages(client, coded_a, user_a, route):
    client.force_login(user_a)
    assert client.get(reverse(route)).status_code in (403, 404)
    assert client.post(reverse("catalog:product_import"), {"file": xlsx(row())}).status_code == 403
    assert not Product.objects.exists()


# --- export -----------------------------------------------------------------------------------

EXPORT_COLUMNS = ["合作伙伴", "产品名称", "产品代码", "业务线", "资费（元）", "计费方式", "状态", "生效状态"]


def test_catalogue_export_has_code_partner_line_fee_billing_state_and_effective_status(
    client, no_2fa, staff, live_product
):
    product = live_product(billing_mode="per_use", fee_fen=250)
    client.force_login(staff)
    response = client.get(reverse("catalog:products") + "?export=csv")
    reader = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, line = reader[0], reader[1]
    assert set(EXPORT_COLUMNS) <= set(header)
    cell = dict(zip(header, line, strict=True))
    assert cell["产品代码"] == product.product_code
    assert cell["合作伙伴"] == product.partner.name
    assert cell["业务线"] == "短信"
    assert cell["资费（元）"] == "2.50"
    assert cell["计费方式"] == "按次"
    assert cell["状态"] == "已上线"
    assert cell["生效状态"] == "正常"
    xlsx_response = client.get(reverse("catalog:products") + "?export=xlsx")
    ws = load_workbook(io.BytesIO(xlsx_response.content)).worksheets[0]
    assert set(EXPORT_COLUMNS) <= {c.value for c in ws[1]}


def test_partner_export_of_my_products_holds_only_their_own(
    client, make_product, partner_a, partner_b, user_a, user_b
):
    make_product(partner_a, user_a, name="甲产品")
    make_product(partner_b, user_b, name="乙产品")
    client.force_login(user_a)
    body = client.get(reverse("catalog:my_products") + "?export=csv").content.decode("utf-8-sig")
    assert "甲产品" in body and "乙产品" not in body
