"""The binary real-time interface: VAC.md A.11 vectors byte for byte, round trips, malformed PDUs."""

from __future__ import annotations

import dataclasses
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vasops.vac.protocol import binary as b
from vasops.vac.protocol.binary import (
    Address,
    Bind,
    BindResp,
    CheckPrice,
    CheckPriceConfirm,
    CheckPriceConfirmResp,
    CheckPriceResp,
    FrameReader,
    Handset,
    HandsetResp,
    ProtocolError,
    ResultCode,
    Tlv,
    TlvTag,
    UnBind,
    UnBindResp,
    decode,
    encode,
)
from vasops.vac.protocol.codes import describe

# ---- VAC.md A.11, "one line:" output of the reference script, unedited ----------------------
BIND_HEX = (
    "0000005a1000000100000001000000183234313730310000000000000000000000000000000000003030313730310000"
    "0000000000000000000000009498639580c54d794ebf20f39ea5dec43033313530393330303000000064"
)
BIND_RESP_HEX = "00000010800000010000000100000000"
HANDSET_HEX = "0000000c1000000300000002"
HANDSET_RESP_HEX = "0000000c8000000300000002"
CHECK_PRICE_HEX = (
    "000001501000000500000003000000183234313730310000000000000000000000000000000000003030313730310000"
    "0000000000000000000000003033313530393330303532343137303130303031000000015743444d4100000000003836"
    "31333031323334353637380000000000000000000000000000000000000000000000000000015743444d410000000000"
    "383631333031323334353637380000000000000000000000000000000000000000000000000000015743444d41000000"
    "000038363133303132333435363738000000000000000000000000000000000000000000000000000003393630303100"
    "000000000000000000000000000000393031313030303130310000000000000000000000202020202020202000000001"
    "323032353033313530393330303500000000013930000800013600090006444754515942151500083130363535303031"
)
CHECK_PRICE_RESP_HEX = (
    "0000003e800000050000000300000000ffffffff00000000000000000000000000000000000000000000000000000000"
    "0000000000000000001202000133"
)
CHECK_PRICE_CONFIRM_HEX = (
    "000000641000000600000004000000183234313730310000000000000000000000000000000000003030313730310000"
    "000000000000000000000000303331353039333030353234313730313030303100000000323032353033313530393330"
    "31303930"
)
CHECK_PRICE_CONFIRM_RESP_HEX = "00000010800000060000000400000000"
UNBIND_HEX = "0000000c1000000200000005"
UNBIND_RESP_HEX = "00000010800000020000000500000000"

SRC_ID, DST_ID, SECRET, TS = "241701", "001701", "vasops-test", "0315093000"
SEQNO = "0315093005" + SRC_ID + "0001"
MSISDN = "8613012345678"


def _pdu(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text)


def _check_price() -> CheckPrice:
    address = Address(1, "WCDMA", MSISDN)
    return CheckPrice(
        sequence_id=3,
        source_device_type=24,
        source_device_id=SRC_ID,
        dest_device_type=0,
        dest_device_id=DST_ID,
        sequence_number=SEQNO,
        oa=address,
        da=address,
        fa=address,
        service_id_type=3,
        sp_id="96001",
        service_id="9011000101",
        product_id="",
        service_updown_type=1,
        begin_time="20250315093005",
        resent_times=0,
        operation_type=1,
        service_type="90",
        tlvs=(Tlv.of(0x0008, "6"), Tlv.of(0x0009, "DGTQYB"), Tlv.of(0x1515, "10655001")),
    )


