"""The same Ibis expression on DuckDB and on Spark (PySpark local mode) gives identical lines on a
generated month (Java 17 runtime needed, as for production Spark)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from vasops.settlement import engine
from vasops.settlement.tests.cdrs import random_month

NOV = dt.date(2026, 11, 1)
JAN = dt.date(2026, 1, 1)

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="PySpark needs a Java runtime")


def test_duckdb_and_spark_compute_the_same_lines_for_a_generated_month(tmp_path):
    products = [(p, 1 + (p - 1) // 4) for p in range(1, 21)]  # 5 partners × 4 products
    files = random_month(tmp_path, NOV, products=products, per_day=150)
    ratios = [engine.RatioRow(i, "contract", 6000 + 500 * i, JAN, None, partner_id=i) for i in range(1, 6)]
    ratios += [
        engine.RatioRow(20, "product", 8333, dt.date(2026, 11, 11), dt.date(2026, 11, 21), product_id=3),
        engine.RatioRow(21, "line", 5555, JAN, None, business_line_id=2),
        engine.RatioRow(22, "partner_line", 7777, JAN, None, partner_id=4, business_line_id=1),
    ]
    adjustments = [
        engine.AdjustmentRow(1, 1, 3, "refund", -12345),
        engine.AdjustmentRow(2, 2, None, "penalty", -50000),
        engine.AdjustmentRow(3, 5, 19, "dispute", 777),
        engine.AdjustmentRow(4, 5, 19, "bad_debt", -3),
    ]
    inputs = engine.Inputs(
        NOV, files, [(p, partner, 1 + p % 2) for p, partner in products], ratios, {1: 133, 2: 47}, adjustments
    )
    duck = engine.compute(inputs, "duckdb")
    spark = engine.compute(inputs, "pyspark")
    key = ["partner_id", "product_id", "ratio_version_id"]
    assert (
        spark.sort_by([(k, "ascending") for k in key]).to_pylist()
        == duck.sort_by([(k, "ascending") for k in key]).to_pylist()
    )
    assert engine.totals(spark) == engine.totals(duck)
    assert engine.totals(duck)["cdr_count"] == 30 * 150
