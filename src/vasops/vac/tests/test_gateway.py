"""The VAC gateway on a real socket (a uvicorn subprocess on a free port, PostgreSQL + Redis):
HTTP routes, the binary CheckPrice interface, cache invalidation from the Django side and from
catalogue triggers, and parity of every answer with vac.actions."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import connection

from vasops.catalog.models import Product
from vasops.partners.models import Partner
from vasops.vac import actions, ids
from vasops.vac import cache as vac_cache
from vasops.vac.errors import VacRefused
from vasops.vac.models import (
    NotifyOutbox,
    SmsMessage,
    Subscription,
    SubscriptionHistory,
    UsageRecord,
    UserBlock,
)
from vasops.vac.protocol import binary as b
from vasops.vac.protocol.codes import ResultCode as RC
from vasops.vac.tests.binary_client import BinaryClient

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = os.environ.get("VASOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
PREFIX = f"vactest:{uuid.uuid4().hex[:8]}:"
DEVICE, SECRET = "SPMS01", "s3cret"
SRC = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gateway:
    """A gateway subprocess and a tiny JSON client."""

    def __init__(self, db_name: str, workers: int = 1) -> None:
        self.port, self.tcp_port = free_port(), free_port()
        self.db_name = db_name
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(SRC),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.db_name}",
            "REDIS_URL": REDIS_URL,
            "VASOPS_VAC_CACHE_PREFIX": PREFIX,
            "VASOPS_VAC_TCP_CLIENTS": json.dumps({DEVICE: SECRET} | {f"DEV{i}": SECRET for i in range(8)}),
            "SECRET_KEY": "gateway-test-secret",
            "DEBUG": "0",
        }

    def start(self) -> None:
        cmd = [sys.executable, "-m", "vasops.vac.gateway", "--port", str(self.port)]
        cmd += ["--tcp-port", str(self.tcp_port), "--workers", str(self.workers)]
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stderr.read().decode() if self.proc.stderr else "gateway died")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gateway did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def post(self, path: str, **body: Any) -> tuple[int, dict[str, Any]]:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def call(self, path: str, **body: Any) -> dict[str, Any]:
        status, data = self.post(path, **body)
        assert status == 200, data
        return data


@pytest.fixture(scope="module")
def gateway(django_db_setup, django_db_blocker) -> Iterator[Gateway]:
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    gw = Gateway(name)
    gw.start()
    yield gw
    gw.stop()
    vac_cache.clear(REDIS_URL, PREFIX)


@pytest.fixture(autouse=True)
def _same_cache(settings, gateway):
    """The Django side invalidates the keys the gateway reads; every test starts cold."""
    settings.VASOPS_VAC_REDIS_URL = REDIS_URL
    settings.VASOPS_VAC_CACHE_PREFIX = PREFIX
    vac_cache.clear(REDIS_URL, PREFIX)
    yield
    vac_cache.clear(REDIS_URL, PREFIX)


def wait_catalog_flushed(product: Product) -> None:
    """A catalogue change reaches the gateways by NOTIFY: wait until the product key is gone."""
    key = vac_cache.Keys(PREFIX).product(product.partner.enterprise_code or "", product.product_code or "")
    client = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + 5
    while client.exists(key) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not client.exists(key)


def body(product: Product, msisdn: str, **extra: Any) -> dict[str, Any]:
    return {
        "msisdn": msisdn,
        "sp_id": product.partner.enterprise_code,
        "product_id": product.product_code,
        **extra,
    }


# --- HTTP routes ---------------------------------------------------------------------------


def test_health_and_malformed_requests_are_answered_without_a_500(gateway, monthly):
    with urllib.request.urlopen(f"http://127.0.0.1:{gateway.port}/health") as r:
        assert json.loads(r.read()) == {"status": "ok"}
    req = urllib.request.Request(f"http://127.0.0.1:{gateway.port}/v1/auth", data=b"{not json", method="POST")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req)
    assert exc.value.code == 400 and json.loads(exc.value.read())["code"] == RC.FIELD_INVALID
    status, data = gateway.post("/v1/auth", msisdn="13012345678")
    assert status == 400 and "sp_id" in data["error"]
    status, data = gateway.post("/v1/nope", **body(monthly, "13012345678"))
    assert status == 404
    assert gateway.post("/v1/nope")[0] == 404  # an unknown route, whatever its body lacks
    status, data = gateway.post("/v1/subscribe", **body(monthly, "13012345678", channel="carrier-pigeon"))
    assert status == 400 and "channel" in data["error"]


def test_unknown_sp_is_2000_unknown_product_2100_bad_msisdn_107(gateway, monthly):
    assert (
        gateway.call("/v1/auth", msisdn="13012345678", sp_id="99999", product_id="x")["code"]
        == RC.SP_NOT_FOUND
    )
    got = gateway.call("/v1/auth", msisdn="13012345678", sp_id="90001", product_id="9099999901")
    assert got["code"] == RC.SERVICE_NOT_FOUND
    assert gateway.call("/v1/auth", **body(monthly, "12345"))["code"] == RC.MSISDN_INVALID


def test_trusted_subscription_is_committed_charged_notified_before_the_answer(gateway, monthly):
    got = gateway.call("/v1/subscribe", **body(monthly, "8613012345678", channel="crm", link_id="L1"))
    assert (got["code"], got["price_fen"], got["charge"], got["state"]) == (0, 500, True, "active")
    sub = Subscription.objects.get(pk=got["subscription_id"])
    assert (sub.msisdn, sub.state, sub.link_id) == ("13012345678", "active", "L1")
    assert UsageRecord.objects.get(cdr_id=got["cdr_id"]).fee_fen == 500
    row = NotifyOutbox.objects.get(subscription=sub)
    assert (row.update_type, row.sp_id, row.product_id, row.link_id) == (
        1,
        "90001",
        monthly.product_code,
        "L1",
    )
    assert len(row.record_sequence_id) == 18 and row.record_sequence_id.endswith(f"{row.pk:012d}")
    assert list(sub.history.values_list("event", "actor_label")) == [
        ("requested", "gateway"),
        ("activated", "gateway"),
    ]
    # the user's cache now says "active": auth answers from Redis, no second charge this month
    assert gateway.call("/v1/auth", **body(monthly, "13012345678")) == {
        "code": 0,
        "message": "成功",
        "price_fen": 0,
        "charge": False,
    }
    assert UsageRecord.objects.count() == 1


def test_a_pending_subscription_queues_its_confirmation_sms_in_the_same_transaction(gateway, monthly):
    got = gateway.call("/v1/subscribe", **body(monthly, "13012345678", channel="web"))
    assert (got["code"], got["state"]) == (0, "pending_confirmation")
    sms = SmsMessage.objects.get()
    assert (sms.msisdn, sms.kind, sms.subscription_id, sms.state) == (
        "13012345678",
        "confirm",
        got["subscription_id"],
        "pending",
    )
    assert f"“{monthly.name}”" in sms.text and "5元/月" in sms.text and "24小时" in sms.text
    assert not NotifyOutbox.objects.exists()  # the SP hears of it once the user confirms


def test_on_demand_resent_with_the_same_cdr_id_writes_one_cdr_and_one_notification(gateway, per_use):
    first = gateway.call("/v1/on-demand", **body(per_use, "13012345678", cdr_id="C-1", link_id="LK"))
    again = gateway.call("/v1/on-demand", **body(per_use, "13012345678", cdr_id="C-1", link_id="LK"))
    assert first["code"] == again["code"] == 0 and first["price_fen"] == 100 and first["charge"]
    assert UsageRecord.objects.filter(cdr_id="C-1").count() == 1
    assert NotifyOutbox.objects.filter(update_type=3, user_id="8613012345678").count() == 1
    assert first["link_id"] == again["link_id"] == "LK"
    # the caller gives no LinkID: the one of the first answer, MMDDHHMMSS + 10 digits, again
    first = gateway.call("/v1/on-demand", **body(per_use, "13012345678", cdr_id="C-2"))
    again = gateway.call("/v1/on-demand", **body(per_use, "13012345678", cdr_id="C-2"))
    assert first["link_id"] == again["link_id"] and len(first["link_id"]) == 20 and first["link_id"].isdigit()
    # another request under a used id is not charged and says so
    other = gateway.call("/v1/on-demand", **body(per_use, "13099999999", cdr_id="C-2"))
    assert other["code"] == RC.CDR_DUPLICATE and not other["charge"]
    assert UsageRecord.objects.filter(cdr_id="C-2").get().msisdn == "13012345678"


def test_concurrent_per_use_auths_each_get_their_own_durable_cdr(gateway, per_use):
    """Per-use charges of concurrent callers share a group commit: every answer names its own
    CDR, every CDR exists when its answer arrives, a re-sent cdr_id is written once."""
    from concurrent.futures import ThreadPoolExecutor

    def charge(i: int) -> dict[str, Any]:
        return gateway.call("/v1/auth", **body(per_use, f"1301234{i:04d}"))

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(charge, range(64)))
    assert all(a["code"] == 0 and a["charge"] and a["price_fen"] == 100 for a in answers)
    cdrs = {a["cdr_id"] for a in answers}
    assert len(cdrs) == 64
    assert set(UsageRecord.objects.filter(cdr_id__in=cdrs).values_list("cdr_id", flat=True)) == cdrs
    assert gateway.call("/v1/auth", **body(per_use, "13012340000", cdr_id="R-1"))["cdr_id"] == "R-1"
    assert gateway.call("/v1/auth", **body(per_use, "13012340000", cdr_id="R-1"))["cdr_id"] == "R-1"
    assert UsageRecord.objects.filter(cdr_id="R-1").count() == 1


def test_answers_carry_a_content_length_not_chunks(gateway, per_use):
    req = urllib.request.Request(
        f"http://127.0.0.1:{gateway.port}/v1/check",
        data=json.dumps(body(per_use, "13012345678")).encode(),
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        raw = r.read()
        assert r.headers["content-length"] == str(len(raw))
        assert r.headers.get("transfer-encoding") is None
        assert r.headers.get("server") is None


def test_block_by_django_action_is_seen_by_the_gateway_at_once(gateway, per_use):
    assert gateway.call("/v1/price-check", **body(per_use, "13012345678"))["code"] == 0  # cached
    actions.block_user(actor="crm", msisdn="13012345678", service_type="00")
    assert gateway.call("/v1/price-check", **body(per_use, "13012345678"))["code"] == RC.CAPABILITY_BLOCKED
    actions.restore_user(actor="crm", msisdn="13012345678", service_type="00")
    assert gateway.call("/v1/price-check", **body(per_use, "13012345678"))["code"] == 0


def test_product_and_partner_changes_reach_the_gateway_through_the_triggers(gateway, partner, per_use):
    assert gateway.call("/v1/on-demand", **body(per_use, "13012345678"))["code"] == 0
    Product.objects.filter(pk=per_use.pk).update(unicom_status="6")  # 暂停端口: nobody may use
    wait_catalog_flushed(per_use)
    assert gateway.call("/v1/on-demand", **body(per_use, "13012345678"))["code"] == RC.SERVICE_NOT_OPEN
    Product.objects.filter(pk=per_use.pk).update(unicom_status="4")
    Partner.objects.filter(pk=partner.pk).update(state="suspended")  # paused partner: no new orders
    wait_catalog_flushed(per_use)
    assert gateway.call("/v1/on-demand", **body(per_use, "13012345678"))["code"] == RC.SP_STATUS_ABNORMAL


def _established(port: int, pids: list[int]) -> dict[int, int]:
    """How many established TCP connections on local ``port`` each process holds (/proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            for line in fh.readlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                    inodes.add(fields[9])
    held = {}
    for pid in pids:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        held[pid] = sum(1 for link in links if link.startswith("socket:[") and link[8:-1] in inodes)
    return held


@pytest.mark.django_db(transaction=True)
def test_two_workers_each_hold_half_of_the_connections_over_http_and_tcp(django_db_blocker, per_use):
    """The parent deals the connections round robin (vac.gateway.workers): a gateway's long-lived
    connections are shared evenly whatever the timing of their accepts, HTTP and binary alike."""
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    gw = Gateway(name, workers=2)
    gw.start()
    try:
        children = [int(p) for p in open(f"/proc/{gw.proc.pid}/task/{gw.proc.pid}/children").read().split()]
        assert len(children) == 2
        http = [socket.create_connection(("127.0.0.1", gw.port)) for _ in range(8)]
        binary = [BinaryClient(gw.tcp_port, f"DEV{i}", SECRET) for i in range(4)]
        for i, conn in enumerate(http):  # each connection answers, keep-alive
            payload = json.dumps(body(per_use, f"130123450{i:02d}")).encode()
            conn.sendall(
                b"POST /v1/check HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n"
                b"content-length: %d\r\n\r\n%s" % (len(payload), payload)
            )
            assert b" 200 " in conn.recv(65536).split(b"\r\n", 1)[0]
        for client in binary:
            assert client.bind().result_code == RC.SUCCESS
        assert sorted(_established(gw.port, children).values()) == [4, 4]
        assert sorted(_established(gw.tcp_port, children).values()) == [2, 2]
        for conn in http:
            conn.close()
        for client in binary:
            client.close()
    finally:
        gw.stop()


def test_a_concurrent_double_subscribe_creates_one_relation(gateway, free):
    from concurrent.futures import ThreadPoolExecutor

    request = body(free, "13012345678")  # read in this thread: worker threads open no DB connection
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _i: gateway.call("/v1/subscribe", **request)["code"], range(8)))
    assert sorted(codes) == [0] + [RC.ALREADY_SUBSCRIBED] * 7
    assert Subscription.objects.filter(msisdn="13012345678", state="active").count() == 1


