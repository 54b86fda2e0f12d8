"""CRM batch application: every line applied or in the exception file with its reason; a re-sent
file changes nothing twice; a crash resumes from the last committed chunk; both appliers agree."""

from __future__ import annotations

import io

import pytest

from vasops.vac import actions, crm
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

    monkeypatch.setattr(crm, "_apply_with_actions", no_actions)
    data = batch_bytes([rec(n, f"86130000000{n:02d}", monthly) for n in range(1, 6)])
    batch = crm.apply(receive(data), mode="bulk", chunk_lines=2)
    assert (batch.lines_applied, Subscription.objects.count()) == (5, 5)
