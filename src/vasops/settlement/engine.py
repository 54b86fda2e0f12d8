"""The settlement computation: ONE Ibis expression over a month's CDR Parquet files joined with
the ratio versions, the bad-debt rates and the adjustments, executed by DuckDB (default, one
machine) or by Spark (PySpark: local mode in tests, a cluster through Spark Connect).

Everything is integer arithmetic, so both engines give the same fen:

* business day = the Shanghai date of the CDR (Asia/Shanghai has no DST). The export writes each
  business day's CDRs to its own file, so the day is a property of the file, not of each row:
  :func:`file_days` reads it from each file's Parquet statistics of ``at`` (footers only) and
  refuses a file holding CDRs of two days. The days are grouped into periods between the days on
  which some ratio version starts or ends (:func:`breakpoints`); each period's files are one named
  table, summed per partner × product (no per-row date arithmetic: the scan costs what a plain
  group-by costs), and the ratio is resolved once per period against [valid_from, valid_to);
* per-use and monthly fees are summed by two filtered aggregations over those tables; the export
  writes the two kinds in separate row groups (``vac.export``), so each filter reads only its own
  row groups, chosen from the footer statistics;
* the ratio of a (product, day) is the most specific version in force: product > business line
  of the partner > business line (all partners) > contract;
* per line (partner × product × ratio version): gross = per-use + monthly;
  bad debt = −round_half_up(gross × rate_bp / 10000) + bad-debt adjustments;
  net = gross + refund + bad debt + penalty + dispute + manual (deductions are negative);
  partner share = sign(net) × round_half_up(|net| × ratio_bp / 10000); carrier share = net −
  partner share. Adjustments of a product go to the line of the ratio in force on the month's
  last day; adjustments without product to a product-less line at the contract ratio.

The half-up division is done as ``q·ratio + (r·ratio + 5000) // 10000`` with ``|net| = q·10000 +
r`` so no intermediate leaves the exact range of a double (Ibis compiles ``//`` through a
floating division on both engines).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EPOCH = dt.date(1970, 1, 1)
SHANGHAI_OFFSET_S = 8 * 3600
FAR_DAY = 10_000_000  # an open-ended version's end (day number)
NO_PRODUCT = 0  # product key of the product-less adjustment line
LEVEL_RANK = {"product": 3, "partner_line": 2, "line": 1, "contract": 0}
ADJUSTMENT_KINDS = ("refund", "bad_debt", "penalty", "dispute", "manual")
LINE_COLUMNS = (
    "partner_id",
    "product_id",
    "business_line_id",
    "ratio_version_id",
    "ratio_bp",
    "cdr_count",
    "per_use_fen",
    "monthly_fen",
    "gross_fen",
    "refund_fen",
    "bad_debt_fen",
    "penalty_fen",
    "dispute_fen",
    "manual_fen",
    "net_fen",
    "partner_share_fen",
    "carrier_share_fen",
)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


@dataclass(frozen=True)
class RatioRow:
    id: int
    level: str  # product | partner_line | line | contract
    ratio_bp: int
    valid_from: dt.date
    valid_to: dt.date | None
    partner_id: int | None = None
    business_line_id: int | None = None
    product_id: int | None = None


@dataclass(frozen=True)
class AdjustmentRow:
    id: int
    partner_id: int
    product_id: int | None
    kind: str
    amount_fen: int


@dataclass
class Inputs:
    """Everything a run reads: the month, its Parquet files and the reference tables."""

    month: dt.date
    files: list[Path]
    products: list[tuple[int, int, int]]  # (product_id, partner_id, business_line_id)
    ratios: list[RatioRow]
    bad_debt_bp: dict[int, int] = field(default_factory=dict)  # business_line_id → bp
    adjustments: list[AdjustmentRow] = field(default_factory=list)

    @property
    def first_day(self) -> dt.date:
        return self.month.replace(day=1)

    @property
    def last_day(self) -> dt.date:
        nxt = (self.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return nxt - dt.timedelta(days=1)


# --- backends --------------------------------------------------------------------------------


def connect(engine: str) -> Any:
    """An engine session: a DuckDB connection (in-process) or a SparkSession
    (``VASOPS_SPARK_REMOTE`` = ``sc://host:15002`` for Spark Connect, else ``VASOPS_SPARK_MASTER``,
    default ``local[2]``)."""
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        threads = os.environ.get("VASOPS_DUCKDB_THREADS", "").strip()
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        return con
    if engine == "pyspark":
        return spark_session()
    raise ValueError(f"unknown engine {engine!r}")


def spark_session() -> Any:
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("vasops-settlement")
    remote = os.environ.get("VASOPS_SPARK_REMOTE", "").strip()
    if remote:
        builder = builder.remote(remote)
    elif "PYSPARK_GATEWAY_PORT" in os.environ:  # under spark-submit: its --master and --conf
        pass
    else:
        builder = (
            builder.master(os.environ.get("VASOPS_SPARK_MASTER", "local[2]"))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", os.environ.get("VASOPS_SPARK_DRIVER_MEMORY", "1g"))
        )
    spark = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    return spark


# --- reference tables as Arrow ---------------------------------------------------------------


def _products_table(rows: Iterable[tuple[int, int, int]]) -> Any:
    import pyarrow as pa

    rows = list(rows)
    return pa.table(
        {
            "p_product_id": pa.array([r[0] for r in rows], pa.int64()),
            "p_business_line_id": pa.array([r[2] for r in rows], pa.int64()),
        }
    )


def _ratio_table(rows: Sequence[RatioRow], level: str) -> Any:
    import pyarrow as pa

    chosen = [r for r in rows if r.level == level]
    p = f"r{LEVEL_RANK[level]}_"
    return pa.table(
        {
            p + "id": pa.array([r.id for r in chosen], pa.int64()),
            p + "bp": pa.array([r.ratio_bp for r in chosen], pa.int64()),
            p + "from": pa.array([day_number(r.valid_from) for r in chosen], pa.int64()),
            p + "to": pa.array(
                [day_number(r.valid_to) if r.valid_to else FAR_DAY for r in chosen], pa.int64()
            ),
            p + "partner": pa.array([r.partner_id or 0 for r in chosen], pa.int64()),
            p + "line": pa.array([r.business_line_id or 0 for r in chosen], pa.int64()),
            p + "product": pa.array([r.product_id or 0 for r in chosen], pa.int64()),
        }
    )


def _rates_table(rates: dict[int, int]) -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "b_line": pa.array(list(rates), pa.int64()),
            "b_bp": pa.array(list(rates.values()), pa.int64()),
        }
    )


def _adjustments_table(rows: Sequence[AdjustmentRow], dayn: int) -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "dayn": pa.array([dayn] * len(rows), pa.int64()),
            "partner_id": pa.array([r.partner_id for r in rows], pa.int64()),
            "product_id": pa.array([r.product_id or NO_PRODUCT for r in rows], pa.int64()),
            "kind": pa.array([r.kind for r in rows], pa.string()),
            "amount_fen": pa.array([r.amount_fen for r in rows], pa.int64()),
        }
    )


# --- the expression ----------------------------------------------------------------------------


def _half_up_share(net: Any, ratio: Any) -> Any:
    """sign(net) × round_half_up(|net| × ratio / 10000), exact in integer arithmetic."""
    import ibis

    a = ibis.cases((net < 0, -net), else_=net)
    r = a % 10000
    q = ((a - r) // 10000).cast("int64")
    share = q * ratio + ((r * ratio + 5000) // 10000).cast("int64")
    return ibis.cases((net < 0, -share), else_=share).cast("int64")


def _resolve(keys: Any, ratio_tables: dict[str, Any]) -> Any:
    """Add (ratio_version_id, ratio_bp) to ``keys`` (partner_id, product_id, business_line_id,
    dayn): four left joins, one per level, then the most specific match."""
    import ibis

    out = keys
    conditions = {
        "product": lambda t, r, p: [t.product_id == r[p + "product"]],
        "partner_line": lambda t, r, p: [
            t.partner_id == r[p + "partner"],
            t.business_line_id == r[p + "line"],
        ],
        "line": lambda t, r, p: [t.business_line_id == r[p + "line"]],
        "contract": lambda t, r, p: [t.partner_id == r[p + "partner"]],
    }
    for level in ("product", "partner_line", "line", "contract"):
        p = f"r{LEVEL_RANK[level]}_"
        r = ratio_tables[level]
        preds = [*conditions[level](out, r, p), out.dayn >= r[p + "from"], out.dayn < r[p + "to"]]
        out = out.left_join(r, preds).drop(p + "from", p + "to", p + "partner", p + "line", p + "product")
    return out.mutate(
        ratio_version_id=ibis.coalesce(out.r3_id, out.r2_id, out.r1_id, out.r0_id),
        ratio_bp=ibis.coalesce(out.r3_bp, out.r2_bp, out.r1_bp, out.r0_bp),
    ).drop("r3_id", "r3_bp", "r2_id", "r2_bp", "r1_id", "r1_bp", "r0_id", "r0_bp")


# The expression reads these named tables; each engine registers them before running it: the
# reference tables, and one CDR table per period (``vasops_cdr_0`` … the files of its days).
CDR_SCHEMA = {
    "product_id": "int64",
    "partner_id": "int64",
    "fee_fen": "int64",
    "kind": "string",
}
CDR_COLUMNS = ("partner_id", "product_id", "fee_fen", "kind")
DAY_US = 86_400 * 1_000_000
UNIT_US = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": 0.001}


class MixedDaysError(ValueError):
    """A CDR file holds CDRs of more than one business day (the export never writes such a file)."""

    def __init__(self, path: Path, days: tuple[dt.date, dt.date]) -> None:
        self.path = path
        self.days = days
        super().__init__(
            f"{path}: CDRs of {days[0].isoformat()} to {days[1].isoformat()} in one file; "
            "a day file holds one Shanghai business day only"
        )


def _day_of_us(us: int) -> int:
    local = us + SHANGHAI_OFFSET_S * 1_000_000
    return (local - local % DAY_US) // DAY_US


def file_day(path: Path) -> int | None:
    """The business day (day number) of a CDR file's rows, from the min/max statistics of ``at``
    in its footer (the column is read only where a writer left no statistics); None for a file
    without rows. Raises :class:`MixedDaysError` when the rows span two days."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    meta = pf.metadata
    if meta.num_rows == 0:
        return None
    at_type = pf.schema_arrow.field("at").type
    scale = UNIT_US[at_type.unit]
    index = pf.schema_arrow.get_field_index("at")
    low: int | None = None
    high: int | None = None
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        if group.num_rows == 0:
            continue
        stats = group.column(index).statistics
        if stats is None or not stats.has_min_max or stats.null_count:
            low = high = None
            break
        lo_raw, hi_raw = int(stats.min_raw), int(stats.max_raw)
        low = lo_raw if low is None else min(low, lo_raw)
        high = hi_raw if high is None else max(high, hi_raw)
    if low is None or high is None:  # no statistics: read the column
        column = pf.read(columns=["at"]).column("at").cast("int64")
        if column.null_count:
            raise MixedDaysError(path, (EPOCH, EPOCH))
        bounds = pc.min_max(column).as_py()
        low, high = int(bounds["min"]), int(bounds["max"])
    first, last = _day_of_us(int(low * scale)), _day_of_us(int(high * scale))
    if first != last:
        raise MixedDaysError(path, (EPOCH + dt.timedelta(days=first), EPOCH + dt.timedelta(days=last)))
    return first


