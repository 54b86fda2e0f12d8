"""CRM beyond the batch files: real-time account open/close and number change (REST, with SP
notifications delivered over real HTTP to a fake SP), batch changes reaching the SP only in the
sync files, and the VAC → CRM exception file with CRM's receipt."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission

from vasops.core import clock
from vasops.vac import actions, crm, syncfiles, tasks
from vasops.vac.crm import exception_file
from vasops.vac.models import (
    Account,
    CrmExceptionFile,
    NotifyOutbox,
    SpEndpoint,
    Subscription,
    UserBlock,
)
from vasops.vac.protocol import soap
from vasops.vac.protocol import sync_files as codec
from vasops.vac.protocol.codes import ResultCode as RC
from vasops.vac.tests.fake_sp import FakeSp
from vasops.vac.tests.test_api import bearer
from vasops.vac.tests.test_crm_apply import batch_bytes, rec

BASE = "/api/v1/vac/crm"
OLD, NEW = "13012345678", "13187654321"


@pytest.fixture(autouse=True)
def _dirs(settings, tmp_path):
    settings.VASOPS_CRM_WORK = tmp_path / "crm-work"
    settings.VASOPS_CRM_OUTBOX = tmp_path / "crm-outbox"
    settings.VASOPS_VAC_SYNC_ROOT = tmp_path / "sync"


@pytest.fixture
def crm_client(make_user):
    """CRM's machine client: only the permission to act for subscribers."""
    user = make_user()
    user.user_permissions.add(
        Permission.objects.get(codename="manage_subscription", content_type__app_label="vac")
    )
    return user


@pytest.mark.django_db(transaction=True)
def test_a_crm_number_change_moves_the_relations_and_every_sp_hears_of_it(
    client, crm_client, make_partner, make_product
):
    a, b = make_partner("甲"), make_partner("乙")
    pa, pb = make_product(a), make_product(b, billing_mode="per_use", fee_fen=100)
    free_b = make_product(b, billing_mode="free", fee_fen=0)
    for product in (pa, free_b):
        actions.subscribe(actor="crm", msisdn=OLD, product=product, channel="crm")
    actions.subscribe(actor="gateway", msisdn=OLD, product=pb, channel="web")  # pending: no SP notice
    actions.block_user(actor="crm", msisdn=OLD, service_type="31")
    NotifyOutbox.objects.update(state="delivered")
    with FakeSp() as sp_a, FakeSp() as sp_b:
        SpEndpoint.objects.create(partner=a, url=sp_a.url)
        SpEndpoint.objects.create(partner=b, url=sp_b.url)
        resp = client.post(
            f"{BASE}/number-changes",
            {"old_msisdn": "86" + OLD, "new_msisdn": NEW},
            content_type="application/json",
            headers=bearer(crm_client),
        )
        assert resp.status_code == 200, resp.json()
        assert resp.json()["old_msisdn"] == OLD and len(resp.json()["moved"]) == 3
        assert set(Subscription.objects.values_list("msisdn", flat=True)) == {NEW}
        assert UserBlock.objects.get().msisdn == NEW
        assert tasks.deliver_notifications() == tasks.DeliveryReport(delivered=2)
        for sp, product in ((sp_a, pa), (sp_b, free_b)):
            (got,) = sp.received
            assert (got.update_type, got.user_id, got.content, got.product_id) == (
                5,
                "86" + NEW,
                "86" + OLD,  # B.3: the old number in content
                product.product_code,
            )
    history = Subscription.objects.get(product=pa).history.order_by("id").last()
    assert (history.event, history.actor_label, history.reason) == (
        "number_changed",
        "crm",
        f"改号：{OLD} → {NEW}",
    )
    # re-sent: nothing left on the old number, nothing happens twice
    again = client.post(
        f"{BASE}/number-changes",
        {"old_msisdn": OLD, "new_msisdn": NEW},
        content_type="application/json",
        headers=bearer(crm_client),
    )
    assert again.status_code == 200 and again.json()["moved"] == []
    assert NotifyOutbox.objects.filter(update_type=5).count() == 2