VECTORS = [
    pytest.param(
        BIND_HEX,
        Bind.create(
            sequence_id=1,
            source_device_type=24,
            source_device_id=SRC_ID,
            dest_device_type=0,
            dest_device_id=DST_ID,
            secret=SECRET,
            time_stamp=TS,
            version=100,
        ),
        id="Bind",
    ),
    pytest.param(BIND_RESP_HEX, BindResp(sequence_id=1, result_code=0), id="BindResp"),
    pytest.param(HANDSET_HEX, Handset(sequence_id=2), id="Handset"),
    pytest.param(HANDSET_RESP_HEX, HandsetResp(sequence_id=2), id="HandsetResp"),
    pytest.param(CHECK_PRICE_HEX, _check_price(), id="CheckPrice"),
    pytest.param(
        CHECK_PRICE_RESP_HEX,
        CheckPriceResp(
            sequence_id=3,
            result_code=0,
            confirm_interval=-1,
            need_confirm=0,
            original_address="",
            tlvs=(Tlv.of(TlvTag.FEE_TYPE, "3"),),
        ),
        id="CheckPriceResp",
    ),
    pytest.param(
        CHECK_PRICE_CONFIRM_HEX,
        CheckPriceConfirm(
            sequence_id=4,
            source_device_type=24,
            source_device_id=SRC_ID,
            dest_device_type=0,
            dest_device_id=DST_ID,
            sequence_number=SEQNO,
            err_code=0,
            end_time="20250315093010",
            service_type="90",
        ),
        id="CheckPriceConfirm",
    ),
    pytest.param(
        CHECK_PRICE_CONFIRM_RESP_HEX, CheckPriceConfirmResp(sequence_id=4, result_code=0), id="ConfirmResp"
    ),
    pytest.param(UNBIND_HEX, UnBind(sequence_id=5), id="UnBind"),
    pytest.param(UNBIND_RESP_HEX, UnBindResp(sequence_id=5, result_code=0), id="UnBindResp"),
]


@pytest.mark.parametrize(("hex_text", "message"), VECTORS)
def test_encode_gives_the_vac_md_vector_byte_for_byte(hex_text, message):
    assert encode(message).hex() == "".join(hex_text)


@pytest.mark.parametrize(("hex_text", "message"), VECTORS)
def test_decode_of_the_vac_md_vector_gives_the_message(hex_text, message):
    assert decode(_pdu(hex_text)) == message


def test_bind_authenticator_vector():
    digest = b.bind_authenticator(SRC_ID, SECRET, TS)
    assert digest.hex() == "9498639580c54d794ebf20f39ea5dec4"
    assert b.bind_authenticator_hex16(SRC_ID, SECRET, TS) == b"80c54d794ebf20f3"


def test_verify_bind_accepts_the_right_secret_only():
    bind = decode(_pdu(BIND_HEX))
    assert isinstance(bind, Bind)
    assert b.verify_bind(bind, SECRET)
    assert not b.verify_bind(bind, "wrong-secret")


def test_verify_bind_accepts_the_hex16_variant_only_when_allowed():
    bind = Bind(
        sequence_id=1,
        source_device_type=24,
        source_device_id=SRC_ID,
        dest_device_id=DST_ID,
        check_source=b"80c54d794ebf20f3",
        time_stamp=TS,
        version=100,
    )
    assert not b.verify_bind(bind, SECRET)
    assert b.verify_bind(bind, SECRET, allow_hex16=True)


def test_check_price_vector_field_offsets_as_read_in_vac_md():
    pdu = _pdu(CHECK_PRICE_HEX)
    assert struct.unpack_from(">I", pdu, 0xE6)[0] == 3  # ServiceIDType
    assert pdu[0xEA : 0xEA + 5] == b"96001"  # SP_ID
    assert struct.unpack_from(">I", pdu, 0x12F)[0] == 1  # Operation_Type
    assert pdu[0x133:0x135] == b"90"  # ServiceType
    assert pdu[0x135:0x139] == b"\x00\x08\x00\x01"  # first TLV at 12 + 297


def test_check_price_tlv_accessors():
    msg = decode(_pdu(CHECK_PRICE_HEX))
    assert isinstance(msg, CheckPrice)
    assert msg.access_no == "10655001"
    assert msg.sms_content == b"DGTQYB"
    assert msg.link_id is None
    assert msg.fee is None
    assert msg.product_id == ""  # 8 spaces on the wire


def test_check_price_resp_vector_reads_fee_type_and_failure_markers():
    msg = decode(_pdu(CHECK_PRICE_RESP_HEX))
    assert isinstance(msg, CheckPriceResp)
    assert msg.fee_type == 3
    assert msg.confirm_interval == -1


def test_tlv_value_padded_with_nuls_reads_stripped():
    resp = CheckPriceResp(sequence_id=9, tlvs=(Tlv(TlvTag.LINK_ID, b"0315093006123\x00\x00\x00"),))
    assert decode(encode(resp)).link_id == "0315093006123"  # type: ignore[union-attr]


def test_need_confirm_minus_one_is_sent_as_ff():
    resp = CheckPriceResp(sequence_id=1, result_code=1201, need_confirm=-1)
    pdu = encode(resp)
    assert pdu[12 + 8] == 0xFF
    assert decode(pdu) == resp


# ---- round trips -----------------------------------------------------------------------------

u32 = st.integers(0, 0xFFFFFFFF)
ascii_text = st.characters(min_codepoint=0x21, max_codepoint=0x7E)


