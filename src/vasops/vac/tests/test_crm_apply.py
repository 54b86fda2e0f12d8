"""CRM batch application: every line applied or in the exception file with its reason; a re-sent
file changes nothing twice; a crash resumes from the last committed chunk; both appliers agree."""

from __future__ import annotations

import io
import os
import random
import threading
import uuid

import pytest

from vasops.vac import actions, crm
from vasops.vac.crm import applying as crm_apply
from vasops.vac.models import (
    Account,
    CrmBatchFile,
    NotifyOutbox,
    Subscription,
    SubscriptionHistory,
    UsageRecord,
)
from vasops.vac.protocol.crm_batch import RECEIPT_HEADER_BYTES, BatchHeader, format_header, format_record
from vasops.vac.protocol.soap import NotifyRequest

pytestmark = pytest.mark.django_db
MODES = ["bulk", "actions"]


@pytest.fixture(autouse=True)
def _crm_dirs(settings, tmp_path):
    settings.VASOPS_CRM_INBOX = tmp_path / "crm" / "inbox"
    settings.VASOPS_CRM_WORK = tmp_path / "crm" / "work"


def rec(n: int, msisdn: str, product, update_type: int = 1, sp: str | None = None, pid: str | None = None):
    return format_record(
        NotifyRequest(
            record_sequence_id=f"{n:06d}",
            user_id=msisdn,
            service_type="90",
            sp_id=sp or product.partner.enterprise_code,
            product_id=pid or product.product_code,
            update_type=update_type,
            update_time="20260310120000",
            update_desc="营业厅办理",
            time_stamp="0310120000",
        )
    )


def batch_bytes(lines: list[bytes], *, sequence: str = "0001", count: int | None = None) -> bytes:
    header = BatchHeader(
        sequence=sequence,
        version="00000",
        created_at="20260310120000",
        system_code="100",
        first_record_time="20260310000000",
        last_record_time="20260310235959",
        record_count=len(lines) if count is None else count,
    )
    return format_header(header) + b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines)


def receive(data: bytes, name: str = "crm_20260310_0001.txt") -> CrmBatchFile:
    batch, created = crm.ingest(io.BytesIO(data), name=name)
    assert created
    return batch


def exception_lines(batch: CrmBatchFile) -> tuple[bytes, list[tuple[bytes, str, str]]]:
    with batch.exception_file.file.open("rb") as fh:
        data = fh.read()
    header, body = data[:RECEIPT_HEADER_BYTES], data[RECEIPT_HEADER_BYTES:]
    out = []
    for line in body.splitlines():
        record, _, rest = line.rpartition(b"::")
        code, _, reason = rest.partition(b"\t")
        out.append((record, code.decode(), reason.decode("gbk")))
    return header, out


def snapshot(products=None):
    """The rows the application wrote, without ids; products → a stable letter."""
    names = {p.pk: chr(65 + i) for i, p in enumerate(products or [])}
    subs = Subscription.objects.all()
    if products:
        subs = subs.filter(product__in=products)
    ids = list(subs.values_list("id", flat=True))
    return (
        sorted(
            (m, names.get(p, p), s, c, lc)
            for m, p, s, c, lc in subs.values_list(
                "msisdn", "product_id", "state", "channel", "last_charged_month"
            )
        ),
        sorted(
            SubscriptionHistory.objects.filter(subscription_id__in=ids).values_list(
                "subscription__msisdn", "event", "from_state", "to_state", "actor_label"
            )
        ),
        sorted(
            # the expiry is a wall-clock timestamp: compare whether it is set, not its second
            (u, names.get(s, s), t, bool(e))
            for u, s, t, e in NotifyOutbox.objects.filter(subscription_id__in=ids).values_list(
                "user_id", "subscription__product_id", "update_type", "expire_date"
            )
        ),
        sorted(
            (m, names.get(p, p), f, k)
            for m, p, f, k in UsageRecord.objects.filter(product__in=products or []).values_list(
                "msisdn", "product_id", "fee_fen", "kind"
            )
        )
        if products
        else sorted(UsageRecord.objects.values_list("msisdn", "product_id", "fee_fen", "kind")),
    )


