"""CDR export: a Shanghai business day → zstd Parquet, read back; re-runs replace, never duplicate."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from vasops.vac import actions, export

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _cdr_dir(settings, tmp_path):
    settings.VASOPS_CDR_DIR = tmp_path / "cdr"


def cdr(n: int, product, at: dt.datetime, fee: int = 100) -> None:
    actions.record_usage(
        cdr_id=f"T{n}", msisdn=f"130{n:08d}", product=product, fee_fen=fee, kind="per_use", at=at
    )


def read_day(day: dt.date):
    return pq.read_table(export.day_dir(day) / "part-0.parquet")


def test_a_day_is_its_shanghai_calendar_day_and_reads_back_with_counts_and_sums(per_use):
    start, end = export.day_bounds(DAY)
    assert start == dt.datetime(2026, 3, 9, 16, 0, tzinfo=dt.UTC)
    cdr(1, per_use, start, fee=100)  # first instant of the day
    cdr(2, per_use, end - dt.timedelta(microseconds=1), fee=250)  # last instant
    cdr(3, per_use, end, fee=999)  # next day
    cdr(4, per_use, start - dt.timedelta(seconds=1), fee=999)  # previous day
    result = export.export_day(DAY, batch_rows=1)
    table = read_day(DAY)
    assert (result.rows, result.fee_fen) == (2, 350)
    assert table.num_rows == 2 and sum(table.column("fee_fen").to_pylist()) == 350
    assert sorted(table.column("cdr_id").to_pylist()) == ["T1", "T2"]
    assert table.schema.field("at").type.tz == "UTC"
    meta = pq.ParquetFile(export.day_dir(DAY) / "part-0.parquet").metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_monthly_fees_come_first_and_never_share_a_row_group_with_per_use_cdrs(per_use, monthly):
    """Each row group's statistics of ``kind`` name one kind, so a reader summing one kind skips
    the other's row groups from the footer (settlement's per-use and monthly sums)."""
    start, _ = export.day_bounds(DAY)
    for n in range(7):  # interleaved in time and id: per-use, monthly, per-use, …
        product, kind = (monthly, "monthly") if n % 2 else (per_use, "per_use")
        actions.record_usage(
            cdr_id=f"M{n}",
            msisdn=f"131{n:08d}",
            product=product,
            fee_fen=100 + n,
            kind=kind,
            at=start + dt.timedelta(minutes=n),
        )
    result = export.export_day(DAY, batch_rows=2)
    assert (result.rows, result.fee_fen) == (7, 7 * 100 + 21)
    table = read_day(DAY)
    assert table.column("kind").to_pylist() == ["monthly"] * 3 + ["per_use"] * 4
    assert table.column("cdr_id").to_pylist() == ["M1", "M3", "M5", "M0", "M2", "M4", "M6"]
    meta = pq.ParquetFile(export.day_dir(DAY) / "part-0.parquet").metadata
    kind = table.schema.get_field_index("kind")
    groups = [meta.row_group(g).column(kind).statistics for g in range(meta.num_row_groups)]
    # batches of 2: [M1 M3] [M5] | [M0 M2] [M4 M6] — the monthly run's last batch is flushed alone
    assert [(s.min, s.max) for s in groups] == [("monthly", "monthly")] * 2 + [("per_use", "per_use")] * 2


def test_re_exporting_a_day_replaces_it_without_duplicates(per_use):
    start, _end = export.day_bounds(DAY)
    for n in range(5):
        cdr(n, per_use, start + dt.timedelta(hours=n))
    export.export_day(DAY)
    export.export_day(DAY)
    cdr(9, per_use, start + dt.timedelta(hours=9), fee=50)  # a late CDR: the re-run picks it up
    call_command("export_cdrs", "--day", DAY.isoformat())
    table = read_day(DAY)
    assert table.num_rows == 6 and sum(table.column("fee_fen").to_pylist()) == 550
    leftovers = [p.name for p in export.cdr_root().iterdir()]
    assert leftovers == [f"day={DAY.isoformat()}"]  # no temp or old directories left behind


def test_an_empty_day_writes_an_empty_file_and_the_dataset_reads_by_partition(per_use):
    start, _ = export.day_bounds(DAY)
    cdr(1, per_use, start)
    export.export_day(DAY)
    export.export_day(DAY + dt.timedelta(days=1))
    dataset = pq.read_table(export.cdr_root(), partitioning="hive")
    assert dataset.num_rows == 1
    assert read_day(DAY + dt.timedelta(days=1)).num_rows == 0


def test_a_failed_export_keeps_the_previous_day_file(per_use, monkeypatch):
    start, _ = export.day_bounds(DAY)
    cdr(1, per_use, start)
    export.export_day(DAY)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("pyarrow.parquet.ParquetWriter.write_table", broken)
    with pytest.raises(OSError):
        export.export_day(DAY)
    assert read_day(DAY).num_rows == 1
    assert [p.name for p in export.cdr_root().iterdir()] == [f"day={DAY.isoformat()}"]