def text(size: int) -> st.SearchStrategy[str]:
    # Inner spaces survive; trailing spaces are padding by definition (stripped on decode).
    return st.text(st.one_of(ascii_text, st.just(" ")), max_size=size).map(lambda s: s.rstrip(" "))


timestamps = st.datetimes().map(lambda d: d.strftime("%m%d%H%M%S"))
tlvs = st.lists(st.builds(Tlv, st.integers(0, 0xFFFF), st.binary(max_size=40)), max_size=5).map(tuple)
addresses = st.builds(Address, u32, text(10), text(36))

binds = st.builds(
    Bind,
    sequence_id=u32,
    source_device_type=u32,
    source_device_id=text(20),
    dest_device_type=u32,
    dest_device_id=text(20),
    check_source=st.binary(min_size=16, max_size=16),
    time_stamp=timestamps,
    version=u32,
)
check_prices = st.builds(
    CheckPrice,
    sequence_id=u32,
    source_device_type=u32,
    source_device_id=text(20),
    dest_device_type=u32,
    dest_device_id=text(20),
    sequence_number=text(20),
    oa=addresses,
    da=addresses,
    fa=addresses,
    service_id_type=u32,
    sp_id=text(21),
    service_id=text(21),
    product_id=text(8),
    service_updown_type=u32,
    begin_time=text(14),
    resent_times=st.integers(0, 255),
    operation_type=u32,
    service_type=text(2),
    tlvs=tlvs,
)
check_price_resps = st.builds(
    CheckPriceResp,
    sequence_id=u32,
    result_code=u32,
    confirm_interval=st.integers(-(2**31), 2**31 - 1),
    need_confirm=st.integers(-128, 127),
    original_address=text(36),
    tlvs=tlvs,
)
confirms = st.builds(
    CheckPriceConfirm,
    sequence_id=u32,
    source_device_type=u32,
    source_device_id=text(20),
    dest_device_type=u32,
    dest_device_id=text(20),
    sequence_number=text(20),
    err_code=u32,
    end_time=text(14),
    service_type=text(2),
)
messages = st.one_of(
    binds,
    st.builds(BindResp, sequence_id=u32, result_code=u32),
    st.builds(UnBind, sequence_id=u32),
    st.builds(UnBindResp, sequence_id=u32, result_code=u32),
    st.builds(Handset, sequence_id=u32),
    st.builds(HandsetResp, sequence_id=u32),
    check_prices,
    check_price_resps,
    confirms,
    st.builds(CheckPriceConfirmResp, sequence_id=u32, result_code=u32),
    st.builds(b.TrafficPrice, sequence_id=u32, body=st.binary(max_size=64)),
    st.builds(b.TrafficPriceResp, sequence_id=u32, result_code=u32, extra=st.binary(max_size=16)),
)


@pytest.mark.parametrize(
    "strategy",
    [
        pytest.param(binds, id="Bind"),
        pytest.param(check_prices, id="CheckPrice"),
        pytest.param(check_price_resps, id="CheckPriceResp"),
        pytest.param(confirms, id="CheckPriceConfirm"),
        pytest.param(messages, id="any"),
    ],
)
def test_round_trip(strategy):
    @settings(max_examples=150, deadline=None)
    @given(strategy)
    def check(message):
        pdu = encode(message)
        assert struct.unpack_from(">I", pdu)[0] == len(pdu)
        assert decode(pdu) == message

    check()


@given(messages)
@settings(max_examples=100, deadline=None)
def test_encode_is_stable_after_decode(message):
    pdu = encode(message)
    assert encode(decode(pdu)) == pdu


def test_encode_refuses_a_value_that_does_not_fit():
    with pytest.raises(ValueError, match="SP_ID"):
        encode(dataclasses.replace(_check_price(), sp_id="9" * 22))
    with pytest.raises(ValueError, match="not ASCII"):
        encode(CheckPriceResp(sequence_id=1, original_address="用户"))
    with pytest.raises(ValueError, match="unsigned"):
        encode(BindResp(sequence_id=1, result_code=-1))


# ---- malformed input ---------------------------------------------------------------------------


def _with_length(pdu: bytes, total: int) -> bytes:
    return struct.pack(">I", total) + pdu[4:]