@pytest.mark.parametrize("mode", MODES)
def test_subscribe_and_unsubscribe_records_are_applied_like_the_actions(mode, monthly, free):
    data = batch_bytes(
        [
            rec(1, "8613000000001", monthly),
            rec(2, "13000000002", monthly),
            rec(3, "8613000000003", free),
            rec(4, "8613000000001", monthly, update_type=2),
        ]
    )
    batch = crm.apply(receive(data), mode=mode)
    assert (batch.state, batch.lines_total, batch.lines_applied, batch.lines_failed) == ("done", 4, 4, 0)
    states = dict(Subscription.objects.values_list("msisdn", "state"))
    assert states == {"13000000001": "unsubscribed", "13000000002": "active", "13000000003": "active"}
    assert Subscription.objects.filter(channel="crm").count() == 3
    # monthly charged once per new relation, free not charged
    assert UsageRecord.objects.filter(product=monthly).count() == 2
    assert not UsageRecord.objects.filter(product=free).exists()
    assert list(NotifyOutbox.objects.order_by("id").values_list("update_type", flat=True)) == [1, 1, 1, 2]
    assert all(len(r) == 18 for r in NotifyOutbox.objects.values_list("record_sequence_id", flat=True))
    ended = Subscription.objects.get(msisdn="13000000001")
    assert list(ended.history.values_list("event", flat=True)) == ["requested", "activated", "unsubscribed"]
    assert ended.history.last().reason == "CRM 批量文件 crm_20260310_0001.txt"
    _header, lines = exception_lines(batch)
    assert lines == []


def test_bulk_and_actions_appliers_write_the_same_rows(make_partner, make_product):
    results = []
    for n, mode in enumerate(MODES):
        partner = make_partner(enterprise_code=f"9500{n}")
        monthly = make_product(partner, billing_mode="monthly", fee_fen=500, code=f"909900{n}001")
        free = make_product(partner, billing_mode="free", fee_fen=0, code=f"909900{n}002")
        actions.subscribe(actor="gateway", msisdn="13000000009", product=monthly, channel="crm")
        data = batch_bytes(
            [
                rec(1, "8613000000001", monthly),
                rec(2, "8613000000001", monthly),  # already subscribed (same chunk)
                rec(3, "8613000000009", monthly, update_type=2),  # an existing relation ends
                rec(4, "8613000000009", monthly, update_type=2),  # not subscribed any more
                rec(5, "8613000000002", free),
                rec(6, "8613000000002", free, update_type=2),
                rec(7, "8613000000002", free),  # subscribes again after leaving
            ],
            sequence=f"000{n + 1}",
        )
        batch = crm.apply(receive(data, name=f"{mode}.txt"), mode=mode, chunk_lines=3)
        codes = [code for _r, code, _reason in exception_lines(batch)[1]]
        results.append((snapshot([monthly, free]), batch.lines_applied, batch.lines_failed, codes))
    bulk, per_line = results
    assert bulk == per_line
    assert bulk[1:] == (5, 2, ["507", "507"])
    assert len(bulk[0][0]) == 4 and len(bulk[0][2]) == 6


def test_every_bad_line_is_in_the_exception_file_with_its_reason_and_nothing_is_lost(monthly):
    good = rec(1, "8613000000001", monthly)
    lines = [
        good,
        b"only\tthree\tcolumns",  # wrong column count
        rec(3, "8612345", monthly),  # bad MSISDN
        rec(4, "8613000000004", monthly, pid="9999999999"),  # unknown product of a known SP
        rec(5, "8613000000005", monthly, sp="99999"),  # unknown SP
        rec(6, "8613000000006", monthly).replace("营业厅办理".encode("gbk"), b"\xff\xfe\x80"),  # not GBK
        rec(7, "8613000000001", monthly),  # already subscribed
        rec(8, "8613000000008", monthly, update_type=3),  # update type not allowed in a batch
    ]
    batch = crm.apply(receive(batch_bytes(lines)), mode="bulk")
    assert (batch.lines_total, batch.lines_applied, batch.lines_failed) == (8, 1, 7)
    header, bad = exception_lines(batch)
    assert header[26:36] == b"0000000008" and header[36:46] == b"0000000001"
    by_record = {record: (code, reason) for record, code, reason in bad}
    assert len(bad) == 7
    assert by_record[b"only\tthree\tcolumns"][0] == "500"
    assert (
        "第 3 行" in by_record[b"only\tthree\tcolumns"][1]
        and "3 columns" in by_record[b"only\tthree\tcolumns"][1]
    )
    codes = [code for _r, code, _reason in bad]
    assert codes == ["500", "503", "506", "505", "509", "507", "507"]
    reasons = [reason for _r, _c, reason in bad]
    assert "invalid MSISDN" in reasons[1]
    assert "结果码 2100" in reasons[2] and "结果码 2000" in reasons[3]
    assert "not GBK" in reasons[4] and "第 7 行" in reasons[4]
    assert "结果码 1200" in reasons[5]
    # the records are verbatim (original bytes), so CRM can re-send them
    assert lines[5].rstrip(b"\n") in by_record
    assert Subscription.objects.count() == 1


