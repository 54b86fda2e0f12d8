"""What a user was charged and which products they have: read from the VAC (order relations and
CDRs). CDRs live in PostgreSQL until they are exported to day-partitioned Parquet and dropped
after the retention period (vac.export), so a period is read from PostgreSQL for the days it still
holds and from the Parquet export for the days before its oldest row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db.models import Min, Sum

from vasops.catalog.models import Product
from vasops.core import clock
from vasops.vac import export
from vasops.vac.models import Subscription, UsageRecord

RECENT_DAYS = 90


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.SHANGHAI)


def product_ids_of(msisdn: str, *, today: dt.date | None = None) -> list[int]:
    """Products the user has an order relation with (any state) or was charged for in the last
    90 days, most recent first."""
    today = today or clock.today()
    seen: dict[int, None] = {}
    for pid in (
        Subscription.objects.filter(msisdn=msisdn).order_by("-id").values_list("product_id", flat=True)
    ):
        seen.setdefault(pid, None)
    since = _day_start(today - dt.timedelta(days=RECENT_DAYS))
    for pid in (
        UsageRecord.objects.filter(msisdn=msisdn, at__gte=since)
        .order_by("-at")
        .values_list("product_id", flat=True)[:500]
    ):
        seen.setdefault(pid, None)
    return list(seen)


def products_of(msisdn: str) -> list[Product]:
    ids = product_ids_of(msisdn)
    by_id = Product.objects.select_related("partner").in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def _parquet_fen(msisdn: str, product_id: int, start: dt.date, end: dt.date, root: Path) -> int:
    """Charges in the Parquet export for the days [start, end]."""
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    files = [export.day_dir(d, root) / "part-0.parquet" for d in days]
    files = [f for f in files if f.exists()]
    if not files:
        return 0
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    dataset = ds.dataset([str(f) for f in files], format="parquet")
    table = dataset.to_table(
        columns=["fee_fen"], filter=(ds.field("msisdn") == msisdn) & (ds.field("product_id") == product_id)
    )
    total = pc.sum(table.column("fee_fen")).as_py()
    return int(total or 0)


def charged_fen(
    msisdn: str, product_id: int, start: dt.date, end: dt.date, *, root: Path | None = None
) -> int:
    """What ``msisdn`` was charged for ``product_id`` on the Shanghai days [start, end]."""
    oldest = UsageRecord.objects.aggregate(first=Min("at"))["first"]
    pg_from = start
    total = 0
    if oldest is None or clock.local_date(oldest) > start:
        # days before PostgreSQL's oldest row were exported and dropped: read them from Parquet
        parquet_end = end if oldest is None else min(end, clock.local_date(oldest) - dt.timedelta(days=1))
        if parquet_end >= start:
            total += _parquet_fen(msisdn, product_id, start, parquet_end, root or export.cdr_root())
        pg_from = parquet_end + dt.timedelta(days=1)
    if oldest is not None and pg_from <= end:
        total += (
            UsageRecord.objects.filter(
                msisdn=msisdn,
                product_id=product_id,
                at__gte=_day_start(pg_from),
                at__lt=_day_start(end + dt.timedelta(days=1)),
            ).aggregate(total=Sum("fee_fen"))["total"]
            or 0
        )
    return int(total)