@pytest.mark.django_db
def test_a_number_change_to_a_number_holding_the_product_ends_the_old_relation(monthly):
    actions.subscribe(actor="crm", msisdn=OLD, product=monthly, channel="crm")
    actions.subscribe(actor="crm", msisdn=NEW, product=monthly, channel="crm")
    assert actions.change_number(actor="crm", old_msisdn=OLD, new_msisdn=NEW) == []
    assert Subscription.objects.get(msisdn=OLD).state == "unsubscribed"
    assert NotifyOutbox.objects.filter(update_type=2, user_id="86" + OLD).count() == 1


@pytest.mark.django_db
def test_number_change_refusals(client, crm_client, monthly):
    resp = client.post(
        f"{BASE}/number-changes", {"old_msisdn": OLD, "new_msisdn": OLD}, content_type="application/json",
        headers=bearer(crm_client),
    )  # fmt: skip
    assert resp.status_code == 400 and resp.json()["code"] == "vac.number_change_same"
    resp = client.post(
        f"{BASE}/number-changes", {"old_msisdn": OLD, "new_msisdn": "123"}, content_type="application/json",
        headers=bearer(crm_client),
    )  # fmt: skip
    assert resp.status_code == 409 and resp.json()["result_code"] == RC.MSISDN_INVALID


@pytest.mark.django_db(transaction=True)
def test_real_time_close_ends_the_relations_and_tells_each_sp_at_once_and_open_reopens(
    client, crm_client, partner, monthly
):
    actions.subscribe(actor="crm", msisdn=OLD, product=monthly, channel="crm")
    NotifyOutbox.objects.update(state="delivered")
    with FakeSp() as sp:
        SpEndpoint.objects.create(partner=partner, url=sp.url)
        resp = client.post(f"{BASE}/accounts/close", {"msisdn": OLD}, content_type="application/json",
                           headers=bearer(crm_client))  # fmt: skip
        assert resp.status_code == 200 and (resp.json()["state"], resp.json()["ended"]) == ("closed", 1)
        assert tasks.deliver_notifications().delivered == 1
        (got,) = sp.received
        assert (got.update_type, got.user_id, got.update_desc) == (2, "86" + OLD, monthly.access_number)
    assert Subscription.objects.get().state == "unsubscribed"
    with pytest.raises(Exception) as refused:
        actions.subscribe(actor="gateway", msisdn=OLD, product=monthly, channel="crm")
    assert refused.value.result_code == RC.SUBSCRIBER_NOT_FOUND
    resp = client.post(f"{BASE}/accounts/open", {"msisdn": OLD}, content_type="application/json",
                       headers=bearer(crm_client))  # fmt: skip
    assert resp.status_code == 200 and resp.json()["state"] == "open"
    assert Account.objects.get().state == "open"
    assert actions.subscribe(actor="gateway", msisdn=OLD, product=monthly, channel="crm").code == 0


@pytest.mark.django_db
def test_crm_routes_are_for_holders_of_manage_subscription_only(client, two_sides, make_user):
    for user in (two_sides["user_a"], make_user()):
        for path, body in (
            ("accounts/open", {"msisdn": OLD}),
            ("accounts/close", {"msisdn": OLD}),
            ("number-changes", {"old_msisdn": OLD, "new_msisdn": NEW}),
        ):
            resp = client.post(f"{BASE}/{path}", body, content_type="application/json", headers=bearer(user))
            assert resp.status_code == 403, (path, resp.json())
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_crm_batch_changes_reach_the_sp_only_in_the_sync_files(partner, monthly, settings, tmp_path):
    SpEndpoint.objects.create(partner=partner, url="http://127.0.0.1:9/never")
    for n, (sequence, mode) in enumerate((("0001", "bulk"), ("0002", "actions"))):
        first, second = f"861310000{n}001", f"861310000{n}002"
        lines = [rec(1, first, monthly, 1), rec(2, second, monthly, 1), rec(3, first, monthly, 2)]
        data = batch_bytes(lines, sequence=sequence)
        batch, _ = crm.ingest(io.BytesIO(data), name=f"batch-{mode}.txt")
        crm.apply(batch, mode=mode)
        assert crm.apply(batch).lines_applied == 3
        rows = NotifyOutbox.objects.filter(user_id__in=[first, second]).order_by("id")
        assert {r.state for r in rows} == {"file_only"} and len(rows) == 3
        assert tasks.deliver_notifications() == tasks.DeliveryReport()  # no SOAP for these
        assert (rows[0].user_id, rows[0].update_desc, rows[0].expire_date) == (
            first,
            monthly.access_number,
            "20370101000000",
        )
    # the SP reads them in the day's incremental file
    actions.subscribe(actor="crm", msisdn="13100000009", product=monthly, channel="crm", by_file=True)
    files = syncfiles.generate_day(clock.today())
    assert len(files) == 1
    body = (settings.VASOPS_VAC_SYNC_ROOT / files[0].path).read_bytes().decode("gbk").splitlines()
    users = {line.split("\t")[2] for line in body[1:]}  # the batch lines and the relation since
    assert users == {"8613100000001", "8613100000002", "8613100001001", "8613100001002", "8613100000009"}