@pytest.mark.parametrize("mode", ["bulk", "actions"])
def test_a_nul_byte_in_a_record_is_an_exception_line_not_a_crash(mode, monthly):
    lines = [
        rec(1, "8613000000001", monthly),
        rec(2, "8613000000002", monthly).replace("营业厅办理".encode("gbk"), b"LK\x00X"),
        rec(3, "8613000000003", monthly),
    ]
    batch = crm.apply(receive(batch_bytes(lines)), mode=mode)
    assert (batch.lines_total, batch.lines_applied, batch.lines_failed) == (3, 2, 1)
    _header, bad = exception_lines(batch)
    assert len(bad) == 1 and "NUL byte" in bad[0][2]
    assert sorted(Subscription.objects.values_list("msisdn", flat=True)) == ["13000000001", "13000000003"]


def test_header_record_count_mismatch_is_reported_as_407(monthly):
    batch = crm.apply(receive(batch_bytes([rec(1, "8613000000001", monthly)], count=5)))
    assert batch.state == "done" and batch.file_error.startswith("407")
    assert [code for _r, code, _x in exception_lines(batch)[1]] == ["407"]


def test_a_file_with_a_bad_header_is_rejected_and_nothing_applied(monthly):
    data = b"garbage header\n" + rec(1, "8613000000001", monthly)
    batch = crm.apply(receive(data))
    assert batch.state == "rejected" and batch.file_error.startswith("160")
    header, lines = exception_lines(batch)
    assert header[48:51] == b"160" and lines == []
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("mode", MODES)
def test_resending_the_same_file_changes_nothing(mode, monthly):
    data = batch_bytes([rec(1, "8613000000001", monthly), rec(2, "8613000000002", monthly)])
    first = crm.apply(receive(data), mode=mode)
    before = snapshot(), NotifyOutbox.objects.count()
    again, created = crm.ingest(io.BytesIO(data), name="other-name.txt")
    assert not created and again.pk == first.pk
    crm.apply(again, mode=mode)
    # same name + sequence, other content (e.g. re-generated with a new time stamp)
    renamed = data.replace(b"20260310120000", b"20260310120001")
    third, created = crm.ingest(io.BytesIO(renamed), name=first.name)
    assert not created and third.pk == first.pk
    crm.apply(third, resume=True, mode=mode)
    assert (snapshot(), NotifyOutbox.objects.count()) == before
    assert CrmBatchFile.objects.count() == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_crash_resumes_from_the_last_committed_chunk(mode, monthly):
    lines = []
    for n in range(1, 12):
        lines.append(rec(n, f"86130000000{n:02d}", monthly))
        if n % 4 == 0:
            lines.append(b"bad\tline")
    data = batch_bytes(lines)
    batch = receive(data)
    with pytest.raises(crm.SimulatedCrash):
        crm.apply(batch, mode=mode, chunk_lines=3, crash_after_chunks=2)
    batch.refresh_from_db()
    assert batch.state == "applying" and batch.lines_total == 6 and batch.committed_offset > 105
    assert Subscription.objects.count() == 5  # 6 lines, one bad
    # a second worker does not take a file whose worker is alive …
    assert crm.apply(batch.pk, mode=mode).state == "applying"
    # … the resume does
    done = crm.apply(batch.pk, mode=mode, chunk_lines=3, resume=True)
    assert (done.state, done.lines_total, done.lines_applied, done.lines_failed) == ("done", 13, 11, 2)
    assert Subscription.objects.count() == 11
    assert NotifyOutbox.objects.count() == 11 and UsageRecord.objects.count() == 11
    assert SubscriptionHistory.objects.count() == 22
    _header, bad = exception_lines(done)
    assert [(r, c) for r, c, _ in bad] == [(b"bad\tline", "500"), (b"bad\tline", "500")]
    assert ["第 6 行" in bad[0][2], "第 11 行" in bad[1][2]] == [True, True]


