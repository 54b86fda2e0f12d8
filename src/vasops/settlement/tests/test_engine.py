"""The settlement formula, worked by hand, on the DuckDB engine (no database needed)."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.settlement import engine, rules
from vasops.settlement.tests.cdrs import random_month, shanghai, write_month

NOV = dt.date(2026, 11, 1)
JAN = dt.date(2026, 1, 1)
LINE_SMS, LINE_WAP = 1, 2
# products: (product, partner, business line)
PRODUCTS = [(11, 1, LINE_SMS), (12, 1, LINE_WAP), (21, 2, LINE_SMS)]
CONTRACTS = [
    engine.RatioRow(101, "contract", 7000, JAN, None, partner_id=1),
    engine.RatioRow(102, "contract", 7000, JAN, None, partner_id=2),
]


def run(tmp_path, cdrs, *, ratios=(), rates=None, adjustments=()):
    files = write_month(tmp_path, NOV, cdrs)
    inputs = engine.Inputs(NOV, files, PRODUCTS, [*CONTRACTS, *ratios], rates or {}, list(adjustments))
    table = engine.compute(inputs, "duckdb")
    return table.to_pylist()


def line(rows, product, ratio_version=None):
    found = [r for r in rows if r["product_id"] == product and ratio_version in (None, r["ratio_version_id"])]
    assert len(found) == 1, found
    return found[0]


def test_the_partner_share_is_rounded_half_up_at_the_half_fen(tmp_path):
    # 3 fen at 50 %: 1.5 fen → 2 to the partner, 1 to the carrier; they add up to the net
    rows = run(
        tmp_path,
        [(11, 1, 3, "per_use", shanghai(NOV))],
        ratios=[engine.RatioRow(5, "product", 5000, JAN, None, product_id=11)],
    )
    got = line(rows, 11)
    assert (got["gross_fen"], got["net_fen"], got["partner_share_fen"], got["carrier_share_fen"]) == (
        3,
        3,
        2,
        1,
    )
    # 1 fen at 70 %: 0.7 → 1; 0.4 stays 0 (1 fen at 40 %)
    assert rules.half_up_share(1, 7000) == 1 and rules.half_up_share(1, 4000) == 0
    # a negative half fen rounds away from zero too (-1.5 → -2)
    assert rules.half_up_share(-3, 5000) == -2


def test_the_lines_do_not_depend_on_how_the_kinds_are_laid_out_in_the_day_files(tmp_path):
    """Per-use and monthly fees are two filtered sums; the export writes each kind in row groups of
    its own so each sum skips the other's, but a file with the kinds mixed row by row (another
    writer, an older export) gives the same lines to the fen."""
    import pyarrow.parquet as pq

    products = [(11, 1), (12, 1), (21, 2)]
    mixed = random_month(tmp_path / "mixed", NOV, products=products, per_day=40)
    by_kind = random_month(tmp_path / "by_kind", NOV, products=products, per_day=40, by_kind=True)
    ratios = [*CONTRACTS, engine.RatioRow(5, "product", 8500, dt.date(2026, 11, 16), None, product_id=12)]

    def lines(files):
        inputs = engine.Inputs(NOV, files, PRODUCTS, ratios, {LINE_SMS: 150}, [])
        return engine.compute(inputs, "duckdb").to_pylist()

    got = lines(by_kind)
    assert got == lines(mixed)
    assert sum(r["monthly_fen"] for r in got) > 0 and sum(r["per_use_fen"] for r in got) > 0
    assert sum(r["cdr_count"] for r in got) == 40 * 30
    meta = pq.ParquetFile(by_kind[0]).metadata
    kinds = [meta.row_group(g).column(5).statistics for g in range(meta.num_row_groups)]
    assert [(k.min, k.max) for k in kinds] == [("monthly", "monthly"), ("per_use", "per_use")]


def test_a_ratio_version_changing_mid_month_splits_the_product_into_two_lines(tmp_path):
    change = engine.RatioRow(7, "product", 8000, dt.date(2026, 11, 16), None, product_id=11)
    rows = run(
        tmp_path,
        [
            (11, 1, 1000, "per_use", shanghai(dt.date(2026, 11, 15), 23, 59)),  # last day at 70 %
            (11, 1, 1000, "monthly", shanghai(dt.date(2026, 11, 16), 0, 1)),  # first day at 80 %
        ],
        ratios=[change],
    )
    before, after = line(rows, 11, 101), line(rows, 11, 7)
    assert (before["ratio_bp"], before["per_use_fen"], before["partner_share_fen"]) == (7000, 1000, 700)
    assert (after["ratio_bp"], after["monthly_fen"], after["partner_share_fen"]) == (8000, 1000, 800)


def test_a_product_ratio_overrides_the_business_line_and_the_contract(tmp_path):
    rows = run(
        tmp_path,
        [
            (11, 1, 1000, "per_use", shanghai(NOV)),
            (12, 1, 1000, "per_use", shanghai(NOV)),
            (21, 2, 1000, "per_use", shanghai(NOV)),
        ],
        ratios=[
            engine.RatioRow(8, "product", 9000, JAN, None, product_id=11),
            engine.RatioRow(9, "line", 6000, JAN, None, business_line_id=LINE_SMS),
            engine.RatioRow(10, "partner_line", 6500, JAN, None, partner_id=2, business_line_id=LINE_SMS),
        ],
    )
    assert line(rows, 11)["partner_share_fen"] == 900  # product 90 % beats line 60 % and contract
    assert line(rows, 12)["partner_share_fen"] == 700  # WAP: only the contract's 70 %
    assert line(rows, 21)["partner_share_fen"] == 650  # the partner's own SMS ratio beats the line's


def test_the_business_day_is_the_shanghai_date_not_the_utc_date(tmp_path):
    # 2026-11-30 23:30 Shanghai is 15:30 UTC the same day; 2026-12-01 00:30 Shanghai is still
    # 2026-11-30 in UTC but belongs to December: the export writes it into December's first file,
    # which November's run does not read.
    in_nov = shanghai(dt.date(2026, 11, 30), 23, 30)
    in_dec = shanghai(dt.date(2026, 12, 1), 0, 30)
    assert in_dec.astimezone(dt.UTC).date() == dt.date(2026, 11, 30)
    files = write_month(tmp_path, NOV, [(11, 1, 500, "monthly", in_nov)])
    write_month(tmp_path, dt.date(2026, 12, 1), [(11, 1, 300, "monthly", in_dec)])
    december_first = tmp_path / "day=2026-12-01" / "part-0.parquet"
    assert engine.file_day(december_first) == engine.day_number(dt.date(2026, 12, 1))
    # a month's input handed the neighbouring day's file too: that file's CDRs are not November's
    inputs = engine.Inputs(NOV, [*files, december_first], PRODUCTS, CONTRACTS, {}, [])
    rows = engine.compute(inputs, "duckdb").to_pylist()
    assert line(rows, 11)["monthly_fen"] == 500
    assert line(rows, 11)["cdr_count"] == 1


def test_a_day_file_holding_another_days_cdr_is_refused_not_settled_in_the_wrong_month(tmp_path):
    # the run takes the business day from the file (its footer statistics), so a file that holds
    # CDRs of two days (never written by the export) is refused, naming the file
    in_nov = shanghai(dt.date(2026, 11, 30), 23, 30)
    in_dec = shanghai(dt.date(2026, 12, 1), 0, 30)
    files = write_month(tmp_path, NOV, [(11, 1, 500, "monthly", in_nov)])
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vasops.settlement.tests.cdrs import schema

    last = pq.read_table(files[-1]).to_pylist()
    last.append({**last[0], "cdr_id": "DEC", "at": in_dec, "fee_fen": 300})
    pq.write_table(pa.Table.from_pylist(last, schema=schema()), files[-1])
    inputs = engine.Inputs(NOV, files, PRODUCTS, CONTRACTS, {}, [])
    with pytest.raises(engine.MixedDaysError) as exc:
        engine.compute(inputs, "duckdb")
    assert exc.value.path == files[-1]
    assert exc.value.days == (dt.date(2026, 11, 30), dt.date(2026, 12, 1))
    # without footer statistics the column itself is read: the same refusal
    pq.write_table(pa.Table.from_pylist(last, schema=schema()), files[-1], write_statistics=False)
    with pytest.raises(engine.MixedDaysError):
        engine.file_day(files[-1])


def test_refunds_exceeding_the_gross_make_a_negative_line(tmp_path):
    rows = run(
        tmp_path,
        [(11, 1, 1000, "per_use", shanghai(NOV))],
        adjustments=[engine.AdjustmentRow(1, 1, 11, "refund", -1500)],
    )
    got = line(rows, 11)
    # net −500 at 70 %: the partner owes 350, the carrier bears 150
    assert (got["refund_fen"], got["net_fen"], got["partner_share_fen"], got["carrier_share_fen"]) == (
        -1500,
        -500,
        -350,
        -150,
    )


def test_a_zero_usage_partner_has_no_line_unless_an_adjustment_concerns_it(tmp_path):
    rows = run(tmp_path, [(11, 1, 1000, "per_use", shanghai(NOV))])
    assert {r["partner_id"] for r in rows} == {1}
    rows = run(
        tmp_path,
        [(11, 1, 1000, "per_use", shanghai(NOV))],
        adjustments=[engine.AdjustmentRow(2, 2, None, "penalty", -1000)],
    )
    penalty = line(rows, engine.NO_PRODUCT)
    # a partner-level penalty is a product-less line at the partner's contract ratio
    assert (
        penalty["partner_id"],
        penalty["cdr_count"],
        penalty["penalty_fen"],
        penalty["ratio_version_id"],
    ) == (2, 0, -1000, 102)
    assert (penalty["net_fen"], penalty["partner_share_fen"], penalty["carrier_share_fen"]) == (
        -1000,
        -700,
        -300,
    )


def test_the_bad_debt_rate_deducts_its_share_of_the_gross_rounded_half_up(tmp_path):
    rows = run(
        tmp_path,
        [(11, 1, 10001, "per_use", shanghai(NOV)), (12, 1, 100, "per_use", shanghai(NOV))],
        rates={LINE_SMS: 150, LINE_WAP: 50},
    )
    sms, wap = line(rows, 11), line(rows, 12)
    # SMS: 10001 × 1.5 % = 150.015 → 150; net 9851 × 70 % = 6895.7 → 6896
    assert (sms["bad_debt_fen"], sms["net_fen"], sms["partner_share_fen"], sms["carrier_share_fen"]) == (
        -150,
        9851,
        6896,
        2955,
    )
    # WAP: 100 × 0.5 % = 0.5 → 1 (half up)
    assert (wap["bad_debt_fen"], wap["net_fen"]) == (-1, 99)


def test_every_kind_of_adjustment_enters_the_net_and_the_product_line_in_force_on_the_last_day(tmp_path):
    change = engine.RatioRow(7, "product", 8000, dt.date(2026, 11, 16), None, product_id=11)
    rows = run(
        tmp_path,
        [(11, 1, 1000, "per_use", shanghai(dt.date(2026, 11, 2)))],
        ratios=[change],
        adjustments=[
            engine.AdjustmentRow(1, 1, 11, "refund", -100),
            engine.AdjustmentRow(2, 1, 11, "penalty", -200),
            engine.AdjustmentRow(3, 1, 11, "dispute", 300),
            engine.AdjustmentRow(4, 1, 11, "manual", 50),
            engine.AdjustmentRow(5, 1, 11, "bad_debt", -10),
        ],
    )
    usage, adjusted = line(rows, 11, 101), line(rows, 11, 7)
    assert (usage["gross_fen"], usage["partner_share_fen"]) == (1000, 700)
    assert (adjusted["cdr_count"], adjusted["net_fen"]) == (0, -100 - 200 + 300 + 50 - 10)
    assert adjusted["partner_share_fen"] == 32  # 40 × 80 %
    assert sum(r["partner_share_fen"] + r["carrier_share_fen"] for r in rows) == sum(
        r["net_fen"] for r in rows
    )


def test_a_line_without_any_ratio_in_force_has_none(tmp_path):
    files = write_month(tmp_path, NOV, [(21, 2, 100, "per_use", shanghai(NOV))])
    inputs = engine.Inputs(NOV, files, PRODUCTS, CONTRACTS[:1], {}, [])
    rows = engine.compute(inputs, "duckdb").to_pylist()
    assert rows[0]["ratio_version_id"] is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((dt.date(2026, 1, 1), dt.date(2026, 2, 1)), (dt.date(2026, 2, 1), None), False),
        ((dt.date(2026, 1, 1), None), (dt.date(2026, 2, 1), dt.date(2026, 3, 1)), True),
        ((dt.date(2026, 1, 1), dt.date(2026, 1, 2)), (dt.date(2026, 1, 1), dt.date(2026, 1, 2)), True),
    ],
)
def test_validity_ranges_are_half_open(a, b, expected):
    assert rules.overlaps(*a, *b) is expected


def test_the_worked_example_of_the_finance_guide(tmp_path):
    """docs/finance-guide.md §2: product A (11) at 70 %, product B (21 here on partner 1) moving to
    80 % on 16 November, SMS bad debt 1.5 %, a refund and a product-less penalty."""
    products = [(11, 1, LINE_SMS), (21, 1, LINE_SMS)]
    files = write_month(
        tmp_path,
        NOV,
        [
            (11, 1, 6001, "per_use", shanghai(dt.date(2026, 11, 5))),
            (11, 1, 4000, "monthly", shanghai(dt.date(2026, 11, 1), 0, 10)),
            (21, 1, 1000, "per_use", shanghai(dt.date(2026, 11, 10))),
            (21, 1, 1000, "per_use", shanghai(dt.date(2026, 11, 20))),
        ],
    )
    ratios = [CONTRACTS[0], engine.RatioRow(7, "product", 8000, dt.date(2026, 11, 16), None, product_id=21)]
    adjustments = [
        engine.AdjustmentRow(1, 1, 11, "refund", -100),
        engine.AdjustmentRow(2, 1, None, "penalty", -50000),
    ]
    inputs = engine.Inputs(NOV, files, products, ratios, {LINE_SMS: 150}, adjustments)
    rows = engine.compute(inputs, "duckdb").to_pylist()
    a = line(rows, 11)
    assert (
        a["gross_fen"],
        a["bad_debt_fen"],
        a["net_fen"],
        a["partner_share_fen"],
        a["carrier_share_fen"],
    ) == (
        10001,
        -150,
        9751,
        6826,
        2925,
    )
    assert (line(rows, 21, 101)["partner_share_fen"], line(rows, 21, 7)["partner_share_fen"]) == (690, 788)
    penalty = line(rows, engine.NO_PRODUCT)
    assert (penalty["partner_share_fen"], penalty["carrier_share_fen"]) == (-35000, -15000)
    assert sum(r["partner_share_fen"] for r in rows) == -26696
    assert sum(r["carrier_share_fen"] for r in rows) == -11583