def _error(data: bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        decode(data)
    return info.value


def test_short_header_is_invalid_pdu_length():
    err = _error(b"\x00\x00\x00\x0c\x10\x00")
    assert err.code == ResultCode.INVALID_PDU_LENGTH
    assert err.sequence_id is None
    assert b.error_response(err) is None


@pytest.mark.parametrize("total", [0, 11, 30 * 1024 + 1, 0xFFFFFFFF])
def test_total_length_out_of_bounds_is_invalid_pdu_length(total):
    err = _error(_with_length(_pdu(BIND_RESP_HEX), total))
    assert err.code == ResultCode.INVALID_PDU_LENGTH


def test_length_mismatch_is_invalid_pdu_length_and_answered():
    pdu = _pdu(BIND_HEX)
    err = _error(pdu + b"\x00")
    assert err.code == ResultCode.INVALID_PDU_LENGTH
    assert (err.command_id, err.sequence_id) == (0x10000001, 1)
    assert b.error_response(err) == BindResp(sequence_id=1, result_code=1)


def test_unknown_command_id_is_decode_failed_and_closes():
    err = _error(bytes.fromhex("0000000c1000000400000007"))
    assert err.code == ResultCode.DECODE_FAILED
    assert "0x10000004" in err.message
    assert b.error_response(err) is None


def test_reserved_content_abstract_is_unknown():
    assert _error(bytes.fromhex("0000000c1000000800000007")).code == ResultCode.DECODE_FAILED


def test_truncated_fixed_body_is_decode_failed():
    pdu = _pdu(CHECK_PRICE_HEX)[: 12 + 200]
    err = _error(_with_length(pdu, len(pdu)))
    assert err.code == ResultCode.DECODE_FAILED
    response = b.error_response(err)
    assert isinstance(response, CheckPriceResp)
    assert (response.sequence_id, response.result_code, response.need_confirm) == (3, 2, -1)
    assert response.return_message and "CheckPrice" in response.return_message


def test_bind_with_extra_bytes_is_decode_failed():
    pdu = _pdu(BIND_HEX) + b"\x00\x00"
    assert _error(_with_length(pdu, len(pdu))).code == ResultCode.DECODE_FAILED


def test_body_on_a_bodyless_command_is_decode_failed():
    pdu = _pdu(UNBIND_HEX) + b"\x00\x00\x00\x00"
    err = _error(_with_length(pdu, len(pdu)))
    assert err.code == ResultCode.DECODE_FAILED
    assert b.error_response(err) == UnBindResp(sequence_id=5, result_code=2)


def test_truncated_tlv_is_decode_failed():
    pdu = _pdu(CHECK_PRICE_HEX)[:-3]  # AccessNo TLV says 8 bytes, 5 left
    err = _error(_with_length(pdu, len(pdu)))
    assert (err.code, err.field) == (ResultCode.DECODE_FAILED, "TLV")
    pdu = _pdu(CHECK_PRICE_HEX) + b"\x15"  # a lone byte where a TLV header should start
    assert _error(_with_length(pdu, len(pdu))).code == ResultCode.DECODE_FAILED


def test_bad_bind_timestamp_is_timestamp_invalid_and_answered_105():
    pdu = bytearray(_pdu(BIND_HEX))
    pdu[12 + 64 : 12 + 74] = b"1399093000"  # month 13
    err = _error(bytes(pdu))
    assert (err.code, err.field) == (ResultCode.TIMESTAMP_INVALID, "Time_Stamp")
    assert b.error_response(err) == BindResp(sequence_id=1, result_code=105)


def test_non_ascii_text_field_is_field_invalid():
    pdu = bytearray(_pdu(CHECK_PRICE_CONFIRM_HEX))
    pdu[12 + 48] = 0xB2  # first byte of SequenceNumber
    err = _error(bytes(pdu))
    assert (err.code, err.field) == (ResultCode.FIELD_INVALID, "SequenceNumber")
    assert b.error_response(err) == CheckPriceConfirmResp(sequence_id=4, result_code=100)


def test_non_ascii_device_id_is_source_device_id_invalid():
    pdu = bytearray(_pdu(BIND_HEX))
    pdu[12 + 4] = 0xC4
    err = _error(bytes(pdu))
    assert (err.code, err.field) == (ResultCode.SOURCE_DEVICE_ID_INVALID, "SourceDevice_ID")
    assert b.error_response(err) == BindResp(sequence_id=1, result_code=102)


def test_text_field_is_cut_at_the_first_nul_and_trailing_spaces():
    pdu = bytearray(_pdu(BIND_HEX))
    pdu[12 + 4 : 12 + 24] = b"241701  \x00garbage\x00\x00\x00\x00"
    msg = decode(bytes(pdu))
    assert isinstance(msg, Bind)
    assert msg.source_device_id == "241701"


def test_error_response_for_a_response_pdu_is_none():
    err = _error(bytes.fromhex("0000000d800000010000000100"))
    assert err.code == ResultCode.DECODE_FAILED
    assert b.error_response(err) is None


# ---- FrameReader ---------------------------------------------------------------------------------

STREAM = b"".join(_pdu(h) for h, _ in (p.values for p in VECTORS))
FRAMES = [_pdu(h) for h, _ in (p.values for p in VECTORS)]


def test_frame_reader_whole_stream_in_one_chunk():
    reader = FrameReader()
    assert reader.feed(STREAM) == FRAMES
    assert reader.buffered == 0


@pytest.mark.parametrize("offset", range(len(STREAM) + 1))
def test_frame_reader_split_at_every_offset(offset):
    reader = FrameReader()
    frames = reader.feed(STREAM[:offset]) + reader.feed(STREAM[offset:])
    assert frames == FRAMES
    assert reader.buffered == 0


def test_frame_reader_byte_by_byte():
    reader = FrameReader()
    frames = []
    for i in range(len(STREAM)):
        frames += reader.feed(STREAM[i : i + 1])
    assert frames == FRAMES
    assert [type(decode(f)).__name__ for f in frames][:3] == ["Bind", "BindResp", "Handset"]


@given(st.lists(st.integers(0, len(STREAM)), max_size=12))
@settings(max_examples=200, deadline=None)
def test_frame_reader_any_chunking(cuts):
    points = sorted(set(cuts))
    chunks = [STREAM[a:b_] for a, b_ in zip([0, *points], [*points, len(STREAM)], strict=True)]
    reader = FrameReader()
    frames = [frame for chunk in chunks for frame in reader.feed(chunk)]
    assert frames == FRAMES


def test_frame_reader_keeps_a_partial_frame_buffered():
    reader = FrameReader()
    assert reader.feed(FRAMES[0][:50]) == []
    assert reader.buffered == 50


@pytest.mark.parametrize("total", [0, 11, 30 * 1024 + 1, 0x7FFFFFFF])
def test_frame_reader_refuses_absurd_lengths_and_stays_broken(total):
    reader = FrameReader()
    bad = struct.pack(">III", total, 0x10000005, 42)
    with pytest.raises(ProtocolError) as info:
        reader.feed(FRAMES[1] + FRAMES[2] + bad)
    assert info.value.code == ResultCode.INVALID_PDU_LENGTH
    assert info.value.sequence_id == 42
    assert info.value.frames == (FRAMES[1], FRAMES[2])  # the good frames before it are not lost
    assert b.error_response(info.value) == CheckPriceResp(
        sequence_id=42,
        result_code=1,
        need_confirm=-1,
        tlvs=(Tlv(TlvTag.RETURN_MESSAGE, info.value.message.encode()),),
    )
    with pytest.raises(ProtocolError):
        reader.feed(FRAMES[1])


def test_frame_reader_custom_limit():
    reader = FrameReader(max_length=100)
    assert reader.feed(FRAMES[0]) == [FRAMES[0]]  # Bind is 90 bytes
    with pytest.raises(ProtocolError):
        reader.feed(_pdu(CHECK_PRICE_HEX))  # 336 bytes


# ---- result codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "zh"),
    [(0, "成功"), (1200, "定购关系已存在"), (1201, "定购关系不存在"), (2000, "SP不存在"), (3101, "余额不足")],
)
def test_result_codes_have_chinese_and_english(code, zh):
    member = ResultCode(code)
    assert member.zh == zh
    assert member.en


def test_every_vac_md_result_code_is_in_the_enum():
    listed = {
        *range(0, 9), *range(100, 111), *range(500, 507), *range(600, 605), *range(1001, 1008),
        1099, 1100, *range(1103, 1108), *range(1200, 1207), 1600, 2000, 2001, 2002, 2100, 2101,
        *range(2200, 2206), 2209, *range(3000, 3004), *range(3100, 3110), *range(4001, 4006),
        4100, 4200, 4201,
    }  # fmt: skip
    assert {int(m) for m in ResultCode} == listed
    assert all(m.zh and m.en for m in ResultCode)


def test_describe_handles_crm_range_and_unknown_codes():
    assert describe(3101) == ("余额不足", "insufficient balance")
    assert describe(1623)[1] == "CRM returned error 23"
    assert describe(10001)[1] == "unknown result code 10001"