@pytest.mark.django_db
def test_the_vac_to_crm_exception_file_holds_the_vas_side_changes_of_the_day(monthly, free, settings):
    day = dt.date(2027, 1, 5)
    at = dt.datetime(2027, 1, 5, 9, 30, tzinfo=dt.UTC)  # 17:30 in Beijing
    actions.subscribe(actor="gateway", msisdn=OLD, product=monthly, channel="sms", now=at)
    actions.confirm(actor="sms", msisdn=OLD, product=monthly, now=at + dt.timedelta(minutes=1))
    actions.subscribe(actor="crm", msisdn=NEW, product=free, channel="crm", now=at)  # CRM's own: left out
    actions.block_user(actor="gateway", msisdn=NEW, service_type="90", now=at + dt.timedelta(minutes=2))
    actions.subscribe(actor="gateway", msisdn=OLD, product=free, channel="wap", now=at + dt.timedelta(days=1))
    (made,) = exception_file.generate(day, now=at + dt.timedelta(days=1))
    assert made.name == "VAC2CRM202701050001.req" and made.records == 3
    raw = (settings.VASOPS_CRM_OUTBOX / made.path).read_bytes()
    header, *lines = raw.decode("gbk").splitlines()
    assert len(header) + 1 == codec.HEADER_BYTES and header[:4] == "0001" and header[23:26] == "902"
    records = [line.split("\t") for line in lines]
    assert [(r[2], r[6], r[7]) for r in records] == [
        ("86" + OLD, "1", "20270105173100"),  # subscribed (confirmed by SMS)
        ("86" + NEW, "7", "20270105173200"),  # the block (spId 00000) …
        ("86" + NEW, "2", "20270105173200"),  # … and the relation it ended
    ]
    assert records[1][4:6] == ["00000", "00000"]
    assert exception_file.generate(day) == []  # once a day
    # CRM's receipt
    folder = settings.VASOPS_CRM_OUTBOX / "response" / "semiwrong"
    folder.mkdir(parents=True)
    receipt = codec.format_receipt(
        sequence=1, created_at="20270106020000", total=3, correct=2, failing=((records[2][0], 1),)
    )
    (folder / "VAC2CRM202701050001.rsp").write_bytes(receipt)
    assert exception_file.read_receipts() == 1
    made.refresh_from_db()
    assert (made.state, made.failing_ids) == (CrmExceptionFile.State.PARTIAL, [records[2][0]])
    assert (settings.VASOPS_CRM_OUTBOX / "archive" / "semiwrong" / "VAC2CRM202701050001.rsp").exists()


def test_update_types_7_and_8_go_into_the_file_format():
    request = soap.NotifyRequest(
        record_sequence_id="270105700000000001",
        user_id="8613012345678",
        service_type="90",
        sp_id="00000",
        product_id="00000",
        update_type=7,
        update_time="20270105173200",
        time_stamp="0105173200",
    )
    assert codec.format_record(request).split(b"\t")[6] == b"7"
