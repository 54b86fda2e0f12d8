"""Profile one console page against an existing bench database (run bench/console.py first).

    PYTHONPATH=src .venv/bin/python bench/profile_page.py partners:list
    PYTHONPATH=src .venv/bin/python bench/profile_page.py partners:detail 17 --database vasops_bench

Prints the SQL of one request (with per-query time) and the top functions of a cProfile over
``--requests`` requests (cumulative time)."""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url_name")
    parser.add_argument("pk", nargs="?")
    parser.add_argument("--database", default="vasops_bench")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sql", action="store_true", help="print each query")
    args = parser.parse_args()

    from bench.console import setup_django

    source = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vasops")
    setup_django(urlunparse(urlparse(source)._replace(path=f"/{args.database}")))
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from vasops.core.models import User

    client = Client()
    client.force_login(User.objects.get(username="bench_staff"))
    url = reverse(args.url_name, args=[args.pk] if args.pk else [])
    for _ in range(3):
        client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        response = client.get(url)
        wall = (time.perf_counter() - t0) * 1000
    sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
    print(
        f"{url} → {response.status_code}, {len(response.content)} bytes, {wall:.1f} ms, "
        f"{len(ctx.captured_queries)} queries, {sql_ms:.1f} ms in SQL"
    )
    if args.sql:
        for q in ctx.captured_queries:
            print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:400]}")
    prof = cProfile.Profile()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(args.requests):
        client.get(url)
    prof.disable()
    n = args.requests
    print(
        f"mean wall {(time.perf_counter() - t0) * 1000 / n:.1f} ms, "
        f"mean python CPU {(time.process_time() - cpu0) * 1000 / n:.1f} ms per request"
    )
    pstats.Stats(prof).sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