def test_account_records_open_and_close_accounts(monthly):
    actions.subscribe(actor="gateway", msisdn="13000000001", product=monthly, channel="crm")
    data = batch_bytes(
        [
            rec(1, "8613000000002", monthly),
            rec(2, "8613000000001", monthly, update_type=11, sp="00000", pid="00000"),
            rec(3, "8613000000001", monthly),  # closed account
            rec(4, "8613000000003", monthly, update_type=10, sp="00000", pid="00000"),
        ]
    )
    batch = crm.apply(receive(data), mode="bulk")
    assert (batch.lines_applied, batch.lines_failed) == (3, 1)
    assert Account.objects.get(msisdn="13000000001").state == "closed"
    assert Account.objects.get(msisdn="13000000003").state == "open"
    assert Subscription.objects.get(msisdn="13000000001").state == "unsubscribed"
    assert [(c, "结果码 1001" in r) for _x, c, r in exception_lines(batch)[1]] == [("503", True)]


def test_sweep_receives_inbox_files_once_and_applies_them(settings, monthly):
    inbox = crm.inbox_dir()
    inbox.mkdir(parents=True)
    data = batch_bytes([rec(1, "8613000000001", monthly)])
    (inbox / "crm_0001.txt").write_bytes(data)
    [batch] = crm.sweep()
    assert batch.state == "done" and batch.origin == "inbox" and batch.lines_applied == 1
    assert not list(inbox.iterdir()) and (inbox.parent / "done" / "crm_0001.txt").exists()
    (inbox / "crm_0001_again.txt").write_bytes(data)  # the same file dropped again
    assert crm.sweep() == []
    assert Subscription.objects.count() == 1 and CrmBatchFile.objects.count() == 1


def test_the_bulk_applier_does_not_fall_back_to_per_line_actions(monkeypatch, monthly):
    def no_actions(*args, **kwargs):
        raise AssertionError("bulk chunk fell back to the per-line path")

    monkeypatch.setattr(crm_apply, "_apply_with_actions", no_actions)
    data = batch_bytes([rec(n, f"86130000000{n:02d}", monthly) for n in range(1, 6)])
    batch = crm.apply(receive(data), mode="bulk", chunk_lines=2)
    assert (batch.lines_applied, Subscription.objects.count()) == (5, 5)


# --- the set-based, pipelined applier against the actions, on a file that mixes everything ---


def _mixed_file(rng: random.Random, prefix: str, products: dict[str, object]) -> list[bytes]:
    """Lines of subscribes and unsubscribes of a few numbers to a few products, in random order
    (so chunks keep meeting relations the chunk before made or ended), with link ids that need
    escaping, bad lines, unknown products, a pseudo-code user and accounts closed and opened."""
    users = [f"86{prefix}{n:04d}" for n in range(12)]
    letters = sorted(products)
    lines = []
    for n in range(1, 321):
        roll = rng.random()
        user = rng.choice(users)
        product = products[rng.choice(letters)]
        if roll < 0.04:
            lines.append(b"bad\tline")
        elif roll < 0.06:
            lines.append(rec(n, user, product, pid="9099999999"))
        elif roll < 0.07:
            pseudo = b"\t2\tPSEUDO" + user[2:].encode()
            lines.append(rec(n, user, product).replace(b"\t1\t" + user.encode(), pseudo, 1))
        elif roll < 0.085:
            kind = rng.choice([10, 11])
            lines.append(rec(n, user, product, update_type=kind, sp="00000", pid="00000"))
        else:
            kind = 1 if rng.random() < 0.6 else 2
            line = rec(n, user, product, update_type=kind)
            link = rng.choice(["", "", "L" + str(n), "a\\b c", "长途"])
            fields = line.rstrip(b"\n").split(b"\t")
            fields[9] = link.encode("gbk")
            lines.append(b"\t".join(fields))
    return lines