# --- binary CheckPrice on the gateway ----------------------------------------------------------


class TcpClient(BinaryClient):
    """The shared binary client, bound to this module's device, taking products."""

    def __init__(self, port: int) -> None:
        super().__init__(port, DEVICE, SECRET, device_type=24)

    def check_price(self, op: int, product: Product, number: str, msisdn: str = "8613012345678") -> Any:  # type: ignore[override]
        sp_id, code = product.partner.enterprise_code or "", product.product_code or ""
        return super().check_price(op, sp_id, code, number, msisdn=msisdn, order_method="crm")


def test_tcp_checkprice_needs_a_bind_then_charges_only_on_confirm(gateway, per_use):
    client = TcpClient(gateway.tcp_port)
    assert client.check_price(0, per_use, "SN1").result_code == RC.NOT_BOUND
    assert client.bind().result_code == RC.SUCCESS
    resp = client.check_price(0, per_use, "SN2")
    assert (resp.result_code, resp.need_confirm) == (0, 1)
    assert not UsageRecord.objects.exists()
    client.seq += 1
    confirm = b.CheckPriceConfirm(
        sequence_id=client.seq,
        source_device_type=24,
        source_device_id=DEVICE,
        dest_device_id="VAC",
        sequence_number="SN2",
        err_code=0,
        end_time="20260310120001",
        service_type="90",
    )
    assert client.send(confirm).result_code == RC.SUCCESS
    assert (
        UsageRecord.objects.get(cdr_id=ids.binary_cdr_id(DEVICE, "SN2", dt.datetime.now(dt.UTC))).fee_fen
        == 100
    )


