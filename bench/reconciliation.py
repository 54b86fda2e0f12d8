"""Reconciliation benchmark: the CDR-level diff of one partner-month (``python bench/reconciliation.py
--size tiny|10m|full``; ``bench/settlement.py`` calls :func:`measure` for its ``reconciliation`` key).

Generates, under ``--workdir`` (default ``var/bench/reconciliation``, kept and reused), our side
as the CDR export writes it (``day=YYYY-MM-DD/part-0.parquet`` for each day of December 2026:
cdr_id, msisdn, product_id, partner_id, fee_fen, kind, at) and the partner's side as an upload
leaves it (``detail.parquet``: cdr_id, msisdn, product_id, fee_fen, at, day, line), N lines each
(tiny 10,000; 1m 1,000,000; 10m and full 10,000,000), differing in 0.3 % of the lines (missing on either side,
fee differs). It then measures, each in a fresh process (so the peak RSS is the query's own),
the warm time of

- the raw DuckDB full outer join of the two sides on ``cdr_id`` (the baseline), and
- ``vasops.settlement.reconciliation.diff.cdr_diff`` over the whole month (statuses, fees and
  the first differing lines per status: what the pages and the API show),

and prints seconds, the ratio to the raw join (bar ≤ 2) and the peak RSS. Bars at 10m/full:
≤ 10 s and ≤ 2 × the raw join (exit status 1 when missed).

It also measures the upload of the partner's detail file (key ``upload``): a CSV of N lines in
the upload format (话单编号,手机号码,产品代码,金额（分）,时间 — Beijing time — written once under
``reconciliation-<size>/upload/detail.csv``), read by
``vasops.settlement.reconciliation.upload.read_detail`` (every line checked, written to Parquet),
against the raw DuckDB ``read_csv(all_varchar) → COPY … (FORMAT parquet)`` of the same file (the
baseline; ``raw_copy_s``), each once in a fresh process. No bar: the figure is reported.
``--upload-only`` measures only that.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

SIZES = {"tiny": 10_000, "1m": 1_000_000, "10m": 10_000_000, "full": 10_000_000}
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


def upload_file(size: str, workdir: Path) -> Path:
    """The partner's detail CSV of ``size`` lines (written once; a ``done`` marker)."""
    import duckdb

    n = SIZES[size]
    base = data_dir(size, workdir) / "upload"
    path = base / "detail.csv"
    if (base / "done").exists():
        return path
    base.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"threads": 2})
    try:
        con.execute(
            f"""COPY (
                SELECT printf('U%012d', i) AS "话单编号", printf('186%08d', i % 40000000) AS "手机号码",
                    printf('10658801%02d', (i % {PRODUCTS}) + 1) AS "产品代码",
                    (100 + (i % 7) * 100)::BIGINT AS "金额（分）",
                    strftime(TIMESTAMP '2026-12-01 00:00:00' + to_seconds((i * {DAYS} * 86400) // {n}),
                        '%Y-%m-%d %H:%M:%S') AS "时间"
                FROM range(0, {n}) t(i)
            ) TO '{path}' (FORMAT csv, HEADER true)"""
        )
    finally:
        con.close()
    (base / "done").write_text(str(n))
    return path


def _upload_child(kind: str, path: Path) -> dict[str, Any]:
    """``read_detail`` (kind "upload") or the raw DuckDB CSV → Parquet copy ("raw_copy") of
    ``path``, once; seconds, rows and this process's peak RSS."""
    out = path.parent / "out"
    out.mkdir(exist_ok=True)
    if kind == "raw_copy":
        import duckdb

        con = duckdb.connect(config={"threads": 2})
        target = out / "raw.parquet"
        started = time.perf_counter()
        rows = con.execute(
            f"COPY (SELECT * FROM read_csv('{path}', all_varchar = true, header = true)) "
            f"TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
        ).fetchone()[0]
        seconds = time.perf_counter() - started
        con.close()
        target.unlink()
    else:
        os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vasops.settings")
        import datetime as dt

        import django
        from django.conf import settings

        django.setup()
        settings.VASOPS_RECONCILIATION_DIR = out
        from vasops.settlement.reconciliation import upload

        own = {f"10658801{p:02d}": p for p in range(1, PRODUCTS + 1)}
        started = time.perf_counter()
        with open(path, "rb") as fh:
            detail = upload.read_detail(
                fh, month=dt.date(2026, 12, 1), own_products=own, known_codes=set(own)
            )
        seconds = time.perf_counter() - started
        rows = detail.rows
        detail.path.unlink()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "rows": int(rows), "peak_rss_mb": round(peak_kb / 1024, 1)}


