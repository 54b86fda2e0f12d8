"""Test data of reconciliation: a partner with coded products, its users, finance, and a month
of CDRs written as the export writes them (day-partitioned Parquet)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from vasops.catalog.tests.factories import ProductFactory
from vasops.core import clock, roles
from vasops.core.testing import make_user
from vasops.partners.tests.factories import PartnerFactory, partner_user
from vasops.settlement.reconciliation import rules

MONTH = dt.date(2026, 12, 1)


def coded_product(partner: Any, code: str, **kwargs: Any) -> Any:
    return ProductFactory(partner=partner, product_code=code, **kwargs)


def partner_with_products(name: str, codes: Iterable[str]) -> tuple[Any, list[Any]]:
    partner = PartnerFactory(name=name, state="active", qualified=True)
    return partner, [coded_product(partner, code) for code in codes]


def finance_user(username: str = "fin") -> Any:
    return make_user(username, roles=[roles.FINANCE], staff=True)


def member(partner: Any, username: str) -> Any:
    return partner_user(partner, username=username)


def cdr(
    cdr_id: str, product: Any, day: dt.date, fee: int, *, hour: int = 10, msisdn: str = "18602710001"
) -> tuple:
    at = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=clock.SHANGHAI).astimezone(dt.UTC)
    return (cdr_id, msisdn, product.pk, product.partner_id, fee, "per_use", at)


def write_month(
    root: Path, rows: list[tuple], month: dt.date = MONTH, *, skip: Iterable[dt.date] = ()
) -> None:
    """Every day of ``month`` as ``day=YYYY-MM-DD/part-0.parquet`` (empty days too), like
    ``vac.export.export_day``; ``skip`` leaves days out (a missing export)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vasops.vac.export import COLUMNS, _schema

    schema = _schema()
    skipped = set(skip)
    for day in rules.month_days(month):
        if day in skipped:
            continue
        start = dt.datetime.combine(day, dt.time(), tzinfo=clock.SHANGHAI)
        end = start + dt.timedelta(days=1)
        todays = [r for r in rows if start <= r[6] < end]
        target = root / f"day={day.isoformat()}"
        target.mkdir(parents=True, exist_ok=True)
        columns = list(zip(*todays, strict=True)) if todays else [[] for _ in COLUMNS]
        table = pa.Table.from_arrays(
            [pa.array(c, t) for c, t in zip(columns, schema.types, strict=True)], schema=schema
        )
        pq.write_table(table, target / "part-0.parquet")


def csv_file(text: str, *, name: str = "summary.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def summary_csv(rows: list[tuple[str, str, int, int]], **kwargs: Any) -> SimpleUploadedFile:
    body = "日期,产品代码,条数,金额（分）\n" + "".join(f"{d},{c},{n},{f}\n" for d, c, n, f in rows)
    return csv_file(body, **kwargs)


def detail_csv(rows: list[tuple[str, str, str, int, str]], **kwargs: Any) -> SimpleUploadedFile:
    body = "话单编号,手机号码,产品代码,金额（分）,时间\n" + "".join(
        f"{a},{b},{c},{d},{e}\n" for a, b, c, d, e in rows
    )
    return csv_file(body, name=kwargs.pop("name", "detail.csv"), **kwargs)


def xlsx_file(header: list[str], rows: list[list[Any]], name: str = "summary.xlsx") -> SimpleUploadedFile:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def pdf(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")