def test_tcp_bind_with_a_wrong_secret_is_refused_and_closed(gateway):
    client = TcpClient(gateway.tcp_port)
    assert client.bind("wrong").result_code == RC.AUTH_MISMATCH
    assert client.sock.recv(10) == b""


def test_tcp_subscribe_and_check_share_the_http_state(gateway, monthly):
    client = TcpClient(gateway.tcp_port)
    client.bind()
    assert client.check_price(1, monthly, "S1").result_code == RC.SUCCESS
    assert client.check_price(6, monthly, "S2").result_code == RC.SUCCESS
    assert gateway.call("/v1/check", **body(monthly, "13012345678"))["code"] == 0
    assert client.check_price(2, monthly, "S3").result_code == RC.SUCCESS
    assert gateway.call("/v1/check", **body(monthly, "13012345678"))["code"] == RC.NOT_SUBSCRIBED


# --- parity with vac.actions -------------------------------------------------------------------


def django_answer(op: str, product: Product, msisdn: str, extra: dict[str, Any]) -> tuple[int, int, bool]:
    product = Product.objects.select_related("partner", "business_line").get(pk=product.pk)
    try:
        if op == "subscribe":
            d = actions.subscribe(
                actor="gateway", msisdn=msisdn, product=product, channel=extra["channel"]
            ).decision
        elif op == "unsubscribe":
            d = actions.unsubscribe(actor="gateway", msisdn=msisdn, product=product).decision
        elif op == "auth":
            d = actions.authenticate_use(actor="gateway", msisdn=msisdn, product=product).decision
        elif op == "price":
            d = actions.authenticate_use(
                actor="gateway", msisdn=msisdn, product=product, commit_charge=False
            ).decision
        elif op == "on_demand":
            d = actions.on_demand(actor="gateway", msisdn=msisdn, product=product).decision
        else:
            d = actions.check(msisdn, product)
    except VacRefused as exc:
        return int(exc.result_code), 0, False
    return int(d.code), d.price_fen, d.charge


