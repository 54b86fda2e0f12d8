"""Malformed uploads: every bad line reported with its number and reason, nothing half-imported;
GBK and UTF-8 read alike; Excel too."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.core import imports
from vasops.settlement.errors import SettlementError
from vasops.settlement.reconciliation import actions, rules
from vasops.settlement.reconciliation.models import Reconciliation, ReconciliationLine
from vasops.settlement.reconciliation.tests import factories as f

MONTH = dt.date(2026, 12, 1)
GOOD = [("2026-12-01", "1065880101", 2, 1000), ("2026-12-01", "1065880102", 1, 100)]


@pytest.fixture
def rec(world):
    return actions.open_reconciliation(actor=world.user_a, month=MONTH)


def messages_of(exc) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in exc.errors]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_utf8_and_gbk_files_are_read_alike(world, rec, encoding):
    rec = actions.upload_records(rec, actor=world.user_a, summary=f.summary_csv(GOOD, encoding=encoding))
    assert rec.state == Reconciliation.State.DIFFED
    assert rec.file_encoding == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gb18030"}[encoding]
    assert (rec.their_count, rec.their_fee_fen) == (3, 1100)


def test_a_gbk_file_with_chinese_in_the_body_is_not_mistaken_for_utf8():
    assert rules.detect_encoding("日期,产品代码\n".encode("gbk")) == "gb18030"
    assert rules.detect_encoding("日期,产品代码\n".encode()) == "utf-8"
    # a UTF-8 character cut by the end of the sample is still UTF-8
    assert rules.detect_encoding("日期".encode()[:-1]) == "utf-8"


def test_wrong_columns_refuse_the_file_naming_what_is_missing(world, rec):
    bad = f.csv_file("日期,产品代码,条数\n2026-12-01,1065880101,2\n")
    with pytest.raises(imports.ImportFileError) as err:
        actions.upload_records(rec, actor=world.user_a, summary=bad)
    assert "金额（分）" in err.value.message
    assert not ReconciliationLine.objects.exists()


def test_english_headers_and_tabs_are_accepted(world, rec):
    body = "day\tproduct_code\tcount\tfee_fen\n2026-12-01\t1065880101\t2\t1000\n"
    rec = actions.upload_records(rec, actor=world.user_a, summary=f.csv_file(body))
    assert rec.their_fee_fen == 1000


def test_every_bad_line_is_reported_and_nothing_is_imported(world, rec):
    body = (
        "日期,产品代码,条数,金额（分）\n"
        "2026-12-01,1065880101,2,1000\n"  # line 2 good
        "2026-12-01,1065880101,2,1000\n"  # 3 duplicate of 2
        "2026-12-02,1065880102,1,-100\n"  # 4 negative fee
        "2026-12-03,1065990101,1,300\n"  # 5 another partner's product
        "2026-12-03,9999999999,1,300\n"  # 6 unknown product
        "2027-01-01,1065880101,1,500\n"  # 7 outside the month
        "2026-12-04,1065880101,1\n"  # 8 wrong width
        "2026-12-05,1065880101,x,500\n"  # 9 count not a number
    )
    with pytest.raises(imports.ImportRefused) as err:
        actions.upload_records(rec, actor=world.user_a, summary=f.csv_file(body))
    assert err.value.code == SettlementError.RECONCILIATION_ROWS_INVALID
    found = messages_of(err.value)
    assert [row for row, _, _ in found] == [3, 4, 5, 6, 7, 8, 9]
    text = {row: message for row, _, message in found}
    assert "第 2 行" in text[3]
    assert "负数" in text[4]
    assert "不是本企业的产品" in text[5]
    assert "不存在" in text[6]
    assert "不在对账月份" in text[7]
    assert "列数不对" in text[8]
    assert "整数" in text[9]
    rec.refresh_from_db()
    assert rec.state == Reconciliation.State.OPEN and rec.uploads == 0
    assert not ReconciliationLine.objects.exists()


def test_an_excel_file_is_read_through_the_import_policy(world, rec):
    upload = f.xlsx_file(["日期", "产品代码", "条数", "金额（分）"], [["2026-12-01", "1065880101", 2, 1000]])
    rec = actions.upload_records(rec, actor=world.user_a, summary=upload)
    assert rec.file_encoding == "xlsx" and rec.their_fee_fen == 1000


def test_excel_with_a_negative_fee_is_refused_with_its_row(world, rec):
    upload = f.xlsx_file(["日期", "产品代码", "条数", "金额（分）"], [["2026-12-01", "1065880101", 2, -5]])
    with pytest.raises(imports.ImportRefused) as err:
        actions.upload_records(rec, actor=world.user_a, summary=upload)
    assert messages_of(err.value)[0][:2] == (2, "金额（分）")


def test_detail_duplicates_and_bad_times_refuse_everything_and_leave_no_file(world, rec):
    detail = f.detail_csv(
        [
            ("U1", "18602710001", "1065880102", 100, "2026-12-01 10:00:00"),
            ("U1", "18602710001", "1065880102", 100, "2026-12-01 10:00:00"),  # line 3 duplicate
            ("U9", "18602710001", "1065880102", 100, "2026-13-01 10:00:00"),  # line 4 bad time
            ("U8", "abc", "1065880102", -1, "2026-12-01 10:00:00"),  # line 5 msisdn and fee
        ]
    )
    with pytest.raises(imports.ImportRefused) as err:
        actions.upload_records(rec, actor=world.user_a, summary=f.summary_csv(GOOD), detail=detail)
    rows = {(row, column) for row, column, _ in messages_of(err.value)}
    assert {(4, "时间"), (5, "手机号码"), (5, "金额（分）")} <= rows
    assert not ReconciliationLine.objects.exists()
    leftovers = list(world.dirs.rec.glob("**/*.parquet")) if world.dirs.rec.exists() else []
    assert leftovers == []


def test_a_detail_duplicate_alone_is_found_after_reading(world, rec):
    detail = f.detail_csv(
        [
            ("U1", "18602710001", "1065880102", 100, "2026-12-01 10:00:00"),
            ("U2", "18602710001", "1065880102", 100, "2026-12-01 11:00:00"),
            ("U1", "18602710001", "1065880102", 100, "2026-12-01 10:00:00"),
        ]
    )
    with pytest.raises(imports.ImportRefused) as err:
        actions.upload_records(rec, actor=world.user_a, summary=f.summary_csv(GOOD), detail=detail)
    assert messages_of(err.value) == [(4, "话单编号", "重复：话单编号 U1 已在第 2 行出现。")]


def test_a_month_with_a_missing_export_day_cannot_be_diffed(world, rec):
    (world.dirs.cdr / "day=2026-12-17" / "part-0.parquet").unlink()
    with pytest.raises(Exception) as err:
        actions.upload_records(rec, actor=world.user_a, summary=f.summary_csv(GOOD))
    assert err.value.code == SettlementError.RECONCILIATION_CDR_MISSING
    assert "12-17" in err.value.message


def test_an_excel_detail_with_real_date_cells(world, rec):
    detail = f.xlsx_file(
        ["话单编号", "手机号码", "产品代码", "金额（分）", "时间"],
        [["U1", "18602710001", "1065880102", 100, dt.datetime(2026, 12, 1, 10, 0)]],
        name="detail.xlsx",
    )
    summary = f.xlsx_file(
        ["日期", "产品代码", "条数", "金额（分）"], [[dt.date(2026, 12, 1), "1065880102", 1, 100]]
    )
    rec = actions.upload_records(rec, actor=world.user_a, summary=summary, detail=detail)
    assert (
        rec.detail_rows == 1
        and rec.lines.get(day=dt.date(2026, 12, 1), product_code="1065880102").status == rules.MATCHED
    )
