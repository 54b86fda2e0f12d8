"""Test helpers: write CDR Parquet files in the export's layout, and generate a random month."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from pathlib import Path

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def schema():  # type: ignore[no-untyped-def]
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


def shanghai(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI).astimezone(dt.UTC)


def write_month(
    root: Path,
    month: dt.date,
    cdrs: list[tuple[int, int, int, str, dt.datetime]],
    *,
    skip: tuple[dt.date, ...] = (),
    by_kind: bool = False,
) -> list[Path]:
    """One file per Shanghai business day of ``month`` (empty days too): cdrs are (product,
    partner, fee, kind, at UTC). A CDR belongs to the day of its Shanghai date, as the export.
    ``by_kind``: laid out as the export writes a day (monthly CDRs first, each kind in row groups
    of its own); otherwise the kinds are mixed in one row group, in the given order."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    by_day: dict[dt.date, list[tuple[int, int, int, str, dt.datetime]]] = defaultdict(list)
    for row in cdrs:
        by_day[row[4].astimezone(SHANGHAI).date()].append(row)
    first = month.replace(day=1)
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    files = []
    day = first
    n = 0
    while day < nxt:
        if day not in skip:
            rows = by_day.get(day, [])
            table = pa.table(
                {
                    "cdr_id": [f"T{day:%Y%m%d}-{(n := n + 1)}" for _ in rows],
                    "msisdn": ["13900000000"] * len(rows),
                    "product_id": [r[0] for r in rows],
                    "partner_id": [r[1] for r in rows],
                    "fee_fen": [r[2] for r in rows],
                    "kind": [r[3] for r in rows],
                    "at": [r[4] for r in rows],
                },
                schema=schema(),
            )
            target = root / f"day={day.isoformat()}"
            target.mkdir(parents=True, exist_ok=True)
            with pq.ParquetWriter(target / "part-0.parquet", schema(), compression="zstd") as writer:
                if by_kind:
                    for kind in ("monthly", "per_use"):
                        part = table.filter(pc.equal(table["kind"], kind))
                        if part.num_rows:
                            writer.write_table(part)
                else:
                    writer.write_table(table)
            files.append(target / "part-0.parquet")
        day += dt.timedelta(days=1)
    return files


def random_month(
    root: Path,
    month: dt.date,
    *,
    products: list[tuple[int, int]],
    per_day: int = 200,
    seed: int = 7,
    by_kind: bool = False,
) -> list[Path]:
    """A generated month: ``products`` are (product_id, partner_id)."""
    rnd = random.Random(seed)
    first = month.replace(day=1)
    cdrs = []
    for d in range(31):
        day = first + dt.timedelta(days=d)
        if day.month != first.month:
            break
        for _ in range(per_day):
            product, partner = rnd.choice(products)
            at = shanghai(day, 0) + dt.timedelta(seconds=rnd.randint(0, 86399))
            cdrs.append(
                (
                    product,
                    partner,
                    rnd.choice([1, 3, 5, 99, 200, 1000]),
                    rnd.choice(["per_use", "monthly"]),
                    at,
                )
            )
    return write_month(root, month, cdrs, by_kind=by_kind)