ROUTES = {
    "subscribe": "/v1/subscribe",
    "unsubscribe": "/v1/unsubscribe",
    "auth": "/v1/auth",
    "price": "/v1/price-check",
    "on_demand": "/v1/on-demand",
    "check": "/v1/check",
}

# (operation, product, extra): "setup" steps change the world through Django in both worlds
SCENARIO: list[tuple[str, str, dict[str, Any]]] = [
    ("check", "M", {}),
    ("auth", "M", {}),
    ("price", "M", {}),
    ("subscribe", "M", {"channel": "sms"}),
    ("subscribe", "M", {"channel": "sms"}),
    ("auth", "M", {}),
    ("setup:confirm", "M", {}),
    ("auth", "M", {}),
    ("check", "M", {}),
    ("subscribe", "M", {"channel": "crm"}),
    ("unsubscribe", "M", {}),
    ("unsubscribe", "M", {}),
    ("subscribe", "M", {"channel": "crm"}),
    ("auth", "M", {}),
    ("on_demand", "M", {}),
    ("on_demand", "P", {}),
    ("auth", "P", {}),
    ("price", "P", {}),
    ("subscribe", "P", {"channel": "wap"}),
    ("unsubscribe", "P", {}),
    ("on_demand", "F", {}),
    ("subscribe", "F", {"channel": "sms"}),
    ("auth", "F", {}),
    ("subscribe", "X", {"channel": "crm"}),
    ("on_demand", "X", {}),
    ("unsubscribe", "X", {}),
    ("on_demand", "O", {}),
    ("setup:pause_partner", "M", {}),
    ("auth", "M", {}),
    ("on_demand", "P", {}),
    ("subscribe", "F", {"channel": "crm"}),
    ("unsubscribe", "F", {}),
    ("setup:resume_partner", "M", {}),
    ("setup:block", "M", {}),
    ("auth", "M", {}),
    ("on_demand", "P", {}),
    ("subscribe", "M", {"channel": "crm"}),
    ("setup:restore", "M", {}),
    ("subscribe", "M", {"channel": "crm"}),
    ("setup:close", "M", {}),
    ("auth", "M", {}),
    ("on_demand", "P", {}),
    ("unsubscribe", "M", {}),
    ("check", "M", {}),
]