def _full_snapshot(prefix: str, products: dict[str, object], batch: CrmBatchFile):
    """Everything the file did, run-independent: numbers without their run prefix, products as
    letters, each relation's history in order, the notifications and CDRs it got."""
    letter = {p.pk: name for name, p in products.items()}
    codes = {p.product_code: name for name, p in products.items()}
    sp = next(iter(products.values())).partner.enterprise_code
    access = {p.access_number for p in products.values()}  # per partner: differs between runs

    def norm(text):
        text = text.replace(prefix, "<u>").replace(sp, "<sp>")
        for code, name in codes.items():
            text = text.replace(code, f"<{name}>")
        return text

    subs = Subscription.objects.filter(product__in=products.values()).order_by("id")
    relations = []
    for sub in subs:
        history = [
            (h.event, h.from_state, h.to_state, h.channel, h.actor_label, h.reason)
            for h in sub.history.order_by("id")
        ]
        notes = [
            (
                n.update_type,
                "<access number>" if n.update_desc in access else n.update_desc,
                n.link_id,
                bool(n.effective_date),
                bool(n.expire_date),
                n.state,
            )
            for n in sub.notifications.order_by("id")
        ]
        assert all(len(r) == 18 for r in sub.notifications.values_list("record_sequence_id", flat=True))
        cdrs = sorted(
            (c.fee_fen, c.kind, c.cdr_id == f"M{sub.pk}-{c.cdr_id.rsplit('-', 1)[1]}")
            for c in UsageRecord.objects.filter(msisdn=sub.msisdn, product_id=sub.product_id)
            if c.cdr_id.startswith(f"M{sub.pk}-")
        )
        relations.append(
            (
                norm(sub.msisdn),
                letter[sub.product_id],
                sub.state,
                sub.channel,
                sub.link_id,
                sub.last_charged_month,
                sub.effective_at is not None,
                sub.expiry_at is not None,
                history,
                notes,
                cdrs,
            )
        )
    header, bad = exception_lines(batch)
    accounts = sorted(
        (norm(m), state)
        for m, state in Account.objects.filter(msisdn__startswith=prefix).values_list("msisdn", "state")
    )
    return (
        sorted(relations),
        accounts,
        [(norm(r.decode("gbk", "replace")), c, norm(reason)) for r, c, reason in bad],
        header[26:46],
        (batch.state, batch.lines_total, batch.lines_applied, batch.lines_failed),
    )


RUNS = [("actions", 0), ("bulk", 0), ("bulk", 2), ("bulk", 3)]


@pytest.mark.django_db(transaction=True)
def test_every_applier_writes_what_the_actions_write(make_partner, make_product, settings, tmp_path):
    """Per-line actions, set-based one chunk at a time, and set-based pipelined over two and
    three connections: the same relations, history, notifications, CDRs, exception lines."""
    results = []
    for n, (mode, committers) in enumerate(RUNS):
        partner = make_partner(enterprise_code=f"9600{n}")
        products = {
            "A": make_product(partner, billing_mode="monthly", fee_fen=500, code=f"909800{n}001"),
            "B": make_product(partner, billing_mode="free", fee_fen=0, code=f"909800{n}002"),
            "C": make_product(partner, billing_mode="per_use", fee_fen=100, code=f"909800{n}003"),
            "D": make_product(
                partner, billing_mode="monthly", fee_fen=300, code=f"909800{n}004", unicom_status="5"
            ),
        }
        prefix = f"13{n}0000"
        # what the numbers had before the file: an active and a pending relation, a closed
        # account, a number blocked for every service type
        actions.subscribe(actor="gateway", msisdn=f"{prefix}0001", product=products["A"], channel="crm")
        actions.subscribe(actor="gateway", msisdn=f"{prefix}0002", product=products["A"], channel="sms")
        actions.subscribe(actor="gateway", msisdn=f"{prefix}0003", product=products["B"], channel="crm")
        actions.close_account(actor="system", msisdn=f"{prefix}0004")
        actions.block_user(actor="system", msisdn=f"{prefix}0005", service_type="00")
        lines = _mixed_file(random.Random(7), prefix, products)
        batch = receive(batch_bytes(lines, sequence=f"00{n + 1:02d}"), name="crm_mixed.txt")
        batch = crm.apply(batch, mode=mode, chunk_lines=9, committers=committers)
        results.append(_full_snapshot(prefix, products, batch))
    reference = results[0]
    assert reference[4][0] == "done" and reference[4][3] > 30  # the file does refuse things
    assert {code for _r, code, _x in reference[2]} >= {"500", "503", "506", "507"}
    assert {state for _m, state in reference[1]} == {"open", "closed"}  # accounts came and went
    for (mode, committers), result in zip(RUNS[1:], results[1:], strict=True):
        assert result == reference, (mode, committers)


