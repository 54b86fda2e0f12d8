"""CRM batch-file benchmark (`make bench-crm`, BENCH_ARGS="--size tiny|small|full").

Creates and migrates its own PostgreSQL database (default ``vasops_bench_crm``), one partner with
20 products (monthly, per-use and free), writes a GBK batch file of N lines (full: 1,000,000) with
a few % bad lines (wrong column count, bad MSISDN, unknown product, bytes that are not GBK) and
~7 % unsubscribes of earlier subscribers, then applies it with ``vasops.vac.crm.apply`` (the
set-based path by default, pipelined over ``--committers`` connections; ``--mode actions`` for
the per-line path). It prints lines/s, the total time against the 60 s budget, the CPU time of
the applying process, the load average around the run (the machine is shared), the peak RSS of
the applying process (the file is streamed, so it must not grow with the file) and the
exception-line count, and writes bench/results/crm.json. ``--redis URL`` also drops the
gateways' cached state of every changed number, as production does (a key prefix of its own,
removed afterwards); without it no Redis is configured and that step is skipped.

Exit status 1 when a line is lost (applied + failed != lines), the exception count differs from
the bad lines written or sending the same file again changes a row; at full size also when the
60 s budget is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

SIZES = {"tiny": 2_000, "small": 100_000, "full": 1_000_000}
BUDGET_S = 60.0
RESULTS = ROOT / "bench" / "results" / "crm.json"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--lines", type=int, help="override the size's line count")
    parser.add_argument("--bad-percent", type=float, default=3.0)
    parser.add_argument("--mode", choices=["bulk", "actions"], default="bulk")
    parser.add_argument("--chunk", type=int, help="lines per committed transaction (default: crm's)")
    parser.add_argument("--committers", type=int, help="connections committing in turn (default: crm's)")
    parser.add_argument("--redis", help="Redis URL: invalidate the gateways' cache as production does")
    parser.add_argument("--database", default="vasops_bench_crm")
    parser.add_argument("--output", default=str(RESULTS))
    return parser.parse_args()


def prepare_database(name: str) -> str:
    source = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vasops")
    parts = urlparse(source)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"bench-crm needs PostgreSQL, DATABASE_URL is {source!r}")
    import psycopg

    with psycopg.connect(urlunparse(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parts._replace(path=f"/{name}"))


def setup_django(database_url: str, work: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.pop("DEBUG", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vasops.settings")
    os.environ["MEDIA_ROOT"] = str(work / "media")
    import django
    from django.conf import settings

    django.setup()
    settings.VASOPS_CRM_WORK = work / "crm-work"


def make_products(n: int = 20) -> list[Any]:
    from vasops.catalog.models import BusinessLine, Product, ProductVersion
    from vasops.partners import rules as partner_rules
    from vasops.partners.models import Partner

    head = "914201009" + "87654321"
    partner = Partner.objects.create(
        name="基准测试SP",
        kind="SP",
        locality="local",
        credit_code=head + partner_rules.credit_code_check_char(head),
        legal_representative="张三",
        address="武汉",
        cs_hotline="4001234567",
        service_access_number="10656999",
        enterprise_code="91234",
    )
    Partner.objects.filter(pk=partner.pk).update(state="active")
    line = BusinessLine.objects.filter(service_type="90").first() or BusinessLine.objects.create(
        code="L90", name="短信", service_type="90"
    )
    products = []
    for i in range(n):
        mode, fee = [("monthly", 500), ("per_use", 100), ("free", 0)][i % 3]
        product = Product.objects.create(
            partner=partner,
            business_line=line,
            name=f"基准产品{i}",
            access_number="106569991",
            product_code=f"90{i:06d}01",
            description="基准",
            product_type="information",
            fee_fen=fee,
            billing_mode=mode,
            unicom_status="4",
        )
        Product.objects.filter(pk=product.pk).update(state="active")
        ProductVersion.objects.create(
            product=product,
            number=1,
            name=product.name,
            description="基准",
            fee_fen=fee,
            billing_mode=mode,
            valid_from=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        )
        products.append(product)
    return products


def write_file(path: Path, lines: int, bad_percent: float, codes: list[str]) -> dict[str, int]:
    """Stream a batch file to ``path``; returns counts of what was written."""
    from vasops.vac.protocol.crm_batch import BatchHeader, format_header

    rng = random.Random(20260310)
    counts = {"subscribe": 0, "unsubscribe": 0, "bad": 0}
    subscribed: list[tuple[int, str]] = []
    stamp = "20260310120000"
    header = BatchHeader("0001", "00000", stamp, "100", stamp, stamp, lines)
    desc = "营业厅批量办理".encode("gbk")
    with open(path, "wb", buffering=1 << 20) as out:
        out.write(format_header(header))
        for n in range(lines):
            seq = f"{n:018d}"
            roll = rng.random() * 100
            user = 13000000000 + n
            code = codes[n % len(codes)]
            if roll < bad_percent:
                counts["bad"] += 1
                kind = n % 4
                if kind == 0:
                    row = f"{seq}\t1\t86{user}\t90\t91234".encode()
                elif kind == 1:
                    row = f"{seq}\t1\t86123\t90\t91234\t{code}\t1\t{stamp}\t\t\t\t\t\t\t".encode()
                elif kind == 2:
                    row = f"{seq}\t1\t86{user}\t90\t91234\t9099999999\t1\t{stamp}\t\t\t\t\t\t\t".encode()
                else:
                    row = (
                        f"{seq}\t1\t86{user}\t90\t91234\t{code}\t1\t{stamp}\t".encode()
                        + b"\xff\xfe\t\t\t\t\t\t"
                    )
            elif roll < bad_percent + 7 and subscribed:
                counts["unsubscribe"] += 1
                user_n, code = subscribed.pop(rng.randrange(len(subscribed)))
                row = (
                    f"{seq}\t1\t86{user_n}\t90\t91234\t{code}\t2\t{stamp}\t".encode() + desc + b"\t\t\t\t\t\t"
                )
            else:
                counts["subscribe"] += 1
                if len(subscribed) < 100_000:
                    subscribed.append((user, code))
                row = (
                    f"{seq}\t1\t86{user}\t90\t91234\t{code}\t1\t{stamp}\t".encode()
                    + desc
                    + f"\t\t\t{stamp}\t\t0310120000\t".encode()
                )
            out.write(row + b"\n")
    return counts


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    args = parse_args()
    lines = args.lines or SIZES[args.size]
    work = ROOT / "var" / "bench-crm"
    for stale in ("media", "crm-work"):  # the stored files of earlier runs (their database is gone)
        shutil.rmtree(work / stale, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    if args.redis:
        os.environ["VASOPS_VAC_REDIS_URL"] = args.redis
        os.environ["VASOPS_VAC_CACHE_PREFIX"] = f"crmbench{os.getpid()}:"
    setup_django(prepare_database(args.database), work)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    products = make_products()
    path = work / f"crm_bench_{lines}.txt"
    t0 = time.perf_counter()
    written = write_file(path, lines, args.bad_percent, [p.product_code for p in products])
    t_generate = time.perf_counter() - t0
    size_mb = path.stat().st_size / 1e6
    rss_before = rss_mb()

    from vasops.vac import crm
    from vasops.vac.models import NotifyOutbox, Subscription, UsageRecord

    committers = crm.COMMITTERS if args.committers is None else args.committers
    committers = committers if args.mode == "bulk" else 0  # the per-line actions run in turn
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        batch, _ = crm.ingest(fh, name=path.name, origin="inbox")
    t_ingest = time.perf_counter() - t0
    cpu0 = cpu_s()
    t0 = time.perf_counter()
    batch = crm.apply(batch, mode=args.mode, chunk_lines=args.chunk, committers=committers)
    t_apply = time.perf_counter() - t0
    cpu_apply = cpu_s() - cpu0
    load_after = os.getloadavg()
    total = t_ingest + t_apply
    rss_after = rss_mb()
    counts = (Subscription.objects.count(), NotifyOutbox.objects.count(), UsageRecord.objects.count())
    with open(path, "rb") as fh:  # CRM sends the same file again: received once, applied once
        again, created = crm.ingest(fh, name=path.name, origin="inbox")
    again = crm.apply(again, mode=args.mode, chunk_lines=args.chunk, committers=committers)
    resent_unchanged = (
        not created
        and again.pk == batch.pk
        and (Subscription.objects.count(), NotifyOutbox.objects.count(), UsageRecord.objects.count())
        == counts
    )
    if args.redis:
        from vasops.vac import cache

        cache.clear(args.redis, os.environ["VASOPS_VAC_CACHE_PREFIX"])
    lost = batch.lines_total - batch.lines_applied - batch.lines_failed
    result = {
        "size": args.size,
        "mode": args.mode,
        "chunk_lines": args.chunk or (crm.CHUNK_LINES if args.mode == "bulk" else crm.ACTIONS_CHUNK_LINES),
        "committers": committers,
        "redis": bool(args.redis),
        "lines": lines,
        "file_mb": round(size_mb, 1),
        "written": written,
        "lines_total": batch.lines_total,
        "lines_applied": batch.lines_applied,
        "exception_lines": batch.lines_failed,
        "lost_lines": lost,
        "generate_s": round(t_generate, 2),
        "ingest_s": round(t_ingest, 2),
        "apply_s": round(t_apply, 2),
        "total_s": round(total, 2),
        "lines_per_s": round(lines / t_apply) if t_apply else None,
        "apply_cpu_s": round(cpu_apply, 1),  # this process (PostgreSQL's backends not included)
        "load_avg_before": [round(v, 2) for v in load_before],
        "load_avg_after": [round(v, 2) for v in load_after],
        "budget_s": BUDGET_S,
        "pass": total <= BUDGET_S,
        "peak_rss_mb_before_apply": round(rss_before, 1),
        "peak_rss_mb": round(rss_after, 1),
        "rows": dict(zip(("subscriptions", "notifications", "cdrs"), counts, strict=True)),
        "resent_file_changes_nothing": resent_unchanged,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    print(
        f"CRM 批量文件 {lines:,} 行（{size_mb:.0f} MB，{args.mode}）："
        f"接收 {t_ingest:.1f}s，应用 {t_apply:.1f}s，"
        f"合计 {total:.1f}s（预算 {BUDGET_S:.0f}s，{'PASS' if result['pass'] else 'FAIL'}），"
        f"{result['lines_per_s']:,} 行/s；本进程 CPU {cpu_apply:.1f}s，{committers} 个提交连接"
        f"{'，含 Redis 失效' if args.redis else ''}；负载 {load_before[0]:.2f} → {load_after[0]:.2f}；"
        f"峰值 RSS {rss_after:.0f} MB（应用前 {rss_before:.0f} MB）；"
        f"异常行 {batch.lines_failed:,}（写入坏行 {written['bad']:,}），丢失 {lost}；"
        f"重发同一文件{'不改变任何数据' if resent_unchanged else '改变了数据！'}"
    )
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    path.unlink()
    failed = lost != 0 or batch.lines_failed != written["bad"] or not resent_unchanged
    if args.size == "full" and not result["pass"]:
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