def period_files(inputs: Inputs, breaks: tuple[int, ...]) -> list[list[Path]]:
    """The month's files grouped by period (the first period starts on the month's first day,
    each break starts the next); files of days outside the month and empty files are left out."""
    lo, hi = day_number(inputs.first_day), day_number(inputs.last_day)
    starts = [lo, *sorted(breaks)]
    groups: list[list[Path]] = [[] for _ in starts]
    for path in inputs.files:
        day = file_day(Path(path))
        if day is None or not lo <= day <= hi:
            continue
        groups[bisect.bisect_right(starts, day) - 1].append(Path(path))
    return groups


def cdr_table(period: int) -> str:
    return f"vasops_cdr_{period}"


def _ratio_schema(level: str) -> dict[str, str]:
    p = f"r{LEVEL_RANK[level]}_"
    return {p + c: "int64" for c in ("id", "bp", "from", "to", "partner", "line", "product")}


TABLES: dict[str, dict[str, str]] = {
    "vasops_products": {"p_product_id": "int64", "p_business_line_id": "int64"},
    **{f"vasops_ratio_{level}": _ratio_schema(level) for level in LEVEL_RANK},
    "vasops_rates": {"b_line": "int64", "b_bp": "int64"},
    "vasops_adjustments": {
        "dayn": "int64",
        "partner_id": "int64",
        "product_id": "int64",
        "kind": "string",
        "amount_fen": "int64",
    },
}