@pytest.mark.django_db(transaction=True)
def test_a_relation_ended_meanwhile_is_decided_again_inside_the_transaction(monkeypatch, monthly):
    """The pipelined applier plans a chunk before writing it: a relation the gateway ends in
    between is seen when the chunk's transaction ends it (the row is no longer as planned), and
    the chunk is decided again from the committed state — as the actions would have."""
    actions.subscribe(actor="gateway", msisdn="13000000001", product=monthly, channel="crm")
    lines = [rec(n, f"86130000001{n:02d}", monthly) for n in range(1, 7)]
    lines += [rec(7, "8613000000001", monthly, update_type=2), rec(8, "8613000000001", monthly)]
    lines += [rec(n, f"86130000002{n:02d}", monthly) for n in range(9, 15)]
    original = crm._Bulk.writes
    calls = []

    def planned_then_ended(self, plan, now):
        calls.append(len(plan.ended))
        if plan.ended and len(calls) == 2:  # the gateway unsubscribes before the chunk commits
            actions.unsubscribe(actor="gateway", msisdn="13000000001", product=monthly)
        return original(self, plan, now)

    monkeypatch.setattr(crm._Bulk, "writes", planned_then_ended)
    batch = crm.apply(receive(batch_bytes(lines)), chunk_lines=4, committers=2)
    assert (batch.state, batch.lines_total, batch.lines_applied, batch.lines_failed) == ("done", 14, 13, 1)
    _header, bad = exception_lines(batch)
    assert [(c, "结果码 1201" in reason, "第 8 行" in reason) for _r, c, reason in bad] == [
        ("507", True, True)
    ]
    # the line-8 unsubscribe was refused (the gateway had ended it), the line-9 subscribe applied
    ended, again = Subscription.objects.filter(msisdn="13000000001").order_by("id")
    assert (ended.state, again.state) == ("unsubscribed", "active")
    assert list(ended.history.values_list("actor_label", flat=True)) == ["gateway", "gateway", "gateway"]
    assert Subscription.objects.filter(state="active").count() == 13


@pytest.mark.django_db(transaction=True)
def test_a_relation_made_meanwhile_is_decided_again_inside_the_transaction(monkeypatch, monthly):
    """A number the gateway subscribes between plan and commit: the chunk's insert meets it
    (unique live relation) and the chunk is decided again — the line is refused (1200)."""
    lines = [rec(n, f"86130000001{n:02d}", monthly) for n in range(1, 9)]
    original = crm._Bulk.writes

    def planned_then_subscribed(self, plan, now):
        if any(rel.msisdn == "13000000106" for rel in plan.new):
            actions.subscribe(actor="gateway", msisdn="13000000106", product=monthly, channel="crm")
        return original(self, plan, now)

    monkeypatch.setattr(crm._Bulk, "writes", planned_then_subscribed)
    batch = crm.apply(receive(batch_bytes(lines)), chunk_lines=3, committers=2)
    assert (batch.lines_applied, batch.lines_failed) == (7, 1)
    assert [(c, "结果码 1200" in r) for _x, c, r in exception_lines(batch)[1]] == [("507", True)]
    assert Subscription.objects.filter(msisdn="13000000106").count() == 1
    assert Subscription.objects.filter(state="active").count() == 8


@pytest.mark.django_db(transaction=True)
def test_a_relations_history_reads_in_line_order_when_a_later_chunk_writes_first(monkeypatch, monthly):
    """Pipelined chunks write their new rows at once: here the chunk that unsubscribes a
    relation copies its rows before the chunk that created it. The history still reads
    requested, activated, unsubscribed (its ids follow the plans, not the COPYs)."""
    lines = [rec(1, "8613000000001", monthly), rec(2, "8613000000002", monthly)]
    lines += [rec(3, "8613000000001", monthly, update_type=2), rec(4, "8613000000003", monthly)]
    original = crm._Bulk.write_new
    first_copied, order = threading.Event(), []

    def first_chunk_late(self, writes):
        if "13000000002" in writes.touched:  # the first chunk waits until the second has copied
            first_copied.wait(5)
        original(self, writes)
        order.append(writes.touched)
        first_copied.set()

    monkeypatch.setattr(crm._Bulk, "write_new", first_chunk_late)
    batch = crm.apply(receive(batch_bytes(lines)), chunk_lines=2, committers=2)
    assert (batch.state, batch.lines_applied, batch.lines_failed) == ("done", 4, 0)
    assert [touched for touched in order if touched] == [
        ["13000000001", "13000000003"],
        ["13000000001", "13000000002"],
    ]
    ended = Subscription.objects.get(msisdn="13000000001")
    assert list(ended.history.values_list("event", flat=True)) == ["requested", "activated", "unsubscribed"]


