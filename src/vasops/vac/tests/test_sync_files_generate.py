"""Order-relation sync files (VAC.md C.1): generation from the database, receipts, the worker sweep
and the command."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from vasops.vac import actions, syncfiles
from vasops.vac.models import NotifyOutbox, SpEndpoint, Subscription, SyncFile
from vasops.vac.protocol import soap
from vasops.vac.protocol import sync_files as codec
from vasops.vac.rules import SHANGHAI

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 10)


def at(hour: int, minute: int = 0, second: int = 0, day: dt.date = D) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=SHANGHAI)


NEXT_NIGHT = at(1, 30, day=D + dt.timedelta(days=1))


@pytest.fixture(autouse=True)
def _root(settings, tmp_path):
    settings.VASOPS_VAC_SYNC_ROOT = tmp_path / "sync"
    return tmp_path / "sync"


def note(partner, msisdn: str, product_code: str, update_type: int, when: dt.datetime) -> NotifyOutbox:
    """An outbox row as the actions write it (for volume and boundary tests)."""
    row = NotifyOutbox.objects.create(
        partner=partner,
        user_id=msisdn,
        service_type="90",
        sp_id=partner.enterprise_code,
        product_id=product_code,
        update_type=update_type,
        update_time=when.astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S"),
        time_stamp=when.astimezone(SHANGHAI).strftime("%m%d%H%M%S"),
        next_attempt_at=when,
        created_at=when,
    )
    row.record_sequence_id = f"{row.pk:018d}"
    row.save(update_fields=["record_sequence_id"])
    return row


def read(root: Path, sync_file: SyncFile) -> tuple[bytes, list[list[str]]]:
    data = (root / sync_file.path).read_bytes()
    header, _, body = data.partition(b"\n")
    lines = [line.decode("gbk").split("\t") for line in body.split(b"\n") if line]
    return header + b"\n", lines


def test_incremental_file_has_only_the_last_operation_per_relation_of_the_day(_root, partner, monthly):
    actions.subscribe(actor="crm", msisdn="13100000001", product=monthly, channel="crm", now=at(9))
    actions.unsubscribe(actor="crm", msisdn="13100000001", product=monthly, reason="不想要了", now=at(10))
    actions.subscribe(actor="crm", msisdn="13100000002", product=monthly, channel="crm", now=at(11))

    [f] = syncfiles.generate_day(D, now=NEXT_NIGHT)

    header, lines = read(_root, f)
    assert [(line[2], line[6]) for line in lines] == [("8613100000001", "2"), ("8613100000002", "1")]
    assert all(len(line) == 15 for line in lines)
    cancel = NotifyOutbox.objects.get(user_id="8613100000001", update_type=2)
    assert lines[0][0] == cancel.record_sequence_id and lines[0][4] == "90001"
    assert header[:4] == b"0001" and header[23:26] == b"902"
    assert header[26:40] == b"20260310100000" and header[40:54] == b"20260310110000"
    assert header[54:64] == b"0000000002"
    assert f.path == "VAC/SubscribeInfo/00090001/add/request/SubscribeInfo000900012026031101300710001.req"
    assert (f.kind, f.period, f.records, f.sequence, f.state) == ("add", D, 2, "0001", "generated")


def test_chinese_text_is_written_in_gbk(_root, partner, monthly):
    row = note(partner, "8613100000001", monthly.product_code, 1, at(9))
    NotifyOutbox.objects.filter(pk=row.pk).update(content="不想要了")  # content: free text (B.3)
    [f] = syncfiles.generate_day(D, now=NEXT_NIGHT)
    data = (_root / f.path).read_bytes()
    assert "\t不想要了\t".encode("gbk") in data
    assert "不想要了".encode() not in data


def test_records_are_signed_with_the_sps_order_key(_root, partner, monthly):
    SpEndpoint.objects.create(partner=partner, url="http://sp.example/notify", order_key="K3y")
    actions.subscribe(actor="crm", msisdn="13100000001", product=monthly, channel="crm", now=at(9))
    [f] = syncfiles.generate_day(D, now=NEXT_NIGHT)
    _, [line] = read(_root, f)
    assert line[14] == soap.encode_str("8613100000001", "K3y", monthly.product_code, line[13])


def test_a_file_never_spans_midnight(_root, partner):
    note(partner, "13100000001", "9000000001", 1, at(23, 59, 59))
    note(partner, "13100000002", "9000000001", 1, at(0, 0, 0, day=D + dt.timedelta(days=1)))

    [first] = syncfiles.generate_day(D, now=NEXT_NIGHT)
    [second] = syncfiles.generate_day(D + dt.timedelta(days=1), now=NEXT_NIGHT + dt.timedelta(days=1))

    assert [line[2] for line in read(_root, first)[1]] == ["13100000001"]
    assert [line[2] for line in read(_root, second)[1]] == ["13100000002"]
    assert (first.first_record_time, first.last_record_time) == ("20260310235959", "20260310235959")


def test_on_demand_notifications_are_not_order_relations(_root, partner):
    note(partner, "13100000001", "9000000001", 3, at(9))
    assert syncfiles.generate_day(D, now=NEXT_NIGHT) == []


def test_the_record_limit_opens_another_file(_root, make_partner):
    a, b = make_partner(enterprise_code="91001"), make_partner(enterprise_code="91002")
    for n in range(3):
        note(a, f"1310000000{n}", "9000000001", 1, at(9, n))
    for n in range(4):
        note(b, f"1320000000{n}", "9000000002", 1, at(9, n))

    files = syncfiles.generate_day(D, now=NEXT_NIGHT, limit=3)

    by_sp = {sp: [f for f in files if f.partner_id == sp.pk] for sp in (a, b)}
    assert [f.records for f in by_sp[a]] == [3]
    assert [(f.part, f.sequence, f.records) for f in by_sp[b]] == [(1, "0001", 3), (2, "0002", 1)]
    header, lines = read(_root, by_sp[b][1])
    assert header[:4] == b"0002" and header[54:64] == b"0000000001"
    assert [line[2] for line in lines] == ["13200000003"]


@pytest.mark.parametrize(("previous", "expected"), [("0005", "0006"), ("9999", "0001")])
def test_sequence_continues_per_sp_and_day_and_wraps(_root, partner, previous, expected):
    SyncFile.objects.create(
        partner=partner,
        kind="all",
        period=D.replace(day=1),
        sequence=previous,
        name="earlier.req",
        path="earlier.req",
        records=0,
        size=105,
        created_at=NEXT_NIGHT - dt.timedelta(minutes=20),
    )
    note(partner, "13100000001", "9000000001", 1, at(9))
    [f] = syncfiles.generate_day(D, now=NEXT_NIGHT)
    assert f.sequence == expected and f.name.endswith(f"071{expected}.req")
    assert (_root / f.path).read_bytes()[:4] == expected.encode()


def test_re_running_a_day_writes_nothing_twice(_root, partner):
    note(partner, "13100000001", "9000000001", 1, at(9))
    [f] = syncfiles.generate_day(D, now=NEXT_NIGHT)
    before = sorted(p.name for p in _root.rglob("*") if p.is_file())

    assert syncfiles.generate_day(D, now=NEXT_NIGHT + dt.timedelta(hours=1)) == []

    assert SyncFile.objects.get() == f
    assert sorted(p.name for p in _root.rglob("*") if p.is_file()) == before == [f.name]


def test_a_failed_run_leaves_neither_files_nor_rows(_root, partner, monkeypatch):
    note(partner, "13100000001", "9000000001", 1, at(9))

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(SyncFile.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        syncfiles.generate_day(D, now=NEXT_NIGHT)
    monkeypatch.undo()

    assert not SyncFile.objects.exists()
    assert [p for p in _root.rglob("*") if p.is_file()] == []
    assert len(syncfiles.generate_day(D, now=NEXT_NIGHT)) == 1  # and the next run does the day


def test_a_run_failing_after_some_renames_removes_the_files_it_renamed(_root, make_partner, monkeypatch):
    for n, sp in enumerate((make_partner(enterprise_code="91001"), make_partner(enterprise_code="91002"))):
        note(sp, f"1310000000{n}", "9000000001", 1, at(9))
    real_replace, calls = syncfiles.os.replace, []

    def replace_once(src, dst):
        calls.append(dst)
        if len(calls) > 1:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(syncfiles.os, "replace", replace_once)
    with pytest.raises(OSError):
        syncfiles.generate_day(D, now=NEXT_NIGHT)

    assert len(calls) == 2 and not SyncFile.objects.exists()
    assert [p for p in _root.rglob("*") if p.is_file()] == []


def test_full_file_lists_every_active_relation_once(_root, partner, make_product):
    p1, p2 = make_product(partner, code="9090001001"), make_product(partner, code="9090001002")
    kept = actions.subscribe(actor="crm", msisdn="13100000001", product=p1, channel="crm", now=at(9))
    actions.subscribe(actor="crm", msisdn="13100000001", product=p2, channel="crm", now=at(9))
    actions.unsubscribe(actor="crm", msisdn="13100000001", product=p2, now=at(10))
    actions.subscribe(actor="crm", msisdn="13100000002", product=p2, channel="crm", now=at(11))
    now = at(2, 10, day=dt.date(2026, 4, 1))

    [f] = syncfiles.generate_month(dt.date(2026, 4, 1), now=now)

    _, lines = read(_root, f)
    assert sorted((line[2], line[5], line[12]) for line in lines) == [
        ("8613100000001", "9090001001", "20370101000000"),  # open-ended: a far expireDate (B.3)
        ("8613100000002", "9090001002", "20370101000000"),
    ]
    assert f"202604{kept.subscription.pk:012d}" in [line[0] for line in lines]
    assert {line[6] for line in lines} == {"1"}
    assert f.path.startswith("VAC/SubscribeInfo/00090001/all/request/") and f.period == dt.date(2026, 4, 1)
    assert Subscription.objects.filter(state="active").count() == 2
    assert syncfiles.generate_month(dt.date(2026, 4, 15), now=now) == []


# --- receipts -------------------------------------------------------------------------------------


def _receipt(root: Path, f: SyncFile, box: str, data: bytes) -> Path:
    folder = root / codec.directory(f.kind, f.partner.enterprise_code, box)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f.name.replace(".req", ".rsp")
    path.write_bytes(data)
    return path


def _one_file(partner) -> SyncFile:
    note(partner, "13100000001", "9000000001", 1, at(9))
    note(partner, "13100000002", "9000000001", 1, at(9, 1))
    [f] = syncfiles.generate_day(D, now=NEXT_NIGHT)
    return f


def test_a_right_receipt_confirms_the_file_and_is_archived(_root, partner):
    f = _one_file(partner)
    path = _receipt(
        _root, f, "right", codec.format_receipt(sequence=1, created_at="20260311030000", total=2, correct=2)
    )

    report = syncfiles.read_receipts(now=NEXT_NIGHT + dt.timedelta(hours=2))

    f.refresh_from_db()
    assert report.recorded == 1 and (f.state, f.correct_records, f.error_code) == ("confirmed", 2, "")
    assert not path.exists() and (_root / "archive" / path.relative_to(_root)).exists()
    assert syncfiles.read_receipts().recorded == 0


def test_a_bad_receipt_records_the_file_level_code(_root, partner):
    f = _one_file(partner)
    data = codec.format_receipt(sequence=1, created_at="20260311030000", total=2, correct=0, error_code="160")
    _receipt(_root, f, "bad", data)
    syncfiles.read_receipts()
    f.refresh_from_db()
    assert (f.state, f.error_code, f.correct_records) == ("refused", "160", 0)


def test_a_semiwrong_receipt_records_the_failing_records(_root, partner):
    f = _one_file(partner)
    _, lines = read(_root, f)
    failing = ((lines[0][0], 0), (lines[1][0], 1))
    data = codec.format_receipt(sequence=1, created_at="20260311030000", total=2, correct=1, failing=failing)
    _receipt(_root, f, "semiwrong", data)
    syncfiles.read_receipts()
    f.refresh_from_db()
    assert (f.state, f.failing_ids, f.correct_records) == ("partial", [lines[1][0]], 1)


def test_unknown_and_unreadable_receipts_stay_and_are_reported(_root, partner):
    f = _one_file(partner)
    folder = _root / codec.directory("add", "90001", "right")
    folder.mkdir(parents=True)
    stranger = folder / "SubscribeInfo000900012026031101300719999.rsp"
    stranger.write_bytes(codec.format_receipt(sequence=1, created_at="20260311030000", total=0, correct=0))
    broken = _receipt(_root, f, "right", b"not a receipt\n")

    report = syncfiles.read_receipts()

    assert report.recorded == 0 and stranger.exists() and broken.exists()
    assert report.unknown == [str(stranger.relative_to(_root))]
    assert len(report.errors) == 1 and "header" in report.errors[0]
    f.refresh_from_db()
    assert f.state == "generated"


# --- worker and command ---------------------------------------------------------------------------


def test_the_sweep_writes_yesterday_after_one_and_the_month_after_two_on_the_first(_root, partner, monthly):
    actions.subscribe(
        actor="crm", msisdn="13100000001", product=monthly, channel="crm", now=at(9, day=dt.date(2026, 3, 31))
    )
    first = dt.date(2026, 4, 1)

    assert syncfiles.sweep(at(0, 50, day=first)) == {"receipts": 0}
    assert syncfiles.sweep(at(1, 5, day=first)) == {"add": 1, "receipts": 0}
    assert syncfiles.sweep(at(1, 20, day=first)) == {"receipts": 0}
    assert syncfiles.sweep(at(2, 5, day=first)) == {"all": 1, "receipts": 0}
    assert syncfiles.sweep(at(3, 0, day=first)) == {"receipts": 0}
    assert sorted(SyncFile.objects.values_list("kind", "period")) == [
        ("add", dt.date(2026, 3, 31)),
        ("all", first),
    ]


def test_the_command_generates_a_day_and_a_month_and_reads_receipts(_root, partner, monthly):
    actions.subscribe(actor="crm", msisdn="13100000001", product=monthly, channel="crm", now=at(9))
    out = io.StringIO()
    call_command("export_order_sync", "--day", "2026-03-10", "--month", "2026-03", "--receipts", stdout=out)
    text = out.getvalue()
    assert "2026-03-10 增量：生成 1 个文件，1 条记录" in text
    assert "2026-03 全量：生成 1 个文件，1 条记录" in text
    assert "回执：已记录 0 个" in text
    assert SyncFile.objects.count() == 2
    with pytest.raises(CommandError):
        call_command("export_order_sync", "--day", "10.03.2026")
    with pytest.raises(CommandError):
        call_command("export_order_sync")