def reference_tables(inputs: Inputs) -> dict[str, Any]:
    """The Arrow tables the engine registers beside the CDR files."""
    hi = day_number(inputs.last_day)
    return {
        "vasops_products": _products_table(inputs.products),
        **{f"vasops_ratio_{level}": _ratio_table(inputs.ratios, level) for level in LEVEL_RANK},
        "vasops_rates": _rates_table(inputs.bad_debt_bp),
        "vasops_adjustments": _adjustments_table(inputs.adjustments, hi),
    }


def breakpoints(inputs: Inputs) -> tuple[int, ...]:
    """The days inside the month (after its first) on which some ratio version starts or ends:
    between two of them no ratio of any scope changes, so CDRs are summed per such period and
    the ratio is resolved once per period — not per day (a day-level group-by of a big month has
    30 × more groups than the partner × product lines it ends in)."""
    lo, hi = day_number(inputs.first_day), day_number(inputs.last_day)
    days = set()
    for r in inputs.ratios:
        for day in (r.valid_from, r.valid_to):
            if day is not None and lo < day_number(day) <= hi:
                days.add(day_number(day))
    return tuple(sorted(days))


def expression(first_day: dt.date, last_day: dt.date, breaks: tuple[int, ...] = ()) -> Any:
    """The run's Ibis expression (lazy) over the named tables of ``TABLES``: one row per
    statement line, LINE_COLUMNS. ``breaks``: :func:`breakpoints`."""
    import ibis

    t = {name: ibis.table(schema, name=name) for name, schema in TABLES.items()}
    products = t["vasops_products"]
    ratio_tables = {level: t[f"vasops_ratio_{level}"] for level in LEVEL_RANK}
    rates = t["vasops_rates"]
    adjustments = t["vasops_adjustments"]
    lo = day_number(first_day)

    # 1. CDRs → per partner × product × period, each period's files summed on their own; the
    # period is named by its first day (see breakpoints): resolving the ratio on that day is
    # resolving it on the CDR's own day. Per-use and monthly CDRs are two filtered sums, not one
    # sum with a CASE per row: the export writes the two kinds in separate row groups, so each
    # filter skips the other kind's row groups from the footer statistics (any layout gives the
    # same sums; a mixed file only costs the per-row test)
    zero = ibis.literal(0, "int64")
    parts = []
    for k, start in enumerate([lo, *sorted(breaks)]):
        c = ibis.table(CDR_SCHEMA, name=cdr_table(k))
        for kind_rows, column in ((c.kind == "per_use", "per_use_fen"), (c.kind != "per_use", "monthly_fen")):
            rows = c.filter(kind_rows)
            sums = {"per_use_fen": zero, "monthly_fen": zero}
            sums[column] = rows.fee_fen.sum().cast("int64")
            parts.append(
                rows.group_by(["partner_id", "product_id"])
                .agg(cdr_count=rows.count().cast("int64"), **sums)
                .mutate(dayn=ibis.literal(start, "int64"))
            )
    daily = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    daily = daily.left_join(products, daily.product_id == products.p_product_id).select(
        "partner_id",
        "product_id",
        "dayn",
        "cdr_count",
        "per_use_fen",
        "monthly_fen",
        business_line_id=products.p_business_line_id,
    )
    usage = _resolve(daily, ratio_tables)
    usage = usage.group_by(
        ["partner_id", "product_id", "business_line_id", "ratio_version_id", "ratio_bp"]
    ).agg(
        cdr_count=usage.cdr_count.sum().cast("int64"),
        per_use_fen=usage.per_use_fen.sum().cast("int64"),
        monthly_fen=usage.monthly_fen.sum().cast("int64"),
    )

    # 2. adjustments → per partner × product, at the ratio in force on the month's last day
    a = adjustments
    adj = a.group_by(["partner_id", "product_id"]).agg(
        dayn=a.dayn.max(),
        **{
            f"{k}_adj": a.amount_fen.sum(where=a.kind == k).fill_null(0).cast("int64")
            for k in ADJUSTMENT_KINDS
        },
    )
    adj = adj.left_join(products, adj.product_id == products.p_product_id).select(
        *[adj[col] for col in adj.columns],
        business_line_id=products.p_business_line_id,
    )
    adj = _resolve(adj, ratio_tables).drop("dayn")

    keys = ["partner_id", "product_id", "business_line_id", "ratio_version_id", "ratio_bp"]
    u = usage.select(
        *keys, "cdr_count", "per_use_fen", "monthly_fen", **{f"{k}_adj": zero for k in ADJUSTMENT_KINDS}
    )
    v = adj.select(
        *keys,
        cdr_count=zero,
        per_use_fen=zero,
        monthly_fen=zero,
        **{f"{k}_adj": adj[f"{k}_adj"] for k in ADJUSTMENT_KINDS},
    )
    both = u.union(v)
    lines = both.group_by(keys).agg(
        cdr_count=both.cdr_count.sum().cast("int64"),
        per_use_fen=both.per_use_fen.sum().cast("int64"),
        monthly_fen=both.monthly_fen.sum().cast("int64"),
        **{f"{k}_adj": both[f"{k}_adj"].sum().cast("int64") for k in ADJUSTMENT_KINDS},
    )

    # 3. bad debt, net, shares
    lines = lines.left_join(rates, lines.business_line_id == rates.b_line).drop("b_line")
    gross = (lines.per_use_fen + lines.monthly_fen).cast("int64")
    rate = lines.b_bp.fill_null(0).cast("int64")
    bad_debt_calc = (-_half_up_share(gross, rate)).cast("int64")
    lines = lines.mutate(gross_fen=gross, bad_debt_fen=(bad_debt_calc + lines.bad_debt_adj).cast("int64"))
    lines = lines.mutate(
        net_fen=(
            lines.gross_fen
            + lines.refund_adj
            + lines.bad_debt_fen
            + lines.penalty_adj
            + lines.dispute_adj
            + lines.manual_adj
        ).cast("int64")
    )
    share = _half_up_share(lines.net_fen, lines.ratio_bp.fill_null(0).cast("int64"))
    lines = lines.mutate(partner_share_fen=share)
    lines = lines.mutate(carrier_share_fen=(lines.net_fen - lines.partner_share_fen).cast("int64"))
    return lines.select(
        "partner_id",
        "product_id",
        "business_line_id",
        "ratio_version_id",
        "ratio_bp",
        "cdr_count",
        "per_use_fen",
        "monthly_fen",
        "gross_fen",
        refund_fen=lines.refund_adj,
        bad_debt_fen=lines.bad_debt_fen,
        penalty_fen=lines.penalty_adj,
        dispute_fen=lines.dispute_adj,
        manual_fen=lines.manual_adj,
        net_fen=lines.net_fen,
        partner_share_fen=lines.partner_share_fen,
        carrier_share_fen=lines.carrier_share_fen,
    ).order_by(["partner_id", "product_id", "ratio_version_id"])