@pytest.mark.django_db(transaction=True)
def test_a_pipelined_run_that_crashes_resumes_from_its_last_commit(monthly):
    lines = [rec(n, f"86130000000{n:02d}", monthly) for n in range(1, 12)]
    lines += [
        rec(12, "8613000000001", monthly, update_type=2),
        rec(13, "8613000000002", monthly, update_type=2),
    ]
    batch = receive(batch_bytes(lines))
    with pytest.raises(crm.SimulatedCrash):
        crm.apply(batch, chunk_lines=2, crash_after_chunks=3, committers=2)
    batch.refresh_from_db()
    assert (batch.state, batch.lines_total, Subscription.objects.count()) == ("applying", 6, 6)
    done = crm.apply(batch.pk, chunk_lines=2, resume=True, committers=2)
    assert (done.state, done.lines_total, done.lines_applied, done.lines_failed) == ("done", 13, 13, 0)
    assert dict(
        Subscription.objects.values_list("msisdn", "state").filter(msisdn__in=["13000000001", "13000000003"])
    ) == {
        "13000000001": "unsubscribed",
        "13000000003": "active",
    }
    assert SubscriptionHistory.objects.count() == 11 * 2 + 2
    assert NotifyOutbox.objects.count() == 13 and UsageRecord.objects.count() == 11


@pytest.mark.django_db(transaction=True)
def test_the_gateways_cached_state_of_every_changed_number_is_dropped_on_commit(settings, monthly):
    import redis

    from vasops.vac import cache

    url = os.environ.get("VASOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    prefix = f"crmtest:{uuid.uuid4().hex[:8]}:"
    settings.VASOPS_VAC_REDIS_URL = url
    settings.VASOPS_VAC_CACHE_PREFIX = prefix
    client = redis.Redis.from_url(url)
    keys = cache.Keys(prefix)
    try:
        actions.subscribe(actor="gateway", msisdn="13000000003", product=monthly, channel="crm")
        for msisdn in ("13000000001", "13000000002", "13000000003", "13000000009"):
            client.hset(keys.user(msisdn), mapping={"_": "1"})
        lines = [
            rec(1, "8613000000001", monthly),
            rec(2, "8613000000002", monthly),
            rec(3, "8613000000003", monthly),  # already subscribed: refused, nothing changes
        ]
        crm.apply(receive(batch_bytes(lines)), committers=2)
        for changed in ("13000000001", "13000000002"):
            assert not client.exists(keys.user(changed))
            assert client.exists(keys.gen(changed)) and not client.exists(keys.dirty(changed))
        for untouched in ("13000000003", "13000000009"):
            assert client.hgetall(keys.user(untouched)) == {b"_": b"1"}
    finally:
        cache.clear(url, prefix)


def test_the_cache_round_trip_loads_a_script_redis_does_not_know(settings):
    """One EVALSHA per user, sent at once; a script Redis has not seen (restarted) goes through
    redis-py's pipeline, which loads it — every user is handled either way."""
    import redis

    url = os.environ.get("VASOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    prefix = f"crmtest:{uuid.uuid4().hex[:8]}:"
    client = redis.Redis.from_url(url)
    script = f"-- {prefix}\nreturn redis.call('SET', KEYS[1], ARGV[1])"  # a script of its own
    users = [f"130000{n:05d}" for n in range(300)]
    try:
        for ttl in (7, 8):  # not loaded yet, then loaded
            crm._each_user(client, script, [lambda m: f"{prefix}{m}"], users, ttl)
            assert {client.get(f"{prefix}{m}") for m in users} == {str(ttl).encode()}
    finally:
        client.delete(*[f"{prefix}{m}" for m in users])
