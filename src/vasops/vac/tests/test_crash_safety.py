"""Crash safety: the gateway and the notifier are SIGKILLed mid-load; after a restart every
acknowledged subscription and CDR exists exactly once, the retries (same idempotency keys) add
nothing twice, and every SP notification reaches the peer (at-least-once delivery, exactly-once
effect through the peer's de-duplication on recordSequenceId)."""

from __future__ import annotations

import datetime as dt
import http.client
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from vasops.catalog.models import Product
from vasops.vac import actions, tasks
from vasops.vac import cache as vac_cache
from vasops.vac.models import NotifyOutbox, SpEndpoint, Subscription, UsageRecord
from vasops.vac.protocol.codes import ResultCode as RC
from vasops.vac.tests.fake_sp import FakeSp
from vasops.vac.tests.test_gateway import REDIS_URL, SRC, Gateway

pytestmark = pytest.mark.django_db(transaction=True)
PREFIX = f"vaccrash:{uuid.uuid4().hex[:8]}:"
ORDER_KEY = "crash-order-key"


class CrashGateway(Gateway):
    """The gateway subprocess of test_gateway, on this module's own cache prefix."""

    def env(self) -> dict[str, str]:
        return {**super().env(), "VASOPS_VAC_CACHE_PREFIX": PREFIX}


@pytest.fixture
def db_name(django_db_blocker) -> str:
    with django_db_blocker.unblock():
        return str(connection.settings_dict["NAME"])


@pytest.fixture(autouse=True)
def _own_cache(settings):
    settings.VASOPS_VAC_REDIS_URL = REDIS_URL
    settings.VASOPS_VAC_CACHE_PREFIX = PREFIX
    yield
    vac_cache.clear(REDIS_URL, PREFIX)


@pytest.fixture(autouse=True)
def _sessions_gone(db_name):
    """The processes killed here leave no PostgreSQL session behind (bounded wait)."""
    yield
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT application_name, state, query FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [db_name],
            )
            others = cur.fetchall()
        if not others:
            return
        time.sleep(0.1)
    raise AssertionError(f"sessions left on {db_name}: {others}")


def request_for(kind: str, i: int, monthly: Product, per_use: Product) -> tuple[str, dict[str, Any]]:
    """Job ``i``: a trusted subscription (idempotency: the live relation of msisdn × product, link
    id ``LK<i>``) or an on-demand use (idempotency: cdr id ``CS-<i>``)."""
    if kind == "sub":
        product, extra = monthly, {"channel": "crm", "link_id": f"LK{i}"}
        path = "/v1/subscribe"
    else:
        product, extra = per_use, {"cdr_id": f"CS-{i}", "link_id": f"LD{i}"}
        path = "/v1/on-demand"
    return path, {
        "msisdn": f"132{i:08d}",
        "sp_id": product.partner.enterprise_code,
        "product_id": product.product_code,
        **extra,
    }


def resend(gw: Gateway, job: tuple[str, int], monthly: Product, per_use: Product) -> dict[str, Any]:
    path, body = request_for(*job, monthly, per_use)
    return gw.call(path, **body)