def world(make_partner, make_product, code: str) -> tuple[Partner, dict[str, Product]]:
    partner = make_partner(enterprise_code=code)
    products = {
        "M": make_product(partner, billing_mode="monthly", fee_fen=500),
        "P": make_product(partner, billing_mode="per_use", fee_fen=100),
        "F": make_product(partner, billing_mode="free", fee_fen=0),
        "X": make_product(partner, billing_mode="per_use", fee_fen=100, unicom_status="6"),
        "O": make_product(partner, billing_mode="per_use", fee_fen=100, unicom_status="7"),
    }
    return partner, products


def setup_step(step: str, partner: Partner, product: Product, msisdn: str) -> None:
    if step == "setup:confirm":
        actions.confirm(actor="gateway", msisdn=msisdn, product=product)
    elif step == "setup:pause_partner":
        Partner.objects.filter(pk=partner.pk).update(state="suspended")
    elif step == "setup:resume_partner":
        Partner.objects.filter(pk=partner.pk).update(state="active")
    elif step == "setup:block":
        actions.block_user(actor="crm", msisdn=msisdn, service_type="90")
    elif step == "setup:restore":
        actions.restore_user(actor="crm", msisdn=msisdn, service_type="90")
    elif step == "setup:close":
        actions.close_account(actor="crm", msisdn=msisdn)


