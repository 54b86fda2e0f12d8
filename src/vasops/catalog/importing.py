"""Bulk Excel import of products (staff): the template, reading and validating an uploaded
sheet row by row, and the error report. Read-only: :func:`actions.import_products` writes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, Any

from django.utils import translation
from django.utils.translation import gettext

from vasops.catalog import queries, rules
from vasops.catalog.models import BillingMode, BusinessLine, ProductType
from vasops.catalog.rules import RowError
from vasops.core import imports, inputs
from vasops.partners.models import Partner

XLSX = imports.XLSX


@dataclass
class ImportRow:
    row: int
    partner: Partner
    business_line: BusinessLine
    product_code: str
    name: str
    access_number: str
    product_type: str
    fee_fen: int
    billing_mode: str
    description: str


def template_bytes() -> bytes:
    """The import template: the header row on sheet 1, the rules and allowed values on sheet 2."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "产品"
    ws.append(rules.IMPORT_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.number_format = "@"
    for col in "ABCE":  # codes and numbers typed as text keep leading zeros
        for r in range(2, 502):
            ws[f"{col}{r}"].number_format = "@"
    for i, width in enumerate([12, 12, 14, 24, 16, 12, 12, 10, 40], start=1):
        ws.column_dimensions[chr(64 + i)].width = width
    help_ws = wb.create_sheet("填写说明")
    lines = BusinessLine.objects.filter(is_active=True)
    help_ws.append(["列", "填写要求"])
    help_ws.append(["企业代码", "合作伙伴的 8 位企业代码（旧 5 位代码亦可）"])
    help_ws.append(
        ["业务线代码", "、".join(f"{b.code}（{b.name}，业务类型 {b.service_type}）" for b in lines)]
    )
    help_ws.append(
        ["产品代码", "10 位数字：以业务线的 2 位业务类型代码开头的 8 位业务代码 + 2 位序号；不得重复"]
    )
    help_ws.append(["产品名称", "必填"])
    help_ws.append(["业务接入号", "该合作伙伴的业务接入号或以其开头的子号码"])
    help_ws.append(["产品类型", "、".join(str(label) for _, label in ProductType.choices)])
    help_ws.append(["资费（元）", "以元为单位，最多两位小数；免费产品填 0"])
    help_ws.append(["计费方式", "、".join(str(label) for _, label in BillingMode.choices)])
    help_ws.append(["产品描述", "必填"])
    help_ws.append(["", "任一行有误则整批不导入；请按错误报告修改后重新上传。"])
    help_ws.column_dimensions["A"].width = 14
    help_ws.column_dimensions["B"].width = 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# The template's columns for the one import helper (core.imports): every column required in the
# header, each cell no longer than the model field it fills.
COLUMNS = [
    imports.Column(
        key,
        header,
        required=True,
        multiline=key == "description",
        max_length=inputs.TEXT_MAX_LENGTH if key == "description" else 255,
    )
    for key, header in rules.IMPORT_COLUMNS
]


def read_sheet(fh: IO[bytes]) -> imports.Sheet:
    """The first sheet through ``core.imports.read_xlsx``: size checked before parsing, at most
    ``rules.IMPORT_MAX_ROWS`` rows read; a file-level problem is ``imports.ImportFileError``."""
    return imports.read_xlsx(fh, COLUMNS, max_rows=rules.IMPORT_MAX_ROWS)


def validate(sheet: imports.Sheet) -> tuple[list[ImportRow], list[RowError]]:
    """Every row checked; every problem reported (row number, column header, why). A row whose
    cells broke the input policy (``sheet.errors``) is reported for that and not checked further."""
    keys = [k for k, _ in rules.IMPORT_COLUMNS]
    label = dict(rules.IMPORT_COLUMNS)
    refused_rows = {e.row for e in sheet.errors}
    records = [(r.number, r.cells) for r in sheet.rows if r.number not in refused_rows]

    enterprise_codes = {r["enterprise_code"] for _, r in records}
    partners = {p.enterprise_code: p for p in Partner.objects.filter(enterprise_code__in=enterprise_codes)}
    lines = {b.code: b for b in BusinessLine.objects.all()}
    taken = queries.products_by_code([r["product_code"] for _, r in records if r["product_code"]])
    first_row_of_code: dict[str, int] = {}

    good: list[ImportRow] = []
    errors: list[RowError] = list(sheet.errors)
    for number, r in records:
        row_errors: list[RowError] = []

        def bad(key: str, why: str, number: int = number, row_errors: list[RowError] = row_errors) -> None:
            row_errors.append(RowError(number, label[key], why))

        for key in keys:
            if not r[key]:
                bad(key, gettext("必填，不能为空。"))
        partner = partners.get(r["enterprise_code"])
        if r["enterprise_code"]:
            if not rules.ENTERPRISE_CODE_RE.match(r["enterprise_code"]):
                bad(
                    "enterprise_code",
                    gettext("企业代码“%(enterprise_code)s”应为 8 位数字（旧代码 5 位）。")
                    % {"enterprise_code": r["enterprise_code"]},
                )
            elif partner is None:
                bad(
                    "enterprise_code",
                    gettext("没有企业代码为 %(enterprise_code)s 的合作伙伴。")
                    % {"enterprise_code": r["enterprise_code"]},
                )
            elif partner.state not in rules.SUBMITTING_PARTNER_STATES:
                bad(
                    "enterprise_code",
                    gettext("合作伙伴“%(partner_name)s”当前状态为“%(state)s”，不能导入产品。")
                    % {"partner_name": partner.name, "state": partner.get_state_display()},
                )
                partner = None
        line = lines.get(r["business_line"].upper()) if r["business_line"] else None
        if r["business_line"]:
            if line is None:
                bad(
                    "business_line",
                    gettext("未知的业务线代码“%(business_line)s”。") % {"business_line": r["business_line"]},
                )
            elif not line.is_active:
                bad("business_line", gettext("业务线“%(line_name)s”已停用。") % {"line_name": line.label})
                line = None
        code = r["product_code"]
        if code and line is not None:
            problem = rules.product_code_problem(code, line.service_type)
            if problem:
                bad("product_code", problem)
        elif code and not rules.PRODUCT_CODE_RE.match(code):
            bad("product_code", gettext("产品代码“%(code)s”无效：应为 10 位数字。") % {"code": code})
        if code in taken:
            bad("product_code", gettext("产品代码 %(code)s 已被使用。") % {"code": code})
        elif code and code in first_row_of_code:
            bad(
                "product_code",
                gettext("产品代码 %(code)s 与第 %(first_row_of_code)s 行重复。")
                % {"code": code, "first_row_of_code": first_row_of_code[code]},
            )
        if code:
            first_row_of_code.setdefault(code, number)
        if r["access_number"] and partner is not None:
            problem = rules.access_number_problem(r["access_number"], partner.service_access_number)
            if problem:
                bad("access_number", problem.replace("贵公司", f"“{partner.name}”"))
        product_type = rules.choice_by_label(r["product_type"], _choices(ProductType.choices))
        if r["product_type"] and product_type is None:
            bad(
                "product_type",
                gettext("未知的产品类型“%(product_type)s”。") % {"product_type": r["product_type"]},
            )
        billing_mode = rules.choice_by_label(r["billing_mode"], _choices(BillingMode.choices))
        if r["billing_mode"] and billing_mode is None:
            allowed = "、".join(str(lb) for _, lb in BillingMode.choices)
            bad(
                "billing_mode",
                gettext("未知的计费方式“%(billing_mode)s”，应为：%(allowed)s。")
                % {"billing_mode": r["billing_mode"], "allowed": allowed},
            )
        fee_fen: int | None = None
        if r["fee"]:
            try:
                fee_fen = rules.yuan_to_fen(r["fee"])
            except ValueError as exc:
                bad("fee", f"{exc}。")
        if fee_fen is not None and billing_mode is not None:
            problem = rules.fee_problem(billing_mode, fee_fen)
            if problem:
                bad("fee", problem)
        if len(r["name"]) > 255:
            bad("name", gettext("产品名称最长 255 个字。"))
        if row_errors:
            errors.extend(row_errors)
            continue
        assert partner is not None and line is not None and product_type and billing_mode
        assert fee_fen is not None
        good.append(
            ImportRow(
                row=number,
                partner=partner,
                business_line=line,
                product_code=code,
                name=r["name"],
                access_number=r["access_number"],
                product_type=product_type,
                fee_fen=fee_fen,
                billing_mode=billing_mode,
                description=r["description"],
            )
        )
    return good, errors


def _choices(choices: Any) -> list[tuple[str, str]]:
    """(value, label) with the Chinese label the template's instructions name — whatever the
    language of the page the file is uploaded from — and then the label of that language."""
    with translation.override("zh-hans"):
        chinese = [(str(v), str(lb)) for v, lb in choices]
    return chinese + [(str(v), str(lb)) for v, lb in choices]
