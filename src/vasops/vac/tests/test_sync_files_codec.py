"""Order-relation sync files (VAC.md C.1): byte-exact header, body, names and receipts."""

from __future__ import annotations

from datetime import datetime

import pytest

from vasops.vac.protocol import sync_files as codec
from vasops.vac.protocol.soap import NotifyRequest


def _request(**overrides: object) -> NotifyRequest:
    values: dict[str, object] = {
        "record_sequence_id": "251124000000000042",
        "user_id": "13012345678",
        "service_type": "90",
        "sp_id": "96001",
        "product_id": "9011000101",
        "update_type": 1,
        "update_time": "20251124093006",
        "update_desc": "10655001",
        "content": "天气",
        "effective_date": "20251124093006",
        "expire_date": "",
        "time_stamp": "1124093006",
    }
    values.update(overrides)
    return NotifyRequest(**values)  # type: ignore[arg-type]


def test_request_header_is_the_105_byte_fixed_line():
    header = codec.SyncHeader(
        sequence=7,
        created_at="20251125010203",
        first_record_time="20251124000001",
        last_record_time="20251124235959",
        record_count=1234,
    )
    expected = (
        b"0007"  # file sequence
        b"00000"  # version
        b"20251125010203"  # creation time
        b"902"  # producing system: VAC
        b"20251124000001"  # first record time
        b"20251124235959"  # last record time
        b"0000001234"  # records
        + b" " * 40  # reserve
        + b"\n"
    )
    assert codec.format_header(header) == expected
    assert len(expected) == 105


def test_header_refuses_a_count_that_does_not_fit():
    with pytest.raises(ValueError, match="record count"):
        codec.format_header(codec.SyncHeader(1, "20251125010203", "", "", 10**10))


def test_record_is_the_15_b3_fields_tab_separated_in_gbk():
    line = codec.format_record(_request())
    assert line == (
        b"251124000000000042\t1\t13012345678\t90\t96001\t9011000101\t1\t20251124093006\t10655001\t\t"
        b"\xcc\xec\xc6\xf8"  # 天气 in GBK (UTF-8 would be e5 a4 a9 e6 b0 94)
        b"\t20251124093006\t\t1124093006\t\n"
    )
    assert line.count(b"\t") == 14


def test_a_character_gbk_cannot_encode_becomes_a_question_mark():
    line = codec.format_record(_request(update_desc="退订😀"))
    assert line.split(b"\t")[8] == "退订?".encode("gbk")


def test_record_refuses_a_value_longer_than_its_b3_size():
    with pytest.raises(ValueError, match="updateDesc"):
        codec.format_record(_request(update_desc="x" * 101))


def test_file_name_matches_the_c1_example():
    name = codec.file_name("96001", datetime(2025, 3, 15, 9, 30, 59), "011", 1)
    assert name == "SubscribeInfo000960012025031509300110001.req"
    parsed = codec.parse_file_name(name)
    assert parsed == codec.SyncFileName("00096001", "202503150930", "011", 1, "req")
    assert parsed is not None and parsed.stem + ".rsp" == name.replace(".req", ".rsp")


@pytest.mark.parametrize(
    "name",
    [
        "SubscribeInfo000960012025031509300110001.txt",
        "SubscribeInfo00096001202503150930011001.req",  # sequence of 3 digits
        "subscribeinfo000960012025031509300110001.req",
        "SubscribeInfo000960012025031509300110001.req.part",
    ],
)
def test_names_that_are_not_sync_files_are_not_parsed(name):
    assert codec.parse_file_name(name) is None


def test_an_spid_of_more_than_8_digits_cannot_be_named():
    with pytest.raises(ValueError, match="SPID"):
        codec.file_name("123456789", datetime(2025, 3, 15), "011", 1)


def test_directories_per_sp_kind_and_box():
    assert str(codec.directory("add", "96001")) == "VAC/SubscribeInfo/00096001/add/request"
    assert (
        str(codec.directory("all", "96001", "semiwrong"))
        == "VAC/SubscribeInfo/00096001/all/response/semiwrong"
    )


@pytest.mark.parametrize(("previous", "following"), [(None, 1), (1, 2), (9998, 9999), (9999, 1)])
def test_sequence_counts_to_9999_then_wraps_to_0001(previous, following):
    assert codec.next_sequence(previous) == following


def _receipt_header(total: bytes, correct: bytes, reserve: bytes) -> bytes:
    return b"0003" + b"00000" + b"20251125030000" + b"000" + total + correct + reserve.ljust(40) + b"\n"


def test_a_right_receipt_is_a_header_only():
    data = _receipt_header(b"0000000005", b"0000000005", b"000")
    assert len(data) == 87
    receipt = codec.parse_receipt(data, "right")
    assert (receipt.box, receipt.sequence, receipt.total, receipt.correct) == (codec.Box.RIGHT, "0003", 5, 5)
    assert receipt.error_code == "" and receipt.failing == ()


def test_a_bad_receipt_carries_the_file_level_code_in_the_reserve_field():
    receipt = codec.parse_receipt(_receipt_header(b"0000000005", b"0000000000", b"160"), "bad")
    assert receipt.error_code == "160"
    assert receipt.correct == 0


def test_a_semiwrong_receipt_lists_the_failing_records():
    data = (
        _receipt_header(b"0000000003", b"0000000001", b"")
        + b"251124000000000001\t1\r\n"
        + b"251124000000000002\t0\n"
        + b"\n"
        + b"251124000000000003\t1\n"
    )
    receipt = codec.parse_receipt(data, "semiwrong")
    assert receipt.failing == ("251124000000000001", "251124000000000003")
    assert (receipt.total, receipt.correct) == (3, 1)


def test_the_receipt_writer_and_reader_agree():
    data = codec.format_receipt(
        sequence=3, created_at="20251125030000", total=2, correct=1, failing=(("251124000000000009", 1),)
    )
    assert data[:87] == _receipt_header(b"0000000002", b"0000000001", b"")
    assert codec.parse_receipt(data, "semiwrong").failing == ("251124000000000009",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"0003" + b"0" * 40 + b"\n", "header has"),
        (_receipt_header(b"00000000x5", b"0000000005", b""), "total records"),
        (_receipt_header(b"0000000002", b"0000000001", b"") + b"251124000000000001\n", "line 2"),
        (_receipt_header(b"0000000002", b"0000000001", b"") + b"251124000000000001\tX\n", "ResultCode"),
    ],
)
def test_unreadable_receipts_are_refused_with_the_reason(data, message):
    with pytest.raises(codec.ReceiptError, match=message):
        codec.parse_receipt(data, "semiwrong")