def effects(partner: Partner) -> dict[str, Any]:
    subs = Subscription.objects.filter(partner=partner)
    return {
        "states": sorted(subs.values_list("product__name", "state")),
        "history": sorted(
            SubscriptionHistory.objects.filter(subscription__partner=partner).values_list(
                "event", "from_state", "to_state"
            )
        ),
        "cdrs": sorted(UsageRecord.objects.filter(partner=partner).values_list("kind", "fee_fen")),
        "notifications": sorted(
            NotifyOutbox.objects.filter(partner=partner).values_list("update_type", flat=True)
        ),
    }


def test_every_answer_and_every_row_equals_the_django_side(gateway, make_partner, make_product):
    g_partner, g_products = world(make_partner, make_product, "95001")
    d_partner, d_products = world(make_partner, make_product, "95002")
    g_msisdn, d_msisdn = "13100000001", "13100000002"
    got, expected = [], []
    for op, key, extra in SCENARIO:
        if op.startswith("setup:"):
            setup_step(op, g_partner, g_products[key], g_msisdn)
            setup_step(op, d_partner, d_products[key], d_msisdn)
            if "partner" in op:
                wait_catalog_flushed(g_products[key])
            continue
        result = gateway.call(ROUTES[op], **body(g_products[key], g_msisdn, **extra))
        got.append((op, key, result["code"], result["price_fen"], result["charge"]))
        expected.append((op, key, *django_answer(op, d_products[key], d_msisdn, extra)))
    assert got == expected
    codes = [g[2] for g in got]
    assert codes.count(0) >= 10 and len(set(codes)) >= 8  # the scenario really exercises refusals
    g_effects, d_effects = effects(g_partner), effects(d_partner)
    # product names differ between the worlds: compare by position of the product
    g_names = {p.name: k for k, p in g_products.items()}
    d_names = {p.name: k for k, p in d_products.items()}
    g_effects["states"] = sorted((g_names[n], s) for n, s in g_effects["states"])
    d_effects["states"] = sorted((d_names[n], s) for n, s in d_effects["states"])
    assert g_effects == d_effects


