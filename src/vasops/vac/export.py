"""CDR export for settlement: one business day (Asia/Shanghai) of usage records → zstd Parquet,
day-partitioned (``<VASOPS_CDR_DIR>/day=YYYY-MM-DD/part-0.parquet``, Hive style, so DuckDB/Spark
read ``day`` as a column). Repeatable: the day's directory is written in a temporary directory
beside it and swapped in with renames, so a re-run replaces the day (never duplicates rows) and a
reader never sees a half-written file. Rows are streamed from a server-side cursor in batches.

Within the file the monthly-fee CDRs come first and the per-use CDRs after them, never in the same
row group: each row group's statistics of ``kind`` then say which kind it holds, so a reader that
sums one kind (settlement's per-use and monthly totals) skips the other kind's row groups from the
footer instead of testing every row. Readers do not depend on the order: it is a layout for speed.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from vasops.vac.models import UsageRecord
from vasops.vac.rules import SHANGHAI

BATCH_ROWS = 100_000
COLUMNS = ("cdr_id", "msisdn", "product_id", "partner_id", "fee_fen", "kind", "at")
MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class ExportResult:
    day: dt.date
    path: Path
    rows: int
    fee_fen: int


def cdr_root() -> Path:
    return Path(getattr(settings, "VASOPS_CDR_DIR", settings.VAR_DIR / "cdr"))


def day_dir(day: dt.date, root: Path | None = None) -> Path:
    return (root or cdr_root()) / f"day={day.isoformat()}"


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants [start, end) of the Shanghai calendar day ``day``."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


def _schema():  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.schema(
        [
            ("cdr_id", pa.string()),
            ("msisdn", pa.string()),
            ("product_id", pa.int64()),
            ("partner_id", pa.int64()),
            ("fee_fen", pa.int64()),
            ("kind", pa.string()),
            ("at", pa.timestamp("us", tz="UTC")),
        ]
    )


def export_day(day: dt.date, *, root: Path | None = None, batch_rows: int = BATCH_ROWS) -> ExportResult:
    """Write the usage records of ``day`` (Shanghai) to the day's Parquet directory, replacing it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = root or cdr_root()
    root.mkdir(parents=True, exist_ok=True)
    target = day_dir(day, root)
    tmp = root / f".tmp-{target.name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    start, end = day_bounds(day)
    schema = _schema()
    rows = fee = 0
    try:
        day_rows = UsageRecord.objects.filter(at__gte=start, at__lt=end)
        # monthly fees first, then every other kind: one row group never holds both
        runs = (day_rows.filter(kind=MONTHLY), day_rows.exclude(kind=MONTHLY))
        with pq.ParquetWriter(tmp / "part-0.parquet", schema, compression="zstd") as writer:
            buffer: list[tuple[object, ...]] = []

            def flush() -> None:
                columns: list[Any] = list(zip(*buffer, strict=True)) if buffer else [[] for _ in COLUMNS]
                writer.write_table(
                    pa.Table.from_arrays(
                        [pa.array(c, t) for c, t in zip(columns, schema.types, strict=True)], schema=schema
                    )
                )
                buffer.clear()

            for run in runs:
                qs = run.order_by("id").values_list(*COLUMNS).iterator(chunk_size=min(batch_rows, 50_000))
                for row in qs:
                    buffer.append(row)
                    rows += 1
                    fee += row[4]
                    if len(buffer) >= batch_rows:
                        flush()
                if buffer:
                    flush()
            if rows == 0:
                flush()
        old = root / f".old-{target.name}-{uuid.uuid4().hex[:8]}"
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ExportResult(day, target / "part-0.parquet", rows, fee)