@functools.lru_cache(maxsize=16)
def sql(dialect: str, first_day: dt.date, last_day: dt.date, breaks: tuple[int, ...] = ()) -> str:
    """The expression compiled by Ibis for one engine's SQL dialect (compiled once per month and
    engine in a process: compiling is the slow part for small months)."""
    import ibis

    return str(ibis.to_sql(expression(first_day, last_day, breaks), dialect=dialect))


def compute(inputs: Inputs, engine: str = "duckdb", con: Any = None) -> Any:
    """Run the expression on ``engine``; a pyarrow Table of the lines (product 0 = no product)."""
    con = con or connect(engine)
    if engine == "duckdb":
        return _run_duckdb(con, inputs)
    if engine == "pyspark":
        return _run_spark(con, inputs)
    raise ValueError(f"unknown engine {engine!r}")


def _empty_cdrs() -> Any:
    import pyarrow as pa

    return pa.table(
        {c: pa.array([], pa.string() if CDR_SCHEMA[c] == "string" else pa.int64()) for c in CDR_COLUMNS}
    )


def _run_duckdb(con: Any, inputs: Inputs) -> Any:
    breaks = breakpoints(inputs)
    for k, group in enumerate(period_files(inputs, breaks)):
        if group:
            rel = con.read_parquet([str(p) for p in group]).project(", ".join(CDR_COLUMNS))
            rel.create_view(cdr_table(k), replace=True)
        else:
            con.execute(f"DROP VIEW IF EXISTS {cdr_table(k)}")
            con.register(cdr_table(k), _empty_cdrs())
    for name, table in reference_tables(inputs).items():
        con.register(name, table)
    query = sql("duckdb", inputs.first_day, inputs.last_day, breaks)
    return _normalized(con.sql(query).to_arrow_table())