# --- unsubscribe-all (3), block (7), restore (8) -------------------------------------------------


def test_tcp_block_restore_and_unsubscribe_all_change_the_shared_state(gateway, monthly):
    client = TcpClient(gateway.tcp_port)
    client.bind()
    assert client.check_price(1, monthly, "B1").result_code == RC.SUCCESS
    assert client.check_price(7, monthly, "B2").result_code == RC.SUCCESS
    assert Subscription.objects.get(msisdn="13012345678").state == "blocked"
    assert client.check_price(7, monthly, "B3").result_code == RC.CANNOT_BLOCK_RESTORE
    assert gateway.call("/v1/auth", **body(monthly, "13012345678"))["code"] == RC.CAPABILITY_BLOCKED
    assert client.check_price(8, monthly, "B4").result_code == RC.SUCCESS
    assert client.check_price(8, monthly, "B5").result_code == RC.CANNOT_BLOCK_RESTORE
    assert client.check_price(1, monthly, "B6").result_code == RC.SUCCESS
    assert client.check_price(3, monthly, "B7").result_code == RC.SUCCESS
    assert client.check_price(3, monthly, "B8").result_code == RC.NOT_SUBSCRIBED
    assert gateway.call("/v1/check", **body(monthly, "13012345678"))["code"] == RC.NOT_SUBSCRIBED
    assert sorted(Subscription.objects.values_list("state", flat=True)) == ["blocked", "unsubscribed"]
    # updateDesc (B.3): a CRM-side order carries the product's access number; never a reason
    assert list(NotifyOutbox.objects.order_by("id").values_list("update_type", "update_desc")) == [
        (1, monthly.access_number),
        (2, ""),
        (1, monthly.access_number),
        (2, ""),
    ]


def test_json_block_restore_and_unsubscribe_all_validate_their_fields(gateway, monthly):
    status, data = gateway.post("/v1/block", msisdn="13012345678", service_type="9x")
    assert status == 400 and "service_type" in data["error"]
    assert gateway.call("/v1/block", msisdn="123")["code"] == RC.MSISDN_INVALID
    got = gateway.call("/v1/unsubscribe-all", msisdn="13012345678", sp_id="99999")
    assert got["code"] == RC.SP_NOT_FOUND
    assert gateway.call("/v1/restore", msisdn="13012345678")["code"] == RC.CANNOT_BLOCK_RESTORE
    assert gateway.call("/v1/block", msisdn="13012345678", reason="投诉")["code"] == 0
    assert UserBlock.objects.get().reason == "投诉"


def django_user_answer(op: str, partner: Partner, msisdn: str, extra: dict[str, Any]) -> int:
    st = extra.get("service_type", "00")
    try:
        if op == "block":
            actions.block_user(actor="crm", msisdn=msisdn, service_type=st)
        elif op == "restore":
            actions.restore_user(actor="crm", msisdn=msisdn, service_type=st)
        else:
            scope = None
            if extra.get("sp") == "own":
                scope = partner
            elif extra.get("sp") == "unknown":
                return int(RC.SP_NOT_FOUND)  # tcp_server: the SP is looked up first
            actions.unsubscribe_all(actor="crm", msisdn=msisdn, service_type=st, partner=scope)
    except VacRefused as exc:
        return int(exc.result_code)
    return 0


