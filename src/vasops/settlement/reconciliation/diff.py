"""Our side of a reconciliation, read from the CDR export with DuckDB, and the CDR-level diff.

Our CDRs are the day-partitioned Parquet files of ``vac.export``
(``<VASOPS_CDR_DIR>/day=YYYY-MM-DD/part-0.parquet``: cdr_id, msisdn, product_id, partner_id, fee_fen,
kind, at), one directory per business day in Asia/Shanghai, so a day's file holds exactly that
business day. The partner's CDR detail is the Parquet file ``upload.read_detail`` wrote.

The CDR-level diff is one DuckDB full outer join on ``cdr_id`` aggregated per status in the same
pass (counts, fees on each side, and the first differing lines of each status by ``cdr_id``), so
it costs about one raw join (bench/reconciliation.py measures both)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext

from vasops.settlement.reconciliation import rules

SAMPLE = 200  # differing lines shown per status


def day_file(day: dt.date, root: Path) -> Path:
    return root / f"day={day.isoformat()}" / "part-0.parquet"


def cdr_root() -> Path:
    from vasops.vac.export import cdr_root as vac_cdr_root

    return vac_cdr_root()


def exported_days(month: dt.date, root: Path | None = None) -> set[dt.date]:
    base = root or cdr_root()
    return {d for d in rules.month_days(month) if day_file(d, base).exists()}


def _connect() -> Any:
    import duckdb

    return duckdb.connect(config={"threads": 2})


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


# ``files`` are paths this module builds (quoted by _sql_list), never user input
SUMMARY_SQL = """
SELECT day, product_id, count(*), coalesce(sum(fee_fen), 0)
FROM read_parquet({files}, hive_partitioning = true, hive_types = {{'day': DATE}})
WHERE partner_id = ? GROUP BY day, product_id
"""


def our_summary(
    partner_id: int, days: list[dt.date], root: Path | None = None
) -> dict[tuple[dt.date, int], rules.SideRow]:
    """Count and fee per (business day, product) of ``partner_id``'s CDRs on ``days``."""
    base = root or cdr_root()
    files = [day_file(d, base) for d in days]
    if not files:
        return {}
    con = _connect()
    try:
        rows = con.execute(SUMMARY_SQL.format(files=_sql_list(files)), [partner_id]).fetchall()
    finally:
        con.close()
    return {
        (day, int(product)): rules.SideRow(count=int(n), fee_fen=int(fee)) for day, product, n, fee in rows
    }


@dataclass
class CdrStatus:
    status: str
    lines: int = 0
    our_fee_fen: int = 0
    their_fee_fen: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CdrDiff:
    statuses: dict[str, CdrStatus]
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(s.lines for s in self.statuses.values())

    @property
    def differing(self) -> int:
        return sum(s.lines for k, s in self.statuses.items() if k != rules.CDR_MATCHED)


# Phase 1: one full outer join on the narrow columns, aggregated per status in the same pass
# (count, fees, and the first ``sample`` differing lines by cdr_id: arg_min(…, n)).
CDR_DIFF_SQL = """
WITH o AS (
    SELECT cdr_id, product_id, fee_fen FROM read_parquet({ours}, hive_partitioning = true,
        hive_types = {{'day': DATE}}) WHERE partner_id = $partner {our_filter}
), t AS (
    SELECT cdr_id, product_id, fee_fen, line FROM read_parquet({theirs})
    WHERE true {their_filter}
), j AS (
    SELECT
        CASE
            WHEN o.cdr_id IS NULL THEN 'missing_ours'
            WHEN t.cdr_id IS NULL THEN 'missing_theirs'
            WHEN o.fee_fen <> t.fee_fen THEN 'fee_differs'
            WHEN o.product_id <> t.product_id THEN 'product_differs'
            ELSE 'matched'
        END AS status,
        coalesce(o.cdr_id, t.cdr_id) AS cdr_id,
        o.fee_fen AS our_fee, t.fee_fen AS their_fee,
        o.product_id AS our_product, t.product_id AS their_product, t.line AS line
    FROM o FULL OUTER JOIN t ON o.cdr_id = t.cdr_id
)
SELECT status, count(*), coalesce(sum(our_fee), 0), coalesce(sum(their_fee), 0),
    arg_min({{'cdr_id': cdr_id, 'our_fee': our_fee, 'their_fee': their_fee,
              'our_product': our_product, 'their_product': their_product, 'line': line}}, cdr_id, {sample})
        FILTER (WHERE status <> 'matched')
FROM j GROUP BY status
"""

# Phase 2: the MSISDN and time of the sampled lines only (an IN list the Parquet scan filters on).
SAMPLE_DETAILS_SQL = """
SELECT cdr_id, msisdn, "at", 0 AS side FROM read_parquet({ours}, hive_partitioning = true,
    hive_types = {{'day': DATE}}) WHERE partner_id = $partner AND cdr_id IN ({ids})
UNION ALL
SELECT cdr_id, msisdn, "at", 1 AS side FROM read_parquet({theirs}) WHERE cdr_id IN ({ids})
"""


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