def measure_upload(size: str, workdir: Path) -> dict[str, Any]:
    """``{rows, seconds, raw_copy_s, ratio, peak_rss_mb, mb, load_avg}`` for reading one detail CSV
    of ``size`` (the machine's load average after the runs: the figures are noisy on a shared one)."""
    path = upload_file(size, Path(workdir))
    raw = _run_child("raw_copy", path)
    ours = _run_child("upload", path)
    if raw["rows"] != ours["rows"]:
        raise AssertionError(f"read_detail kept {ours['rows']} lines, the raw copy {raw['rows']}")
    return {
        "rows": ours["rows"],
        "mb": round(path.stat().st_size / 1024**2, 1),
        "seconds": round(ours["seconds"], 3),
        "raw_copy_s": round(raw["seconds"], 3),
        "ratio": round(ours["seconds"] / raw["seconds"], 2) if raw["seconds"] else None,
        "peak_rss_mb": ours["peak_rss_mb"],
        "raw_copy_peak_rss_mb": raw["peak_rss_mb"],
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }


def _files(base: Path) -> tuple[list[Path], Path]:
    ours = sorted((base / "ours").glob("day=*/part-0.parquet"))
    return ours, base / "theirs" / "detail.parquet"


def _child(kind: str, base: Path) -> dict[str, Any]:
    """Run one query RUNS times in this process; the fastest time and this process's peak RSS."""
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vasops.settings")
    import django

    django.setup()  # the module's refusal texts are marked for translation (settings needed)
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
    ``joined_rows``) for the CDR-level diff of one partner-month of ``size``, and ``upload``
    (:func:`measure_upload`)."""
    base = generate(size, Path(workdir))
    raw = _run_child("raw", base)
    ours = _run_child("diff", base)
    if raw["rows"] != ours["rows"]:
        raise AssertionError(f"the diff saw {ours['rows']} joined lines, the raw join {raw['rows']}")
    upload = measure_upload(size, Path(workdir))
    return {
        "rows_each_side": SIZES[size],
        "seconds": round(ours["seconds"], 3),
        "raw_join_s": round(raw["seconds"], 3),
        "ratio": round(ours["seconds"] / raw["seconds"], 2) if raw["seconds"] else None,
        "peak_rss_mb": ours["peak_rss_mb"],
        "raw_join_peak_rss_mb": raw["peak_rss_mb"],
        "joined_rows": ours["rows"],
        "differing": ours["differing"],
        "upload": upload,
    }


def _upload_text(size: str, up: dict[str, Any]) -> str:
    return (
        f"upload {size}: detail CSV of {up['rows']:,} lines ({up['mb']} MB), load {up['load_avg']}\n"
        f"  raw DuckDB CSV → Parquet   : {up['raw_copy_s']:.3f} s "
        f"(peak RSS {up['raw_copy_peak_rss_mb']} MB)\n"
        f"  read_detail                : {up['seconds']:.3f} s (peak RSS {up['peak_rss_mb']} MB)\n"
        f"  ratio to the raw copy      : {up['ratio']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--workdir", default=str(ROOT / "var" / "bench" / "reconciliation"))
    parser.add_argument("--output", help="also write the figures as JSON to this file")
    parser.add_argument("--upload-only", action="store_true", help="measure only the detail upload")
    parser.add_argument("--child", choices=["raw", "diff", "raw_copy", "upload"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child in ("raw_copy", "upload"):
        print(json.dumps(_upload_child(args.child, Path(args.data))))
        return 0
    if args.child:
        print(json.dumps(_child(args.child, Path(args.data))))
        return 0
    if args.upload_only:
        up = measure_upload(args.size, Path(args.workdir))
        print(_upload_text(args.size, up))
        if args.output:
            Path(args.output).write_text(json.dumps({"upload": up}, indent=2) + "\n")
        return 0
    result = measure(args.size, Path(args.workdir))
    print(
        f"reconciliation {args.size}: {result['rows_each_side']:,} lines each side, "
        f"{result['differing']:,} differing\n"
        f"  raw DuckDB full outer join : {result['raw_join_s']:.3f} s "
        f"(peak RSS {result['raw_join_peak_rss_mb']} MB)\n"
        f"  reconciliation CDR diff    : {result['seconds']:.3f} s (peak RSS {result['peak_rss_mb']} MB)\n"
        f"  ratio to the raw join      : {result['ratio']} (bar ≤ {BAR_RATIO})\n"
        + _upload_text(args.size, result["upload"])
    )
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    if args.size != "tiny" and (result["seconds"] > BAR_SECONDS or (result["ratio"] or 0) > BAR_RATIO):
        print(f"  BAR MISSED: ≤ {BAR_SECONDS} s and ≤ {BAR_RATIO} × the raw join")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
