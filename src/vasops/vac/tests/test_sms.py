"""SMS self-service over SGIP 1.2 (SGIP.md): the codec against the spec's test vectors, and on
real sockets VAC's SGIP client (Submit to the SMS gateway) and server (Deliver / Report from it),
with a small SGIP peer playing the SMS gateway (tests/sgip_peer.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator

import pytest

from vasops.vac import actions
from vasops.vac.models import NotifyOutbox, SmsMessage, Subscription
from vasops.vac.protocol import sgip
from vasops.vac.sms import outbox, texts
from vasops.vac.sms.server import SgipServer
from vasops.vac.tests.sgip_peer import SmgPeer

USER = "8613012345678"
NODE, WHEN = 3010096001, 315093000  # SGIP.md §11a
SMG = 101001

# --- the codec: SGIP.md §11a, byte for byte ------------------------------------------------------

VECTORS = {
    "bind": (
        sgip.Bind(
            sequence=sgip.Sequence(NODE, WHEN, 1), login_type=1, login_name="spuser", login_password="sppass"
        ),
        "0000003d00000001b36a6b8112c7f008000000010173707573657200000000000000000000737070617373000000000000000000"
        "000000000000000000",
    ),
    "bind_resp": (
        sgip.BindResp(sequence=sgip.Sequence(NODE, WHEN, 1), result=0),
        "0000001d80000001b36a6b8112c7f00800000001000000000000000000",
    ),
    "deliver": (
        sgip.Deliver(
            sequence=sgip.Sequence(SMG, WHEN, 7), user_number=USER, sp_number="10655001", content=b"DGTQYB"
        ),
        "000000530000000400018a8912c7f00800000007383631333031323334353637380000000000000000313036353530303100000000"
        "000000000000000000000000000000064447545159420000000000000000",
    ),
    "deliver_resp": (
        sgip.DeliverResp(sequence=sgip.Sequence(SMG, WHEN, 7), result=0),
        "0000001d8000000400018a8912c7f00800000007000000000000000000",
    ),
    "submit": (
        sgip.Submit(
            sequence=sgip.Sequence(NODE, WHEN, 2),
            sp_number="10655001",
            charge_number=USER,
            user_numbers=(USER,),
            corp_id="96001",
            service_type="TQYB",
            fee_type=3,
            fee_value="500",
            given_value="0",
            morelateto_mt_flag=2,
            report_flag=1,
            message_coding=15,
            content="天气晴".encode("gbk"),
        ),
        "000000aa00000003b36a6b8112c7f008000000023130363535303031000000000000000000000000003836313330313233343536"
        "37380000000000000000013836313330313233343536373800000000000000003936303031545159420000000000000335303000"
        "000030000000000000020000000000000000000000000000000000000000000000000000000000000000000100000f0000000006"
        "ccecc6f8c7e70000000000000000",
    ),
    "submit_resp": (
        sgip.SubmitResp(sequence=sgip.Sequence(NODE, WHEN, 2), result=0),
        "0000001d80000003b36a6b8112c7f00800000002000000000000000000",
    ),
    "report": (
        sgip.Report(
            sequence=sgip.Sequence(SMG, WHEN, 9),
            submit_sequence=sgip.Sequence(NODE, WHEN, 2),
            user_number=USER,
        ),
        "000000400000000500018a8912c7f00800000009b36a6b8112c7f00800000002003836313330313233343536373800000000000000"
        "0000000000000000000000",
    ),
    "unbind": (
        sgip.Unbind(sequence=sgip.Sequence(NODE, WHEN, 3)),
        "0000001400000002b36a6b8112c7f00800000003",
    ),
    "unbind_resp": (
        sgip.UnbindResp(sequence=sgip.Sequence(NODE, WHEN, 3)),
        "0000001480000002b36a6b8112c7f00800000003",
    ),
}


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_sgip_messages_encode_to_the_spec_vectors_and_decode_back(name):
    message, hex_text = VECTORS[name]
    assert sgip.encode(message).hex() == hex_text
    assert sgip.decode(bytes.fromhex(hex_text)) == message


def test_the_submit_vector_reads_as_sgip_md_describes_it():
    submit = sgip.decode(bytes.fromhex(VECTORS["submit"][1]))
    assert isinstance(submit, sgip.Submit)
    assert (submit.fee_type, submit.fee_value, submit.report_flag, submit.message_coding) == (3, "500", 1, 15)
    assert sgip.decode_content(submit.content, submit.message_coding) == "天气晴"
    assert len(sgip.encode(submit)) == 143 + 21 * 1 + 6


def test_frame_reader_splits_a_stream_and_refuses_an_absurd_length():
    stream = b"".join(bytes.fromhex(h) for _m, h in VECTORS.values())
    reader = sgip.FrameReader()
    frames = [f for i in range(0, len(stream), 7) for f in reader.feed(stream[i : i + 7])]
    assert [sgip.decode(f) for f in frames] == [m for m, _h in VECTORS.values()]
    with pytest.raises(sgip.SgipError):
        sgip.FrameReader().feed((4096).to_bytes(4, "big") + b"\x00" * 16)
    with pytest.raises(sgip.SgipError):
        sgip.decode(bytes.fromhex("0000001400000099b36a6b8112c7f00800000003"))  # unknown command


@pytest.mark.parametrize(
    ("text", "kind", "number"),
    [
        ("是", "confirm", 0),
        ("Y", "confirm", 0),
        (" y ", "confirm", 0),
        ("Ｙ", "confirm", 0),
        ("0000", "list", 0),
        ("０００００", "unsubscribe_all", 0),
        ("00000", "unsubscribe_all", 0),
        ("TD1", "unsubscribe", 1),
        ("td 12", "unsubscribe", 12),
        ("TD0", "unknown", 0),
        ("000", "unknown", 0),
        ("DGTQYB", "unknown", 0),
    ],
)
def test_replies_are_read_as_sgip_md_11_describes(text, kind, number):
    assert texts.parse_reply(text) == texts.Reply(texts.ReplyKind(kind), number)


@pytest.mark.parametrize(
    ("fen", "mode", "words"),
    [
        (500, "monthly", "5元/月"),
        (200, "per_use", "2元/次"),
        (50, "per_item", "0.5元/条"),
        (0, "free", "免费"),
    ],
)
def test_fees_are_written_in_yuan(fen, mode, words):
    assert texts.fee_text(fen, mode) == words


# --- on real sockets -------------------------------------------------------------------------------


@pytest.fixture
def smg() -> Iterator[SmgPeer]:
    peer = SmgPeer().up()
    yield peer
    peer.down()


@pytest.fixture
def config(smg) -> outbox.SgipConfig:
    return outbox.SgipConfig(
        smg=("127.0.0.1", smg.port),
        login="vac",
        password="vac-pass",
        node=3027000000,
        sms_number="10655133",
        corp_id="00000",
    )


@pytest.fixture
def vac_server() -> Iterator[int]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = SgipServer(login="smg", password="smg-pass")
    port = asyncio.run_coroutine_threadsafe(server.start("127.0.0.1", 0), loop).result(10)
    yield port
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


pytestmark_db = pytest.mark.django_db(transaction=True)


@pytestmark_db
def test_the_confirmation_sms_reaches_the_gateway_and_its_report_is_recorded(
    smg, config, vac_server, monthly
):
    actions.subscribe(actor="gateway", msisdn=USER, product=monthly, channel="web")
    assert outbox.send_due(config=config) == {"submitted": 1, "retried": 0, "failed": 0}
    (sent,) = smg.submitted
    assert (sent.user, sent.sp_number, sent.fee_type, sent.coding) == (USER, "10655133", 1, 15)
    assert f"“{monthly.name}”" in sent.text and "回复“是”或“Y”" in sent.text and "5元/月" in sent.text
    row = SmsMessage.objects.get()
    assert (row.state, row.submit_sequence) == ("submitted", str(sent.sequence))
    assert smg.binds[0].login_type == sgip.LoginType.SP_TO_SMG
    smg.connect(vac_server)
    assert smg.report(sent.sequence, USER, state=0).result == 0
    row.refresh_from_db()
    assert (row.state, row.report_state) == ("delivered", 0)
    assert outbox.send_due(config=config)["submitted"] == 0  # nothing sent twice


@pytestmark_db
def test_the_users_y_activates_the_relation_exactly_once(smg, config, vac_server, monthly):
    actions.subscribe(actor="gateway", msisdn=USER, product=monthly, channel="wap")
    assert smg.connect(vac_server).result == 0
    assert smg.deliver(USER, "Y").result == 0
    sub = Subscription.objects.get()
    assert sub.state == "active"
    assert NotifyOutbox.objects.filter(update_type=1).count() == 1
    assert smg.deliver(USER, "是").result == 0  # again: nothing pending any more
    assert NotifyOutbox.objects.filter(update_type=1).count() == 1
    assert list(sub.history.values_list("event", "actor_label")) == [
        ("requested", "gateway"),
        ("activated", "sms"),
    ]
    outbox.send_due(config=config)
    texts_sent = smg.texts_to(USER)
    assert len(texts_sent) == 3 and "您已成功订购" in texts_sent[1] and "没有待确认" in texts_sent[2]
    assert isinstance(smg.unbind(), sgip.UnbindResp)


@pytestmark_db
def test_0000_lists_the_subscriptions_and_td_and_00000_end_them_exactly_once(
    smg, config, vac_server, make_product, partner
):
    products = [make_product(partner, billing_mode="monthly", fee_fen=300) for _ in range(3)]
    for product in products:
        actions.subscribe(actor="crm", msisdn=USER, product=product, channel="crm")
    smg.connect(vac_server)
    assert smg.deliver(USER, "0000").result == 0
    outbox.send_due(config=config)
    (listing,) = smg.texts_to(USER)
    assert all(f"{i}.{p.name}" in listing for i, p in enumerate(products, start=1)) and "3元/月" in listing
    assert smg.deliver(USER, "TD2").result == 0
    assert smg.deliver(USER, "TD2").result == 0  # again: already ended, nothing more happens
    ended = Subscription.objects.get(product=products[1])
    assert ended.state == "unsubscribed"
    assert NotifyOutbox.objects.filter(update_type=2).count() == 1
    assert smg.deliver(USER, "00000").result == 0
    assert set(Subscription.objects.values_list("state", flat=True)) == {"unsubscribed"}
    assert NotifyOutbox.objects.filter(update_type=2).count() == 3
    assert smg.deliver(USER, "00000").result == 0  # nothing left
    outbox.send_due(config=config)
    answers = smg.texts_to(USER)[1:]
    assert "您已退订" in answers[0] and "无需重复" in answers[1]
    assert "全部2项" in answers[2] and "没有订购" in answers[3]


@pytestmark_db
def test_a_re_sent_deliver_is_handled_once_and_a_bad_login_is_refused(smg, vac_server, monthly):
    actions.subscribe(actor="gateway", msisdn=USER, product=monthly, channel="web")
    smg.connect(vac_server)
    seq = smg.sequence()
    assert smg.deliver(USER, "Y", sequence=seq).result == 0
    assert smg.deliver(USER, "Y", sequence=seq).result == 0  # §2: same number, same content
    assert SmsMessage.objects.filter(kind="reply").count() == 1
    assert smg.deliver(USER, "0000", sequence=seq).result == 9  # same number, other content
    intruder = SmgPeer()
    assert intruder.connect(vac_server, password="wrong").result == 1


@pytestmark_db
def test_a_gateway_that_is_down_leaves_the_messages_queued_and_they_are_sent_when_it_is_back(
    smg, config, monthly, free
):
    actions.subscribe(actor="gateway", msisdn=USER, product=monthly, channel="web")
    smg.down()
    now = dt.datetime.now(dt.UTC)
    assert outbox.send_due(now=now, config=config) == {"submitted": 0, "retried": 1, "failed": 0}
    row = SmsMessage.objects.get()
    assert row.state == "pending" and row.attempts == 1 and "短信网关" in row.last_error
    assert row.next_attempt_at == now + dt.timedelta(seconds=30)
    assert outbox.send_due(now=now + dt.timedelta(seconds=29), config=config)["retried"] == 0  # not due yet
    smg.up()  # back, on the same port
    assert outbox.send_due(now=now + dt.timedelta(seconds=30), config=config)["submitted"] == 1
    assert len(smg.submitted) == 1 and SmsMessage.objects.get().state == "submitted"
    smg.submit_result = 24  # refused by the gateway: retried later as well
    actions.subscribe(actor="gateway", msisdn="8613012345679", product=monthly, channel="web")
    assert outbox.send_due(now=now + dt.timedelta(minutes=1), config=config)["retried"] == 1