RAW_JOIN_SQL = """
WITH o AS (
    SELECT cdr_id, fee_fen FROM read_parquet({ours}, hive_partitioning = true, hive_types = {{'day': DATE}})
    WHERE partner_id = $partner
), t AS (SELECT cdr_id, fee_fen FROM read_parquet({theirs}))
SELECT count(*), sum(o.fee_fen), sum(t.fee_fen) FROM o FULL OUTER JOIN t ON o.cdr_id = t.cdr_id
"""


def cdr_diff(
    *,
    partner_id: int,
    our_files: list[Path],
    their_file: Path,
    day: dt.date | None = None,
    product_id: int | None = None,
    sample: int = SAMPLE,
    con: Any = None,
) -> CdrDiff:
    """The diff by ``cdr_id`` of ``partner_id``'s CDRs in ``our_files`` against the partner's
    detail, optionally for one business day and/or one product."""
    import time

    params: dict[str, Any] = {"partner": partner_id}
    our_filter = their_filter = ""
    if day is not None:
        their_filter += " AND day = $day"
        params["day"] = day
    if product_id is not None:
        our_filter += " AND product_id = $product"
        their_filter += " AND product_id = $product"
        params["product"] = product_id
    sql = CDR_DIFF_SQL.format(
        ours=_sql_list(our_files),
        theirs=_sql_list([their_file]),
        our_filter=our_filter,
        their_filter=their_filter,
        sample=max(1, int(sample)),
    )
    own = con is None
    con = con or _connect()
    started = time.perf_counter()
    try:
        rows = con.execute(sql, params).fetchall()
        result = CdrDiff(statuses={s: CdrStatus(s) for s in rules.CDR_STATUSES})
        for status, n, our_fee, their_fee, sample_rows in rows:
            result.statuses[status] = CdrStatus(
                status, int(n), int(our_fee), int(their_fee), [dict(r) for r in (sample_rows or [])]
            )
        ids = sorted({r["cdr_id"] for s in result.statuses.values() for r in s.sample})
        found: dict[str, tuple[Any, Any]] = {}
        if ids:
            details = con.execute(
                SAMPLE_DETAILS_SQL.format(
                    ours=_sql_list(our_files),
                    theirs=_sql_list([their_file]),
                    ids=", ".join(map(_sql_text, ids)),
                ),
                {"partner": partner_id},
            ).fetchall()
            for cdr_id, msisdn, at, _side in sorted(details, key=lambda d: -d[3]):  # ours wins
                found[cdr_id] = (msisdn, at)
        for s in result.statuses.values():
            for r in s.sample:
                r["msisdn"], r["at"] = found.get(r["cdr_id"], ("", None))
    finally:
        if own:
            con.close()
    result.seconds = time.perf_counter() - started
    return result


def raw_join(
    *, partner_id: int, our_files: list[Path], their_file: Path, con: Any = None
) -> tuple[int, float]:
    """The baseline: a bare DuckDB full outer join of the same two sides (rows, seconds)."""
    import time

    own = con is None
    con = con or _connect()
    started = time.perf_counter()
    try:
        rows = con.execute(
            RAW_JOIN_SQL.format(ours=_sql_list(our_files), theirs=_sql_list([their_file])),
            {"partner": partner_id},
        ).fetchone()
    finally:
        if own:
            con.close()
    return int(rows[0]), time.perf_counter() - started


# --- the chart: fees per day, ours against theirs, as server-side SVG (no script, no CDN) ---------
@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str]]
    max_label: str


def day_chart(days: list[tuple[dt.date, int, int]], *, width: int = 900, height: int = 220) -> Chart:
    """Two bars per day (ours, theirs) scaled to the largest fee; rendered by the template."""
    top = max([max(o, t) for _, o, t in days] + [1])
    plot_h = height - 30
    slot = (width - 40) / max(len(days), 1)
    bar_w = max(1.0, slot / 2 - 1)
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for i, (day, ours, theirs) in enumerate(days):
        x = 40 + i * slot
        for j, (value, css, who) in enumerate(
            ((ours, "chart-ours", gettext("平台")), (theirs, "chart-theirs", gettext("合作方")))
        ):
            h = plot_h * value / top
            bars.append(
                Bar(
                    x=round(x + j * bar_w, 1),
                    y=round(plot_h - h + 5, 1),
                    width=round(bar_w, 1),
                    height=round(h, 1),
                    css=css,
                    title=gettext("%(day)s %(who)s %(amount)s 元")
                    % {"day": f"{day:%m-%d}", "who": who, "amount": f"{value / 100:.2f}"},
                )
            )
        if i % 5 == 0 or len(days) <= 10:
            labels.append((round(x, 1), f"{day:%d}"))
    return Chart(
        width=width,
        height=height,
        bars=bars,
        labels=labels,
        max_label=gettext("%(amount)s 元") % {"amount": f"{top / 100:.2f}"},
    )
