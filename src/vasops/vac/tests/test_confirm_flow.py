"""二次确认 end to end: the gateway's ``POST /v1/confirm`` answers and writes what
vac.actions.confirm does (in time, exactly at the interval, one second late, nothing pending);
the API route ``POST /api/v1/vac/subscriptions/confirm`` for staff and machine clients; the
``vac_tasks`` sweep drops only the expired pending relations.

The gateway runs as a real uvicorn subprocess (tests/test_gateway.py's ``Gateway``) whose clock
is read from a file, so the boundary is hit to the microsecond on both sides."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from vasops.api.models import ApiToken
from vasops.catalog.models import Product
from vasops.core import roles
from vasops.core.models import AuditEvent
from vasops.partners.models import Partner
from vasops.vac import actions
from vasops.vac import cache as vac_cache
from vasops.vac.errors import VacRefused
from vasops.vac.events import VacEvent
from vasops.vac.models import NotifyOutbox, Subscription, SubscriptionHistory, UsageRecord
from vasops.vac.protocol.codes import ResultCode as RC
from vasops.vac.tests.test_gateway import PREFIX, REDIS_URL, Gateway, body

INTERVAL = 600  # seconds; not the 24 h default, so both sides must read the setting
T0 = dt.datetime(2026, 3, 10, 2, 0, 0, 123456, tzinfo=dt.UTC)
API = "/api/v1/vac/subscriptions/confirm"

# Runs vasops.vac.gateway.main with the gateway's wall clock read from VASOPS_TEST_CLOCK_FILE (ISO
# instant; empty = the wall clock). uvicorn with one worker serves the already imported module.
LAUNCHER = """
import datetime, os, sys
import vasops.vac.gateway as g
from vasops.vac.gateway import clock

def now():
    with open(os.environ["VASOPS_TEST_CLOCK_FILE"]) as fh:
        text = fh.read().strip()
    return datetime.datetime.fromisoformat(text) if text else datetime.datetime.now(datetime.UTC)