USER_ROUTES = {"block": "/v1/block", "restore": "/v1/restore", "unsubscribe_all": "/v1/unsubscribe-all"}
USER_SCENARIO: list[tuple[str, str, dict[str, Any]]] = [
    ("unsubscribe_all", "", {}),
    ("subscribe", "M", {"channel": "crm"}),
    ("subscribe", "P", {"channel": "crm"}),
    ("subscribe", "Q", {"channel": "sms"}),  # service type 91, waits for confirmation
    ("unsubscribe_all", "", {"service_type": "91"}),  # the pending relation is dropped
    ("unsubscribe_all", "", {"service_type": "91"}),
    ("unsubscribe_all", "", {"sp": "unknown"}),
    ("subscribe", "Q", {"channel": "crm"}),
    ("block", "", {"service_type": "90"}),  # M and P end as blocked; Q (91) stays
    ("block", "", {"service_type": "90"}),
    ("auth", "M", {}),
    ("check", "Q", {}),
    ("subscribe", "M", {"channel": "crm"}),
    ("block", "", {}),  # everything: Q ends too
    ("block", "", {"service_type": "91"}),  # covered by the 00 block
    ("restore", "", {"service_type": "91"}),
    ("restore", "", {"service_type": "90"}),
    ("on_demand", "P", {}),
    ("restore", "", {}),
    ("on_demand", "P", {}),
    ("subscribe", "M", {"channel": "crm"}),
    ("subscribe", "Q", {"channel": "crm"}),
    ("unsubscribe_all", "", {"sp": "own", "service_type": "90"}),
    ("check", "Q", {}),
    ("unsubscribe_all", "", {"sp": "own"}),
    ("unsubscribe_all", "", {}),
    ("setup:close", "M", {}),
    ("block", "", {}),
    ("restore", "", {}),
    ("unsubscribe_all", "", {}),
]


def test_block_restore_unsubscribe_all_answers_and_rows_equal_the_django_side(
    gateway, make_partner, make_product
):
    worlds = []
    for code in ("95003", "95004"):
        partner, products = world(make_partner, make_product, code)
        products["Q"] = make_product(partner, billing_mode="monthly", fee_fen=300, service_type="91")
        worlds.append((partner, products))
    (g_partner, g_products), (d_partner, d_products) = worlds
    g_msisdn, d_msisdn = "13100000003", "13100000004"
    got, expected = [], []
    for op, key, extra in USER_SCENARIO:
        if op.startswith("setup:"):
            setup_step(op, g_partner, g_products[key], g_msisdn)
            setup_step(op, d_partner, d_products[key], d_msisdn)
            continue
        if op in USER_ROUTES:
            request: dict[str, Any] = {"msisdn": g_msisdn, "service_type": extra.get("service_type", "00")}
            if extra.get("sp"):
                request["sp_id"] = g_partner.enterprise_code if extra["sp"] == "own" else "99999"
            result = gateway.call(USER_ROUTES[op], **request)
            got.append((op, extra, result["code"]))
            expected.append((op, extra, django_user_answer(op, d_partner, d_msisdn, extra)))
            continue
        result = gateway.call(ROUTES[op], **body(g_products[key], g_msisdn, **extra))
        got.append((op, extra, result["code"]))
        expected.append((op, extra, django_answer(op, d_products[key], d_msisdn, extra)[0]))
    assert got == expected
    codes = [g[2] for g in got]
    assert codes.count(0) >= 12 and len(set(codes)) >= 5

    def rows(partner: Partner, products: dict[str, Product], msisdn: str) -> dict[str, Any]:
        names = {p.name: k for k, p in products.items()}
        out = effects(partner)
        out["states"] = sorted((names[n], s) for n, s in out["states"])
        out["reasons"] = sorted(
            SubscriptionHistory.objects.filter(subscription__partner=partner).values_list("event", "reason")
        )
        out["notify_desc"] = sorted(
            NotifyOutbox.objects.filter(partner=partner).values_list(
                "update_type", "update_desc", "expire_date"
            )
        )
        access = {p.access_number for p in products.values()}  # differs between the two partners
        out["notify_desc"] = [
            (t, "access number" if d in access else d, bool(e)) for t, d, e in out["notify_desc"]
        ]
        out["blocks"] = sorted(UserBlock.objects.filter(msisdn=msisdn).values_list("service_type", "state"))
        return out

    assert rows(g_partner, g_products, g_msisdn) == rows(d_partner, d_products, d_msisdn)