def _normalized(table: Any) -> Any:
    """The lines with every column as int64, whatever integer or decimal type an engine's sums
    came back as (the values are exact integers)."""
    import pyarrow as pa

    schema = pa.schema([(c, pa.int64()) for c in LINE_COLUMNS])
    return pa.Table.from_arrays([table[c].cast(pa.int64()) for c in LINE_COLUMNS], schema=schema)


def _spark_type(ibis_type: str) -> str:
    return {"int64": "bigint", "string": "string"}[ibis_type]


def _run_spark(spark: Any, inputs: Inputs) -> Any:
    import pyarrow as pa

    breaks = breakpoints(inputs)
    for k, group in enumerate(period_files(inputs, breaks)):
        if group:
            cdr = spark.read.parquet(*[str(p) for p in group]).selectExpr(*CDR_COLUMNS)
        else:
            ddl = ", ".join(f"`{c}` {_spark_type(CDR_SCHEMA[c])}" for c in CDR_COLUMNS)
            cdr = spark.createDataFrame([], schema=ddl)
        cdr.createOrReplaceTempView(cdr_table(k))
    for name, table in reference_tables(inputs).items():
        ddl = ", ".join(f"`{col}` {_spark_type(TABLES[name][col])}" for col in table.column_names)
        rows = [tuple(r.values()) for r in table.to_pylist()]
        spark.createDataFrame(rows, schema=ddl).createOrReplaceTempView(name)
    query = sql("pyspark", inputs.first_day, inputs.last_day, breaks)
    result = spark.sql(query)
    if hasattr(result, "toArrow"):
        table = result.toArrow()
    else:  # pragma: no cover - older Spark
        table = pa.Table.from_pandas(result.toPandas(), preserve_index=False)
    return _normalized(table)


def totals(table: Any) -> dict[str, int]:
    """Column sums of a lines table (for comparing engines)."""
    import pyarrow.compute as pc

    out = {"lines": table.num_rows}
    for col in LINE_COLUMNS[5:]:
        out[col] = int(pc.sum(table[col]).as_py() or 0)
    return out