clock.utc_now = now
g.main(sys.argv[1:])
"""


class ClockedGateway(Gateway):
    def __init__(self, db_name: str, clock_file: Path) -> None:
        super().__init__(db_name)
        self.clock_file = clock_file
        self.set_clock(None)

    def set_clock(self, when: dt.datetime | None) -> None:
        self.clock_file.write_text(when.isoformat() if when else "")

    def env(self) -> dict[str, str]:
        return {
            **super().env(),
            "VASOPS_TEST_CLOCK_FILE": str(self.clock_file),
            "VASOPS_VAC_CONFIRM_INTERVAL_SECONDS": str(INTERVAL),
        }

    def start(self) -> None:
        cmd = [sys.executable, "-c", LAUNCHER, "--port", str(self.port)]
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


@pytest.fixture(scope="module")
def gw(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[ClockedGateway]:
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    gateway = ClockedGateway(name, tmp_path_factory.mktemp("clock") / "now")
    gateway.start()
    yield gateway
    gateway.stop()
    vac_cache.clear(REDIS_URL, PREFIX)


@pytest.fixture
def same_cache(settings, gw) -> Iterator[ClockedGateway]:
    settings.VASOPS_VAC_REDIS_URL = REDIS_URL
    settings.VASOPS_VAC_CACHE_PREFIX = PREFIX
    settings.VASOPS_VAC_CONFIRM_INTERVAL_SECONDS = INTERVAL
    vac_cache.clear(REDIS_URL, PREFIX)
    yield gw
    gw.set_clock(None)
    vac_cache.clear(REDIS_URL, PREFIX)


# --- gateway ↔ vac.actions parity ------------------------------------------------------------


def django_confirm(product: Product, msisdn: str, now: dt.datetime) -> tuple[int, int, bool, str | None]:
    product = Product.objects.select_related("partner", "business_line").get(pk=product.pk)
    try:
        got = actions.confirm(actor="gateway", msisdn=msisdn, product=product, now=now)
    except VacRefused as exc:
        return int(exc.result_code), 0, False, None
    state = got.subscription.state if got.subscription else None
    return int(got.code), got.decision.price_fen, got.decision.charge, state


def rows(partner: Partner) -> dict[str, Any]:
    """Everything the confirmation wrote, times relative to T0 (ids and codes differ per world)."""

    def rel(when: dt.datetime | None) -> float | None:
        return (when - T0).total_seconds() if when else None

    subs = Subscription.objects.filter(partner=partner)
    history = SubscriptionHistory.objects.filter(subscription__partner=partner)
    return {
        "subs": sorted(
            (s.product.billing_mode, s.state, rel(s.effective_at), rel(s.expiry_at), s.last_charged_month)
            for s in subs
        ),
        "history": sorted(
            (h.event, h.from_state, h.to_state, h.channel, h.actor_label, h.reason, rel(h.at))
            for h in history
        ),
        "cdrs": sorted(
            (u.kind, u.fee_fen, rel(u.at), u.cdr_id == f"M{u.product.subscriptions.get().pk}-202603")
            for u in UsageRecord.objects.filter(partner=partner)
        ),
        "notifications": sorted(
            (
                n.update_type,
                n.link_id,
                n.update_time,
                n.effective_date,
                n.expire_date,
                n.subscription_id is not None,
            )
            for n in NotifyOutbox.objects.filter(partner=partner)
        ),
    }


CASES = [
    # (case, seconds after the request, expected code, expected state)
    ("in_time", 300, RC.SUCCESS, "active"),
    ("exactly_at_the_interval", INTERVAL, RC.SUCCESS, "active"),
    ("one_second_late", INTERVAL + 1, RC.CONFIRM_TIMEOUT, "dropped"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("case", "after", "code", "state"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("mode", ["monthly", "per_use"])
def test_gateway_confirm_answers_and_writes_what_vac_actions_confirm_does(
    same_cache, make_partner, make_product, case, after, code, state, mode
):
    gw = same_cache
    fee = 500 if mode == "monthly" else 100
    g_product = make_product(make_partner(enterprise_code="96001"), billing_mode=mode, fee_fen=fee)
    d_product = make_product(make_partner(enterprise_code="96002"), billing_mode=mode, fee_fen=fee)
    g_msisdn, d_msisdn = "13200000001", "13200000002"

    gw.set_clock(T0)
    sub = gw.call("/v1/subscribe", **body(g_product, g_msisdn, channel="wap", link_id="LK1"))
    assert (sub["code"], sub["state"]) == (0, "pending_confirmation")
    actions.subscribe(
        actor="gateway", msisdn=d_msisdn, product=d_product, channel="wap", link_id="LK1", now=T0
    )

    when = T0 + dt.timedelta(seconds=after)
    gw.set_clock(when)
    got = gw.call("/v1/confirm", **body(g_product, g_msisdn))
    expected = django_confirm(d_product, d_msisdn, when)
    assert (got["code"], got["price_fen"], got["charge"], got.get("state")) == expected
    assert (got["code"], got["state"]) == (code, state)
    g_rows, d_rows = rows(g_product.partner), rows(d_product.partner)
    assert g_rows == d_rows
    if state == "active":
        assert [n[0] for n in g_rows["notifications"]] == [1]  # the SP is told: subscribed
        assert g_rows["notifications"][0][1] == "LK1"
        # a monthly product charges its first month at once; a per-use one only on use
        assert g_rows["cdrs"] == ([("monthly", 500, float(after), True)] if mode == "monthly" else [])
    else:
        assert g_rows["cdrs"] == [] and g_rows["notifications"] == []  # nobody charged or told
        assert ("dropped", "pending_confirmation", "dropped", "wap", "gateway", "二次确认超时", after) in (
            g_rows["history"]
        )
    # a second reply finds nothing pending, on both sides
    gw.set_clock(when + dt.timedelta(seconds=1))
    again = gw.call("/v1/confirm", **body(g_product, g_msisdn))["code"]
    assert (
        again == django_confirm(d_product, d_msisdn, when + dt.timedelta(seconds=1))[0] == RC.NOT_SUBSCRIBED
    )


@pytest.mark.django_db(transaction=True)
def test_gateway_confirm_without_a_pending_relation_is_1201_like_vac_actions(
    same_cache, make_partner, make_product
):
    gw = same_cache
    g_product = make_product(make_partner(enterprise_code="96011"))
    d_product = make_product(make_partner(enterprise_code="96012"))
    g_msisdn, d_msisdn = "13200000011", "13200000012"
    nothing = (
        gw.call("/v1/confirm", **body(g_product, g_msisdn))["code"],
        django_confirm(d_product, d_msisdn, timezone.now())[0],
    )
    # an active relation (trusted channel: no confirmation was asked) is not pending either
    gw.call("/v1/subscribe", **body(g_product, g_msisdn, channel="crm"))
    actions.subscribe(actor="gateway", msisdn=d_msisdn, product=d_product, channel="crm")
    active = (
        gw.call("/v1/confirm", **body(g_product, g_msisdn))["code"],
        django_confirm(d_product, d_msisdn, timezone.now())[0],
    )
    assert nothing == active == (RC.NOT_SUBSCRIBED, RC.NOT_SUBSCRIBED)
    for product in (g_product, d_product):  # the refusals changed nothing
        assert Subscription.objects.get(product=product).state == "active"
        assert SubscriptionHistory.objects.filter(subscription__product=product).count() == 2
        assert UsageRecord.objects.filter(product=product).count() == 1


@pytest.mark.django_db(transaction=True)
def test_gateway_confirm_validates_its_request_and_echoes_the_link_id(same_cache, monthly):
    gw = same_cache
    assert gw.call("/v1/confirm", **body(monthly, "12345"))["code"] == RC.MSISDN_INVALID
    assert (
        gw.call("/v1/confirm", msisdn="13200000021", sp_id="99999", product_id="x")["code"] == RC.SP_NOT_FOUND
    )
    got = gw.call("/v1/confirm", msisdn="13200000021", sp_id="90001", product_id="9099999901")
    assert got["code"] == RC.SERVICE_NOT_FOUND
    status, data = gw.post("/v1/confirm", msisdn="13200000021", sp_id="90001")
    assert status == 400 and "product_id" in data["error"]
    status, data = gw.post("/v1/confirm", **body(monthly, "13200000021", link_id="x" * 21))
    assert status == 400 and "link_id" in data["error"]
    gw.call("/v1/subscribe", **body(monthly, "13200000021", channel="sms"))
    got = gw.call("/v1/confirm", **body(monthly, "8613200000021", link_id="REPLY1"))
    assert (got["code"], got["state"], got["link_id"]) == (0, "active", "REPLY1")
    assert Subscription.objects.get(msisdn="13200000021").state == "active"


# --- the API route ---------------------------------------------------------------------------


def bearer(user: Any) -> dict[str, str]:
    _token, secret = ApiToken.issue(user)
    return {"Authorization": f"Bearer {secret}"}


def confirm_body(product: Product, msisdn: str, **extra: Any) -> dict[str, Any]:
    return {
        "msisdn": msisdn,
        "sp_id": product.partner.enterprise_code,
        "product_id": product.product_code,
        **extra,
    }


@pytest.fixture
def machine(make_user):
    """A machine client: not staff, no role, only the permission to act for subscribers."""
    user = make_user()
    user.user_permissions.add(
        Permission.objects.get(codename="manage_subscription", content_type__app_label="vac")
    )
    return user


@pytest.fixture
def pending(monthly) -> Subscription:
    return actions.subscribe(
        actor="gateway", msisdn="13300000001", product=monthly, channel="sms"
    ).subscription


@pytest.mark.django_db
def test_api_confirm_by_a_machine_client_activates_charges_notifies_and_audits(
    client, machine, monthly, pending
):
    resp = client.post(
        API, confirm_body(monthly, "8613300000001"), content_type="application/json", headers=bearer(machine)
    )
    assert resp.status_code == 200, resp.json()
    data = resp.json()
    assert (data["result_code"], data["price_fen"], data["charge"]) == (0, 500, True)
    assert data["subscription"]["id"] == pending.pk and data["subscription"]["state"] == "active"
    assert [h["event"] for h in data["subscription"]["history"]] == ["requested", "activated"]
    pending.refresh_from_db()
    assert pending.state == "active" and pending.effective_at is not None
    assert UsageRecord.objects.get(cdr_id=data["cdr_id"]).fee_fen == 500
    assert NotifyOutbox.objects.get(subscription=pending).update_type == 1
    last = pending.history.order_by("id").last()
    assert (last.event, last.actor_label) == ("activated", str(machine))
    event = AuditEvent.objects.get(action=VacEvent.SUBSCRIPTION_CONFIRMED, object_id=str(pending.pk))
    assert (event.actor, event.partner_id, event.after) == (machine, monthly.partner_id, {"state": "active"})


@pytest.mark.django_db
def test_api_confirm_by_a_staff_agent_is_allowed(client, cs_agent, monthly, pending):
    resp = client.post(
        API, confirm_body(monthly, "13300000001"), content_type="application/json", headers=bearer(cs_agent)
    )
    assert resp.status_code == 200 and resp.json()["subscription"]["state"] == "active"


@pytest.mark.django_db
def test_api_confirm_is_refused_without_manage_subscription_and_changes_nothing(
    client, make_user, monthly, pending
):
    for user in (make_user(roles.PRODUCT_STAFF, is_staff=True), make_user(roles.AUDITOR, is_staff=True)):
        resp = client.post(
            API, confirm_body(monthly, "13300000001"), content_type="application/json", headers=bearer(user)
        )
        assert resp.status_code == 403 and resp.json()["code"] == "core.permission_denied"
    resp = client.post(API, confirm_body(monthly, "13300000001"), content_type="application/json")
    assert resp.status_code == 401
    pending.refresh_from_db()
    assert pending.state == "pending_confirmation"
    assert not AuditEvent.objects.filter(action=VacEvent.SUBSCRIPTION_CONFIRMED).exists()


@pytest.mark.django_db
def test_api_confirm_refuses_partner_users_even_of_the_products_own_partner(
    client, make_partner, partner_user, monthly, pending
):
    own_admin = partner_user(monthly.partner)
    # a partner user holding the permission is refused all the same
    own_admin.user_permissions.add(
        Permission.objects.get(codename="manage_subscription", content_type__app_label="vac")
    )
    other = partner_user(make_partner("丙方", enterprise_code="91003"))
    for user in (own_admin, other):
        resp = client.post(
            API, confirm_body(monthly, "13300000001"), content_type="application/json", headers=bearer(user)
        )
        assert resp.status_code == 403
    pending.refresh_from_db()
    assert pending.state == "pending_confirmation"


@pytest.mark.django_db
def test_api_confirm_one_second_late_is_409_code_8_and_the_drop_is_kept(
    client, settings, machine, monthly, pending
):
    settings.VASOPS_VAC_CONFIRM_INTERVAL_SECONDS = INTERVAL
    late = timezone.now() - dt.timedelta(seconds=INTERVAL + 1)
    Subscription.objects.filter(pk=pending.pk).update(requested_at=late)
    resp = client.post(
        API, confirm_body(monthly, "13300000001"), content_type="application/json", headers=bearer(machine)
    )
    assert resp.status_code == 409
    assert (resp.json()["code"], resp.json()["result_code"]) == ("vac.refused", RC.CONFIRM_TIMEOUT)
    pending.refresh_from_db()
    assert pending.state == "dropped" and pending.expiry_at is not None
    last = pending.history.order_by("id").last()
    assert (last.event, last.to_state, last.reason, last.actor_label) == (
        "dropped",
        "dropped",
        "二次确认超时",
        str(machine),
    )
    from vasops.core.models import AuditEvent

    assert AuditEvent.objects.filter(
        action=VacEvent.SUBSCRIPTION_DROPPED, object_id=str(pending.pk), actor=machine
    ).exists()
    assert not UsageRecord.objects.filter(partner=monthly.partner).exists()
    assert not NotifyOutbox.objects.filter(subscription=pending).exists()


@pytest.mark.django_db
def test_api_confirm_with_nothing_pending_or_an_unknown_product_is_refused_with_its_code(
    client, machine, monthly
):
    cases = [
        (confirm_body(monthly, "13300000009"), RC.NOT_SUBSCRIBED),
        ({"msisdn": "13300000009", "sp_id": "99999", "product_id": "x"}, RC.SP_NOT_FOUND),
        ({"msisdn": "13300000009", "sp_id": "90001", "product_id": "9099999901"}, RC.SERVICE_NOT_FOUND),
        (confirm_body(monthly, "12345"), RC.MSISDN_INVALID),
    ]
    for payload, code in cases:
        resp = client.post(API, payload, content_type="application/json", headers=bearer(machine))
        assert (resp.status_code, resp.json()["code"], resp.json()["result_code"]) == (
            409,
            "vac.refused",
            code,
        )
    resp = client.post(
        API, {"msisdn": "13300000009"}, content_type="application/json", headers=bearer(machine)
    )
    assert resp.status_code == 422


# --- the sweep -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_vac_tasks_drops_only_pending_relations_past_the_interval(
    settings, monkeypatch, make_product, partner
):
    settings.VASOPS_VAC_CONFIRM_INTERVAL_SECONDS = INTERVAL
    now = T0 + dt.timedelta(days=3)
    product = make_product(partner, billing_mode="monthly", fee_fen=500)
    ages = {"13400000001": INTERVAL + 1, "13400000002": INTERVAL, "13400000003": 10}
    for msisdn, age in ages.items():
        at = now - dt.timedelta(seconds=age)
        actions.subscribe(actor="gateway", msisdn=msisdn, product=product, channel="sms", now=at)
    actions.subscribe(
        actor="crm", msisdn="13400000004", product=product, channel="crm", now=T0
    )  # old, active
    monkeypatch.setattr(timezone, "now", lambda: now)
    out = io.StringIO()
    call_command("vac_tasks", stdout=out)
    assert "dropped=1" in out.getvalue()
    states = dict(Subscription.objects.filter(product=product).values_list("msisdn", "state"))
    assert states == {
        "13400000001": "dropped",
        "13400000002": "pending_confirmation",  # exactly at the interval: still confirmable
        "13400000003": "pending_confirmation",
        "13400000004": "active",
    }
    dropped = Subscription.objects.get(msisdn="13400000001")
    assert list(dropped.history.values_list("event", "actor_label", "reason")) == [
        ("requested", "gateway", ""),
        ("dropped", "system", "二次确认超时"),
    ]
    # the one at the boundary can still be confirmed at this instant; a second sweep drops nothing more
    assert actions.confirm(actor="gateway", msisdn="13400000002", product=product, now=now).code == RC.SUCCESS
    out = io.StringIO()
    call_command("vac_tasks", stdout=out)
    assert "dropped=0" in out.getvalue()
