"""The figures of one day, per product (read-only). Subscriptions and their history come from
PostgreSQL; charges and uses from the CDR Parquet export (``<VASOPS_CDR_DIR>/day=YYYY-MM-DD/
part-0.parquet``), read by DuckDB together with the relations it is given as Arrow tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.models import Count, F, Q

from vasops.compliance.detection import providers
from vasops.compliance.detection import rules as R
from vasops.vac import export
from vasops.vac.models import SmsMessage, Subscription
from vasops.vac.rules import CHARGEABLE_MODES, TRUSTED_CHANNELS

PER_USE_MODES = ("per_use", "per_item")


@dataclass
class Finding:
    metric: str
    day: dt.date  # the data day (for the unsubscribe ratios: the day the users ordered)
    product_id: int
    partner_id: int
    value: int
    sample: int
    figures: dict[str, Any] = field(default_factory=dict)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def parquet_files(first: dt.date, last: dt.date, root: Path | None = None) -> list[str]:
    files = [export.day_dir(d, root) / "part-0.parquet" for d in _days(first, last)]
    return [str(f) for f in files if f.exists()]


def _duck() -> Any:
    import duckdb

    return duckdb.connect(database=":memory:")


def _cdrs(con: Any, files: list[str]) -> str:
    """A relation name over the CDR files (an empty one when there are none)."""
    if files:
        # a view takes no parameters: the paths (ours, from day_dir) as a quoted list literal.
        # Shanghai is UTC+8 all year (no daylight saving since 1991): the day without ICU.
        paths = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        select = (
            "SELECT cdr_id, msisdn, product_id, partner_id, fee_fen, kind, "
            'CAST(CAST("at" AS TIMESTAMP) + INTERVAL 8 HOUR AS DATE) AS day FROM read_parquet'
        )
        con.execute(f"CREATE TEMP VIEW cdr AS {select}([{paths}])")
    else:
        con.execute(
            "CREATE TEMP TABLE cdr (cdr_id VARCHAR, msisdn VARCHAR, product_id BIGINT, partner_id BIGINT, "
            "fee_fen BIGINT, kind VARCHAR, day DATE)"
        )
    return "cdr"


def _arrow(columns: dict[str, list[Any]], types: dict[str, Any]) -> Any:
    import pyarrow as pa

    return pa.table({k: pa.array(v, types[k]) for k, v in columns.items()})


# --- from PostgreSQL ------------------------------------------------------------------------


def unconfirmed_orders(day: dt.date) -> list[Finding]:
    """Chargeable relations that took effect on ``day`` from an untrusted channel (SMS, WAP, IVR,
    web) without the 二次确认 message ever being asked (VAC 业务规范 4.1.1.5)."""
    start, end = export.day_bounds(day)
    new = Subscription.objects.filter(effective_at__gte=start, effective_at__lt=end).exclude(
        channel__in=TRUSTED_CHANNELS
    )
    asked = SmsMessage.objects.filter(kind=SmsMessage.Kind.CONFIRM, subscription_id__in=new.values("id"))
    chargeable = Q(product__billing_mode__in=CHARGEABLE_MODES, product__fee_fen__gt=0)
    rows = (
        new.values("product_id", "partner_id")
        .annotate(
            total=Count("id"),
            unconfirmed=Count("id", filter=chargeable & ~Q(id__in=asked.values("subscription_id"))),
        )
        .order_by("product_id")
    )
    by_channel: dict[int, dict[str, int]] = {}
    for r in (
        new.filter(chargeable)
        .exclude(id__in=asked.values("subscription_id"))
        .values("product_id", "channel")
        .annotate(n=Count("id"))
    ):
        by_channel.setdefault(r["product_id"], {})[r["channel"]] = r["n"]
    return [
        Finding(
            R.UNCONFIRMED,
            day,
            r["product_id"],
            r["partner_id"],
            r["unconfirmed"],
            r["total"],
            {
                "new_untrusted": r["total"],
                "unconfirmed": r["unconfirmed"],
                "channels": by_channel.get(r["product_id"], {}),
            },
        )
        for r in rows
        if r["unconfirmed"]
    ]


def unsubscribe_ratio(cohort: dt.date, hours: int, metric: str) -> list[Finding]:
    """Of the users whose relation took effect on ``cohort``, the share who unsubscribed within
    ``hours`` of it."""
    start, end = export.day_bounds(cohort)
    within = dt.timedelta(hours=hours)
    rows = (
        Subscription.objects.filter(effective_at__gte=start, effective_at__lt=end)
        .values("product_id", "partner_id")
        .annotate(
            total=Count("id"),
            quit=Count(
                "id",
                filter=Q(state=Subscription.State.UNSUBSCRIBED, expiry_at__lte=F("effective_at") + within),
            ),
        )
        .order_by("product_id")
    )
    return [
        Finding(
            metric,
            cohort,
            r["product_id"],
            r["partner_id"],
            R.ratio_bp(r["quit"], r["total"]),
            r["total"],
            {"new_subscribers": r["total"], "unsubscribed_within": r["quit"], "hours": hours},
        )
        for r in rows
    ]


def live_subscribers(day: dt.date, product_ids: Iterable[int] | None = None) -> dict[int, tuple[int, int]]:
    """{product id: (partner id, relations in effect at the end of ``day``)}."""
    _start, end = export.day_bounds(day)
    qs = Subscription.objects.filter(effective_at__lt=end).filter(
        Q(expiry_at__isnull=True) | Q(expiry_at__gte=end)
    )
    if product_ids is not None:
        qs = qs.filter(product_id__in=list(product_ids))
    return {
        r["product_id"]: (r["partner_id"], r["n"])
        for r in qs.values("product_id", "partner_id").annotate(n=Count("id")).order_by()
    }


def complaints(day: dt.date) -> list[Finding]:
    counts = providers.complaints_by_product(day, day)
    if not counts:
        return []
    live = live_subscribers(day, counts.keys())
    out = []
    for product_id, n in sorted(counts.items()):
        partner_id, subscribers = live.get(product_id, (None, 0))
        if partner_id is None or not n:
            continue
        out.append(
            Finding(
                R.COMPLAINTS,
                day,
                product_id,
                partner_id,
                R.per_10k(n, subscribers),
                subscribers,
                {"complaints": n, "subscribers": subscribers},
            )
        )
    return out


# --- DuckDB over the CDR Parquet export -------------------------------------------------------


def month_end_charges(day: dt.date, root: Path | None = None) -> list[Finding]:
    """On the last day of a month: of the month's monthly charges on relations created that
    month, the share on relations created on its last day (ordered, charged a full month, gone)."""
    if not R.is_last_day_of_month(day):
        return []
    first = day.replace(day=1)
    files = parquet_files(first, day, root)
    if not files:
        return []
    start, _ = export.day_bounds(first)
    _, end = export.day_bounds(day)
    last_start, _ = export.day_bounds(day)
    subs = list(
        Subscription.objects.filter(requested_at__gte=start, requested_at__lt=end).values_list(
            "id", "product_id", "requested_at"
        )
    )
    if not subs:
        return []
    import pyarrow as pa

    table = _arrow(
        {
            "sub_id": [s[0] for s in subs],
            "product_id": [s[1] for s in subs],
            "last_day": [s[2] >= last_start for s in subs],
        },
        {"sub_id": pa.int64(), "product_id": pa.int64(), "last_day": pa.bool_()},
    )
    con = _duck()
    try:
        _cdrs(con, files)
        con.register("subs", table)
        rows = con.execute(
            """
            SELECT c.product_id, any_value(c.partner_id) AS partner_id,
                   count(*) AS charges,
                   count(*) FILTER (WHERE s.last_day) AS last_day_charges,
                   coalesce(sum(c.fee_fen) FILTER (WHERE s.last_day), 0) AS last_day_fee_fen
            FROM cdr c
            JOIN subs s ON s.sub_id = TRY_CAST(regexp_extract(c.cdr_id, '^M([0-9]+)-', 1) AS BIGINT)
            WHERE c.kind = 'monthly'
            GROUP BY c.product_id ORDER BY c.product_id
            """
        ).fetchall()
    finally:
        con.close()
    return [
        Finding(
            R.MONTH_END,
            day,
            int(product_id),
            int(partner_id),
            R.ratio_bp(int(last), int(charges)),
            int(charges),
            {"month_charges": int(charges), "last_day_charges": int(last), "last_day_fee_fen": int(fee)},
        )
        for product_id, partner_id, charges, last, fee in rows
        if last
    ]


def sudden_growth(day: dt.date, root: Path | None = None) -> list[Finding]:
    """Charges of ``day`` against the daily average of the 30 days before it."""
    first = day - dt.timedelta(days=R.TRAILING_DAYS)
    files = parquet_files(first, day, root)
    if not files:
        return []
    con = _duck()
    try:
        _cdrs(con, files)
        rows = con.execute(
            """
            SELECT product_id, any_value(partner_id),
                   count(*) FILTER (WHERE day = ?) AS today,
                   coalesce(sum(fee_fen) FILTER (WHERE day = ?), 0) AS fee_today,
                   count(*) FILTER (WHERE day < ?) AS trailing
            FROM cdr GROUP BY product_id ORDER BY product_id
            """,
            [day, day, day],
        ).fetchall()
    finally:
        con.close()
    out = []
    for product_id, partner_id, today, fee_today, trailing in rows:
        value = R.growth_bp(int(today), int(trailing))
        if value is None or not today:
            continue
        out.append(
            Finding(
                R.GROWTH,
                day,
                int(product_id),
                int(partner_id),
                value,
                int(today),
                {
                    "charges": int(today),
                    "fee_fen": int(fee_today),
                    "trailing_charges": int(trailing),
                    "trailing_days": R.TRAILING_DAYS,
                },
            )
        )
    return out


def never_used(day: dt.date, root: Path | None = None) -> list[Finding]:
    """Per-use products with order relations: the share of the users holding a relation at the
    end of ``day`` who have no use of the product in the 30 days up to it."""
    _start, end = export.day_bounds(day)
    live = list(
        Subscription.objects.filter(effective_at__lt=end, product__billing_mode__in=PER_USE_MODES)
        .filter(Q(expiry_at__isnull=True) | Q(expiry_at__gte=end))
        .values_list("msisdn", "product_id", "partner_id")
    )
    if not live:
        return []
    import pyarrow as pa

    table = _arrow(
        {
            "msisdn": [x[0] for x in live],
            "product_id": [x[1] for x in live],
            "partner_id": [x[2] for x in live],
        },
        {"msisdn": pa.string(), "product_id": pa.int64(), "partner_id": pa.int64()},
    )
    files = parquet_files(day - dt.timedelta(days=R.TRAILING_DAYS - 1), day, root)
    con = _duck()
    try:
        _cdrs(con, files)
        con.register("live", table)
        rows = con.execute(
            """
            WITH used AS (SELECT DISTINCT msisdn, product_id FROM cdr WHERE kind = 'per_use')
            SELECT l.product_id, any_value(l.partner_id), count(*) AS holders,
                   count(*) FILTER (WHERE u.msisdn IS NULL) AS never
            FROM live l LEFT JOIN used u ON u.msisdn = l.msisdn AND u.product_id = l.product_id
            GROUP BY l.product_id ORDER BY l.product_id
            """
        ).fetchall()
    finally:
        con.close()
    return [
        Finding(
            R.NEVER_USED,
            day,
            int(product_id),
            int(partner_id),
            R.ratio_bp(int(never), int(holders)),
            int(holders),
            {"subscribers": int(holders), "never_used": int(never), "days": R.TRAILING_DAYS},
        )
        for product_id, partner_id, holders, never in rows
    ]


def compute(run_day: dt.date, *, root: Path | None = None) -> list[Finding]:
    """Every figure a run for ``run_day`` knows (the unsubscribe ratios: of earlier cohorts)."""
    out: list[Finding] = []
    out += unconfirmed_orders(run_day)
    out += unsubscribe_ratio(R.cohort_day(run_day, R.UNSUBSCRIBE_24H), 24, R.UNSUBSCRIBE_24H)
    out += unsubscribe_ratio(R.cohort_day(run_day, R.UNSUBSCRIBE_72H), 72, R.UNSUBSCRIBE_72H)
    out += complaints(run_day)
    out += month_end_charges(run_day, root)
    out += sudden_growth(run_day, root)
    out += never_used(run_day, root)
    return out


def needed_cdr_days(run_day: dt.date) -> list[dt.date]:
    """The days whose CDR export the run reads (the 30 trailing days and the month so far)."""
    first = min(run_day - dt.timedelta(days=R.TRAILING_DAYS), run_day.replace(day=1))
    return _days(first, run_day)
