"""What a run reads, and the manifest that records it: the month's CDR Parquet files (one per
business day, written by ``vac.export``), the ratio versions, the bad-debt rates and the
adjustments of the month."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext

from vasops.core.errors import DomainError
from vasops.settlement import engine, rules
from vasops.settlement.errors import SettlementError
from vasops.settlement.models import Adjustment, BadDebtRate, RatioVersion, SettlementRun

PART = "part-0.parquet"


def cdr_root() -> Path:
    from vasops.vac import export

    return export.cdr_root()


def day_file(day: dt.date, root: Path | None = None) -> Path:
    return (root or cdr_root()) / f"day={day.isoformat()}" / PART


def parquet_rows(path: Path) -> int | None:
    """The row count of a complete Parquet file (from its footer), or None if it is unreadable
    (missing, truncated, not Parquet)."""
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except Exception:
        return None


def month_files(month: dt.date, root: Path | None = None) -> list[tuple[dt.date, Path, int]]:
    """(day, file, rows) of every day of ``month``; refuses naming every missing or incomplete day.
    The export writes a day in a temporary directory and renames it into place, so a day
    directory with a readable file is complete; an interrupted export leaves no day directory."""
    found = []
    bad = []
    for day in rules.month_days(month):
        path = day_file(day, root)
        rows = parquet_rows(path) if path.exists() else None
        if rows is None:
            bad.append(day)
        else:
            found.append((day, path, rows))
    if bad:
        _refuse_days(
            SettlementError.EXPORT_MISSING,
            gettext(
                "%(month)s 的话单导出不完整，缺少或无法读取以下业务日：%(names)s"
                "。请先导出这些日期（manage.py export_cdrs --day YYYY-MM-DD）再结"
                "算。"
            ),
            month,
            bad,
        )
    misplaced = [d for d, path, _rows in found if not _holds_only(path, d)]
    if misplaced:
        _refuse_days(
            SettlementError.EXPORT_MISPLACED,
            gettext(
                "%(month)s 以下业务日的话单文件含有其他业务日的话单：%(names)s。"
                "每个文件只能含其上海时间业务日的话单；请重新导出这些日期（"
                "manage.py export_cdrs --day YYYY-MM-DD）再结算。"
            ),
            month,
            misplaced,
        )
    return found


def _refuse_days(code: str, message: str, month: dt.date, days: list[dt.date]) -> None:
    """The month's export cannot be settled: ``message`` names the month and the ``days``."""
    raise DomainError(
        code,
        message % {"month": format(month, "%Y-%m"), "names": "、".join(d.isoformat() for d in days)},
        field="month",
        days=[d.isoformat() for d in days],
    )


def _holds_only(path: Path, day: dt.date) -> bool:
    """Does the day file hold CDRs of ``day`` only (from its footer statistics)? The run takes a
    file's business day from the file, not from each row."""
    try:
        found = engine.file_day(path)
    except engine.MixedDaysError:
        return False
    return found is None or found == engine.day_number(day)


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(4 * 1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def published_months() -> set[dt.date]:
    return set(
        SettlementRun.objects.filter(state=SettlementRun.State.PUBLISHED).values_list("month", flat=True)
    )


def ratio_rows(month: dt.date) -> list[engine.RatioRow]:
    """The ratio versions that touch ``month``, in the engine's terms."""
    first, last = rules.month_start(month), rules.month_end(month)
    qs = RatioVersion.objects.filter(valid_from__lte=last).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=first)
    )
    rows = []
    for v in qs.order_by("pk"):
        if v.level == RatioVersion.Level.PRODUCT:
            level = "product"
        elif v.level == RatioVersion.Level.BUSINESS_LINE:
            level = "partner_line" if v.partner_id else "line"
        else:
            level = "contract"
        rows.append(
            engine.RatioRow(
                id=v.pk,
                level=level,
                ratio_bp=v.ratio_bp,
                valid_from=v.valid_from,
                valid_to=v.valid_to,
                partner_id=v.partner_id,
                business_line_id=v.business_line_id,
                product_id=v.product_id,
            )
        )
    return rows


def references(month: dt.date) -> tuple[list[engine.RatioRow], dict[int, int], list[engine.AdjustmentRow]]:
    """The ratio versions, bad-debt rates and adjustments a run of ``month`` reads."""
    month = rules.month_start(month)
    ratios = ratio_rows(month)
    rates = dict(BadDebtRate.objects.filter(month=month).values_list("business_line_id", "rate_bp"))
    adjustments = [
        engine.AdjustmentRow(a.pk, a.partner_id, a.product_id, a.kind, a.amount_fen)
        for a in Adjustment.objects.filter(month=month).order_by("pk")
    ]
    return ratios, rates, adjustments


def reference_manifest(month: dt.date) -> tuple[dict[str, Any], Any]:
    """The manifest's reference part (ratio versions, bad-debt rates, adjustment ids) now, and
    the rows it describes."""
    ratios, rates, adjustments = references(month)
    part = {
        "ratio_versions": [
            {
                "id": r.id,
                "level": r.level,
                "ratio_bp": r.ratio_bp,
                "valid_from": r.valid_from.isoformat(),
                "valid_to": r.valid_to.isoformat() if r.valid_to else None,
            }
            for r in ratios
        ],
        "bad_debt_bp": {str(k): v for k, v in sorted(rates.items())},
        "adjustment_ids": [a.id for a in adjustments],
    }
    return part, (ratios, rates, adjustments)


def collect(
    month: dt.date, *, root: Path | None = None, with_checksums: bool = True
) -> tuple[engine.Inputs, dict[str, Any]]:
    """The run's inputs and their manifest (files with row counts and checksums, ratio versions,
    bad-debt rates, adjustment ids)."""
    from vasops.catalog.models import Product

    month = rules.month_start(month)
    files = month_files(month, root)
    products = list(Product.objects.values_list("pk", "partner_id", "business_line_id"))
    part, (ratios, rates, adjustments) = reference_manifest(month)
    inputs = engine.Inputs(
        month=month,
        files=[p for _d, p, _r in files],
        products=products,
        ratios=ratios,
        bad_debt_bp=rates,
        adjustments=adjustments,
    )
    manifest = {
        "month": month.isoformat(),
        "files": [
            {
                "day": d.isoformat(),
                "path": str(p),
                "rows": rows,
                "bytes": p.stat().st_size,
                "sha256": checksum(p) if with_checksums else "",
            }
            for d, p, rows in files
        ],
        "cdr_rows": sum(r for _d, _p, r in files),
        **part,
    }
    return inputs, manifest