def test_gateway_killed_mid_load_loses_no_acknowledged_write_and_retries_add_nothing_twice(
    db_name, monthly, per_use
):
    # the partners are read here: worker threads must not open Django connections of their own
    assert monthly.partner.enterprise_code and per_use.partner.enterprise_code
    jobs = [("sub", i) for i in range(150)] + [("od", 1000 + i) for i in range(250)]
    jobs.sort(key=lambda j: (j[1] * 7919) % 401)  # interleave subscribes and uses
    gw = CrashGateway(db_name)
    gw.start()
    acked: dict[tuple[str, int], dict[str, Any]] = {}
    failed: list[tuple[str, int]] = []
    lock = threading.Lock()
    kill_after = 80

    def one(job: tuple[str, int]) -> None:
        path, body = request_for(*job, monthly, per_use)
        try:
            status, data = gw.post(path, **body)
        except (OSError, http.client.HTTPException):  # refused, reset or cut mid-answer: never came
            status, data = 0, {}
        with lock:
            if status == 200 and data.get("code") == 0:
                acked[job] = data
                if len(acked) == kill_after:
                    gw.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
            else:
                failed.append(job)

    try:
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(one, jobs))
        assert gw.proc is not None and gw.proc.wait(10) == -signal.SIGKILL
        assert kill_after <= len(acked) < len(jobs) and failed  # the kill really hit the load

        # before any retry: every acknowledged write is in PostgreSQL
        for (kind, i), data in acked.items():
            if kind == "sub":
                sub = Subscription.objects.get(pk=data["subscription_id"])
                assert (sub.state, sub.link_id) == ("active", f"LK{i}")
                assert UsageRecord.objects.filter(cdr_id=data["cdr_id"]).count() == 1
            else:
                assert data["cdr_id"] == f"CS-{i}"
                assert UsageRecord.objects.filter(cdr_id=f"CS-{i}").count() == 1

        gw.start()  # restart; the unacknowledged requests are re-sent with the same keys
        with ThreadPoolExecutor(8) as pool:
            retried = dict(
                zip(failed, pool.map(lambda j: resend(gw, j, monthly, per_use), failed), strict=True)
            )
        for (kind, _i), data in retried.items():
            allowed = {0, RC.ALREADY_SUBSCRIBED} if kind == "sub" else {0}
            assert data["code"] in allowed, data
        # after the restart the cache serves the committed state (no relation lost to a stale fill)
        for kind, i in [j for j in jobs if j[0] == "sub"][:40]:
            _path, body = request_for(kind, i, monthly, per_use)
            assert (
                gw.call("/v1/check", **{k: body[k] for k in ("msisdn", "sp_id", "product_id")})["code"] == 0
            )
    finally:
        gw.stop()

    subs = [i for kind, i in jobs if kind == "sub"]
    uses = [i for kind, i in jobs if kind == "od"]
    rows = Counter(Subscription.objects.filter(product=monthly).values_list("msisdn", "state"))
    assert rows == Counter({(f"132{i:08d}", "active"): 1 for i in subs})  # exactly once each
    links = dict(Subscription.objects.filter(product=monthly).values_list("msisdn", "link_id"))
    assert all(links[f"132{i:08d}"] == f"LK{i}" for i in subs)
    cdrs = Counter(UsageRecord.objects.values_list("cdr_id", flat=True))
    assert set(cdrs.values()) == {1}
    assert {c for c in cdrs if c.startswith("CS-")} == {f"CS-{i}" for i in uses}
    assert sum(1 for c in cdrs if c.startswith("M")) == len(subs)  # one month charge per relation
    notes = Counter(NotifyOutbox.objects.values_list("update_type", "link_id"))
    assert notes == Counter({(1, f"LK{i}"): 1 for i in subs} | {(3, f"LD{i}"): 1 for i in uses})


# --- the notifier against a SOAP peer that crashes -----------------------------------------------


NOTIFIER = """
import django, sys
django.setup()
from vasops.vac import tasks
tasks.deliver_notifications(limit=10000)
print("finished", flush=True)
"""


def test_notifier_and_peer_killed_mid_delivery_every_notification_arrives_once(
    db_name, partner, monthly, per_use
):
    for i in range(60):
        actions.subscribe(actor="gateway", msisdn=f"133{i:08d}", product=monthly, channel="crm")
    for i in range(90):
        actions.on_demand(actor="gateway", msisdn=f"134{i:08d}", product=per_use, cdr_id=f"N-{i}")
    expected = set(NotifyOutbox.objects.values_list("record_sequence_id", flat=True))
    events = Counter(NotifyOutbox.objects.values_list("user_id", "update_type", "product_id", "link_id"))
    assert len(expected) == 150 and set(events.values()) == {1}
    peer = FakeSp(order_key=ORDER_KEY).start()
    SpEndpoint.objects.create(partner=partner, url=peer.url, order_key=ORDER_KEY)
    try:
        # 1. the notifier process is SIGKILLed while it sends: what was answered is recorded, what
        #    it had claimed and not heard back about stays pending, due again after its lease
        peer.delay = 0.02
        env = {
            **CrashGateway(db_name).env(),
            "DJANGO_SETTINGS_MODULE": "vasops.settings",
            "PYTHONPATH": str(SRC),
        }
        proc = subprocess.Popen([sys.executable, "-c", NOTIFIER], env=env, stdout=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while len(peer.received) < 10 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL and len(peer.received) >= 10
        delivered = NotifyOutbox.objects.filter(state="delivered").count()
        assert delivered <= len(peer.answered_at)  # nothing recorded that the SP did not answer
        assert NotifyOutbox.objects.filter(state="pending").count() == 150 - delivered
        assert tasks.deliver_notifications(limit=10000) == tasks.DeliveryReport()  # leased, not due

        # 2. the peer dies mid-delivery (after applying a request it never answers)
        peer.delay, peer.crash_after = 0.0, len(peer.received) + 15
        report = tasks.deliver_notifications(limit=10000, now=timezone.now() + tasks.LEASE)
        assert report.retried > 0 and peer.server is None
        assert NotifyOutbox.objects.filter(state="pending").count() == report.retried

        # 3. the peer comes back on the same port; the backed-off retries deliver the rest
        peer.start()
        later = timezone.now()
        for _ in range(5):
            later += dt.timedelta(days=1)
            if not tasks.deliver_notifications(limit=10000, now=later).retried:
                break
    finally:
        peer.stop()

    assert set(NotifyOutbox.objects.values_list("state", flat=True)) == {"delivered"}
    assert peer.seen == expected and peer.effects == events  # every event took effect exactly once
    assert len(peer.received) > len(expected)  # at-least-once: the crashes caused re-sends
