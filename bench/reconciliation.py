"""Reconciliation benchmark: the CDR-level diff of one partner-month (``python bench/reconciliation.py
--size tiny|10m|full``; ``bench/settlement.py`` calls :func:`measure` for its ``reconciliation`` key).

Generates, under ``--workdir`` (default ``var/bench/reconciliation``, kept and reused), our side
as the CDR export writes it (``day=YYYY-MM-DD/part-0.parquet`` for each day of December 2026:
cdr_id, msisdn, product_id, partner_id, fee_fen, kind, at) and the partner's side as an upload
leaves it (``detail.parquet``: cdr_id, msisdn, product_id, fee_fen, at, day, line), N lines each
(tiny 10,000; 10m and full 10,000,000), differing in 0.3 % of the lines (missing on either side,
fee differs). It then measures, each in a fresh process (so the peak RSS is the query's own),
the warm time of

- the raw DuckDB full outer join of the two sides on ``cdr_id`` (the baseline), and
- ``vasops.settlement.reconciliation.diff.cdr_diff`` over the whole month (statuses, fees and
  the first differing lines per status: what the pages and the API show),

and prints seconds, the ratio to the raw join (bar ≤ 2) and the peak RSS. Bars at 10m/full:
≤ 10 s and ≤ 2 × the raw join (exit status 1 when missed).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

SIZES = {"tiny": 10_000, "10m": 10_000_000, "full": 10_000_000}
PARTNER_ID = 1
PRODUCTS = 20
DAYS = 31
BAR_SECONDS = 10.0
BAR_RATIO = 2.0
RUNS = 2  # each query runs this many times in its process; the fastest (warm) run counts


def data_dir(size: str, workdir: Path) -> Path:
    return Path(workdir) / f"reconciliation-{size}"


def _day(i: int) -> str:
    return f"2026-12-{i + 1:02d}"


def generate(size: str, workdir: Path) -> Path:
    """Write both sides once (a ``done`` marker makes later runs reuse them)."""
    import duckdb

    n = SIZES[size]
    base = data_dir(size, workdir)
    if (base / "done").exists():
        return base
    base.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"threads": 2})
    per_day = -(-n // DAYS)
    try:
        for d in range(DAYS):
            lo, hi = d * per_day, min(n, (d + 1) * per_day)
            target = base / "ours" / f"day={_day(d)}"
            target.mkdir(parents=True, exist_ok=True)
            # ours: every line; "at" spread over the Shanghai business day (16:00 UTC the day before)
            con.execute(
                f"""COPY (
                    SELECT printf('U%012d', i) AS cdr_id, printf('186%08d', i % 40000000) AS msisdn,
                        (i % {PRODUCTS}) + 1 AS product_id, {PARTNER_ID}::BIGINT AS partner_id,
                        (100 + (i % 7) * 100)::BIGINT AS fee_fen,
                        CASE WHEN i % 5 = 0 THEN 'monthly' ELSE 'per_use' END AS kind,
                        (TIMESTAMPTZ '{_day(d)} 00:00:00+08' + to_seconds((i - {lo}) % 86400)) AS "at"
                    FROM range({lo}, {hi}) t(i)
                ) TO '{target / "part-0.parquet"}' (FORMAT parquet, COMPRESSION zstd)"""
            )
        (base / "theirs").mkdir(exist_ok=True)
        extra = max(1, n // 1000)
        # theirs: 0.1 % left out, 0.1 % with another fee, 0.1 % they have and we do not
        con.execute(
            f"""COPY (
                SELECT cdr_id, msisdn, product_id, fee_fen, "at", day, row_number() OVER () + 1 AS line FROM (
                    SELECT printf('U%012d', i) AS cdr_id, printf('186%08d', i % 40000000) AS msisdn,
                        (i % {PRODUCTS}) + 1 AS product_id,
                        (100 + (i % 7) * 100 + CASE WHEN i % 1000 = 1 THEN 1 ELSE 0 END)::BIGINT AS fee_fen,
                        (TIMESTAMPTZ '2026-12-01 00:00:00+08' + to_seconds(i % 86400)) AS "at",
                        (DATE '2026-12-01' + (i // {per_day})::INTEGER) AS day
                    FROM range(0, {n}) t(i) WHERE i % 1000 <> 0
                    UNION ALL
                    SELECT printf('X%012d', i), '18600000000', 1, 100,
                        TIMESTAMPTZ '2026-12-01 12:00:00+08', DATE '2026-12-01'
                    FROM range(0, {extra}) t(i)
                )
            ) TO '{base / "theirs" / "detail.parquet"}' (FORMAT parquet, COMPRESSION zstd)"""
        )
    finally:
        con.close()
    (base / "done").write_text(str(n))
    return base


def _files(base: Path) -> tuple[list[Path], Path]:
    ours = sorted((base / "ours").glob("day=*/part-0.parquet"))
    return ours, base / "theirs" / "detail.parquet"


def _child(kind: str, base: Path) -> dict[str, Any]:
    """Run one query RUNS times in this process; the fastest time and this process's peak RSS."""
    from vasops.settlement.reconciliation import diff

    ours, theirs = _files(base)
    con = diff._connect()
    best = float("inf")
    rows = 0
    differing = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        if kind == "raw":
            rows, _seconds = diff.raw_join(partner_id=PARTNER_ID, our_files=ours, their_file=theirs, con=con)
        else:
            result = diff.cdr_diff(partner_id=PARTNER_ID, our_files=ours, their_file=theirs, con=con)
            rows, differing = result.total, result.differing
        best = min(best, time.perf_counter() - started)
    con.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": best, "rows": rows, "differing": differing, "peak_rss_mb": round(peak_kb / 1024, 1)}


def _run_child(kind: str, base: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--data", str(base)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def measure(size: str, workdir: Path) -> dict[str, Any]:
    """``{rows_each_side, seconds, raw_join_s, peak_rss_mb}`` (plus ``ratio``, ``differing``,
    ``joined_rows``) for the CDR-level diff of one partner-month of ``size``."""
    base = generate(size, Path(workdir))
    raw = _run_child("raw", base)
    ours = _run_child("diff", base)
    if raw["rows"] != ours["rows"]:
        raise AssertionError(f"the diff saw {ours['rows']} joined lines, the raw join {raw['rows']}")
    return {
        "rows_each_side": SIZES[size],
        "seconds": round(ours["seconds"], 3),
        "raw_join_s": round(raw["seconds"], 3),
        "ratio": round(ours["seconds"] / raw["seconds"], 2) if raw["seconds"] else None,
        "peak_rss_mb": ours["peak_rss_mb"],
        "raw_join_peak_rss_mb": raw["peak_rss_mb"],
        "joined_rows": ours["rows"],
        "differing": ours["differing"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--workdir", default=str(ROOT / "var" / "bench" / "reconciliation"))
    parser.add_argument("--output", help="also write the figures as JSON to this file")
    parser.add_argument("--child", choices=["raw", "diff"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, Path(args.data))))
        return 0
    result = measure(args.size, Path(args.workdir))
    print(
        f"reconciliation {args.size}: {result['rows_each_side']:,} lines each side, "
        f"{result['differing']:,} differing\n"
        f"  raw DuckDB full outer join : {result['raw_join_s']:.3f} s "
        f"(peak RSS {result['raw_join_peak_rss_mb']} MB)\n"
        f"  reconciliation CDR diff    : {result['seconds']:.3f} s (peak RSS {result['peak_rss_mb']} MB)\n"
        f"  ratio to the raw join      : {result['ratio']} (bar ≤ {BAR_RATIO})"
    )
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    if args.size != "tiny" and (result["seconds"] > BAR_SECONDS or (result["ratio"] or 0) > BAR_RATIO):
        print(f"  BAR MISSED: ≤ {BAR_SECONDS} s and ≤ {BAR_RATIO} × the raw join")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
