"""KPI results from a CSV or Excel file (staff): the template, reading through core.imports and
validating row by row. Read-only: :func:`actions.import_kpi_records` writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext

from vasops.compliance.kpi import rules
from vasops.compliance.kpi.models import KpiDefinition
from vasops.core import imports
from vasops.core.rules import RowError
from vasops.partners.models import Partner

MAX_ROWS = 5000
HEADERS = [
    ("enterprise_code", "企业代码"),
    ("kpi", "指标"),
    ("period", "周期"),
    ("value", "结果值"),
    ("note", "备注"),
]
COLUMNS = [imports.Column(key, header, required=key != "note") for key, header in HEADERS]
LABEL = dict(HEADERS)


@dataclass
class KpiRow:
    row: int
    partner: Partner
    definition: KpiDefinition
    period: str
    value: int
    note: str


def template_csv() -> bytes:
    """A UTF-8 (with BOM, so Excel opens it in Chinese) CSV with the header and two examples."""
    lines = [
        ",".join(h for _, h in HEADERS),
        "44000001,wap_response_time,2026-11,2800,",
        "44000001,WAP 业务页面访问成功率,2026-11,96.5%,按月统计",
    ]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def read(fh: IO[bytes]) -> imports.Sheet:
    return imports.read_table(fh, COLUMNS, max_rows=MAX_ROWS)


def validate(sheet: imports.Sheet) -> tuple[list[KpiRow], list[RowError]]:
    """Every row checked; every problem reported with its line number, column and why."""
    refused = {e.row for e in sheet.errors}
    rows = [r for r in sheet.rows if r.number not in refused]
    codes = {r["enterprise_code"] for r in rows}
    partners = {p.enterprise_code: p for p in Partner.objects.filter(enterprise_code__in=codes)}
    by_key: dict[str, KpiDefinition] = {}
    for d in KpiDefinition.objects.filter(is_active=True):
        by_key[d.code.lower()] = d
        by_key[d.name.replace(" ", "").lower()] = d
    first_row: dict[tuple[int, int, str], int] = {}
    good: list[KpiRow] = []
    errors: list[RowError] = list(sheet.errors)
    for r in rows:
        row_errors: list[RowError] = []

        def bad(key: str, why: str, number: int = r.number, row_errors: list[RowError] = row_errors) -> None:
            row_errors.append(RowError(number, LABEL[key], why))

        for key, _label in HEADERS:
            if key != "note" and not r[key]:
                bad(key, gettext("必填，不能为空。"))
        partner = partners.get(r["enterprise_code"]) if r["enterprise_code"] else None
        if r["enterprise_code"] and partner is None:
            bad(
                "enterprise_code",
                gettext("没有企业代码为 %(enterprise_code)s 的合作伙伴。")
                % {"enterprise_code": r["enterprise_code"]},
            )
        definition = by_key.get(r["kpi"].replace(" ", "").lower()) if r["kpi"] else None
        if r["kpi"] and definition is None:
            bad("kpi", gettext("未知或已停用的指标“%(kpi)s”：请填指标代码或指标名称。") % {"kpi": r["kpi"]})
        period = ""
        if r["period"] and definition is not None:
            try:
                period = rules.normalise_period(definition.period, r["period"])
            except ValueError as exc:
                bad("period", f"{exc}。")
        value: int | None = None
        if r["value"] and definition is not None:
            try:
                value = rules.parse_value(definition.unit, r["value"])
            except ValueError as exc:
                bad("value", gettext("结果值%(exc)s。") % {"exc": exc})
        if partner is not None and definition is not None and period:
            key3 = (partner.pk, definition.pk, period)
            if key3 in first_row:
                bad(
                    "period",
                    gettext("与第 %(first_row)s 行重复（同一合作伙伴、指标和周期）。")
                    % {"first_row": first_row[key3]},
                )
            else:
                first_row[key3] = r.number
        if row_errors:
            errors.extend(row_errors)
            continue
        assert partner is not None and definition is not None and value is not None
        good.append(KpiRow(r.number, partner, definition, period, value, r["note"][:255]))
    return good, errors
